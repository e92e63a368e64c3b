//! The RouteNet model, generic over the burn backend, and its checkpoints.

pub mod checkpoint;
pub mod features;
pub mod frozen;
pub mod pretrained;
pub mod routenet;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use features::{GraphInputs, GraphLayout, Indexing, Normalization};
pub use frozen::FrozenRouteNet;
pub use routenet::{RouteNet, RouteNetConfig};

/// The backend chosen by cargo features: burn's flex on CPU unless only a GPU backend is enabled.
#[cfg(feature = "cpu")]
pub type DefaultBackend = burn::backend::Flex;
#[cfg(all(not(feature = "cpu"), feature = "wgpu"))]
pub type DefaultBackend = burn::backend::Wgpu;
#[cfg(all(not(feature = "cpu"), not(feature = "wgpu"), feature = "cuda"))]
pub type DefaultBackend = burn::backend::Cuda;
#[cfg(not(any(feature = "cpu", feature = "wgpu", feature = "cuda")))]
compile_error!("enable at least one backend feature: cpu, wgpu or cuda");

/// The autodiff version of [`DefaultBackend`], for training.
pub type TrainBackend = burn::backend::Autodiff<DefaultBackend>;
