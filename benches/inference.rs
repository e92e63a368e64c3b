//! Prediction latency for a whole scenario (all flows), from scenario to per-flow delays, on CPU.

use criterion::{Criterion, criterion_group, criterion_main};
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{DefaultBackend, Normalization, RouteNetConfig};
use pathcast::net::{Scenario, TrafficSpec, builtin};
use pathcast::train::predict;

fn scenario(name: &str) -> Scenario {
    let topology = builtin::load(name).unwrap().topology;
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
    Scenario::generate(name, topology, spec).unwrap()
}

fn prediction_latency(c: &mut Criterion) {
    let device = Default::default();
    let model = RouteNetConfig::default().init::<DefaultBackend>(&device);
    let mut group = c.benchmark_group("inference");
    for name in ["nsfnet", "geant2"] {
        let scenario = scenario(name);
        let record = Record::from_scenario(&scenario).unwrap();
        let norm = Normalization::fit(&[GraphBatch::from_records([&record])]);
        // Materialise the lazily initialised weights before timing.
        predict(&model, &norm, &record, &device);
        group.bench_function(format!("{name}_{}_flows", record.flows.len()), |b| {
            b.iter(|| {
                let record = Record::from_scenario(&scenario).unwrap();
                predict(&model, &norm, &record, &device)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, prediction_latency);
criterion_main!(benches);
