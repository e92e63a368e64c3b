//! From a [`GraphBatch`] to model tensors, and the normalisation learned from training data.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::GraphBatch;

/// Mean and standard deviation of one quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Standardiser {
    pub mean: f64,
    pub std: f64,
}

impl Standardiser {
    /// Fits to finite values (std floored at `min_std`).
    pub fn fit(values: impl IntoIterator<Item = f64>, min_std: f64) -> Self {
        let (mut n, mut sum, mut sum_sq) = (0.0, 0.0, 0.0);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            n += 1.0;
            sum += v;
            sum_sq += v * v;
        }
        let mean = if n > 0.0 { sum / n } else { 0.0 };
        let var = if n > 1.0 { (sum_sq / n - mean * mean).max(0.0) } else { 1.0 };
        Standardiser { mean, std: var.sqrt().max(min_std) }
    }

    pub fn apply(&self, x: f64) -> f64 {
        (x - self.mean) / self.std
    }

    pub fn invert(&self, z: f64) -> f64 {
        z * self.std + self.mean
    }
}

/// How inputs and targets are scaled; stored in every checkpoint.
///
/// Traffic and capacity are standardised as they are; delay and jitter in logarithm (they span
/// orders of magnitude), loss as it is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    pub traffic: Standardiser,
    pub capacity: Standardiser,
    pub queue: Standardiser,
    pub log_delay: Standardiser,
    pub log_jitter: Standardiser,
    pub loss: Standardiser,
}

/// Floor under jitter before taking its logarithm (s²).
const JITTER_FLOOR: f64 = 1e-9;

impl Normalization {
    /// Fits to the training batches.
    pub fn fit<'a>(batches: impl IntoIterator<Item = &'a GraphBatch> + Clone) -> Self {
        let all =
            |f: fn(&GraphBatch) -> &Vec<f32>| batches.clone().into_iter().flat_map(f).map(|&x| x as f64);
        Normalization {
            traffic: Standardiser::fit(all(|b| &b.path_rate_bps), 1e-6),
            capacity: Standardiser::fit(all(|b| &b.link_capacity_bps), 1e-6),
            queue: Standardiser::fit(all(|b| &b.link_queue_packets), 1.0),
            log_delay: Standardiser::fit(all(|b| &b.delay_s).map(f64::ln), 1e-6),
            log_jitter: Standardiser::fit(all(|b| &b.jitter_s2).map(|j| (j + JITTER_FLOOR).ln()), 1e-6),
            loss: Standardiser::fit(all(|b| &b.loss), 1e-3),
        }
    }

    /// Model outputs (normalised) back to (delay s, jitter s², loss ratio).
    pub fn denormalise(&self, output: [f32; 3]) -> (f64, f64, f64) {
        let delay = self.log_delay.invert(output[0] as f64).exp();
        let jitter = (self.log_jitter.invert(output[1] as f64).exp() - JITTER_FLOOR).max(0.0);
        let loss = self.loss.invert(output[2] as f64).clamp(0.0, 1.0);
        (delay, jitter, loss)
    }
}

/// A batch laid out for message passing without padding, on the host.
///
/// Paths are processed in order of decreasing length (`sorted`), so the paths that still have a
/// hop `t` are always a prefix: `active[t]` of them. Hops are listed hop-major — all first hops,
/// then all second hops — so the per-hop GRU outputs concatenate straight into the list that is
/// scattered onto links.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphLayout {
    pub paths: usize,
    pub links: usize,
    /// Normalised traffic of every path, in sorted path order.
    pub path_features: Vec<f32>,
    /// `[links × 2]` normalised capacity and queue size, row-major.
    pub link_features: Vec<f32>,
    /// Number of paths with at least `t + 1` hops, for each hop position `t`.
    pub active: Vec<usize>,
    /// The link of every hop, hop-major (first hops of all active paths, then second hops, …).
    pub hop_links: Vec<usize>,
    /// Sorted position of each path in batch order (to put outputs back in batch order).
    pub restore: Vec<usize>,
    /// `[paths × 3]` normalised targets (delay, jitter, loss) in batch order; NaN where unlabelled.
    pub targets: Vec<f32>,
}

