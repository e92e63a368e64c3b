//! KDN datasets v0: `Network_<name>.ned`, and `results_*.tar.gz` archives each holding a
//! destination-based RIB (`Routing.txt`: the output port from node i towards node j) and
//! `simulationResults.txt` (one simulation per line).
//!
//! A results line holds, for every (src, dst) in row-major order, first 3 values (bandwidth in
//! kbit/s, packets transmitted, packets dropped), then, after all n² of those, 7 values (mean
//! delay, p10, p20, p50, p80, p90, delay variance), as the dataset's description gives.

use std::collections::HashMap;
use std::path::Path;

use super::{ImportError, number, read_archive, result_archives};
use crate::data::record::{FlowRecord, LinkRecord, Record};
use crate::net::{DEFAULT_QUEUE_PACKETS, PacketSizes};

/// A topology from a `.ned` file: nodes, and links with the ports at each end.
struct Ned {
    name: String,
    nodes: u32,
    /// (node, port) → the node at the other end of that port's link.
    ports: HashMap<(u32, u32), u32>,
    /// Directed links: (from, to, capacity bit/s, propagation s).
    links: Vec<(u32, u32, f64, f64)>,
}

/// Reads every sample of a KDN v0 dataset directory into `sink`; returns the topology name and
/// the samples left out.
pub(super) fn read(
    source: &Path,
    sink: &mut dyn FnMut(Record) -> Result<bool, ImportError>,
) -> Result<(String, Vec<String>), ImportError> {
    let ned_path = find_ned(source)?;
    let text = std::fs::read_to_string(&ned_path).map_err(|e| ImportError::Io(ned_path.clone(), e))?;
    let ned = parse_ned(&ned_path.display().to_string(), &text)?;
    let index: HashMap<(u32, u32), u32> =
        ned.links.iter().enumerate().map(|(i, &(a, b, _, _))| ((a, b), i as u32)).collect();
    let links = link_records(&ned);
    let skipped = Vec::new();
    for archive in result_archives(source)? {
        let name = archive.display().to_string();
        let files = read_archive(&archive, &["Routing.txt", "simulationResults.txt"])?;
        let file = |wanted: &str| {
            files
                .iter()
                .find(|(n, _)| n == wanted)
                .map(|(_, t)| t.as_str())
                .ok_or_else(|| ImportError::format(&name, format!("has no {wanted}")))
        };
        let paths = routes(&format!("{name}/Routing.txt"), file("Routing.txt")?, &ned, &index)?;
        for (line_no, line) in file("simulationResults.txt")?.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let place = format!("{name}/simulationResults.txt: line {}", line_no + 1);
            let record = sample(&place, line, &ned, &links, &paths)?;
            if !sink(record)? {
                return Ok((ned.name, skipped));
            }
        }
    }
    Ok((ned.name, skipped))
}

/// The topology's directed links as records, with the datasets' 32-packet buffers.
fn link_records(ned: &Ned) -> Vec<LinkRecord> {
    ned.links
        .iter()
        .map(|&(from, to, capacity_bps, propagation_s)| LinkRecord {
            from,
            to,
            capacity_bps,
            queue_packets: DEFAULT_QUEUE_PACKETS,
            propagation_s,
            utilisation: f32::NAN,
        })
        .collect()
}

fn find_ned(source: &Path) -> Result<std::path::PathBuf, ImportError> {
    let entries = std::fs::read_dir(source).map_err(|e| ImportError::Io(source.to_owned(), e))?;
    let mut found: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ned"))
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ImportError::format(source.display(), "holds no .ned topology file")),
        _ => Err(ImportError::format(source.display(), "holds more than one .ned file")),
    }
}

/// A data rate such as `10kbps` or `2.5Gbps`, in bit/s (k = 1000).
fn datarate(file: &str, text: &str) -> Result<f64, ImportError> {
    let text = text.trim().trim_end_matches(';').trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (value, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "bps" | "" => 1.0,
        "kbps" => 1e3,
        "Mbps" => 1e6,
        "Gbps" => 1e9,
        other => return Err(ImportError::format(file, format!("unknown data rate unit {other:?}"))),
    };
    let rate = number(file, "datarate", value)? * scale;
    if rate > 0.0 {
        Ok(rate)
    } else {
        Err(ImportError::format(file, format!("data rate {text} is not positive")))
    }
}

/// A delay such as `0ms` or `1.5us`, in seconds.
fn delay(file: &str, text: &str) -> Result<f64, ImportError> {
    let text = text.trim().trim_end_matches(';').trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (value, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "s" | "" => 1.0,
        "ms" => 1e-3,
        "us" => 1e-6,
        "ns" => 1e-9,
        other => return Err(ImportError::format(file, format!("unknown delay unit {other:?}"))),
    };
    let d = number(file, "delay", value)? * scale;
    if d >= 0.0 { Ok(d) } else { Err(ImportError::format(file, format!("delay {text} is negative"))) }
}

