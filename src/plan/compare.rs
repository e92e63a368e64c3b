//! Two plans side by side: the model predicts both, and the comparison lists each pair's delay in
//! each, the links added, removed or changed, and the demands changed. Nodes are matched by name
//! (label, else id), so two files of the same network compare even when their ids differ.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{PredictError, TrainedModel};
use crate::net::units::{format_bps, format_seconds};
use crate::net::{LinkParams, NodeId, Scenario};

/// One pair in either plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairChange {
    pub src: String,
    pub dst: String,
    /// The pair's nodes in plan A, where both are there.
    #[serde(skip)]
    pub ids_in_a: Option<(NodeId, NodeId)>,
    /// Predicted mean delay in each plan (s); `None` where the plan has no flow for the pair.
    pub a_delay_s: Option<f64>,
    pub b_delay_s: Option<f64>,
    /// Whether either prediction is an extrapolation.
    pub extrapolated: bool,
}

impl PairChange {
    /// B's delay minus A's (s), where both plans carry the pair.
    pub fn change_s(&self) -> Option<f64> {
        Some(self.b_delay_s? - self.a_delay_s?)
    }
}

/// What happened to one duplex link.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum LinkChange {
    Added { a: String, b: String, capacity_bps: f64 },
    Removed { a: String, b: String, capacity_bps: f64 },
    Changed { a: String, b: String, from: LinkFigures, to: LinkFigures },
}

impl std::fmt::Display for LinkChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkChange::Added { a, b, capacity_bps } => {
                write!(f, "added {a} - {b} ({})", format_bps(*capacity_bps))
            }
            LinkChange::Removed { a, b, capacity_bps } => {
                write!(f, "removed {a} - {b} ({})", format_bps(*capacity_bps))
            }
            LinkChange::Changed { a, b, from, to } => {
                let mut parts = Vec::new();
                if from.capacity_bps != to.capacity_bps {
                    parts.push(format!(
                        "{} -> {}",
                        format_bps(from.capacity_bps),
                        format_bps(to.capacity_bps)
                    ));
                }
                if from.queue_packets != to.queue_packets {
                    parts.push(format!("buffer {} -> {} packets", from.queue_packets, to.queue_packets));
                }
                if from.propagation_s != to.propagation_s {
                    parts.push(format!(
                        "propagation {} -> {}",
                        format_seconds(from.propagation_s),
                        format_seconds(to.propagation_s)
                    ));
                }
                write!(f, "{a} - {b}: {}", parts.join(", "))
            }
        }
    }
}

/// The figures of a link that a plan may change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LinkFigures {
    pub capacity_bps: f64,
    pub queue_packets: u32,
    pub propagation_s: f64,
}

impl From<LinkParams> for LinkFigures {
    fn from(p: LinkParams) -> Self {
        LinkFigures {
            capacity_bps: p.capacity_bps,
            queue_packets: p.queue_packets,
            propagation_s: p.propagation_s,
        }
    }
}

/// Summary figures of one plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanSummary {
    pub name: String,
    pub flows: usize,
    pub mean_delay_s: f64,
    pub worst_delay_s: f64,
    pub over_target: usize,
    pub extrapolated: usize,
}

/// Plan B against plan A.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanComparison {
    pub a: PlanSummary,
    pub b: PlanSummary,
    /// Every pair of either plan, the largest change first (pairs in one plan only last).
    pub pairs: Vec<PairChange>,
    pub links: Vec<LinkChange>,
    /// Pairs whose offered rate differs (added or removed demands included).
    pub demands_changed: usize,
    /// Node names in one plan only.
    pub nodes_only_in_a: Vec<String>,
    pub nodes_only_in_b: Vec<String>,
}

impl PlanComparison {
    /// B's delay less A's (s) for each pair both plans carry, by A's node ids.
    pub fn pair_changes(&self) -> BTreeMap<(NodeId, NodeId), f64> {
        self.pairs.iter().filter_map(|p| Some((p.ids_in_a?, p.change_s()?))).collect()
    }
}

