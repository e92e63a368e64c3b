//! Simulator speed: events per second on NSFNet at 70 % peak link utilisation, with FIFO ports
//! and with every port scheduling three classes (weights 60/30/10) by SP, WFQ or DRR.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pathcast::net::{Policy, Scenario, Scheduler, TrafficSpec, builtin};
use pathcast::sim::{SimConfig, simulate};

fn nsfnet_70(policy: Policy) -> Scenario {
    let topology = builtin::load("nsfnet").unwrap().topology;
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
    let mut scenario = Scenario::generate("nsfnet", topology, spec).unwrap();
    if policy != Policy::Fifo {
        let ports: Vec<_> = scenario.topology.directed_links().map(|l| (l.from, l.to)).collect();
        for (from, to) in ports {
            scenario.qos.set_port(from, to, Scheduler::weighted(policy, &[60.0, 30.0, 10.0]));
        }
        let pairs: Vec<_> = scenario.traffic.iter().map(|(s, d, _)| (s, d)).collect();
        for (src, dst) in pairs {
            scenario.qos.set_class(src, dst, ((src + dst) % 3) as u8);
        }
    }
    scenario
}

fn events_per_second(c: &mut Criterion) {
    let config =
        SimConfig { seed: 1, packets_per_flow: 2000, warmup_packets_per_flow: 200, ..Default::default() };
    let mut group = c.benchmark_group("simulator");
    group.sample_size(10);
    for policy in Policy::ALL {
        let scenario = nsfnet_70(policy);
        let events = simulate(&scenario, &config).unwrap().events;
        group.throughput(Throughput::Elements(events));
        let name = format!("nsfnet_70pct_events_{}", policy.name().to_lowercase());
        group.bench_function(name, |b| b.iter(|| simulate(&scenario, &config).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, events_per_second);
criterion_main!(benches);
