//! What the model knows: the range of every input it saw in training, kept in its checkpoint, and
//! the check that flags a flow whose path takes it outside them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::data::GraphBatch;

/// The smallest and largest value seen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    const EMPTY: Range = Range { min: f64::INFINITY, max: f64::NEG_INFINITY };

    fn add(&mut self, x: f64) {
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    fn contains(&self, x: f64) -> bool {
        x >= self.min && x <= self.max
    }
}

/// The ranges of the inputs a model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRanges {
    /// Offered load of links that carry traffic.
    pub link_load: Range,
    /// Buffer sizes (packets).
    pub queue_packets: Range,
    /// Path lengths (hops).
    pub path_hops: Range,
    /// Packet-size squared coefficients of variation seen (each distinct value once).
    pub packet_scv: Vec<f64>,
    /// Topology sizes (nodes).
    pub nodes: Range,
    /// Largest capacity ratio between consecutive hops of a path (≥ 1, either direction).
    pub hop_capacity_ratio: f64,
    /// The port scheduling policies seen besides FIFO (their names; none in a FIFO-only model).
    #[serde(default)]
    pub policies: Vec<String>,
    /// Samples the ranges were taken over.
    pub samples: u64,
}

impl Default for TrainingRanges {
    fn default() -> Self {
        TrainingRanges {
            link_load: Range::EMPTY,
            queue_packets: Range::EMPTY,
            path_hops: Range::EMPTY,
            packet_scv: Vec::new(),
            nodes: Range::EMPTY,
            hop_capacity_ratio: 1.0,
            policies: Vec::new(),
            samples: 0,
        }
    }
}

/// Loads within this much (relative) of the trained maximum still count as inside it: the
/// simulator's own load estimate of a sample is no more precise.
const LOAD_SLACK: f64 = 0.02;
/// Networks up to this factor beyond the trained sizes count as inside them: message passing is
/// local, so a few more nodes than any trained network change nothing a path sees (its length,
/// loads and capacity steps are checked on their own).
const SIZE_SLACK: f64 = 1.25;

/// Why a flow's prediction is an extrapolation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Extrapolation {
    /// A link on the path is loaded beyond what training saw.
    LinkLoad { from: u32, to: u32, load: f64, trained_max: f64 },
    /// A link on the path has a buffer outside the trained sizes.
    QueueSize { from: u32, to: u32, packets: u32, trained: Range },
    /// The path is longer (or shorter) than any trained one.
    PathLength { hops: usize, trained: Range },
    /// The packet-size distribution's variability was not trained on.
    PacketVariability { scv: f64, trained: Vec<f64> },
    /// The network is larger (or smaller) than any trained one.
    TopologySize { nodes: u32, trained: Range },
    /// Two consecutive hops differ in capacity by more than any trained path's.
    CapacityStep { from: u32, to: u32, ratio: f64, trained_max: f64 },
    /// A port on the path schedules classes by a policy the model was not trained on.
    Scheduling { from: u32, to: u32, policy: &'static str, trained: Vec<String> },
}

impl Extrapolation {
    /// The directed link `(from, to)` the reason is about, when it is about one.
    pub fn link(&self) -> Option<(u32, u32)> {
        match *self {
            Extrapolation::LinkLoad { from, to, .. }
            | Extrapolation::QueueSize { from, to, .. }
            | Extrapolation::CapacityStep { from, to, .. }
            | Extrapolation::Scheduling { from, to, .. } => Some((from, to)),
            _ => None,
        }
    }
}

impl fmt::Display for Extrapolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extrapolation::LinkLoad { from, to, load, trained_max } => write!(
                f,
                "link {from}->{to} at {:.0} % load (trained up to {:.0} %)",
                load * 100.0,
                trained_max * 100.0
            ),
            Extrapolation::QueueSize { from, to, packets, trained } => write!(
                f,
                "link {from}->{to} buffer of {packets} packets (trained {}-{})",
                trained.min, trained.max
            ),
            Extrapolation::PathLength { hops, trained } => {
                write!(f, "path of {hops} hops (trained {}-{})", trained.min, trained.max)
            }
            Extrapolation::PacketVariability { scv, trained } => {
                write!(f, "packet-size variability c2 = {scv} (trained {trained:?})")
            }
            Extrapolation::TopologySize { nodes, trained } => {
                write!(f, "network of {nodes} nodes (trained {}-{})", trained.min, trained.max)
            }
            Extrapolation::CapacityStep { from, to, ratio, trained_max } => write!(
                f,
                "capacity step of {ratio:.0}x into link {from}->{to} (trained up to {trained_max:.0}x)"
            ),
            Extrapolation::Scheduling { from, to, policy, trained } if trained.is_empty() => {
                write!(f, "link {from}->{to} schedules by {policy} (trained on FIFO ports only)")
            }
            Extrapolation::Scheduling { from, to, policy, trained } => {
                write!(f, "link {from}->{to} schedules by {policy} (trained on FIFO, {})", trained.join(", "))
            }
        }
    }
}

