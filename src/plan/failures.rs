//! Failure sweeps: every single link, every node, every shared-risk link group (SRLG), or every
//! pair of links fails in turn; the model predicts each case, and each pair's worst case across
//! the sweep is kept with the failure that causes it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::model::{PredictError, TrainedModel};
use crate::net::{FailureCase, Metric, NodeId, Scenario};

/// Which failures a sweep goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SweepKind {
    /// Each duplex link alone.
    Links,
    /// Each node with all its links.
    Nodes,
    /// Each shared-risk link group of the scenario.
    Srlgs,
    /// Every pair of duplex links (N-2).
    DoubleLinks,
    /// Each named failure scenario saved in the scenario.
    Saved,
}

impl SweepKind {
    /// Why `scenario` gives this kind of sweep nothing to fail, when it does: no SRLG, or no saved
    /// failure scenario.
    pub fn nothing_to_fail(self, scenario: &Scenario) -> Option<&'static str> {
        match self {
            SweepKind::Srlgs if scenario.srlgs.is_empty() => {
                Some("defines no SRLGs (a scenario's \"srlgs\" list, or the app's SRLG editor)")
            }
            SweepKind::Saved if scenario.failures.is_empty() => Some(
                "saves no failure scenarios (a scenario's \"failures\" list, or the app's failure panel)",
            ),
            _ => None,
        }
    }
}

/// The failure cases of a sweep over `scenario`, in a fixed order.
pub fn cases(scenario: &Scenario, kind: SweepKind) -> Vec<FailureCase> {
    let topology = &scenario.topology;
    let label = |n: NodeId| topology.node_name(n);
    let links: Vec<(NodeId, NodeId)> = topology.duplex_links().map(|(a, b, _)| (a, b)).collect();
    let link_name = |(a, b): (NodeId, NodeId)| format!("{} - {}", label(a), label(b));
    let node_links = |n: NodeId| topology.neighbours(n).into_iter().map(move |m| (n.min(m), n.max(m)));
    match kind {
        SweepKind::Links => links
            .iter()
            .map(|&l| FailureCase { name: link_name(l), links: vec![l], nodes: Vec::new() })
            .collect(),
        SweepKind::Nodes => topology
            .node_ids()
            .map(|n| FailureCase {
                name: format!("node {}", label(n)),
                links: node_links(n).collect(),
                nodes: vec![n],
            })
            .collect(),
        SweepKind::Srlgs => scenario
            .srlgs
            .iter()
            .map(|g| FailureCase {
                name: format!("SRLG {}", g.name),
                links: g.links.clone(),
                nodes: Vec::new(),
            })
            .collect(),
        SweepKind::Saved => scenario
            .failures
            .iter()
            .map(|f| {
                let mut links: Vec<(NodeId, NodeId)> =
                    f.links.iter().copied().chain(f.nodes.iter().flat_map(|&n| node_links(n))).collect();
                links.sort_unstable();
                links.dedup();
                FailureCase { name: f.name.clone(), links, nodes: f.nodes.clone() }
            })
            .collect(),
        SweepKind::DoubleLinks => {
            let mut out = Vec::with_capacity(links.len() * links.len().saturating_sub(1) / 2);
            for (i, &x) in links.iter().enumerate() {
                for &y in &links[i + 1..] {
                    out.push(FailureCase {
                        name: format!("{} + {}", link_name(x), link_name(y)),
                        links: vec![x, y],
                        nodes: Vec::new(),
                    });
                }
            }
            out
        }
    }
}

/// What one failure case does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseImpact {
    pub case: FailureCase,
    /// The largest and the mean predicted delay over the flows still routed (s).
    pub worst_delay_s: f64,
    pub mean_delay_s: f64,
    /// Pairs with traffic left without a route (the failed nodes' own pairs not counted).
    pub disconnected: usize,
    /// Flows whose prediction is an extrapolation.
    pub extrapolated: usize,
    /// Pairs with a delay target that the case puts over it, or cuts off.
    pub targets_broken: usize,
}

/// A pair's worst case over the sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairWorst {
    pub src: NodeId,
    pub dst: NodeId,
    /// Its predicted delay with nothing failed (s).
    pub intact_delay_s: f64,
    /// Its largest predicted delay over the cases (s); infinite when a case cuts it off.
    #[serde(serialize_with = "finite_or_null")]
    pub worst_delay_s: f64,
    /// The index (into the sweep's cases, in sweep order) of the case that gives the worst;
    /// `None` when no case makes the pair slower.
    pub case: Option<usize>,
    /// Whether that prediction is an extrapolation.
    pub extrapolated: bool,
    /// The pair's delay target (s), if it has one.
    pub target_s: Option<f64>,
}

impl PairWorst {
    /// Whether some case puts the pair over its target (or cuts it off).
    pub fn breaks_target(&self) -> bool {
        self.target_s.is_some_and(|t| self.worst_delay_s > t)
    }
}

fn finite_or_null<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.is_finite() { s.serialize_f64(*x) } else { s.serialize_none() }
}

