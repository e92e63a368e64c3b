//! Training: the loop on a worker thread, evaluation, prediction, and the events it reports.

pub mod metrics;
pub mod trainer;

pub use metrics::{EvalMetrics, Metrics};
pub use trainer::{TrainConfig, TrainError, TrainEvent, TrainHandle, evaluate, predict, spawn, train};
