//! Failure-sweep speed: GEANT2's 666 double-link failures predicted by the shipped model, on
//! every core (goal: under 2 s on 2 cores).

use criterion::{Criterion, criterion_group, criterion_main};
use pathcast::model::pretrained;
use pathcast::net::{Metric, Scenario, TrafficSpec, builtin};
use pathcast::plan::{SweepKind, sweep};

fn geant2_double_links(c: &mut Criterion) {
    let topology = builtin::load("geant2").unwrap().topology;
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
    let scenario = Scenario::generate("geant2", topology, spec).unwrap();
    let model = pretrained::trained();
    let cases = sweep(&model, &scenario, SweepKind::DoubleLinks, Metric::Hops).unwrap().cases.len();
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.bench_function(format!("geant2_double_links_{cases}_cases"), |b| {
        b.iter(|| sweep(&model, &scenario, SweepKind::DoubleLinks, Metric::Hops).unwrap())
    });
    group.finish();
}

criterion_group!(benches, geant2_double_links);
criterion_main!(benches);
