//! Checkpoints: `RUN_DIR/ckpt-STEP/{checkpoint.json, model.mpk, optimizer.mpk[, average.mpk]}` plus
//! `RUN_DIR/latest.json` naming the newest. Every file is written atomically and `latest.json` last,
//! so a crash leaves the previous checkpoint in force; CRC-32s in `checkpoint.json` catch damage.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::Backend;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Record, Recorder};
use serde::{Deserialize, Serialize};

use super::frozen::FrozenRouteNet;
use super::limits::TrainingRanges;
use super::predict::TrainedModel;
use super::routenet::{RouteNet, RouteNetConfig};
use crate::fsutil::write_atomic;

/// The `format` of checkpoints this build reads and writes.
/// Version 2: the scale-free model, with the training ranges instead of a normalisation.
/// Version 3: each hop also sees its port's scheduling and its class's analytic estimate.
pub const FORMAT: &str = "pathcast.checkpoint.v3";
const LATEST: &str = "latest.json";
const META: &str = "checkpoint.json";
/// The weights file inside a checkpoint directory.
pub const MODEL_FILE: &str = "model.mpk";
/// The averaged weights (Polyak averaging), when the run keeps an average: the weights that
/// evaluation and prediction use.
pub const AVERAGE_FILE: &str = "average.mpk";
/// The optimizer-state file inside a checkpoint directory.
pub const OPTIMIZER_FILE: &str = "optimizer.mpk";
/// Checkpoint directories kept besides the newest.
const KEEP_PREVIOUS: usize = 1;

/// What a checkpoint says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    pub step: u64,
    pub config: RouteNetConfig,
    /// The range of every input the model was trained on.
    pub ranges: TrainingRanges,
    /// Optimizer name (`adam`, `lamb`) and its settings, as the trainer wrote them.
    pub optimizer: serde_json::Value,
    /// Training settings and anything else the trainer wants to resume with.
    pub training: serde_json::Value,
    /// CRC-32 of each file of the checkpoint.
    pub files: BTreeMap<String, u32>,
}

/// A checkpoint that cannot be read or written, naming the path.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: no checkpoint here (no {LATEST})")]
    Missing(PathBuf),
    #[error("{0}: {1}")]
    Invalid(PathBuf, String),
    #[error("{0}: checksum mismatch: the checkpoint is corrupt")]
    Checksum(PathBuf),
    /// The newest checkpoint of a run cannot be used; `intact` is the newest one before it that can.
    #[error("{error}{}", offer(intact.as_deref()))]
    Damaged { error: Box<CheckpointError>, intact: Option<PathBuf> },
}

/// The clause of a [`CheckpointError::Damaged`] message that offers the intact checkpoint.
fn offer(intact: Option<&Path>) -> String {
    intact.map_or_else(String::new, |dir| {
        format!(
            "; the checkpoint before it, {0}, is intact: use it with --model {0} (train --resume falls back to it)",
            dir.display()
        )
    })
}

#[derive(Serialize, Deserialize)]
struct Latest {
    checkpoint: String,
}

/// Serialises a burn record (weights or optimizer state) at full precision, with every map's
/// entries in key order: burn records the optimizer's per-parameter state from a `HashMap`, whose
/// order changes from process to process, and a resumed run must write the bytes an
/// uninterrupted one does.
pub fn encode<B: Backend, R: Record<B>>(record: R) -> Vec<u8> {
    let bytes = NamedMpkBytesRecorder::<FullPrecisionSettings>::new()
        .record(record, ())
        .expect("in-memory recording cannot fail");
    let mut value = rmpv::decode::read_value(&mut bytes.as_slice()).expect("burn writes valid MessagePack");
    sort_maps(&mut value);
    let mut sorted = Vec::with_capacity(bytes.len());
    rmpv::encode::write_value(&mut sorted, &value).expect("writing to memory cannot fail");
    sorted
}

/// Puts the entries of every map in `value` in the order of their keys.
fn sort_maps(value: &mut rmpv::Value) {
    match value {
        rmpv::Value::Map(entries) => {
            entries.sort_by_cached_key(|(key, _)| key.to_string());
            entries.iter_mut().for_each(|(_, v)| sort_maps(v));
        }
        rmpv::Value::Array(items) => items.iter_mut().for_each(sort_maps),
        _ => {}
    }
}

