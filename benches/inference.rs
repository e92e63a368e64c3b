//! Prediction latency for a whole scenario (all flows), from scenario to per-flow delay, jitter,
//! loss and extrapolation flags, on CPU: the frozen predictor the app and `pathcast predict` use,
//! and the same model run through burn. NSFNet (182 flows), GEANT2 (552), and two random 100-node
//! networks with traffic between every pair (9 900 flows): a sparse mesh (long paths, 9.3 hops on
//! average) and a Waxman graph (4.8 hops).

use criterion::{Criterion, criterion_group, criterion_main};
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{DefaultBackend, GraphInputs, pretrained};
use pathcast::net::random::{self, GraphModel};
use pathcast::net::{LinkParams, Scenario, TrafficSpec, builtin};
use rand::SeedableRng;

fn scenario(name: &str) -> Scenario {
    let random = |model| {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let params = LinkParams { capacity_bps: 1e10, ..LinkParams::default() };
        random::topology(model, 100, params, &mut rng)
    };
    let topology = match name {
        "mesh100" => random(GraphModel::Mesh),
        "waxman100" => random(GraphModel::Waxman),
        _ => builtin::load(name).unwrap().topology,
    };
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
    Scenario::generate(name, topology, spec).unwrap()
}

fn prediction_latency(c: &mut Criterion) {
    let device = Default::default();
    let (model, _) = pretrained::load::<DefaultBackend>(&device);
    let trained = pretrained::trained();
    let mut group = c.benchmark_group("inference");
    group.sample_size(30);
    for name in ["nsfnet", "geant2", "mesh100", "waxman100"] {
        let scenario = scenario(name);
        let flows = scenario.traffic.len();
        group.bench_function(format!("{name}_{flows}_flows"), |b| {
            b.iter(|| trained.predict(&scenario).unwrap())
        });
        if !name.ends_with("100") {
            group.bench_function(format!("{name}_{flows}_flows_burn"), |b| {
                b.iter(|| {
                    let batch = GraphBatch::from_records([&Record::from_scenario(&scenario).unwrap()]);
                    model.forward(&GraphInputs::<DefaultBackend>::new(&batch, &device)).into_data()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, prediction_latency);
criterion_main!(benches);
