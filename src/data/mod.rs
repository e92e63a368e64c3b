//! Datasets on disk: shard files, dataset directories, generation, statistics and the loader.

pub mod batch;
pub mod compare;
pub mod dataset;
pub mod import;
pub mod loader;
pub mod record;
pub mod shard;
pub mod stats;

pub use batch::GraphBatch;
pub use dataset::{
    Dataset, DatasetError, GenerateRequest, Manifest, Share, finish_shared, generate, generate_share,
};
pub use loader::{CorruptPolicy, Loader, LoaderConfig, Split};
pub use record::{FlowRecord, LinkRecord, Record};
