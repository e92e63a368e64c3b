//! Helpers shared by the integration tests that train.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use pathcast::data::{GenerateRequest, generate};
use pathcast::net::builtin;
use pathcast::sim::GeneratorConfig;

/// Simulates a small GBN dataset into `dir`: `samples` samples in shards of two, with few packets
/// per flow so that it takes seconds.
pub fn small_gbn_dataset(dir: &Path, samples: u64, packets_per_flow: u64) {
    let request = GenerateRequest {
        dir: dir.to_owned(),
        name: "gbn".into(),
        topology: builtin::load("gbn").unwrap().topology,
        generator: GeneratorConfig {
            packets_per_flow,
            target_relative_se: None,
            ..GeneratorConfig::default()
        },
        samples,
        shard_size: 2,
        jobs: 2,
    };
    generate(&request, &AtomicBool::new(false), &|_| {}).unwrap();
}