/// A sweep's result: every case in sweep order, and each pair's worst case, worst first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    pub kind: SweepKind,
    pub cases: Vec<CaseImpact>,
    pub pairs: Vec<PairWorst>,
}

impl Sweep {
    /// The cases worst first: those that cut pairs off, by how many, then by worst delay.
    pub fn ranked(&self) -> Vec<&CaseImpact> {
        let mut ranked: Vec<&CaseImpact> = self.cases.iter().collect();
        ranked.sort_by(|x, y| {
            y.disconnected.cmp(&x.disconnected).then(y.worst_delay_s.total_cmp(&x.worst_delay_s))
        });
        ranked
    }
}

/// Predicts every case of `kind` on `scenario` (paths over a failed link move to the shortest
/// path by `metric` on what remains), on every core.
pub fn sweep(
    model: &TrainedModel,
    scenario: &Scenario,
    kind: SweepKind,
    metric: Metric,
) -> Result<Sweep, PredictError> {
    let cases = cases(scenario, kind);
    let intact = model.predict(scenario)?;
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(cases.len().max(1));
    let mut predicted: Vec<Option<Result<CaseResult, PredictError>>> =
        (0..cases.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        done.push((i, predict_case(model, scenario, case, metric)));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            for (i, result) in handle.join().expect("a sweep worker does not panic") {
                predicted[i] = Some(result);
            }
        }
    });

    let mut pairs: BTreeMap<(NodeId, NodeId), PairWorst> = intact
        .flows
        .iter()
        .map(|f| {
            let (src, dst) = (f.src as NodeId, f.dst as NodeId);
            let worst = PairWorst {
                src,
                dst,
                intact_delay_s: f.delay_s,
                worst_delay_s: f.delay_s,
                case: None,
                extrapolated: !f.extrapolated.is_empty(),
                target_s: scenario.targets.of(src, dst),
            };
            ((src, dst), worst)
        })
        .collect();
    let mut impacts: Vec<CaseImpact> = Vec::with_capacity(cases.len());
    for (i, (case, result)) in cases.into_iter().zip(predicted).enumerate() {
        let result = result.expect("every case ran")?;
        for (&pair, &(delay, extrapolated)) in &result.delays {
            if let Some(worst) = pairs.get_mut(&pair).filter(|w| delay > w.worst_delay_s) {
                (worst.worst_delay_s, worst.case, worst.extrapolated) = (delay, Some(i), extrapolated);
            }
        }
        for pair in &result.disconnected {
            if let Some(worst) = pairs.get_mut(pair).filter(|w| w.worst_delay_s.is_finite()) {
                (worst.worst_delay_s, worst.case, worst.extrapolated) = (f64::INFINITY, Some(i), false);
            }
        }
        let over =
            |&(s, d): &(NodeId, NodeId), delay: f64| scenario.targets.of(s, d).is_some_and(|t| delay > t);
        let targets_broken = result.delays.iter().filter(|(pair, (delay, _))| over(pair, *delay)).count()
            + result.disconnected.iter().filter(|pair| over(pair, f64::INFINITY)).count();
        let finite: Vec<f64> = result.delays.values().map(|&(d, _)| d).collect();
        impacts.push(CaseImpact {
            case,
            worst_delay_s: finite.iter().copied().fold(0.0, f64::max),
            mean_delay_s: finite.iter().sum::<f64>() / finite.len().max(1) as f64,
            disconnected: result.disconnected.len(),
            extrapolated: result.delays.values().filter(|(_, x)| *x).count(),
            targets_broken,
        });
    }
    let mut pairs: Vec<PairWorst> = pairs.into_values().collect();
    pairs.sort_by(|x, y| y.worst_delay_s.total_cmp(&x.worst_delay_s));
    Ok(Sweep { kind, cases: impacts, pairs })
}

/// One case's predictions: delay and extrapolation flag per pair still routed, and the pairs cut off.
pub(super) struct CaseResult {
    pub delays: BTreeMap<(NodeId, NodeId), (f64, bool)>,
    pub disconnected: Vec<(NodeId, NodeId)>,
}

pub(super) fn predict_case(
    model: &TrainedModel,
    scenario: &Scenario,
    case: &FailureCase,
    metric: Metric,
) -> Result<CaseResult, PredictError> {
    let (mut failed, mut disconnected) = scenario.with_failed_links(&case.links, metric);
    // A failed node's own traffic ends with it; it is not a pair the failure cut off.
    disconnected.retain(|(s, d)| !case.nodes.contains(s) && !case.nodes.contains(d));
    for &node in &case.nodes {
        failed.traffic.remove_node(node);
    }
    if failed.traffic.is_empty() {
        return Ok(CaseResult { delays: BTreeMap::new(), disconnected });
    }
    let prediction = model.predict(&failed)?;
    let delays = prediction
        .flows
        .into_iter()
        .map(|f| ((f.src as NodeId, f.dst as NodeId), (f.delay_s, !f.extrapolated.is_empty())))
        .collect();
    Ok(CaseResult { delays, disconnected })
}
