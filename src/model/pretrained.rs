//! The model shipped with pathcast (`assets/routenet/`), compiled into the binary so that
//! prediction works on first launch without any file. Trained on the datasets in `data/`.

use std::path::Path;

use burn::module::Module;
use burn::prelude::Backend;

use super::checkpoint::{self, Checkpoint, MODEL_FILE};
use super::routenet::RouteNet;

const METADATA: &str = include_str!("../../assets/routenet/checkpoint.json");
const WEIGHTS: &[u8] = include_bytes!("../../assets/routenet/model.mpk");

/// The shipped model and its metadata (normalisation included).
pub fn load<B: Backend>(device: &B::Device) -> (RouteNet<B>, Checkpoint) {
    let meta: Checkpoint = serde_json::from_str(METADATA).expect("the shipped checkpoint metadata is valid");
    assert_eq!(
        meta.files.get(MODEL_FILE),
        Some(&crc32fast::hash(WEIGHTS)),
        "the shipped weights match their CRC"
    );
    let record = checkpoint::decode::<B, _>(WEIGHTS.to_vec(), device, Path::new("assets/routenet/model.mpk"))
        .expect("the shipped weights decode");
    (meta.config.init::<B>(device).load_record(record), meta)
}
