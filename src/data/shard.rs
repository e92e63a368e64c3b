//! Shard files: a versioned header, a CRC32 of the payload, and K records (`docs/dataset-format.md`).

use std::path::{Path, PathBuf};

use super::record::{FlowRecord, LinkRecord, Record};
use crate::fsutil::write_atomic;
use std::collections::BTreeMap;

use crate::net::{ClassQueue, PacketSizes, Policy, Scheduler};

/// First bytes of every shard file.
pub const MAGIC: &[u8; 8] = b"PCSHARD\0";
/// Shard format version this build writes for samples with classes or schedulers, and reads.
/// Version 3 added flow classes and port schedulers; version 2 (FIFO samples are still written
/// in it, byte for byte as before) the packet-size distribution, link propagation delays, and
/// 64-bit capacities and rates.
pub const VERSION: u32 = 3;
/// The oldest version this build reads: every port FIFO, every flow class 0.
pub const VERSION_FIFO: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 4;

/// A shard that cannot be read, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: not a pathcast shard (bad magic bytes)")]
    NotAShard(PathBuf),
    #[error(
        "{0}: shard format version {1}, this build reads versions {VERSION_FIFO} and {VERSION}: regenerate the dataset with `pathcast dataset generate`"
    )]
    Version(PathBuf, u32),
    #[error("{path}: truncated: header announces {expected} payload bytes, file has {found}")]
    Truncated { path: PathBuf, expected: u64, found: u64 },
    #[error("{0}: checksum mismatch: the file is corrupt")]
    Checksum(PathBuf),
    #[error("{path}: corrupt record {record}: {what}")]
    Corrupt { path: PathBuf, record: usize, what: String },
}

