//! Planning speed with the shipped model: GEANT2's 666 double-link failures predicted on every
//! core (goal: under 2 s on 2 cores), and the upgrade search that makes NSFNet meet an 800 ms
//! target under every single-link failure.

use criterion::{Criterion, criterion_group, criterion_main};
use pathcast::model::pretrained;
use pathcast::net::{Metric, Scenario, TrafficSpec, builtin};
use pathcast::plan::upgrades::{UpgradeRules, suggest};
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

fn nsfnet_upgrade_search(c: &mut Criterion) {
    let topology = builtin::load("nsfnet").unwrap().topology;
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
    let mut scenario = Scenario::generate("nsfnet", topology, spec).unwrap();
    scenario.targets.global_s = Some(0.8);
    let model = pretrained::trained();
    let rules = UpgradeRules {
        step_factor: 2.0,
        cost_per_step: 1.0,
        max_steps: 30,
        failures: Some(SweepKind::Links),
    };
    let mut group = c.benchmark_group("upgrade");
    group.sample_size(10);
    group.bench_function("nsfnet_800ms_under_link_failures", |b| {
        b.iter(|| suggest(&model, &scenario, rules, Metric::Hops).unwrap())
    });
    group.finish();
}

criterion_group!(benches, geant2_double_links, nsfnet_upgrade_search);
criterion_main!(benches);
