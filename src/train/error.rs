//! Why a training run fails.

use super::devices::DeviceError;
use crate::data::DatasetError;
use crate::data::shard::ShardError;
use crate::model::checkpoint::CheckpointError;

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error(transparent)]
    Shard(#[from] ShardError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Devices(#[from] DeviceError),
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Worker(String),
    #[error(
        "training diverged at step {step}: the loss or gradients were not finite for {batches} batches in a \
         row (try a lower --lr or --clip); the last good checkpoint is kept"
    )]
    Diverged { step: u64, batches: usize },
}
