//! Dataset directories: a manifest, the base topology, and shard files; generation with resume.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::record::Record;
use super::shard::{self, ShardError};
use crate::fsutil::write_atomic;
use crate::net::{Topology, gml};
use crate::sim::{GeneratorConfig, Networks, SampleGenerator, SimError};

/// The `format` of manifests this build reads and writes (version 2: shards of version 2 and the
/// generator's `networks`).
pub const FORMAT: &str = "pathcast.dataset.v2";
const MANIFEST: &str = "manifest.json";
const TOPOLOGY: &str = "topology.gml";

/// One shard as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardEntry {
    pub file: String,
    pub first_index: u64,
    pub samples: u32,
}

/// `manifest.json`: what was generated, how, and where. A dataset on one topology also holds it
/// as `topology.gml`; a diverse one (each sample on its own network) does not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub topology: String,
    /// How the samples were simulated; absent in an imported dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<GeneratorConfig>,
    /// Where an imported dataset's samples and labels came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<ImportSource>,
    pub shard_size: u32,
    /// Samples asked for; `shards` may hold fewer while generation is unfinished.
    pub samples_requested: u64,
    pub shards: Vec<ShardEntry>,
}

/// The origin of an imported dataset (`pathcast dataset import`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSource {
    /// `kdn-v0` or `challenge-2021`.
    pub format: String,
    /// The directory the samples were read from.
    pub source: String,
    /// Samples of the source left out, and why.
    pub skipped: Vec<String>,
}

impl ImportSource {
    /// The delay at which the simulator that labelled the samples capped each packet's recorded
    /// delay (s). OMNeT++'s Challenge 2020 labels are the mean and variance of min(delay, 20 s):
    /// no label exceeds 20.0 s, flows whose packets take far longer sit just under it with little
    /// variance, and their loss is what the port alone gives. None is known for the other sets,
    /// whose delays stay far below.
    pub fn delay_cap_s(&self) -> Option<f64> {
        (self.format == "challenge-2020").then_some(20.0)
    }
}

impl Manifest {
    /// Samples present in finished shards.
    pub fn samples(&self) -> u64 {
        self.shards.iter().map(|s| u64::from(s.samples)).sum()
    }
}

/// Errors about a dataset directory, each naming the path.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: {1}")]
    Manifest(PathBuf, String),
    #[error(transparent)]
    Shard(#[from] ShardError),
    #[error("{0}: holds a dataset made with other parameters or topology; use an empty directory")]
    Mismatch(PathBuf),
    #[error("sample {index}: {error}")]
    Simulation { index: u64, error: SimError },
}

/// An opened dataset directory.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Dataset {
    /// Reads `DIR/manifest.json`.
    pub fn open(dir: &Path) -> Result<Self, DatasetError> {
        let manifest = read_manifest(dir)?;
        check_manifest(dir, &manifest).map_err(|why| DatasetError::Manifest(dir.join(MANIFEST), why))?;
        Ok(Dataset { dir: dir.to_owned(), manifest })
    }

    /// Paths of the finished shards, in index order.
    pub fn shard_paths(&self) -> Vec<PathBuf> {
        self.manifest.shards.iter().map(|s| self.dir.join(&s.file)).collect()
    }

    /// Reads every record (small datasets and tools only; training uses the loader).
    pub fn read_all(&self) -> Result<Vec<Record>, DatasetError> {
        let mut out = Vec::new();
        for path in self.shard_paths() {
            out.extend(shard::read(&path)?);
        }
        Ok(out)
    }
}

/// Reads `DIR/manifest.json` and checks its format (not its shards).
fn read_manifest(dir: &Path) -> Result<Manifest, DatasetError> {
    let path = dir.join(MANIFEST);
    let bytes = crate::fsutil::read(&path).map_err(|e| DatasetError::Io(path.clone(), e))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| DatasetError::Manifest(path.clone(), e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(DatasetError::Manifest(
            path,
            format!("format {:?}, expected {FORMAT:?}", manifest.format),
        ));
    }
    Ok(manifest)
}

