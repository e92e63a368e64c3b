//! `pathcast dataset import`: the public OMNeT++-labelled RouteNet datasets as pathcast shards, so
//! that `dataset info`, `train` and `eval` run on them.
//!
//! - `kdn-v0`: the Knowledge-Defined Networking datasets (e.g. `nsfnetbw`): a `.ned` topology,
//!   `results_*.tar.gz` archives with a port-based `Routing.txt` and `simulationResults.txt`.
//! - `challenge-2020`, `challenge-2021`: the GNNetworking Challenge sets: `graphs/` (GML with
//!   `bandwidth` and each node's scheduling), `routings/`, and `*.tar.gz` archives with
//!   `simulationResults.txt`, `traffic.txt`, `stability.txt` and `input_files.txt`. The 2020 sets
//!   schedule 3 classes (ToS 0-2) per port by WFQ, SP or DRR; the 2021 sets are FIFO.
//!
//! All were simulated with a time unit of 1 s, Poisson arrivals, ports of 32 packets per queue
//! (counting the one in transmission) and packets of 300 or 1700 bits with equal probability
//! (pathcast's `bimodal` with a mean of 1000 bits). Labels are per-pair means over delivered
//! packets; jitter is the variance of the delay.

mod challenge;
mod kdn;

use std::io::Read;
use std::path::{Path, PathBuf};

use super::dataset::{self, DatasetError, ImportSource, Manifest, ShardEntry};
use super::record::Record;
use super::shard;

/// The public dataset formats pathcast reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// KDN datasets v0 (`nsfnetbw`, `geant2bw`, `synth50bw`).
    KdnV0,
    /// GNNetworking Challenge 2020 (NSFNet, GEANT2, RedIRIS; WFQ, SP and DRR over 3 classes).
    #[value(name = "challenge-2020")]
    Challenge2020,
    /// GNNetworking Challenge 2021 (FIFO; 30–300 nodes).
    #[value(name = "challenge-2021")]
    Challenge2021,
}

impl ImportFormat {
    fn name(self) -> &'static str {
        match self {
            ImportFormat::KdnV0 => "kdn-v0",
            ImportFormat::Challenge2020 => "challenge-2020",
            ImportFormat::Challenge2021 => "challenge-2021",
        }
    }
}

/// An import that failed, naming the file and, where it can, the line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error(transparent)]
    Shard(#[from] shard::ShardError),
}

impl ImportError {
    fn format(file: impl std::fmt::Display, message: impl Into<String>) -> Self {
        ImportError::Format { file: file.to_string(), message: message.into() }
    }
}

/// What an import made.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub manifest: Manifest,
    /// Samples of the source left out, and why.
    pub skipped: Vec<String>,
}

/// Reads the dataset in `source` and writes it to `out` as shards of `shard_size` samples, with a
/// manifest naming the source; at most `limit` samples when given.
pub fn import(
    format: ImportFormat,
    source: &Path,
    out: &Path,
    shard_size: u32,
    limit: Option<u64>,
) -> Result<ImportOutcome, ImportError> {
    std::fs::create_dir_all(out).map_err(|e| ImportError::Io(out.to_owned(), e))?;
    let mut writer = ShardWriter {
        out,
        shard_size: shard_size.max(1),
        pending: Vec::new(),
        shards: Vec::new(),
        written: 0,
        limit,
    };
    let (topology, skipped) = match format {
        ImportFormat::KdnV0 => kdn::read(source, &mut |record| writer.push(record))?,
        ImportFormat::Challenge2020 | ImportFormat::Challenge2021 => {
            challenge::read(format.name(), source, &mut |record| writer.push(record))?
        }
    };
    writer.flush()?;
    let manifest = Manifest {
        format: dataset::FORMAT.to_owned(),
        topology,
        generator: None,
        imported: Some(ImportSource {
            format: format.name().to_owned(),
            source: source.display().to_string(),
            skipped: skipped.clone(),
        }),
        shard_size: writer.shard_size,
        samples_requested: writer.written,
        shards: writer.shards,
    };
    dataset::write_manifest(out, &manifest)?;
    Ok(ImportOutcome { manifest, skipped })
}

/// Collects records into shards.
struct ShardWriter<'a> {
    out: &'a Path,
    shard_size: u32,
    pending: Vec<Record>,
    shards: Vec<ShardEntry>,
    written: u64,
    limit: Option<u64>,
}

impl ShardWriter<'_> {
    /// Adds a record; returns false once the limit is reached (the reader then stops).
    fn push(&mut self, mut record: Record) -> Result<bool, ImportError> {
        if self.limit.is_some_and(|l| self.written >= l) {
            return Ok(false);
        }
        record.index = self.written;
        self.written += 1;
        self.pending.push(record);
        if self.pending.len() as u32 == self.shard_size {
            self.flush()?;
        }
        Ok(self.limit.is_none_or(|l| self.written < l))
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let first = self.written - self.pending.len() as u64;
        let file = format!("shard-{:05}.pcs", self.shards.len());
        shard::write(&self.out.join(&file), &self.pending)?;
        self.shards.push(ShardEntry { file, first_index: first, samples: self.pending.len() as u32 });
        self.pending.clear();
        Ok(())
    }
}

/// Files read from archives are refused beyond this size.
const MAX_MEMBER_BYTES: u64 = 1 << 30;

/// The members of a `.tar.gz` whose file names are in `wanted`, read into memory, by name.
fn read_archive(path: &Path, wanted: &[&str]) -> Result<Vec<(String, String)>, ImportError> {
    let file = std::fs::File::open(path).map_err(|e| ImportError::Io(path.to_owned(), e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut found = Vec::new();
    let entries = archive.entries().map_err(|e| ImportError::Io(path.to_owned(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ImportError::Io(path.to_owned(), e))?;
        let name = entry.path().map_err(|e| ImportError::Io(path.to_owned(), e))?;
        let Some(base) = name.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        if !wanted.contains(&base.as_str()) {
            continue;
        }
        let mut text = String::new();
        entry
            .take(MAX_MEMBER_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| ImportError::Io(path.join(&base), e))?;
        found.push((base, text));
    }
    Ok(found)
}

/// `results_*.tar.gz` archives in a directory, sorted.
fn result_archives(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ImportError::Io(dir.to_owned(), e))?;
    let mut archives: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".tar.gz")))
        .collect();
    archives.sort();
    if archives.is_empty() {
        return Err(ImportError::format(dir.display(), "holds no results *.tar.gz archives"));
    }
    Ok(archives)
}

/// Parses a decimal number field.
fn number(file: &str, what: &str, text: &str) -> Result<f64, ImportError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| ImportError::format(file, format!("{what}: {:?} is not a number", text.trim())))
}