/// `nodeN.port[P]` → (N, P).
fn node_port(file: &str, text: &str) -> Result<(u32, u32), ImportError> {
    let bad = || ImportError::format(file, format!("{:?} is not nodeN.port[P]", text.trim()));
    let text = text.trim().trim_end_matches(';').trim();
    let (node, port) = text.split_once(".port[").ok_or_else(bad)?;
    let node = node.strip_prefix("node").and_then(|n| n.parse().ok()).ok_or_else(bad)?;
    let port = port.strip_suffix(']').and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    Ok((node, port))
}

fn parse_ned(file: &str, text: &str) -> Result<Ned, ImportError> {
    let mut name = None;
    let mut nodes = None;
    let mut channels: HashMap<String, (f64, f64)> = HashMap::new();
    let mut channel: Option<String> = None;
    let mut ports = HashMap::new();
    let mut links = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = |m: String| ImportError::format(format!("{file}: line {}", i + 1), m);
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("network") {
            name = Some(rest.trim().trim_start_matches("Network_").to_owned());
        } else if let Some(rest) = line.strip_prefix("int numNodes") {
            let value = rest.trim_start_matches([' ', '=']).trim_end_matches(';');
            nodes = Some(value.trim().parse::<u32>().map_err(|_| at(format!("numNodes {value:?}")))?);
        } else if let Some(rest) = line.strip_prefix("channel ") {
            let id = rest.split_whitespace().next().unwrap_or_default().to_owned();
            channels.insert(id.clone(), (0.0, 0.0));
            channel = Some(id);
        } else if let (Some(rest), Some(id)) = (line.strip_prefix("datarate"), &channel) {
            let rate = datarate(file, rest.trim_start_matches([' ', '=']))?;
            channels.get_mut(id).expect("declared").0 = rate;
        } else if let (Some(rest), Some(id)) = (line.strip_prefix("delay"), &channel) {
            let d = delay(file, rest.trim_start_matches([' ', '=']))?;
            channels.get_mut(id).expect("declared").1 = d;
        } else if line.contains("<-->") {
            let parts: Vec<&str> = line.split("<-->").collect();
            let [left, middle, right] = parts[..] else {
                return Err(at(format!("connection {line:?} is not a <--> channel <--> b")));
            };
            let (a, pa) = node_port(file, left)?;
            let (b, pb) = node_port(file, right)?;
            let &(capacity, propagation) = channels
                .get(middle.trim())
                .ok_or_else(|| at(format!("unknown channel {:?}", middle.trim())))?;
            if capacity <= 0.0 {
                return Err(at(format!("channel {:?} has no data rate", middle.trim())));
            }
            for (key, other) in [((a, pa), b), ((b, pb), a)] {
                if ports.insert(key, other).is_some() {
                    return Err(at(format!("node{}.port[{}] is connected twice", key.0, key.1)));
                }
            }
            links.push((a, b, capacity, propagation));
            links.push((b, a, capacity, propagation));
        }
    }
    let nodes = nodes.ok_or_else(|| ImportError::format(file, "no numNodes"))?;
    if let Some(&(a, b, _, _)) = links.iter().find(|&&(a, b, _, _)| a >= nodes || b >= nodes || a == b) {
        return Err(ImportError::format(
            file,
            format!("link node{a} - node{b} is not between two of the {nodes} nodes"),
        ));
    }
    Ok(Ned { name: name.unwrap_or_else(|| "kdn".to_owned()), nodes, ports, links })
}

/// Every pair's path as link indices, following the RIB's output ports hop by hop.
fn routes(
    file: &str,
    text: &str,
    ned: &Ned,
    index: &HashMap<(u32, u32), u32>,
) -> Result<HashMap<(u32, u32), Vec<u32>>, ImportError> {
    let n = ned.nodes as usize;
    let mut rib = Vec::with_capacity(n);
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let row: Vec<i64> = line
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                ImportError::format(format!("{file}: line {}", i + 1), "not a row of port numbers")
            })?;
        if row.len() != n {
            return Err(ImportError::format(
                format!("{file}: line {}", i + 1),
                format!("{} ports, expected {n}", row.len()),
            ));
        }
        rib.push(row);
    }
    if rib.len() != n {
        return Err(ImportError::format(file, format!("{} rows, expected {n}", rib.len())));
    }
    let mut paths = HashMap::new();
    for src in 0..ned.nodes {
        for dst in (0..ned.nodes).filter(|&d| d != src) {
            let mut path = Vec::new();
            let mut at = src;
            while at != dst {
                let port = rib[at as usize][dst as usize];
                let next = u32::try_from(port).ok().and_then(|p| ned.ports.get(&(at, p)).copied());
                let next = next.ok_or_else(|| {
                    ImportError::format(file, format!("node {at} has no port {port} towards {dst}"))
                })?;
                path.push(index[&(at, next)]);
                at = next;
                if path.len() > n {
                    return Err(ImportError::format(file, format!("the route from {src} to {dst} loops")));
                }
            }
            paths.insert((src, dst), path);
        }
    }
    Ok(paths)
}

