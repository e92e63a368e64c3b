//! The model shipped in `assets/routenet/`: it loads from the binary and keeps its accuracy.

use std::path::PathBuf;

use pathcast::model::{DefaultBackend, pretrained};
use pathcast::train::evaluate;

fn shards(paths: &[&str]) -> Vec<PathBuf> {
    paths.iter().map(PathBuf::from).collect()
}

#[test]
fn the_shipped_model_is_accurate_on_held_out_samples() {
    let device = Default::default();
    let (model, meta) = pretrained::load::<DefaultBackend>(&device);
    // It was trained on data/nsfnet and data/gbn with the last shard of each held out.
    let held_out = shards(&["data/nsfnet/shard-00005.pcs", "data/gbn/shard-00002.pcs"]);
    let m = evaluate(&model, &meta.normalization, &held_out, 16, &device).unwrap();
    assert!(m.overall.pearson > 0.997, "ρ {}", m.overall.pearson);
    assert!(m.overall.mape < 2.0, "MAPE {}", m.overall.mape);
    assert_eq!(m.per_topology.len(), 2);
}

#[test]
fn the_shipped_model_generalises_to_the_unseen_geant2() {
    let device = Default::default();
    let (model, meta) = pretrained::load::<DefaultBackend>(&device);
    let unseen = shards(&["data/geant2/shard-00000.pcs", "data/geant2/shard-00001.pcs"]);
    let m = evaluate(&model, &meta.normalization, &unseen, 16, &device).unwrap();
    assert!(m.overall.mape < 4.0 && m.overall.pearson > 0.99, "{:?}", m.overall);
}