/// Encodes records as shard bytes.
pub fn encode(records: &[Record]) -> Vec<u8> {
    let version = if records.iter().any(Record::has_qos) { VERSION } else { VERSION_FIFO };
    let mut payload = Vec::new();
    for r in records {
        put_record(&mut payload, r, version);
    }
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Writes a shard atomically.
pub fn write(path: &Path, records: &[Record]) -> Result<(), ShardError> {
    write_atomic(path, &encode(records)).map_err(|e| ShardError::Io(path.to_owned(), e))
}

/// Reads and checks a whole shard.
pub fn read(path: &Path) -> Result<Vec<Record>, ShardError> {
    let bytes = crate::fsutil::read(path).map_err(|e| ShardError::Io(path.to_owned(), e))?;
    decode(path, &bytes)
}

/// Checks only the header and the file length (cheap; used when resuming).
pub fn check_header(path: &Path) -> Result<u32, ShardError> {
    use std::io::Read;
    let mut header = [0u8; HEADER_LEN];
    let mut file = std::fs::File::open(path).map_err(|e| ShardError::Io(path.to_owned(), e))?;
    let len = file.metadata().map_err(|e| ShardError::Io(path.to_owned(), e))?.len();
    file.read_exact(&mut header).map_err(|_| ShardError::Truncated {
        path: path.to_owned(),
        expected: HEADER_LEN as u64,
        found: len,
    })?;
    let (count, payload_len, _, _) = parse_header(path, &header)?;
    if len - HEADER_LEN as u64 != payload_len {
        return Err(ShardError::Truncated {
            path: path.to_owned(),
            expected: payload_len,
            found: len - HEADER_LEN as u64,
        });
    }
    Ok(count)
}

/// The header's sample count, payload length, checksum and version.
fn parse_header(path: &Path, bytes: &[u8]) -> Result<(u32, u64, u32, u32), ShardError> {
    if bytes.len() < HEADER_LEN {
        return Err(ShardError::Truncated {
            path: path.to_owned(),
            expected: HEADER_LEN as u64,
            found: bytes.len() as u64,
        });
    }
    if &bytes[..8] != MAGIC {
        return Err(ShardError::NotAShard(path.to_owned()));
    }
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let version = u32_at(8);
    if version != VERSION && version != VERSION_FIFO {
        return Err(ShardError::Version(path.to_owned(), version));
    }
    let payload_len = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
    Ok((u32_at(12), payload_len, u32_at(24), version))
}

/// Decodes shard bytes read from `path` (the path only names errors).
pub fn decode(path: &Path, bytes: &[u8]) -> Result<Vec<Record>, ShardError> {
    let (count, payload_len, crc, version) = parse_header(path, bytes)?;
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != payload_len {
        return Err(ShardError::Truncated {
            path: path.to_owned(),
            expected: payload_len,
            found: payload.len() as u64,
        });
    }
    if crc32fast::hash(payload) != crc {
        return Err(ShardError::Checksum(path.to_owned()));
    }
    let mut reader = Reader { bytes: payload, at: 0, qos: version >= VERSION };
    let mut records = Vec::with_capacity((count as usize).min(4096));
    for i in 0..count as usize {
        let record = reader.record().map_err(|what| ShardError::Corrupt {
            path: path.to_owned(),
            record: i,
            what: what.to_owned(),
        })?;
        records.push(record);
    }
    if reader.at != payload.len() {
        let what = format!("{} bytes after the last record", payload.len() - reader.at);
        return Err(ShardError::Corrupt { path: path.to_owned(), record: count as usize, what });
    }
    Ok(records)
}

fn put_record(out: &mut Vec<u8>, r: &Record, version: u32) {
    out.extend_from_slice(&r.index.to_le_bytes());
    let name = &r.topology.as_bytes()[..r.topology.len().min(u16::MAX as usize)];
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(name);
    let (kind, mean_bits) = match r.packets {
        PacketSizes::Exponential { mean_bits } => (0u8, mean_bits),
        PacketSizes::Bimodal { mean_bits } => (1, mean_bits),
        PacketSizes::Fixed { mean_bits } => (2, mean_bits),
    };
    out.push(kind);
    out.extend_from_slice(&mean_bits.to_le_bytes());
    out.extend_from_slice(&r.nodes.to_le_bytes());
    out.extend_from_slice(&(r.links.len() as u32).to_le_bytes());
    for l in &r.links {
        for v in [l.from, l.to] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&l.capacity_bps.to_le_bytes());
        out.extend_from_slice(&l.queue_packets.to_le_bytes());
        out.extend_from_slice(&l.propagation_s.to_le_bytes());
        out.extend_from_slice(&l.utilisation.to_le_bytes());
    }
    out.extend_from_slice(&(r.flows.len() as u32).to_le_bytes());
    for f in &r.flows {
        for v in [f.src, f.dst] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&f.rate_bps.to_le_bytes());
        for v in [f.delay_s, f.jitter_s2, f.loss, f.p50_s, f.p90_s, f.delay_se_s] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(f.path.len() as u16).to_le_bytes());
        for l in &f.path {
            out.extend_from_slice(&l.to_le_bytes());
        }
        if version >= VERSION {
            out.push(f.class);
        }
    }
    if version >= VERSION {
        out.extend_from_slice(&(r.schedulers.len() as u32).to_le_bytes());
        for (link, scheduler) in &r.schedulers {
            out.extend_from_slice(&link.to_le_bytes());
            out.push(Policy::ALL.iter().position(|&p| p == scheduler.policy).expect("a policy") as u8);
            out.push(scheduler.classes.len() as u8);
            for class in &scheduler.classes {
                out.extend_from_slice(&class.weight.to_le_bytes());
                out.extend_from_slice(&class.queue_packets.unwrap_or(0).to_le_bytes());
            }
        }
    }
}

