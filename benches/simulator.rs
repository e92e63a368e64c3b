//! Simulator speed: events per second on NSFNet at 70 % peak link utilisation.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pathcast::net::{Scenario, TrafficSpec, builtin};
use pathcast::sim::{SimConfig, simulate};

fn nsfnet_70() -> Scenario {
    let topology = builtin::load("nsfnet").unwrap().topology;
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
    Scenario::generate("nsfnet", topology, spec).unwrap()
}

fn events_per_second(c: &mut Criterion) {
    let scenario = nsfnet_70();
    let config =
        SimConfig { seed: 1, packets_per_flow: 2000, warmup_packets_per_flow: 200, ..Default::default() };
    let events = simulate(&scenario, &config).unwrap().events;
    let mut group = c.benchmark_group("simulator");
    group.throughput(Throughput::Elements(events));
    group.sample_size(10);
    group.bench_function("nsfnet_70pct_events", |b| b.iter(|| simulate(&scenario, &config).unwrap()));
    group.finish();
}

criterion_group!(benches, events_per_second);
criterion_main!(benches);