/// Predicts both plans and compares them.
pub fn compare(model: &TrainedModel, a: &Scenario, b: &Scenario) -> Result<PlanComparison, PredictError> {
    let (pa, pb) = (model.predict(a)?, model.predict(b)?);
    let named = |s: &Scenario| -> BTreeMap<String, NodeId> {
        s.topology.node_ids().map(|id| (s.topology.node_name(id), id)).collect()
    };
    let (names_a, names_b) = (named(a), named(b));
    let only = |x: &BTreeMap<String, NodeId>, y: &BTreeMap<String, NodeId>| -> Vec<String> {
        x.keys().filter(|k| !y.contains_key(*k)).cloned().collect()
    };
    let delays = |s: &Scenario, p: &crate::model::Prediction| -> BTreeMap<(String, String), (f64, bool)> {
        p.flows
            .iter()
            .map(|f| {
                let key = (s.topology.node_name(f.src as NodeId), s.topology.node_name(f.dst as NodeId));
                (key, (f.delay_s, !f.extrapolated.is_empty()))
            })
            .collect()
    };
    let (da, db) = (delays(a, &pa), delays(b, &pb));
    let mut keys: Vec<&(String, String)> = da.keys().chain(db.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut pairs: Vec<PairChange> = keys
        .into_iter()
        .map(|key| {
            let (x, y) = (da.get(key), db.get(key));
            PairChange {
                src: key.0.clone(),
                dst: key.1.clone(),
                ids_in_a: names_a.get(&key.0).zip(names_a.get(&key.1)).map(|(&s, &d)| (s, d)),
                a_delay_s: x.map(|v| v.0),
                b_delay_s: y.map(|v| v.0),
                extrapolated: x.is_some_and(|v| v.1) || y.is_some_and(|v| v.1),
            }
        })
        .collect();
    pairs.sort_by(|x, y| {
        let size = |p: &PairChange| p.change_s().map_or(f64::NEG_INFINITY, f64::abs);
        size(y).total_cmp(&size(x))
    });

    let links_of = |s: &Scenario| -> BTreeMap<(String, String), LinkParams> {
        s.topology
            .duplex_links()
            .map(|(x, y, params)| {
                let (nx, ny) = (s.topology.node_name(x), s.topology.node_name(y));
                (if nx <= ny { (nx, ny) } else { (ny, nx) }, params)
            })
            .collect()
    };
    let (la, lb) = (links_of(a), links_of(b));
    let mut links = Vec::new();
    for ((x, y), pa) in &la {
        match lb.get(&(x.clone(), y.clone())) {
            None => {
                links.push(LinkChange::Removed { a: x.clone(), b: y.clone(), capacity_bps: pa.capacity_bps })
            }
            Some(pb) if pb != pa => links.push(LinkChange::Changed {
                a: x.clone(),
                b: y.clone(),
                from: (*pa).into(),
                to: (*pb).into(),
            }),
            Some(_) => {}
        }
    }
    for ((x, y), pb) in &lb {
        if !la.contains_key(&(x.clone(), y.clone())) {
            links.push(LinkChange::Added { a: x.clone(), b: y.clone(), capacity_bps: pb.capacity_bps });
        }
    }

    let rates = |s: &Scenario| -> BTreeMap<(String, String), f64> {
        s.traffic.iter().map(|(x, y, r)| ((s.topology.node_name(x), s.topology.node_name(y)), r)).collect()
    };
    let (ra, rb) = (rates(a), rates(b));
    let demands_changed = ra.iter().filter(|(k, r)| rb.get(*k) != Some(r)).count()
        + rb.keys().filter(|k| !ra.contains_key(*k)).count();

    Ok(PlanComparison {
        a: summary(a, &pa),
        b: summary(b, &pb),
        pairs,
        links,
        demands_changed,
        nodes_only_in_a: only(&names_a, &names_b),
        nodes_only_in_b: only(&names_b, &names_a),
    })
}

fn summary(scenario: &Scenario, prediction: &crate::model::Prediction) -> PlanSummary {
    let (mean_delay_s, worst_delay_s) = prediction.mean_and_worst_delay();
    PlanSummary {
        name: scenario.name.clone(),
        flows: prediction.flows.len(),
        mean_delay_s,
        worst_delay_s,
        over_target: super::violations(scenario, prediction).len(),
        extrapolated: prediction.extrapolated_flows(),
    }
}