/// Reads a record written by [`encode`]; `path` names errors.
pub fn decode<B: Backend, R: Record<B>>(
    bytes: Vec<u8>,
    device: &B::Device,
    path: &Path,
) -> Result<R, CheckpointError> {
    NamedMpkBytesRecorder::<FullPrecisionSettings>::new()
        .load(bytes, device)
        .map_err(|e| CheckpointError::Invalid(path.to_owned(), e.to_string()))
}

/// Writes a checkpoint directory for `meta.step` with the given files, then points `latest.json` at it.
pub fn save(
    run_dir: &Path,
    meta: &Checkpoint,
    files: &[(&str, Vec<u8>)],
) -> Result<PathBuf, CheckpointError> {
    let name = format!("ckpt-{:08}", meta.step);
    let dir = run_dir.join(&name);
    std::fs::create_dir_all(&dir).map_err(|e| CheckpointError::Io(dir.clone(), e))?;
    let mut meta = meta.clone();
    meta.files.clear();
    for (file, bytes) in files {
        let path = dir.join(file);
        write_atomic(&path, bytes).map_err(|e| CheckpointError::Io(path, e))?;
        meta.files.insert((*file).to_owned(), crc32fast::hash(bytes));
    }
    write_atomic(&dir.join(META), pretty(&meta).as_bytes())
        .map_err(|e| CheckpointError::Io(dir.join(META), e))?;
    let latest = pretty(&Latest { checkpoint: name.clone() });
    write_atomic(&run_dir.join(LATEST), latest.as_bytes())
        .map_err(|e| CheckpointError::Io(run_dir.join(LATEST), e))?;
    prune(run_dir, &name);
    Ok(dir)
}

/// The newest checkpoint of a run (or, given a checkpoint directory, that checkpoint): its
/// directory and metadata, with every file's checksum verified. When the newest is damaged the
/// error names it, and the newest intact checkpoint before it if there is one.
pub fn latest(path: &Path) -> Result<(PathBuf, Checkpoint), CheckpointError> {
    if !path.join(LATEST).exists() && path.join(META).is_file() {
        let meta = read_verified(path)?;
        return Ok((path.to_owned(), meta));
    }
    let dir = newest_dir(path)?;
    match read_verified(&dir) {
        Ok(meta) => Ok((dir, meta)),
        Err(error) => {
            Err(CheckpointError::Damaged { error: Box::new(error), intact: intact_before(path, &dir) })
        }
    }
}

/// The newest intact checkpoint of a run, for resuming it: the newest one, or when that is
/// damaged the one before it, together with the damage it passed over.
pub fn latest_intact(
    run_dir: &Path,
) -> Result<(PathBuf, Checkpoint, Option<CheckpointError>), CheckpointError> {
    match latest(run_dir) {
        Ok((dir, meta)) => Ok((dir, meta, None)),
        Err(CheckpointError::Damaged { error, intact: Some(dir) }) => {
            let meta = read_verified(&dir)?;
            Ok((dir, meta, Some(*error)))
        }
        Err(e) => Err(e),
    }
}

/// The checkpoint directory `latest.json` names.
fn newest_dir(run_dir: &Path) -> Result<PathBuf, CheckpointError> {
    let latest_path = run_dir.join(LATEST);
    let bytes = match crate::fsutil::read(&latest_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CheckpointError::Missing(run_dir.to_owned()));
        }
        Err(e) => return Err(CheckpointError::Io(latest_path, e)),
    };
    let latest: Latest = serde_json::from_slice(&bytes)
        .map_err(|e| CheckpointError::Invalid(latest_path.clone(), e.to_string()))?;
    if latest.checkpoint.contains(['/', '\\']) || latest.checkpoint.starts_with('.') {
        return Err(CheckpointError::Invalid(
            latest_path,
            format!("bad checkpoint name {:?}", latest.checkpoint),
        ));
    }
    Ok(run_dir.join(&latest.checkpoint))
}