/// One simulation: the pairs with traffic, their paths and labels.
fn sample(
    place: &str,
    line: &str,
    ned: &Ned,
    links: &[LinkRecord],
    paths: &HashMap<(u32, u32), Vec<u32>>,
) -> Result<Record, ImportError> {
    let n = ned.nodes as usize;
    let values: Vec<f64> = line
        .trim_end_matches([',', '\n', '\r'])
        .split(',')
        .map(|v| number(place, "value", v))
        .collect::<Result<_, _>>()?;
    if values.len() < n * n * 10 {
        return Err(ImportError::format(place, format!("{} values, expected {}", values.len(), n * n * 10)));
    }
    let mut flows = Vec::new();
    for src in 0..ned.nodes {
        for dst in (0..ned.nodes).filter(|&d| d != src) {
            let pair = src as usize * n + dst as usize;
            let (kbps, sent, dropped) = (values[3 * pair], values[3 * pair + 1], values[3 * pair + 2]);
            if kbps <= 0.0 {
                continue;
            }
            let stats = &values[3 * n * n + 7 * pair..3 * n * n + 7 * pair + 7];
            flows.push(FlowRecord {
                src,
                dst,
                rate_bps: kbps * 1e3,
                delay_s: stats[0] as f32,
                jitter_s2: stats[6] as f32,
                loss: if sent > 0.0 { (dropped / sent) as f32 } else { 0.0 },
                p50_s: stats[3] as f32,
                p90_s: stats[5] as f32,
                delay_se_s: f32::NAN,
                path: paths[&(src, dst)].clone(),
                class: 0,
            });
        }
    }
    Ok(Record {
        index: 0,
        topology: ned.name.clone(),
        packets: PacketSizes::Bimodal { mean_bits: 1000.0 },
        nodes: ned.nodes,
        links: links.to_vec(),
        flows,
        schedulers: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NED: &str = "network  Network_tiny\n{\n parameters:\n  int numNodes = 3;\n types:\n  channel C10 extends ned.DatarateChannel\n  {\n   delay = 2ms;\n   datarate = 10kbps;\n  }\n connections:\n  node0.port[0] <--> C10 <--> node1.port[0];\n  node1.port[1] <--> C10 <--> node2.port[0];\n}\n";

    #[test]
    fn ned_topology_and_port_routing() {
        let ned = parse_ned("t.ned", NED).unwrap();
        assert_eq!((ned.name.as_str(), ned.nodes), ("tiny", 3));
        assert_eq!(
            ned.links,
            vec![(0, 1, 1e4, 0.002), (1, 0, 1e4, 0.002), (1, 2, 1e4, 0.002), (2, 1, 1e4, 0.002)]
        );
        let index = ned.links.iter().enumerate().map(|(i, &(a, b, _, _))| ((a, b), i as u32)).collect();
        // From 0 everything leaves by port 0; node 1 reaches 0 by port 0 and 2 by port 1.
        let rib = "-1,0,0,\n0,-1,1,\n0,0,-1,\n";
        let paths = routes("Routing.txt", rib, &ned, &index).unwrap();
        assert_eq!(paths[&(0, 2)], vec![0, 2]);
        assert_eq!(paths[&(2, 0)], vec![3, 1]);
        let looping = "-1,0,0,\n0,-1,0,\n0,0,-1,\n";
        let err = routes("Routing.txt", looping, &ned, &index).unwrap_err().to_string();
        assert!(err.contains("loops"), "{err}");
    }

    #[test]
    fn a_results_line_gives_flows_with_labels() {
        let ned = parse_ned("t.ned", NED).unwrap();
        let index = ned.links.iter().enumerate().map(|(i, &(a, b, _, _))| ((a, b), i as u32)).collect();
        let paths = routes("Routing.txt", "-1,0,0,\n0,-1,1,\n0,0,-1,\n", &ned, &index).unwrap();
        let mut values = vec![0.0; 9 * 10];
        // Pair (0, 2): 0.5 kbit/s, 100 sent, 2 dropped; delay 0.3 s, p50 0.25, p90 0.6, jitter 0.01.
        values[3 * 2..3 * 2 + 3].copy_from_slice(&[0.5, 100.0, 2.0]);
        values[27 + 7 * 2..27 + 7 * 2 + 7].copy_from_slice(&[0.3, 0.1, 0.2, 0.25, 0.4, 0.6, 0.01]);
        let line = values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",") + ",";
        let links = link_records(&ned);
        let r = sample("x", &line, &ned, &links, &paths).unwrap();
        assert_eq!(r.flows.len(), 1);
        let f = &r.flows[0];
        assert_eq!((f.src, f.dst, f.rate_bps, f.path.clone()), (0, 2, 500.0, vec![0, 2]));
        assert_eq!((f.delay_s, f.jitter_s2, f.loss, f.p50_s, f.p90_s), (0.3, 0.01, 0.02, 0.25, 0.6));
        assert!(sample("x", "1,2,3", &ned, &links, &paths).unwrap_err().to_string().contains("expected 90"));
    }
}
