//! Prediction for a scenario: the frozen model's per-hop outputs assembled into every flow's
//! delay, jitter and loss in seconds, each flow flagged where the model extrapolates, and every
//! link's load and predicted sojourn.

use serde::Serialize;

use super::features::GraphLayout;
use super::frozen::FrozenRouteNet;
use super::limits::{Extrapolation, TrainingRanges};
use super::routenet::RouteNetConfig;
use crate::data::{GraphBatch, Record};
use crate::net::{RouteError, Scenario};

/// One flow's prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowPrediction {
    pub src: u32,
    pub dst: u32,
    /// Mean end-to-end delay of delivered packets (s), propagation included.
    pub delay_s: f64,
    /// The part of `delay_s` that is propagation (exact, not predicted).
    pub propagation_s: f64,
    /// Variance of the delay (s²).
    pub jitter_s2: f64,
    /// Fraction of the flow's packets dropped.
    pub loss: f64,
    /// Why this prediction lies outside what the model was trained on; empty when it does not.
    pub extrapolated: Vec<Extrapolation>,
}

/// One directed link's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkPrediction {
    pub from: u32,
    pub to: u32,
    /// Offered load: the rates routed over the link over its capacity.
    pub load: f64,
    /// Offered load ≥ 1: the link cannot carry what is routed over it and drops the excess.
    pub overloaded: bool,
    /// Mean time a packet spends at the link's port, waiting and in transmission (s): the
    /// traffic-weighted mean over the flows crossing it (its transmission time when none does).
    pub sojourn_s: f64,
    /// Traffic-weighted drop probability at the port.
    pub drop: f64,
}

/// Everything predicted for one scenario, flows in pair order and links in link-id order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub flows: Vec<FlowPrediction>,
    pub links: Vec<LinkPrediction>,
}

impl Prediction {
    /// The mean and the largest predicted delay over the flows (s); zeros without flows.
    pub fn mean_and_worst_delay(&self) -> (f64, f64) {
        let total: f64 = self.flows.iter().map(|f| f.delay_s).sum();
        let worst = self.flows.iter().map(|f| f.delay_s).fold(0.0, f64::max);
        (total / self.flows.len().max(1) as f64, worst)
    }

    /// Flows whose prediction is an extrapolation.
    pub fn extrapolated_flows(&self) -> usize {
        self.flows.iter().filter(|f| !f.extrapolated.is_empty()).count()
    }

    /// Links whose offered load is at least their capacity.
    pub fn overloaded_links(&self) -> usize {
        self.links.iter().filter(|l| l.overloaded).count()
    }
}

/// Why a scenario could not be predicted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error(transparent)]
    Route(#[from] RouteError),
    #[error("flow {src}->{dst}: the model's {what} is not a finite number")]
    NonFinite { src: u32, dst: u32, what: &'static str },
    #[error("link {from}->{to}: the rates routed over it add up to more than any finite load")]
    InfiniteLoad { from: u32, to: u32 },
}

/// A trained model ready to predict: its frozen weights and what it was trained on.
#[derive(Debug, Clone)]
pub struct TrainedModel {
    pub net: FrozenRouteNet,
    pub ranges: TrainingRanges,
}

impl TrainedModel {
    /// The analytic estimate alone: a fresh model, whose corrections are all zero, judged
    /// against `ranges` for its extrapolation flags.
    pub fn analytic(ranges: TrainingRanges) -> Self {
        let weights = RouteNetConfig::default().init::<super::DefaultBackend>(&Default::default()).weights();
        TrainedModel { net: FrozenRouteNet::new(weights), ranges }
    }

    /// Predicts every flow with positive rate of a scenario.
    pub fn predict(&self, scenario: &Scenario) -> Result<Prediction, PredictError> {
        self.predict_record(&Record::from_scenario(scenario)?)
    }

    /// Predicts the flows of a record.
    pub fn predict_record(&self, record: &Record) -> Result<Prediction, PredictError> {
        let batch = GraphBatch::from_records([record]);
        let layout = GraphLayout::new(&batch);
        if let Some(l) = layout.link_load.iter().position(|x| !x.is_finite()) {
            return Err(PredictError::InfiniteLoad { from: record.links[l].from, to: record.links[l].to });
        }
        let hops = self.net.hops(&layout);
        let tau = |l: usize| record.packets.mean_bits() / record.links[l].capacity_bps;

        let mut per_path = vec![[0.0f64; 3]; layout.paths];
        let mut per_link = vec![[0.0f64; 3]; layout.links];
        for h in 0..layout.hops() {
            let (l, position) = (layout.hop_links[h], layout.hop_paths[h]);
            let (s, v, p) =
                (f64::from(hops.sojourn[h]), f64::from(hops.variance[h]), f64::from(hops.drop[h]));
            per_path[position][0] += s * tau(l);
            per_path[position][1] += v * tau(l) * tau(l);
            per_path[position][2] += (1.0 - p).ln();
            let share = f64::from(layout.hop_share[h]);
            per_link[l][0] += share * s;
            per_link[l][1] += share * p;
            per_link[l][2] += share;
        }

        let link_ends: Vec<(u32, u32)> = record.links.iter().map(|l| (l.from, l.to)).collect();
        let mut flows = Vec::with_capacity(layout.paths);
        for (p, f) in record.flows.iter().enumerate() {
            let position = layout.restore[p];
            let [queueing, jitter, log_survival] = per_path[position];
            let propagation_s = layout.path_propagation_s[position];
            let flow = FlowPrediction {
                src: f.src,
                dst: f.dst,
                delay_s: queueing + propagation_s,
                propagation_s,
                jitter_s2: jitter,
                loss: 1.0 - log_survival.exp(),
                extrapolated: self.ranges.check_path(&batch, p, &layout.link_load, &link_ends),
            };
            for (what, value) in [("delay", flow.delay_s), ("jitter", flow.jitter_s2), ("loss", flow.loss)] {
                if !value.is_finite() {
                    return Err(PredictError::NonFinite { src: f.src, dst: f.dst, what });
                }
            }
            flows.push(flow);
        }
        let links = record
            .links
            .iter()
            .enumerate()
            .map(|(l, link)| {
                let [sojourn, drop, share] = per_link[l];
                let load = layout.link_load[l];
                let (sojourn, drop) = if share > 0.0 { (sojourn / share, drop / share) } else { (1.0, 0.0) };
                LinkPrediction {
                    from: link.from,
                    to: link.to,
                    load,
                    overloaded: load >= 1.0,
                    sojourn_s: sojourn * tau(l),
                    drop,
                }
            })
            .collect();
        Ok(Prediction { flows, links })
    }
}
