//! `pathcast simulate --compare DIR`: pathcast's simulator on the samples of a dataset, against the
//! dataset's own labels (OMNeT++'s, for an imported one): mean delay, jitter and loss per flow.

use std::collections::BTreeMap;

use serde::Serialize;

use super::dataset::{Dataset, DatasetError};
use super::shard;
use super::stats::{Accuracy, accuracy};
use crate::sim::{SimConfig, simulate};

/// How pathcast's simulation compares with a dataset's labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub samples: usize,
    pub flows: usize,
    /// Mean delay, all flows.
    pub delay: Accuracy,
    /// Mean delay per topology name.
    pub per_topology: BTreeMap<String, Accuracy>,
    /// Delay variance (jitter).
    pub jitter: Accuracy,
    /// Mean absolute difference of the loss ratios (percentage points).
    pub loss_abs_diff_pp: f64,
    /// Samples left out, and why (a record that is not a pathcast scenario).
    pub skipped: Vec<String>,
}

/// Simulates up to `limit` samples of a dataset with `config` and compares per flow.
pub fn compare(dataset: &Dataset, config: &SimConfig, limit: usize) -> Result<Comparison, DatasetError> {
    let (mut sim_delay, mut label_delay, mut sim_jitter, mut label_jitter) = (vec![], vec![], vec![], vec![]);
    let mut by_topology: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let (mut loss_diff, mut samples) = (0.0, 0);
    let mut skipped = Vec::new();
    'shards: for path in dataset.shard_paths() {
        for record in shard::read(&path)? {
            if samples >= limit {
                break 'shards;
            }
            let scenario = match record.to_scenario() {
                Ok(s) => s,
                Err(why) => {
                    skipped.push(format!("sample {}: {why}", record.index));
                    continue;
                }
            };
            let result = simulate(&scenario, &SimConfig { seed: config.seed ^ record.index, ..*config })
                .map_err(|error| DatasetError::Simulation { index: record.index, error })?;
            samples += 1;
            let entry = by_topology.entry(record.topology.clone()).or_default();
            for (label, sim) in record.flows.iter().zip(&result.flows) {
                let (truth, got) = (f64::from(label.delay_s), sim.mean_delay_s);
                if !(truth.is_finite() && got.is_finite() && truth > 0.0) {
                    continue;
                }
                sim_delay.push(got);
                label_delay.push(truth);
                entry.0.push(got);
                entry.1.push(truth);
                if label.jitter_s2 > 0.0 && sim.jitter_s2.is_finite() {
                    sim_jitter.push(sim.jitter_s2);
                    label_jitter.push(f64::from(label.jitter_s2));
                }
                loss_diff += (sim.loss_ratio - f64::from(label.loss)).abs();
            }
        }
    }
    let flows = sim_delay.len();
    Ok(Comparison {
        samples,
        flows,
        delay: accuracy(&sim_delay, &label_delay),
        per_topology: by_topology.into_iter().map(|(k, (s, l))| (k, accuracy(&s, &l))).collect(),
        jitter: accuracy(&sim_jitter, &label_jitter),
        loss_abs_diff_pp: 100.0 * loss_diff / flows.max(1) as f64,
        skipped,
    })
}
