//! Training: the loop on a worker thread, evaluation, and the events it reports.

pub mod average;
pub mod collective;
pub mod compare;
pub mod devices;
pub mod error;
pub mod lamb;
pub mod metrics;
pub mod objective;
pub mod parallel;
pub mod trainer;

pub use metrics::{EvalMetrics, Metrics};
pub use trainer::{Distributed, TrainConfig, TrainError, TrainEvent, TrainHandle, evaluate, spawn, train};
