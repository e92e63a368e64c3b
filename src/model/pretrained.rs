//! The model shipped with pathcast (`assets/routenet/`), compiled into the binary so that
//! prediction works on first launch without any file. Trained on data pathcast simulates
//! (`data/regenerate.sh`); the weights are the run's averaged weights (`average.mpk`), the ones its
//! evaluation measured.

use std::path::Path;

use burn::module::Module;
use burn::prelude::Backend;

use super::checkpoint::{self, AVERAGE_FILE, Checkpoint};
use super::frozen::FrozenRouteNet;
use super::predict::TrainedModel;
use super::routenet::RouteNet;

const METADATA: &str = include_str!("../../assets/routenet/checkpoint.json");
const WEIGHTS: &[u8] = include_bytes!("../../assets/routenet/average.mpk");

/// The shipped model and its metadata (training ranges included).
pub fn load<B: Backend>(device: &B::Device) -> (RouteNet<B>, Checkpoint) {
    let meta: Checkpoint = serde_json::from_str(METADATA).expect("the shipped checkpoint metadata is valid");
    assert_eq!(
        meta.files.get(AVERAGE_FILE),
        Some(&crc32fast::hash(WEIGHTS)),
        "the shipped weights match their CRC"
    );
    let record =
        checkpoint::decode::<B, _>(WEIGHTS.to_vec(), device, Path::new("assets/routenet/average.mpk"))
            .expect("the shipped weights decode");
    (meta.config.init::<B>(device).load_record(record), meta)
}

/// The shipped model, frozen for prediction on the CPU.
pub fn trained() -> TrainedModel {
    let (model, meta) = load::<crate::model::DefaultBackend>(&Default::default());
    TrainedModel { net: FrozenRouteNet::new(model.weights()), ranges: meta.ranges }
}
