//! Prediction latency for a whole scenario (all flows), from scenario to per-flow delays, on CPU:
//! the frozen predictor the app and `pathcast predict` use, and the same model run through burn.

use criterion::{Criterion, criterion_group, criterion_main};
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{DefaultBackend, GraphInputs, pretrained};
use pathcast::net::{Scenario, TrafficSpec, builtin};

fn scenario(name: &str) -> Scenario {
    let topology = builtin::load(name).unwrap().topology;
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
    Scenario::generate(name, topology, spec).unwrap()
}

fn prediction_latency(c: &mut Criterion) {
    let device = Default::default();
    let (model, meta) = pretrained::load::<DefaultBackend>(&device);
    let norm = meta.normalization;
    let frozen = model.freeze();
    let mut group = c.benchmark_group("inference");
    for name in ["nsfnet", "geant2"] {
        let scenario = scenario(name);
        let flows = scenario.traffic.len();
        group.bench_function(format!("{name}_{flows}_flows"), |b| {
            b.iter(|| frozen.predict(&norm, &Record::from_scenario(&scenario).unwrap()))
        });
        group.bench_function(format!("{name}_{flows}_flows_burn"), |b| {
            b.iter(|| {
                let batch = GraphBatch::from_records([&Record::from_scenario(&scenario).unwrap()]);
                let outputs = model.forward(&GraphInputs::<DefaultBackend>::new(&batch, &norm, &device));
                outputs.into_data()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, prediction_latency);
criterion_main!(benches);