/// Checks that a manifest agrees with itself and with its shards' headers: shards in order, each
/// named once, inside the directory, starting where the previous one ended, no larger than the
/// shard size, and holding the samples it lists.
fn check_manifest(dir: &Path, manifest: &Manifest) -> Result<(), String> {
    if manifest.shard_size == 0 {
        return Err("shard_size is 0".into());
    }
    let mut next = 0u64;
    let mut files = std::collections::HashSet::new();
    for (i, entry) in manifest.shards.iter().enumerate() {
        let place = format!("shards[{i}] ({})", entry.file);
        if entry.file.contains(['/', '\\']) || entry.file.starts_with('.') || !files.insert(&entry.file) {
            return Err(format!("{place}: not a shard file name of this directory, or listed twice"));
        }
        if entry.first_index != next {
            return Err(format!("{place}: first_index {} should be {next}", entry.first_index));
        }
        if entry.samples == 0 || entry.samples > manifest.shard_size {
            return Err(format!("{place}: {} samples in shards of {}", entry.samples, manifest.shard_size));
        }
        let count = shard::check_header(&dir.join(&entry.file)).map_err(|e| e.to_string())?;
        if count != entry.samples {
            return Err(format!(
                "{place}: the shard holds {count} samples, the manifest says {}",
                entry.samples
            ));
        }
        next += u64::from(entry.samples);
    }
    if next > manifest.samples_requested {
        return Err(format!(
            "{next} samples in the shards, more than the {} requested",
            manifest.samples_requested
        ));
    }
    Ok(())
}

/// What a generation run should make.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    pub dir: PathBuf,
    pub name: String,
    pub topology: Topology,
    pub generator: GeneratorConfig,
    pub samples: u64,
    pub shard_size: u32,
    /// Samples simulated at once; 0 means one per core.
    pub jobs: usize,
}

/// How a generation run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOutcome {
    pub manifest: Manifest,
    /// Shards found finished from an earlier run.
    pub resumed_shards: usize,
    /// True when `stop` was raised before the end; finished shards are kept.
    pub interrupted: bool,
}