impl GraphLayout {
    /// Normalises and orders a batch.
    pub fn new(batch: &GraphBatch, norm: &Normalization) -> Self {
        let (paths, links) = (batch.n_paths(), batch.n_links());
        let scaled = |values: &[f32], s: &Standardiser, f: fn(f64) -> f64| -> Vec<f32> {
            values.iter().map(|&v| s.apply(f(v as f64)) as f32).collect()
        };
        let capacity = scaled(&batch.link_capacity_bps, &norm.capacity, |x| x);
        let queue = scaled(&batch.link_queue_packets, &norm.queue, |x| x);
        let link_features = capacity.iter().zip(&queue).flat_map(|(&c, &q)| [c, q]).collect();

        // Longest paths first (ties in batch order), so active paths form a prefix at every hop.
        let mut sorted: Vec<usize> = (0..paths).collect();
        sorted.sort_by_key(|&p| std::cmp::Reverse(batch.path(p).len()));
        let mut restore = vec![0; paths];
        for (position, &p) in sorted.iter().enumerate() {
            restore[p] = position;
        }
        let traffic = scaled(&batch.path_rate_bps, &norm.traffic, |x| x);
        let path_features = sorted.iter().map(|&p| traffic[p]).collect();
        let active: Vec<usize> = (0..batch.max_path_len())
            .map(|t| sorted.iter().take_while(|&&p| batch.path(p).len() > t).count())
            .collect();
        let hop_links = active
            .iter()
            .enumerate()
            .flat_map(|(t, &n)| sorted[..n].iter().map(move |&p| batch.path(p)[t] as usize))
            .collect();

        let delay = scaled(&batch.delay_s, &norm.log_delay, f64::ln);
        let jitter = scaled(&batch.jitter_s2, &norm.log_jitter, |j| (j + JITTER_FLOOR).ln());
        let loss = scaled(&batch.loss, &norm.loss, |x| x);
        let targets = (0..paths).flat_map(|p| [delay[p], jitter[p], loss[p]]).collect();
        GraphLayout { paths, links, path_features, link_features, active, hop_links, restore, targets }
    }
}

/// How message passing moves rows between links and hops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexing {
    /// `select` gathers link rows per hop and `select_assign` sums hop rows onto links: fastest
    /// on CPU backends, where both are plain row loops.
    Rows,
    /// `gather` and `scatter` with the index expanded to every column: one element-parallel kernel
    /// each (atomic adds for the scatter) on GPU backends, where `select_assign` runs serially
    /// over rows.
    Elements,
}

impl Indexing {
    /// Rows on burn's CPU backend (flex), elements on every other backend.
    pub fn preferred<B: Backend>(device: &B::Device) -> Self {
        if B::name(device).contains("flex") { Indexing::Rows } else { Indexing::Elements }
    }
}

/// A [`GraphLayout`] as tensors on one device.
#[derive(Debug, Clone)]
pub struct GraphInputs<B: Backend> {
    pub paths: usize,
    pub links: usize,
    /// `[paths, 1]` normalised traffic, in sorted path order.
    pub path_features: Tensor<B, 2>,
    /// `[links, 2]` normalised capacity and queue size.
    pub link_features: Tensor<B, 2>,
    /// Number of paths with at least `t + 1` hops, for each hop position `t`.
    pub active: Vec<usize>,
    /// The link of every hop, hop-major.
    pub hop_links: Tensor<B, 1, Int>,
    /// Sorted position of each path in batch order.
    pub restore: Tensor<B, 1, Int>,
    /// `[paths, 3]` normalised targets in batch order; NaN where unlabelled.
    pub targets: Tensor<B, 2>,
    /// Which indexing operations the model uses on this device.
    pub indexing: Indexing,
    /// One key per path (batch order) drawing its readout dropout masks ([`super::dropout`]);
    /// `None`, the default: no dropout, as in evaluation and prediction.
    pub dropout_keys: Option<Vec<u64>>,
}

impl<B: Backend> GraphInputs<B> {
    /// Builds the tensors of a batch.
    pub fn new(batch: &GraphBatch, norm: &Normalization, device: &B::Device) -> Self {
        Self::from_layout(GraphLayout::new(batch, norm), device)
    }

    /// Moves a layout onto `device`.
    pub fn from_layout(layout: GraphLayout, device: &B::Device) -> Self {
        let GraphLayout { paths, links, path_features, link_features, active, hop_links, restore, targets } =
            layout;
        let floats =
            |v: Vec<f32>, shape: [usize; 2]| Tensor::<B, 2>::from_data(TensorData::new(v, shape), device);
        let ints = |v: Vec<usize>| {
            let n = v.len();
            let v: Vec<i64> = v.into_iter().map(|i| i as i64).collect();
            Tensor::<B, 1, Int>::from_data(TensorData::new(v, [n]), device)
        };
        GraphInputs {
            paths,
            links,
            path_features: floats(path_features, [paths, 1]),
            link_features: floats(link_features, [links, 2]),
            active,
            hop_links: ints(hop_links),
            restore: ints(restore),
            targets: floats(targets, [paths, 3]),
            indexing: Indexing::preferred::<B>(device),
            dropout_keys: None,
        }
    }
}