/// Bounds-checked little-endian reader: corrupt input gives an error, never a panic.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Whether records carry classes and schedulers (version 3).
    qos: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], &'static str> {
        let end =
            self.at.checked_add(N).filter(|&e| e <= self.bytes.len()).ok_or("record runs past the end")?;
        let out = self.bytes[self.at..end].try_into().expect("N bytes");
        self.at = end;
        Ok(out)
    }
    fn u16(&mut self) -> Result<u16, &'static str> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32, &'static str> {
        self.take().map(u32::from_le_bytes)
    }
    fn f32(&mut self) -> Result<f32, &'static str> {
        self.take().map(f32::from_le_bytes)
    }
    fn f64(&mut self) -> Result<f64, &'static str> {
        self.take().map(f64::from_le_bytes)
    }
    /// A count of items of at least `min_size` bytes each, checked against the bytes left.
    fn count(&mut self, min_size: usize) -> Result<usize, &'static str> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size) > self.bytes.len() - self.at {
            return Err("count larger than the bytes left");
        }
        Ok(n)
    }

    fn record(&mut self) -> Result<Record, &'static str> {
        let index = self.take().map(u64::from_le_bytes)?;
        let name_len = self.u16()? as usize;
        let end = self
            .at
            .checked_add(name_len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or("name runs past the end")?;
        let topology =
            std::str::from_utf8(&self.bytes[self.at..end]).map_err(|_| "name is not UTF-8")?.to_owned();
        self.at = end;
        let [kind] = self.take()?;
        let mean_bits = self.f64()?;
        let packets = match kind {
            0 => PacketSizes::Exponential { mean_bits },
            1 => PacketSizes::Bimodal { mean_bits },
            2 => PacketSizes::Fixed { mean_bits },
            _ => return Err("unknown packet-size distribution"),
        };
        if !(mean_bits.is_finite() && mean_bits > 0.0) {
            return Err("mean packet size is not a positive number");
        }
        let nodes = self.u32()?;
        let n_links = self.count(32)?;
        let mut links = Vec::with_capacity(n_links);
        for _ in 0..n_links {
            let link = LinkRecord {
                from: self.u32()?,
                to: self.u32()?,
                capacity_bps: self.f64()?,
                queue_packets: self.u32()?,
                propagation_s: self.f64()?,
                utilisation: self.f32()?,
            };
            if link.from >= nodes || link.to >= nodes {
                return Err("link endpoint is not a node");
            }
            if !(link.capacity_bps.is_finite() && link.capacity_bps > 0.0) || link.queue_packets == 0 {
                return Err("link capacity or queue size is not positive");
            }
            if !(link.propagation_s.is_finite() && link.propagation_s >= 0.0) {
                return Err("link propagation delay is not a non-negative number");
            }
            links.push(link);
        }
        let n_flows = self.count(42)?;
        let mut flows = Vec::with_capacity(n_flows);
        for _ in 0..n_flows {
            let (src, dst) = (self.u32()?, self.u32()?);
            let rate_bps = self.f64()?;
            if !(rate_bps.is_finite() && rate_bps > 0.0) {
                return Err("flow rate is not positive");
            }
            let mut v = [0f32; 6];
            for x in &mut v {
                *x = self.f32()?;
            }
            let hops = self.u16()? as usize;
            let mut path = Vec::with_capacity(hops);
            for _ in 0..hops {
                let l = self.u32()?;
                if l as usize >= links.len() {
                    return Err("path uses a link that does not exist");
                }
                path.push(l);
            }
            if path.is_empty() {
                return Err("flow has an empty path");
            }
            let ends = |l: &u32| (links[*l as usize].from, links[*l as usize].to);
            let connected = path.windows(2).all(|w| ends(&w[0]).1 == ends(&w[1]).0);
            if !connected || ends(&path[0]).0 != src || ends(&path[path.len() - 1]).1 != dst {
                return Err("flow path does not lead from its source to its destination");
            }
            let [delay_s, jitter_s2, loss, p50_s, p90_s, delay_se_s] = v;
            let class = if self.qos { self.take::<1>()?[0] } else { 0 };
            flows.push(FlowRecord {
                src,
                dst,
                rate_bps,
                delay_s,
                jitter_s2,
                loss,
                p50_s,
                p90_s,
                delay_se_s,
                path,
                class,
            });
        }
        let schedulers = if self.qos { self.schedulers(links.len())? } else { BTreeMap::new() };
        Ok(Record { index, topology, packets, nodes, links, flows, schedulers })
    }

    /// Version 3's schedulers: link index, policy, class count, then per class its weight and
    /// queue size (0: the link's).
    fn schedulers(&mut self, links: usize) -> Result<BTreeMap<u32, Scheduler>, &'static str> {
        let count = self.count(6)?;
        let mut schedulers = BTreeMap::new();
        for _ in 0..count {
            let link = self.u32()?;
            if link as usize >= links {
                return Err("scheduler of a link that does not exist");
            }
            let [policy, classes] = self.take()?;
            let policy = *Policy::ALL.get(usize::from(policy)).ok_or("unknown scheduling policy")?;
            let mut scheduler = Scheduler { policy, classes: Vec::new() };
            for _ in 0..classes {
                let weight = self.f64()?;
                let queue = self.u32()?;
                scheduler.classes.push(ClassQueue { weight, queue_packets: (queue > 0).then_some(queue) });
            }
            scheduler.validate().map_err(|_| "a scheduler's classes or weights are not usable")?;
            if schedulers.insert(link, scheduler).is_some() {
                return Err("a link has two schedulers");
            }
        }
        Ok(schedulers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: u64) -> Record {
        Record {
            index: i,
            topology: "tiny".into(),
            packets: PacketSizes::Bimodal { mean_bits: 8000.0 },
            nodes: 2,
            links: vec![
                LinkRecord {
                    from: 0,
                    to: 1,
                    capacity_bps: 1e10,
                    queue_packets: 32,
                    propagation_s: 0.0123,
                    utilisation: 0.5,
                },
                LinkRecord {
                    from: 1,
                    to: 0,
                    capacity_bps: 1e4,
                    queue_packets: 32,
                    propagation_s: 0.0,
                    utilisation: 0.1,
                },
            ],
            flows: vec![FlowRecord {
                src: 0,
                dst: 1,
                rate_bps: 5e3 + 1e-9,
                delay_s: 0.2,
                jitter_s2: 0.04,
                loss: 0.0,
                p50_s: 0.15,
                p90_s: 0.45,
                delay_se_s: 0.002,
                path: vec![0],
                class: 0,
            }],
            schedulers: BTreeMap::new(),
        }
    }

    #[test]
    fn records_round_trip_exactly() {
        let records = vec![record(0), record(7)];
        let bytes = encode(&records);
        assert_eq!(bytes[8], VERSION_FIFO as u8, "FIFO samples keep the version 2 layout");
        assert_eq!(decode(Path::new("x"), &bytes).unwrap(), records);
    }

    #[test]
    fn classes_and_schedulers_round_trip_in_version_3() {
        let mut qos = record(3);
        qos.flows[0].class = 2;
        let mut drr = Scheduler::weighted(Policy::Drr, &[60.0, 30.0, 10.0]);
        drr.classes[1].queue_packets = Some(8);
        qos.schedulers.insert(0, drr);
        let records = vec![record(0), qos];
        let bytes = encode(&records);
        assert_eq!(bytes[8], VERSION as u8);
        assert_eq!(decode(Path::new("x"), &bytes).unwrap(), records);
    }

    #[test]
    fn damage_is_detected_and_named() {
        let bytes = encode(&[record(1)]);
        let p = Path::new("d/shard-00003.pcs");
        let err = decode(p, &bytes[..bytes.len() - 3]).unwrap_err();
        assert!(err.to_string().starts_with("d/shard-00003.pcs: truncated"), "{err}");
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(decode(p, &flipped), Err(ShardError::Checksum(_))));
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert!(matches!(decode(p, &magic), Err(ShardError::NotAShard(_))));
        assert!(matches!(decode(p, &bytes[..5]), Err(ShardError::Truncated { .. })));
    }

    #[test]
    fn arbitrary_payloads_with_a_valid_checksum_never_panic() {
        let good = encode(&[record(1)]);
        for cut in 0..good.len() - HEADER_LEN {
            for flip in [0u8, 0xff] {
                let mut payload = good[HEADER_LEN..].to_vec();
                payload[cut] ^= flip | 0x5a;
                let mut bytes = good[..HEADER_LEN].to_vec();
                bytes[24..28].copy_from_slice(&crc32fast::hash(&payload).to_le_bytes());
                bytes.extend_from_slice(&payload);
                let _ = decode(Path::new("x"), &bytes);
            }
        }
    }
}