impl GenerateRequest {
    /// Samples simulated at once: `jobs`, or one per core.
    fn workers(&self) -> usize {
        match self.jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// `topology.gml` of a dataset on one topology; none for a diverse one.
    fn topology_text(&self) -> Option<String> {
        match self.generator.networks {
            Networks::Fixed { .. } => Some(gml::export(&self.topology, &self.name)),
            Networks::Diverse(_) => None,
        }
    }
}

/// Simulates sample `index` into a record.
fn simulate_record(generator: &SampleGenerator, index: u64) -> Result<Record, DatasetError> {
    generator
        .sample(index)
        .map(|sample| Record::from_sample(&sample))
        .map_err(|error| DatasetError::Simulation { index, error })
}

impl Manifest {
    /// The manifest of `request` before any shard is written.
    fn empty(request: &GenerateRequest) -> Self {
        Manifest {
            format: FORMAT.to_owned(),
            topology: request.name.clone(),
            generator: Some(request.generator),
            imported: None,
            shard_size: request.shard_size.max(1),
            samples_requested: request.samples,
            shards: Vec::new(),
        }
    }
}

/// Generates (or resumes) a dataset.
///
/// `jobs` workers take sample indices in order, so samples finish roughly in order and every shard
/// is written as soon as its last sample is in, while the workers go on with the next ones (no
/// core waits for a shard's slowest sample). `progress` is called once per finished sample.
/// Raising `stop` ends the run after discarding the unfinished shards.
pub fn generate(
    request: &GenerateRequest,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<GenerateOutcome, DatasetError> {
    let dir = &request.dir;
    std::fs::create_dir_all(dir).map_err(|e| DatasetError::Io(dir.clone(), e))?;
    let topology_text = request.topology_text();
    let mut manifest = Manifest::empty(request);
    let resumed_shards = resume(dir, topology_text.as_deref(), &mut manifest)?;
    if let Some(text) = &topology_text {
        write_atomic(&dir.join(TOPOLOGY), text.as_bytes())
            .map_err(|e| DatasetError::Io(dir.join(TOPOLOGY), e))?;
    }
    progress(manifest.samples());

    let generator = SampleGenerator::new(&request.name, request.topology.clone(), request.generator);
    let size = u64::from(manifest.shard_size);
    let jobs = request.workers();
    let next = AtomicU64::new(manifest.samples());
    // Raised on an error too, so that the workers stop taking samples.
    let halt = AtomicBool::new(false);
    let (sender, finished) = crossbeam_channel::unbounded();
    let written = std::thread::scope(|scope| {
        for _ in 0..jobs {
            let sender = sender.clone();
            let (generator, next, halt) = (&generator, &next, &halt);
            scope.spawn(move || {
                while !(stop.load(Ordering::Relaxed) || halt.load(Ordering::Relaxed)) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= request.samples {
                        break;
                    }
                    let record = simulate_record(generator, index);
                    progress(1);
                    if sender.send((index, record)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let result = write_shards_in_order(request, &mut manifest, size, finished);
        if result.is_err() {
            halt.store(true, Ordering::Relaxed);
        }
        result
    });
    written?;
    let interrupted = manifest.samples() < request.samples;
    write_manifest(dir, &manifest)?;
    Ok(GenerateOutcome { manifest, resumed_shards, interrupted })
}

/// One process's share of a generation run split over `size` processes: shards `rank`,
/// `rank + size`, … of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub rank: usize,
    pub size: usize,
}

/// Generates this process's shards of `request` (a shard already there with the right number of
/// samples is kept), on `request.jobs` threads. The samples are the ones a single run makes (each
/// is drawn from the seed and its index alone), so once every process is done,
/// [`finish_shared`] writes the manifest a single run would have written. Returns the shards made.
pub fn generate_share(
    request: &GenerateRequest,
    share: Share,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<usize, DatasetError> {
    let dir = &request.dir;
    std::fs::create_dir_all(dir).map_err(|e| DatasetError::Io(dir.clone(), e))?;
    if let Ok(old) = read_manifest(dir)
        && (old.generator != Some(request.generator) || old.shard_size != request.shard_size.max(1))
    {
        return Err(DatasetError::Mismatch(dir.to_owned()));
    }
    let generator = SampleGenerator::new(&request.name, request.topology.clone(), request.generator);
    let size = u64::from(request.shard_size.max(1));
    let jobs = request.workers();
    let mut made = 0;
    for first in (0..request.samples).step_by(size as usize).skip(share.rank).step_by(share.size.max(1)) {
        let count = size.min(request.samples - first);
        let path = dir.join(shard_file(first, size));
        if shard::check_header(&path).ok() == Some(count as u32) {
            progress(count);
            continue;
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let next = AtomicU64::new(first);
        let finished: Vec<(u64, Result<Record, DatasetError>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..jobs.min(count as usize))
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            if index >= first + count {
                                break done;
                            }
                            let record = simulate_record(&generator, index);
                            progress(1);
                            done.push((index, record));
                        }
                    })
                })
                .collect();
            workers.into_iter().flat_map(|w| w.join().expect("a generation worker does not panic")).collect()
        });
        let mut ordered: BTreeMap<u64, Record> = BTreeMap::new();
        for (index, record) in finished {
            ordered.insert(index, record?);
        }
        shard::write(&path, &ordered.into_values().collect::<Vec<_>>())?;
        made += 1;
    }
    Ok(made)
}

