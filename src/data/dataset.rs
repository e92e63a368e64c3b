//! Dataset directories: a manifest, the base topology, and shard files; generation with resume.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::record::Record;
use super::shard::{self, ShardError};
use crate::fsutil::write_atomic;
use crate::net::{Topology, gml};
use crate::sim::{GeneratorConfig, SampleGenerator, SimError};

/// The `format` of manifests this build reads and writes.
pub const FORMAT: &str = "pathcast.dataset.v1";
const MANIFEST: &str = "manifest.json";
const TOPOLOGY: &str = "topology.gml";

/// One shard as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardEntry {
    pub file: String,
    pub first_index: u64,
    pub samples: u32,
}

/// `manifest.json`: what was generated, how, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub topology: String,
    pub generator: GeneratorConfig,
    pub shard_size: u32,
    /// Samples asked for; `shards` may hold fewer while generation is unfinished.
    pub samples_requested: u64,
    pub shards: Vec<ShardEntry>,
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
        let path = dir.join(MANIFEST);
        let bytes = std::fs::read(&path).map_err(|e| DatasetError::Io(path.clone(), e))?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| DatasetError::Manifest(path.clone(), e.to_string()))?;
        if manifest.format != FORMAT {
            return Err(DatasetError::Manifest(
                path,
                format!("format {:?}, expected {FORMAT:?}", manifest.format),
            ));
        }
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

/// What a generation run should make.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    pub dir: PathBuf,
    pub name: String,
    pub topology: Topology,
    pub generator: GeneratorConfig,
    pub samples: u64,
    pub shard_size: u32,
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

/// Generates (or resumes) a dataset: shards in sample order, samples inside a shard in parallel on
/// the current rayon pool. `progress` is called once per finished sample. Raising `stop` ends the run
/// after discarding the shard in progress.
pub fn generate(
    request: &GenerateRequest,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<GenerateOutcome, DatasetError> {
    let dir = &request.dir;
    std::fs::create_dir_all(dir).map_err(|e| DatasetError::Io(dir.clone(), e))?;
    let topology_text = gml::export(&request.topology, &request.name);
    let mut manifest = Manifest {
        format: FORMAT.to_owned(),
        topology: request.name.clone(),
        generator: request.generator,
        shard_size: request.shard_size.max(1),
        samples_requested: request.samples,
        shards: Vec::new(),
    };
    let resumed_shards = resume(dir, &topology_text, &mut manifest)?;
    write_atomic(&dir.join(TOPOLOGY), topology_text.as_bytes())
        .map_err(|e| DatasetError::Io(dir.join(TOPOLOGY), e))?;
    progress(manifest.samples());

    let generator = SampleGenerator::new(&request.name, request.topology.clone(), request.generator);
    let size = u64::from(manifest.shard_size);
    let mut first = manifest.samples();
    let mut interrupted = false;
    while first < request.samples {
        let count = size.min(request.samples - first);
        let records: Vec<Option<Record>> = (first..first + count)
            .into_par_iter()
            .map(|index| {
                if stop.load(Ordering::Relaxed) {
                    return Ok(None);
                }
                let sample =
                    generator.sample(index).map_err(|error| DatasetError::Simulation { index, error })?;
                progress(1);
                Ok(Some(Record::from_sample(&sample)))
            })
            .collect::<Result<_, DatasetError>>()?;
        if records.iter().any(Option::is_none) {
            interrupted = true;
            break;
        }
        let records: Vec<Record> = records.into_iter().flatten().collect();
        let file = format!("shard-{:05}.pcs", first / size);
        shard::write(&dir.join(&file), &records)?;
        manifest.shards.push(ShardEntry { file, first_index: first, samples: count as u32 });
        write_manifest(dir, &manifest)?;
        first += count;
    }
    write_manifest(dir, &manifest)?;
    Ok(GenerateOutcome { manifest, resumed_shards, interrupted })
}

/// Keeps the shards of an earlier run with the same parameters; returns how many.
fn resume(dir: &Path, topology_text: &str, fresh: &mut Manifest) -> Result<usize, DatasetError> {
    let Ok(previous) = Dataset::open(dir) else {
        return Ok(0);
    };
    let old = previous.manifest;
    let same_topology = std::fs::read_to_string(dir.join(TOPOLOGY)).is_ok_and(|t| t == topology_text);
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

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), DatasetError> {
    let path = dir.join(MANIFEST);
    let text = serde_json::to_string_pretty(manifest).expect("manifest serialises") + "\n";
    write_atomic(&path, text.as_bytes()).map_err(|e| DatasetError::Io(path, e))
}
