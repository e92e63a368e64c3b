//! `pathcast simulate --compare DIR`: pathcast's simulator on the samples of a dataset, against the
//! dataset's own labels (OMNeT++'s, for an imported one): mean delay, jitter and loss per flow,
//! overall and per topology, traffic class, and whether the sample has an overloaded link.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::dataset::{Dataset, DatasetError, ImportSource};
use super::record::Record;
use super::shard;
use super::stats::{Accuracy, accuracy};
use crate::net::Scenario;
use crate::sim::{SimConfig, SimResult, simulate};

/// How pathcast's simulation compares with a dataset's labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub samples: usize,
    pub flows: usize,
    /// Mean delay, all flows.
    pub delay: Accuracy,
    /// Mean delay per topology name.
    pub per_topology: BTreeMap<String, Accuracy>,
    /// Mean delay per traffic class.
    pub per_class: BTreeMap<u8, Accuracy>,
    /// Mean delay of the samples where no link is offered its capacity or more, and of those
    /// where one is (samples of each kind).
    pub not_overloaded: Option<(usize, Accuracy)>,
    pub overloaded: Option<(usize, Accuracy)>,
    /// Delay variance (jitter).
    pub jitter: Accuracy,
    /// Mean absolute difference of the loss ratios (percentage points).
    pub loss_abs_diff_pp: f64,
    /// Samples left out, and why (a record that is not a pathcast scenario).
    pub skipped: Vec<String>,
}

/// Simulated and labelled values, paired.
#[derive(Default)]
struct Pairs {
    simulated: Vec<f64>,
    labelled: Vec<f64>,
}

impl Pairs {
    fn push(&mut self, simulated: f64, labelled: f64) {
        self.simulated.push(simulated);
        self.labelled.push(labelled);
    }

    fn accuracy(&self) -> Accuracy {
        accuracy(&self.simulated, &self.labelled)
    }
}

/// Simulates up to `limit` samples of a dataset with `config`, on every core, and compares per flow.
/// Delays are recorded as the labelling simulator recorded them (see [`ImportSource::delay_cap_s`]).
pub fn compare(dataset: &Dataset, config: &SimConfig, limit: usize) -> Result<Comparison, DatasetError> {
    let mut work: Vec<(Record, Scenario)> = Vec::new();
    let mut skipped = Vec::new();
    'shards: for path in dataset.shard_paths() {
        for record in shard::read(&path)? {
            if work.len() >= limit {
                break 'shards;
            }
            match record.to_scenario() {
                Ok(scenario) => work.push((record, scenario)),
                Err(why) => skipped.push(format!("sample {}: {why}", record.index)),
            }
        }
    }
    let delay_cap_s = dataset.manifest.imported.as_ref().and_then(ImportSource::delay_cap_s);
    let results = simulate_all(&work, &SimConfig { delay_cap_s, ..*config })?;

    let (mut delay, mut jitter) = (Pairs::default(), Pairs::default());
    let mut per_topology: BTreeMap<String, Pairs> = BTreeMap::new();
    let mut per_class: BTreeMap<u8, Pairs> = BTreeMap::new();
    let (mut calm, mut overloaded) = ((0, Pairs::default()), (0, Pairs::default()));
    let mut loss_diff = 0.0;
    for ((record, scenario), result) in work.iter().zip(&results) {
        let loaded = scenario.link_utilisation().is_ok_and(|u| u.iter().any(|&load| load >= 1.0));
        let by_load = if loaded { &mut overloaded } else { &mut calm };
        by_load.0 += 1;
        let topology = per_topology.entry(record.topology.clone()).or_default();
        for (label, sim) in record.flows.iter().zip(&result.flows) {
            let (truth, got) = (f64::from(label.delay_s), sim.mean_delay_s);
            if !(truth.is_finite() && got.is_finite() && truth > 0.0) {
                continue;
            }
            delay.push(got, truth);
            topology.push(got, truth);
            per_class.entry(label.class).or_default().push(got, truth);
            by_load.1.push(got, truth);
            if label.jitter_s2 > 0.0 && sim.jitter_s2.is_finite() {
                jitter.push(sim.jitter_s2, f64::from(label.jitter_s2));
            }
            loss_diff += (sim.loss_ratio - f64::from(label.loss)).abs();
        }
    }
    let flows = delay.simulated.len();
    let share = |(samples, pairs): (usize, Pairs)| (samples > 0).then(|| (samples, pairs.accuracy()));
    Ok(Comparison {
        samples: work.len(),
        flows,
        delay: delay.accuracy(),
        per_topology: per_topology.into_iter().map(|(k, p)| (k, p.accuracy())).collect(),
        per_class: per_class.into_iter().map(|(k, p)| (k, p.accuracy())).collect(),
        not_overloaded: share(calm),
        overloaded: share(overloaded),
        jitter: jitter.accuracy(),
        loss_abs_diff_pp: 100.0 * loss_diff / flows.max(1) as f64,
        skipped,
    })
}

/// Simulates every scenario (sample `i` with seed `config.seed ^ index`), one worker per core.
fn simulate_all(work: &[(Record, Scenario)], config: &SimConfig) -> Result<Vec<SimResult>, DatasetError> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<SimResult, DatasetError>>>> =
        Mutex::new((0..work.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(work.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((record, scenario)) = work.get(i) else { break };
                    let seeded = SimConfig { seed: config.seed ^ record.index, ..*config };
                    let result = simulate(scenario, &seeded)
                        .map_err(|error| DatasetError::Simulation { index: record.index, error });
                    results.lock().expect("no worker panics holding the lock")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("workers have ended")
        .into_iter()
        .map(|r| r.expect("every sample ran"))
        .collect()
}