/// A checkpoint directory's metadata, validated, with the checksum of every file it lists checked.
fn read_verified(dir: &Path) -> Result<Checkpoint, CheckpointError> {
    let meta_path = dir.join(META);
    let bytes = crate::fsutil::read(&meta_path).map_err(|e| CheckpointError::Io(meta_path.clone(), e))?;
    let meta: Checkpoint = serde_json::from_slice(&bytes)
        .map_err(|e| CheckpointError::Invalid(meta_path.clone(), e.to_string()))?;
    if meta.format != FORMAT {
        return Err(CheckpointError::Invalid(
            meta_path,
            format!("format {:?}, expected {FORMAT:?} (retrain with this version of pathcast)", meta.format),
        ));
    }
    meta.config.validate().map_err(|e| CheckpointError::Invalid(meta_path.clone(), e))?;
    meta.ranges.validate().map_err(|e| CheckpointError::Invalid(meta_path.clone(), e))?;
    for file in meta.files.keys() {
        read_file(dir, &meta, file)?;
    }
    Ok(meta)
}

/// The newest checkpoint directory of `run_dir` older than `damaged` whose files are all intact.
fn intact_before(run_dir: &Path, damaged: &Path) -> Option<PathBuf> {
    let damaged = damaged.file_name()?.to_str()?;
    let older = checkpoint_names(run_dir).into_iter().filter(|n| n.as_str() < damaged);
    older.rev().map(|n| run_dir.join(n)).find(|dir| read_verified(dir).is_ok())
}

/// Reads one file of a checkpoint and checks its CRC.
pub fn read_file(dir: &Path, meta: &Checkpoint, file: &str) -> Result<Vec<u8>, CheckpointError> {
    let path = dir.join(file);
    let expected = *meta
        .files
        .get(file)
        .ok_or_else(|| CheckpointError::Invalid(dir.join(META), format!("lists no {file}")))?;
    let bytes = crate::fsutil::read(&path).map_err(|e| CheckpointError::Io(path.clone(), e))?;
    if crc32fast::hash(&bytes) != expected {
        return Err(CheckpointError::Checksum(path));
    }
    Ok(bytes)
}

/// Loads the newest model of a run onto `device`, for evaluation and prediction: the averaged
/// weights when the run kept an average, else the trained ones.
pub fn load_model<B: Backend>(
    run_dir: &Path,
    device: &B::Device,
) -> Result<(RouteNet<B>, Checkpoint), CheckpointError> {
    let (dir, meta) = latest(run_dir)?;
    let file = if meta.files.contains_key(AVERAGE_FILE) { AVERAGE_FILE } else { MODEL_FILE };
    let model = load_weights(&dir, &meta, file, device)?;
    Ok((model, meta))
}

/// Loads the newest model of a run for prediction on the CPU.
pub fn load_trained(run_dir: &Path) -> Result<(TrainedModel, Checkpoint), CheckpointError> {
    let (model, meta) = load_model::<crate::model::DefaultBackend>(run_dir, &Default::default())?;
    let trained = TrainedModel { net: FrozenRouteNet::new(model.weights()), ranges: meta.ranges.clone() };
    Ok((trained, meta))
}

/// Loads one weights file (`MODEL_FILE` or `AVERAGE_FILE`) of a checkpoint onto `device`.
pub fn load_weights<B: Backend>(
    dir: &Path,
    meta: &Checkpoint,
    file: &str,
    device: &B::Device,
) -> Result<RouteNet<B>, CheckpointError> {
    let bytes = read_file(dir, meta, file)?;
    let path = dir.join(file);
    let record = decode::<B, _>(bytes, device, &path)?;
    let model = meta.config.init::<B>(device).load_record(record);
    model.weights().check(&meta.config).map_err(|e| CheckpointError::Invalid(path, e))?;
    Ok(model)
}

fn pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("checkpoint metadata serialises") + "\n"
}

/// Removes checkpoint directories older than the newest `KEEP_PREVIOUS + 1`.
fn prune(run_dir: &Path, newest: &str) {
    let names: Vec<String> = checkpoint_names(run_dir).into_iter().filter(|n| n.as_str() <= newest).collect();
    let excess = names.len().saturating_sub(KEEP_PREVIOUS + 1);
    for old in &names[..excess] {
        let _ = std::fs::remove_dir_all(run_dir.join(old));
    }
}

/// The names of a run's checkpoint directories, oldest first (none when it cannot be read).
fn checkpoint_names(run_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(run_dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("ckpt-"))
        .collect();
    names.sort();
    names
}