/// After every process's [`generate_share`]: checks that every shard of `request` is there and
/// writes the topology and the manifest, as a single run would.
pub fn finish_shared(request: &GenerateRequest) -> Result<GenerateOutcome, DatasetError> {
    let dir = &request.dir;
    let size = u64::from(request.shard_size.max(1));
    let mut manifest = Manifest::empty(request);
    for first in (0..request.samples).step_by(size as usize) {
        let count = size.min(request.samples - first);
        let file = shard_file(first, size);
        // A missing shard (a process stopped early) ends the dataset there; running again resumes.
        if shard::check_header(&dir.join(&file)).ok() != Some(count as u32) {
            break;
        }
        manifest.shards.push(ShardEntry { file, first_index: first, samples: count as u32 });
    }
    if let Some(text) = request.topology_text() {
        write_atomic(&dir.join(TOPOLOGY), text.as_bytes())
            .map_err(|e| DatasetError::Io(dir.join(TOPOLOGY), e))?;
    }
    write_manifest(dir, &manifest)?;
    let interrupted = manifest.samples() < request.samples;
    Ok(GenerateOutcome { manifest, resumed_shards: 0, interrupted })
}

/// The file name of the shard whose first sample is `first`.
fn shard_file(first: u64, size: u64) -> String {
    format!("shard-{:05}.pcs", first / size)
}

/// Collects finished samples and writes each shard, and the manifest, once all its samples are in.
fn write_shards_in_order(
    request: &GenerateRequest,
    manifest: &mut Manifest,
    size: u64,
    finished: crossbeam_channel::Receiver<(u64, Result<Record, DatasetError>)>,
) -> Result<(), DatasetError> {
    let mut waiting = BTreeMap::new();
    let mut first = manifest.samples();
    for (index, record) in finished {
        waiting.insert(index, record?);
        loop {
            let count = size.min(request.samples - first);
            if count == 0 || waiting.range(first..first + count).count() as u64 != count {
                break;
            }
            let records: Vec<Record> = (first..first + count).filter_map(|i| waiting.remove(&i)).collect();
            let file = shard_file(first, size);
            shard::write(&request.dir.join(&file), &records)?;
            manifest.shards.push(ShardEntry { file, first_index: first, samples: count as u32 });
            write_manifest(&request.dir, manifest)?;
            first += count;
        }
    }
    Ok(())
}

/// Keeps the shards of an earlier run with the same parameters; returns how many.
fn resume(dir: &Path, topology_text: Option<&str>, fresh: &mut Manifest) -> Result<usize, DatasetError> {
    // The shards are checked one by one below: a damaged one and those after it are regenerated.
    let Ok(old) = read_manifest(dir) else {
        return Ok(0);
    };
    let same_topology = match topology_text {
        Some(text) => std::fs::read_to_string(dir.join(TOPOLOGY)).is_ok_and(|t| t == text),
        None => !dir.join(TOPOLOGY).exists(),
    };
    if old.generator != fresh.generator || old.shard_size != fresh.shard_size || !same_topology {
        return Err(DatasetError::Mismatch(dir.to_owned()));
    }
    for entry in old.shards {
        // Stop at the first damaged or missing shard: later ones are regenerated.
        // Only the last shard of a request may be short; keep a short one only if it still ends it.
        let path = dir.join(&entry.file);
        let end = entry.first_index + u64::from(entry.samples);
        let fits = end <= fresh.samples_requested
            && (entry.samples == fresh.shard_size || end == fresh.samples_requested);
        if !fits
            || entry.first_index != fresh.samples()
            || shard::check_header(&path).ok() != Some(entry.samples)
        {
            break;
        }
        fresh.shards.push(entry);
    }
    Ok(fresh.shards.len())
}

/// Writes the manifest of a dataset, atomically.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), DatasetError> {
    let path = dir.join(MANIFEST);
    let text = serde_json::to_string_pretty(manifest).expect("manifest serialises") + "\n";
    write_atomic(&path, text.as_bytes()).map_err(|e| DatasetError::Io(path, e))
}
