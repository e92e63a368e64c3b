//! The RouteNet model, generic over the burn backend, and its checkpoints.

pub mod checkpoint;
pub mod dropout;
pub mod features;
pub mod frozen;
pub mod pretrained;
pub mod routenet;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use features::{GraphInputs, GraphLayout, Indexing, Normalization};
pub use frozen::FrozenRouteNet;
pub use routenet::{RouteNet, RouteNetConfig};

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
