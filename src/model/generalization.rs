//! `pathcast bench generalization`: the model against the simulator on networks it was not trained
//! on — Topology Zoo networks at their own link speeds and random 50–100-node graphs — with
//! 1000-byte exponential and bimodal packets, 30–85 % peak load, and propagation on and off.
//! The analytic estimate alone (the model with its corrections at zero) is measured beside it, so
//! the table also says what the network adds.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use serde::Serialize;

use super::predict::TrainedModel;
use crate::data::stats::{Accuracy, accuracy};
use crate::net::files::FileError;
use crate::net::gml::ImportOptions;
use crate::net::random::{self, GraphModel};
use crate::net::{LinkParams, NodeId, PacketSizes, Scenario, TrafficSpec, files, traffic};
use crate::sim::{SimConfig, SimError, simulate};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Topology Zoo GML files (at the speeds they state).
    pub zoo: Vec<PathBuf>,
    /// Random graphs of 50–100 nodes.
    pub random: usize,
    pub seed: u64,
    /// The simulator runs each flow to this relative standard error of its mean delay.
    pub target_relative_se: f64,
    /// Simulations run at once.
    pub jobs: usize,
}

/// Mean packet size of every case: 1000 bytes.
const PACKET_BITS: f64 = 8000.0;
/// Pairs with traffic in a random-graph case.
const RANDOM_FLOWS: usize = 600;

/// One network's results over its cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkResult {
    pub network: String,
    pub nodes: usize,
    pub cases: usize,
    pub flows: usize,
    pub model: Accuracy,
    pub analytic: Accuracy,
    /// The model on the cases without propagation delay, where queueing is all of the delay.
    pub model_queueing_only: Accuracy,
    pub analytic_queueing_only: Accuracy,
    /// Flows the model flagged as outside its training ranges.
    pub extrapolated: usize,
    /// Flows whose prediction was not finite (an error; must be 0).
    pub non_finite: usize,
    /// Simulated CPU time (s).
    pub simulation_s: f64,
}