impl TrainingRanges {
    /// Checks that ranges read from a checkpoint are ranges: finite, in order, non-negative.
    pub fn validate(&self) -> Result<(), String> {
        let ranges = [
            ("link_load", self.link_load),
            ("queue_packets", self.queue_packets),
            ("path_hops", self.path_hops),
            ("nodes", self.nodes),
        ];
        for (name, r) in ranges {
            if !(r.min.is_finite() && r.max.is_finite() && 0.0 <= r.min && r.min <= r.max) {
                return Err(format!(
                    "training range {name} [{}, {}] is not a range of non-negative numbers",
                    r.min, r.max
                ));
            }
        }
        if !(self.hop_capacity_ratio.is_finite() && self.hop_capacity_ratio >= 1.0) {
            return Err(format!("hop_capacity_ratio {} must be at least 1", self.hop_capacity_ratio));
        }
        if self.packet_scv.iter().any(|c| !(0.0..=10.0).contains(c)) {
            return Err("packet_scv holds a value outside [0, 10]".into());
        }
        Ok(())
    }

    /// Widens the ranges to cover a batch.
    pub fn observe(&mut self, batch: &GraphBatch) {
        let mut offered = vec![0.0; batch.n_links()];
        for p in 0..batch.n_paths() {
            let path = batch.path(p);
            for &l in path {
                offered[l as usize] += batch.path_rate_bps[p];
            }
            self.path_hops.add(path.len() as f64);
            for w in path.windows(2) {
                self.hop_capacity_ratio = self.hop_capacity_ratio.max(step_ratio(batch, w[0], w[1]));
            }
        }
        for (l, &traffic) in offered.iter().enumerate() {
            if traffic > 0.0 {
                self.link_load.add(traffic / batch.link_capacity_bps[l]);
                self.queue_packets.add(f64::from(batch.link_queue_packets[l]));
                if let Some(scheduler) = &batch.link_scheduler[l] {
                    let name = scheduler.policy.name();
                    if !self.policies.iter().any(|p| p == name) {
                        self.policies.push(name.to_owned());
                        self.policies.sort();
                    }
                }
            }
        }
        for s in 0..batch.samples {
            self.nodes.add(f64::from(batch.nodes[s]));
            let scv = batch.packets[s].scv();
            if !self.packet_scv.contains(&scv) {
                self.packet_scv.push(scv);
                self.packet_scv.sort_by(f64::total_cmp);
            }
        }
        self.samples += batch.samples as u64;
    }

    /// Every way in which path `p` of a one-sample batch lies outside the ranges; `link_load` is
    /// the offered load of every link of the batch, `link_ends` its endpoints.
    pub fn check_path(
        &self,
        batch: &GraphBatch,
        p: usize,
        link_load: &[f64],
        link_ends: &[(u32, u32)],
    ) -> Vec<Extrapolation> {
        let mut out = Vec::new();
        let path = batch.path(p);
        let sample = batch.path_sample[p] as usize;
        let nodes = batch.nodes[sample];
        let size = Range { min: self.nodes.min / SIZE_SLACK, max: self.nodes.max * SIZE_SLACK };
        if !size.contains(f64::from(nodes)) {
            out.push(Extrapolation::TopologySize { nodes, trained: self.nodes });
        }
        let scv = batch.packets[sample].scv();
        if !self.packet_scv.contains(&scv) {
            out.push(Extrapolation::PacketVariability { scv, trained: self.packet_scv.clone() });
        }
        if !self.path_hops.contains(path.len() as f64) {
            out.push(Extrapolation::PathLength { hops: path.len(), trained: self.path_hops });
        }
        for (t, &l) in path.iter().enumerate() {
            let (from, to) = link_ends[l as usize];
            let load = link_load[l as usize];
            if load > self.link_load.max * (1.0 + LOAD_SLACK) {
                out.push(Extrapolation::LinkLoad { from, to, load, trained_max: self.link_load.max });
            }
            if let Some(scheduler) = &batch.link_scheduler[l as usize] {
                let policy = scheduler.policy.name();
                if !self.policies.iter().any(|p| p == policy) {
                    out.push(Extrapolation::Scheduling { from, to, policy, trained: self.policies.clone() });
                }
            }
            let packets = batch.link_queue_packets[l as usize];
            if !self.queue_packets.contains(f64::from(packets)) {
                out.push(Extrapolation::QueueSize { from, to, packets, trained: self.queue_packets });
            }
            if t > 0 {
                let ratio = step_ratio(batch, path[t - 1], l);
                if ratio > self.hop_capacity_ratio * (1.0 + 1e-9) {
                    out.push(Extrapolation::CapacityStep {
                        from,
                        to,
                        ratio,
                        trained_max: self.hop_capacity_ratio,
                    });
                }
            }
        }
        out
    }
}

/// The capacity ratio between two consecutive links, larger over smaller.
fn step_ratio(batch: &GraphBatch, previous: u32, next: u32) -> f64 {
    let (a, b) = (batch.link_capacity_bps[previous as usize], batch.link_capacity_bps[next as usize]);
    a.max(b) / a.min(b)
}
