//! `dataset info`: counts and label statistics, read shard by shard.

use std::collections::BTreeMap;

use serde::Serialize;

use super::dataset::{Dataset, DatasetError};
use super::shard;

/// Mean, standard deviation and range of a quantity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Default)]
struct Welford {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Welford {
    fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.n == 0 {
            (self.min, self.max) = (x, x);
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }
    fn summary(&self) -> Summary {
        let std = if self.n > 1 { (self.m2 / (self.n - 1) as f64).sqrt() } else { 0.0 };
        Summary { count: self.n, mean: self.mean, std, min: self.min, max: self.max }
    }
}

/// What `pathcast dataset info` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetInfo {
    pub samples: u64,
    pub shards: usize,
    pub samples_requested: u64,
    /// Samples per topology name.
    pub topologies: BTreeMap<String, u64>,
    pub flows: u64,
    pub delay_s: Summary,
    pub jitter_s2: Summary,
    pub loss: Summary,
    /// Busiest link's offered load (rates over capacity), per sample.
    pub peak_load: Summary,
    /// Span of link capacities within a sample, in decades (log10 of fastest over slowest).
    pub capacity_decades: Summary,
    /// Nodes per sample, hops per path, and buffer sizes (packets) of links that carry traffic.
    pub nodes: Summary,
    pub path_hops: Summary,
    pub queue_packets: Summary,
    /// Samples per packet-size distribution.
    pub packets: BTreeMap<String, u64>,
    /// Per-flow standard error of the mean delay relative to the mean: median and 95th percentile.
    pub relative_se_median: f64,
    pub relative_se_p95: f64,
}

/// Reads every shard of the dataset once and summarises it.
pub fn dataset_info(dataset: &Dataset) -> Result<DatasetInfo, DatasetError> {
    let (mut delay, mut jitter, mut loss, mut peak) = Default::default();
    let (mut decades, mut nodes, mut hops, mut queues) = Default::default();
    let mut topologies = BTreeMap::new();
    let mut packets = BTreeMap::new();
    let mut relative_se = Vec::new();
    let (mut samples, mut flows) = (0, 0);
    for path in dataset.shard_paths() {
        for r in shard::read(&path)? {
            samples += 1;
            *topologies.entry(r.topology.clone()).or_insert(0) += 1;
            let kind = match r.packets {
                crate::net::PacketSizes::Exponential { .. } => "exponential",
                crate::net::PacketSizes::Bimodal { .. } => "bimodal",
                crate::net::PacketSizes::Fixed { .. } => "fixed",
            };
            *packets.entry(kind.to_owned()).or_insert(0) += 1;
            let mut offered = vec![0.0; r.links.len()];
            for f in &r.flows {
                for &l in &f.path {
                    offered[l as usize] += f.rate_bps;
                }
                Welford::add(&mut hops, f.path.len() as f64);
            }
            let busiest = r.links.iter().zip(&offered).map(|(l, o)| o / l.capacity_bps).fold(0.0, f64::max);
            Welford::add(&mut peak, busiest);
            let speeds = r.links.iter().map(|l| l.capacity_bps);
            let (slowest, fastest) = speeds.fold((f64::INFINITY, 0.0f64), |(a, b), c| (a.min(c), b.max(c)));
            Welford::add(&mut decades, (fastest / slowest).log10());
            Welford::add(&mut nodes, f64::from(r.nodes));
            for (l, o) in r.links.iter().zip(&offered) {
                if *o > 0.0 {
                    Welford::add(&mut queues, f64::from(l.queue_packets));
                }
            }
            for f in &r.flows {
                flows += 1;
                Welford::add(&mut delay, f.delay_s as f64);
                Welford::add(&mut jitter, f.jitter_s2 as f64);
                Welford::add(&mut loss, f.loss as f64);
                let rel = f.delay_se_s as f64 / f.delay_s as f64;
                if rel.is_finite() {
                    relative_se.push(rel);
                }
            }
        }
    }
    relative_se.sort_unstable_by(f64::total_cmp);
    let quantile = |q: f64| {
        if relative_se.is_empty() {
            f64::NAN
        } else {
            relative_se[((q * relative_se.len() as f64) as usize).min(relative_se.len() - 1)]
        }
    };
    Ok(DatasetInfo {
        samples,
        shards: dataset.manifest.shards.len(),
        samples_requested: dataset.manifest.samples_requested,
        topologies,
        flows,
        delay_s: Welford::summary(&delay),
        jitter_s2: Welford::summary(&jitter),
        loss: Welford::summary(&loss),
        peak_load: Welford::summary(&peak),
        capacity_decades: Welford::summary(&decades),
        nodes: Welford::summary(&nodes),
        path_hops: Welford::summary(&hops),
        queue_packets: Welford::summary(&queues),
        packets,
        relative_se_median: quantile(0.5),
        relative_se_p95: quantile(0.95),
    })
}

/// Accuracy of a set of estimates of per-flow mean delay against a reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Accuracy {
    /// Mean absolute percentage error, in percent.
    pub mape: f64,
    /// Pearson correlation.
    pub pearson: f64,
    /// 95th percentile of the absolute relative error, in percent.
    pub p95: f64,
    /// Mean relative error (signed), in percent: the bias.
    pub bias: f64,
}

/// MAPE, Pearson ρ, p95 relative error and bias of `estimate` against `truth` (same order).
pub fn accuracy(estimate: &[f64], truth: &[f64]) -> Accuracy {
    let n = truth.len() as f64;
    let relative: Vec<f64> = estimate.iter().zip(truth).map(|(e, t)| (e - t) / t).collect();
    let mut errors: Vec<f64> = relative.iter().map(|r| r.abs()).collect();
    errors.sort_by(f64::total_cmp);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let (me, mt) = (mean(estimate), mean(truth));
    let cov: f64 = estimate.iter().zip(truth).map(|(e, t)| (e - me) * (t - mt)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    let p95 = errors.get(((errors.len() as f64 * 0.95) as usize).min(errors.len().saturating_sub(1)));
    Accuracy {
        mape: 100.0 * mean(&errors),
        pearson: cov / (var(estimate, me) * var(truth, mt)).sqrt(),
        p95: 100.0 * p95.copied().unwrap_or(f64::NAN),
        bias: 100.0 * mean(&relative),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_of_known_errors() {
        let truth = [1.0, 2.0, 4.0, 8.0];
        let a = accuracy(&[1.1, 1.8, 4.0, 8.0], &truth);
        assert!((a.mape - 5.0).abs() < 1e-9, "{a:?}");
        assert!(a.bias.abs() < 1e-9, "+10 % and -10 % cancel");
        assert!((a.p95 - 10.0).abs() < 1e-9);
        assert!(a.pearson > 0.99);
        assert!((accuracy(&truth, &truth).pearson - 1.0).abs() < 1e-12);
    }
}
