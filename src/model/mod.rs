//! The scale-free RouteNet model, generic over the burn backend: its features, the analytic
//! queueing estimate it corrects, its weights, checkpoints, the frozen CPU predictor and what it
//! knows of its own limits.

pub mod checkpoint;
pub mod class_ports;
pub mod dropout;
pub mod features;
pub mod frozen;
pub mod generalization;
pub mod limits;
pub mod predict;
pub mod pretrained;
pub mod queueing;
pub mod routenet;
pub mod weights;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use features::{GraphInputs, GraphLayout, Indexing};
pub use frozen::FrozenRouteNet;
pub use limits::{Extrapolation, TrainingRanges};
pub use predict::{FlowPrediction, LinkPrediction, PredictError, Prediction, TrainedModel};
pub use routenet::RouteNet;
pub use weights::{RouteNetConfig, RouteNetWeights};

/// The backend for loading checkpoints and running burn's forward pass outside training: burn's
/// flex on CPU unless only a GPU backend is enabled. Training picks its devices at run time
/// (`train::devices`).
#[cfg(feature = "cpu")]
pub type DefaultBackend = burn::backend::Flex;
#[cfg(all(not(feature = "cpu"), feature = "wgpu"))]
pub type DefaultBackend = burn::backend::Wgpu;
#[cfg(all(not(feature = "cpu"), not(feature = "wgpu"), feature = "cuda"))]
pub type DefaultBackend = burn::backend::Cuda;
#[cfg(not(any(feature = "cpu", feature = "wgpu", feature = "cuda")))]
compile_error!("enable at least one backend feature: cpu, wgpu or cuda");
