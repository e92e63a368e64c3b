//! What a simulation reports.

use serde::{Deserialize, Serialize};

use crate::net::NodeId;

/// Per-flow results over the packets generated after warm-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowResult {
    pub src: NodeId,
    pub dst: NodeId,
    /// Mean end-to-end delay of delivered packets (s), with the packet-size control variate (see
    /// the simulator); NaN when none was delivered.
    pub mean_delay_s: f64,
    /// Variance of the per-packet delay (s²).
    pub jitter_s2: f64,
    /// Standard error of `mean_delay_s` (s): 20 batch means, in delivery order, of delay less own
    /// transmission time, plus the size spread of undelivered packets; NaN below 40 packets.
    pub mean_delay_se_s: f64,
    pub p50_delay_s: f64,
    pub p90_delay_s: f64,
    /// Packets generated after warm-up.
    pub sent: u64,
    pub delivered: u64,
    pub dropped: u64,
    /// dropped / (delivered + dropped).
    pub loss_ratio: f64,
}

/// Per directed link results over the measured period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkResult {
    pub from: NodeId,
    pub to: NodeId,
    /// Fraction of time the transmitter was busy.
    pub utilisation: f64,
    /// Time-averaged packets at the port, the one in transmission included.
    pub mean_queue_packets: f64,
    pub drops: u64,
}

/// The outcome of one simulation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    /// One entry per flow with positive rate, in the scenario's pair order.
    pub flows: Vec<FlowResult>,
    /// One entry per directed link, in link-id order.
    pub links: Vec<LinkResult>,
    /// Events processed.
    pub events: u64,
    /// Simulated time at the end (s), and when measurement started.
    pub end_s: f64,
    pub warmup_s: f64,
    /// False when the event budget ran out before every flow reached its packet target.
    pub complete: bool,
    /// Every packet ever generated, warm-up included, and where each one ended up.
    pub generated_total: u64,
    pub delivered_total: u64,
    pub dropped_total: u64,
    pub in_flight: u64,
}