/// A case: one network, one packet-size distribution, one load, propagation on or off.
struct Case {
    network: String,
    scenario: Scenario,
    propagation: bool,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{network}: {error}")]
    Simulation { network: String, error: SimError },
    #[error("{0}")]
    Route(#[from] crate::net::RouteError),
}

/// Runs every case and reports per network, Zoo networks first.
pub fn run(model: &TrainedModel, config: &BenchConfig) -> Result<Vec<NetworkResult>, BenchError> {
    let cases = cases(config)?;
    let analytic = TrainedModel::analytic(model.ranges.clone());
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Result<CaseOutcome, BenchError>>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..config.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let outcome = measure(case, model, &analytic, config, i as u64);
                    outcomes.lock().expect("no worker panics holding the lock")[i] = Some(outcome);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().expect("workers are done");
    let mut results: Vec<NetworkResult> = Vec::new();
    let mut pending: Vec<(String, usize, Vec<CaseOutcome>)> = Vec::new();
    for (case, outcome) in cases.iter().zip(outcomes) {
        let outcome = outcome.expect("every case ran")?;
        match pending.iter_mut().find(|(name, _, _)| *name == case.network) {
            Some((_, _, list)) => list.push(outcome),
            None => pending.push((case.network.clone(), case.scenario.topology.node_count(), vec![outcome])),
        }
    }
    for (network, nodes, list) in pending {
        let all = |f: fn(&CaseOutcome) -> &Vec<f64>| list.iter().flat_map(f).copied().collect::<Vec<f64>>();
        let off = |f: fn(&CaseOutcome) -> &Vec<f64>| {
            list.iter().filter(|o| !o.propagation).flat_map(f).copied().collect::<Vec<f64>>()
        };
        let truth = all(|o| &o.simulated);
        let truth_off = off(|o| &o.simulated);
        results.push(NetworkResult {
            network,
            nodes,
            cases: list.len(),
            flows: truth.len(),
            model: accuracy(&all(|o| &o.model), &truth),
            analytic: accuracy(&all(|o| &o.analytic), &truth),
            model_queueing_only: accuracy(&off(|o| &o.model), &truth_off),
            analytic_queueing_only: accuracy(&off(|o| &o.analytic), &truth_off),
            extrapolated: list.iter().map(|o| o.extrapolated).sum(),
            non_finite: list.iter().map(|o| o.non_finite).sum(),
            simulation_s: list.iter().map(|o| o.simulation_s).sum(),
        });
    }
    Ok(results)
}

struct CaseOutcome {
    propagation: bool,
    simulated: Vec<f64>,
    model: Vec<f64>,
    analytic: Vec<f64>,
    extrapolated: usize,
    non_finite: usize,
    simulation_s: f64,
}

fn measure(
    case: &Case,
    model: &TrainedModel,
    analytic: &TrainedModel,
    config: &BenchConfig,
    seed: u64,
) -> Result<CaseOutcome, BenchError> {
    let sim = SimConfig {
        seed: config.seed ^ seed,
        packets_per_flow: 1000,
        target_relative_se: Some(config.target_relative_se),
        max_packets_per_flow: 50_000,
        warmup_packets_per_flow: 100,
        ..SimConfig::default()
    };
    let started = std::time::Instant::now();
    let result = simulate(&case.scenario, &sim)
        .map_err(|error| BenchError::Simulation { network: case.network.clone(), error })?;
    let simulation_s = started.elapsed().as_secs_f64();
    let (predicted, baseline) = (model.predict(&case.scenario), analytic.predict(&case.scenario));
    let mut outcome = CaseOutcome {
        propagation: case.propagation,
        simulated: Vec::new(),
        model: Vec::new(),
        analytic: Vec::new(),
        extrapolated: 0,
        non_finite: 0,
        simulation_s,
    };
    let (predicted, baseline) = match (predicted, baseline) {
        (Ok(p), Ok(b)) => (p, b),
        _ => {
            outcome.non_finite = result.flows.len();
            return Ok(outcome);
        }
    };
    for ((sim, p), b) in result.flows.iter().zip(&predicted.flows).zip(&baseline.flows) {
        if !sim.mean_delay_s.is_finite() {
            continue;
        }
        outcome.simulated.push(sim.mean_delay_s);
        outcome.model.push(p.delay_s);
        outcome.analytic.push(b.delay_s);
        outcome.extrapolated += usize::from(!p.extrapolated.is_empty());
    }
    Ok(outcome)
}

/// Every case: for each network, exponential and bimodal packets, each with and without
/// propagation, at a peak load drawn from 30–85 %.
fn cases(config: &BenchConfig) -> Result<Vec<Case>, BenchError> {
    let mut rng = Pcg64::seed_from_u64(config.seed);
    let mut networks: Vec<(String, Scenario)> = Vec::new();
    for path in &config.zoo {
        let spec = path.to_string_lossy();
        let base = files::load(&spec, &ImportOptions::default())?.scenario;
        let name = path.file_stem().map_or_else(|| spec.to_string(), |s| s.to_string_lossy().into_owned());
        let scenario = Scenario::generate(
            name.clone(),
            base.topology,
            TrafficSpec { seed: rng.random(), max_avg_lambda: Some(1.0), max_utilization: Some(0.5) },
        )?;
        networks.push((name, scenario));
    }
    for i in 0..config.random {
        let model = GraphModel::ALL[i % GraphModel::ALL.len()];
        let nodes = rng.random_range(50..=100);
        networks.push((format!("random {} {nodes}", model.name()), random_backbone(model, nodes, &mut rng)?));
    }
    let mut cases = Vec::new();
    for (network, scenario) in networks {
        for packets in [
            PacketSizes::Exponential { mean_bits: PACKET_BITS },
            PacketSizes::Bimodal { mean_bits: PACKET_BITS },
        ] {
            let peak = rng.random_range(0.3..0.85);
            for propagation in [true, false] {
                let mut s = scenario.clone();
                s.packets = packets;
                if !propagation {
                    let links: Vec<_> = s.topology.duplex_links().collect();
                    for (a, b, p) in links {
                        s.topology
                            .set_link(a, b, LinkParams { propagation_s: 0.0, ..p })
                            .expect("link exists");
                    }
                }
                s.scale_to_peak_utilisation(peak)?;
                cases.push(Case { network: network.clone(), scenario: s, propagation });
            }
        }
    }
    Ok(cases)
}

/// A random backbone: 1, 10 and 100 Gbit/s links (faster between better connected nodes),
/// propagation from the node coordinates, and gravity traffic between [`RANDOM_FLOWS`] pairs.
fn random_backbone(model: GraphModel, nodes: usize, rng: &mut Pcg64) -> Result<Scenario, BenchError> {
    let mut topology = random::topology(model, nodes, LinkParams::default(), rng);
    let degree = |n: NodeId, t: &crate::net::Topology| t.neighbours(n).len();
    let links: Vec<_> = topology.duplex_links().collect();
    for (a, b, p) in links {
        let hub = degree(a, &topology).min(degree(b, &topology));
        let capacity_bps = match hub {
            0..=1 => 1e9,
            2 => 1e10,
            _ => 1e11,
        };
        let place =
            |n: NodeId| topology.node(n).and_then(|n| n.lat.zip(n.lon)).expect("random nodes are placed");
        let ((la, oa), (lb, ob)) = (place(a), place(b));
        let propagation_s = crate::net::geo::propagation_s(la, oa, lb, ob);
        topology.set_link(a, b, LinkParams { capacity_bps, propagation_s, ..p }).expect("link exists");
    }
    let mut scenario = Scenario::new(format!("random {}", model.name()), topology);
    let ids: Vec<NodeId> = scenario.topology.node_ids().collect();
    for _ in 0..RANDOM_FLOWS {
        let (s, d) = (ids[rng.random_range(0..ids.len())], ids[rng.random_range(0..ids.len())]);
        if s != d {
            scenario.traffic.set(s, d, rng.random_range(0.1..1.0)).expect("positive rate");
        }
    }
    traffic::scale_to_peak_utilisation(&scenario.topology, &scenario.routing, &mut scenario.traffic, 0.5)?;
    Ok(scenario)
}

/// The results as a Markdown table: all cases, then the cases without propagation delay (where
/// queueing is all of the delay), then the analytic estimate alone on the same two sets.
pub fn markdown(results: &[NetworkResult]) -> String {
    let mut out = String::from(
        "| network | nodes | flows | MAPE | ρ | p95 error | no propagation: MAPE | p95 error | analytic estimate alone: MAPE (no propagation) | extrapolated flows |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        out += &format!(
            "| {} | {} | {} | {:.2} % | {:.4} | {:.2} % | {:.2} % | {:.2} % | {:.2} % ({:.2} %) | {} |\n",
            r.network,
            r.nodes,
            r.flows,
            r.model.mape,
            r.model.pearson,
            r.model.p95,
            r.model_queueing_only.mape,
            r.model_queueing_only.p95,
            r.analytic.mape,
            r.analytic_queueing_only.mape,
            r.extrapolated
        );
    }
    out
}
