//! Labelled samples for training: random traffic, routing variants, capacities, buffers and packet
//! sizes, simulated.
//!
//! Two kinds of dataset: every sample on one given topology with traffic between every pair (as
//! in RouteNet's published datasets), or every sample on a new network ([`DiverseConfig`]):
//! random graphs of many sizes and NSFNet and GBN, link speeds over several decades sized to the
//! traffic they carry, buffers of 8 to 256 packets, three packet-size distributions, loads up to
//! overload, routing variants and propagation delays. The scale-free model is trained on the
//! second kind.

use std::collections::BTreeMap;

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use serde::{Deserialize, Serialize};

use super::engine::{SimConfig, SimError, simulate};
use super::results::SimResult;
use crate::net::random::{self, GraphModel};
use crate::net::routing::{self, Metric, Path};
use crate::net::{LinkParams, NodeId, PacketSizes, Scenario, Topology, TrafficMatrix, builtin, geo, traffic};

/// How samples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeneratorConfig {
    pub seed: u64,
    /// Measured packets per flow in each simulation (the minimum, with `target_relative_se`).
    pub packets_per_flow: u64,
    /// Simulate each flow until its mean delay's standard error is at most this fraction of the
    /// mean (capped at 50 × `packets_per_flow`).
    pub target_relative_se: Option<f64>,
    /// Peak link utilisation is drawn uniformly from this range.
    pub utilisation: (f64, f64),
    /// Each pair may take one of its k loopless shortest paths (1 = shortest only).
    pub routing_alternatives: usize,
    /// Fraction of pairs moved to an alternative path, drawn per sample from [0, this].
    pub max_rerouted_fraction: f64,
    /// Packet sizes of every sample on a fixed topology (diverse samples draw their own).
    pub packets: PacketSizes,
    /// Which networks the samples are on.
    pub networks: Networks,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            seed: 1,
            packets_per_flow: 1000,
            target_relative_se: Some(0.02),
            utilisation: (0.1, 0.95),
            routing_alternatives: 3,
            max_rerouted_fraction: 0.5,
            packets: PacketSizes::default(),
            networks: Networks::Fixed { random_capacities: false },
        }
    }
}

/// Which networks a dataset's samples are on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Networks {
    /// Every sample on the dataset's topology, with traffic between every ordered pair; with
    /// `random_capacities`, each link's capacity is drawn from {10, 25, 40} kbit/s per sample.
    Fixed { random_capacities: bool },
    /// Every sample on a network of its own.
    Diverse(DiverseConfig),
}

/// How diverse samples draw their networks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DiverseConfig {
    /// Node counts of the random graphs (inclusive).
    pub nodes: (usize, usize),
    /// Most pairs with traffic in one sample (at least a quarter of it, or every pair of a small
    /// network).
    pub max_flows: usize,
    /// Buffer sizes in packets (inclusive, powers of two between).
    pub queue_packets: (u32, u32),
    /// Link capacities within one sample span at least this many decades.
    pub capacity_decades: f64,
    /// Fraction of samples on the built-in topologies NSFNet and GBN ([`TRAINING_BUILTINS`]).
    pub builtin_fraction: f64,
    /// Fraction of samples whose links have propagation delay (from the nodes' coordinates).
    pub propagation_fraction: f64,
    /// Fraction of samples with traffic classes and scheduled ports ([`draw_qos`]).
    #[serde(default)]
    pub qos_fraction: f64,
}

impl Default for DiverseConfig {
    fn default() -> Self {
        DiverseConfig {
            nodes: (10, 100),
            max_flows: 240,
            queue_packets: (8, 256),
            capacity_decades: 4.0,
            builtin_fraction: 0.15,
            propagation_fraction: 0.5,
            qos_fraction: 0.0,
        }
    }
}

/// One labelled sample: the scenario and what the simulator measured on it.
#[derive(Debug, Clone)]
pub struct Sample {
    pub index: u64,
    pub scenario: Scenario,
    pub result: SimResult,
}

/// Draws samples; sample `i` depends only on (seed, i).
pub struct SampleGenerator {
    name: String,
    topology: Topology,
    /// The k-shortest alternatives of every pair of the fixed topology.
    alternatives: BTreeMap<(usize, usize), Vec<Path>>,
    config: GeneratorConfig,
}

/// The built-in topologies diverse samples may use. GEANT2 is left out: it is the topology the
/// model is tested on without having seen it.
pub const TRAINING_BUILTINS: [&str; 2] = ["nsfnet", "gbn"];

/// Capacities drawn with `random_capacities`, in bit/s.
const CAPACITY_CHOICES: [f64; 3] = [10_000.0, 25_000.0, 40_000.0];
/// Link speeds of diverse samples are rounded to these mantissas (× a power of ten).
const SPEED_MANTISSAS: [f64; 5] = [1.0, 1.5, 2.5, 4.0, 6.5];
/// Diverse samples keep every link speed between 10 kbit/s and 100 Gbit/s.
const SPEED_RANGE_BPS: (f64, f64) = (1e4, 1e11);

impl SampleGenerator {
    /// Prepares a generator; on a fixed topology, the k-shortest alternatives of every pair once.
    pub fn new(name: impl Into<String>, topology: Topology, config: GeneratorConfig) -> Self {
        let alternatives = match config.networks {
            Networks::Fixed { .. } => alternatives(
                &topology,
                topology
                    .node_ids()
                    .flat_map(|s| topology.node_ids().filter(move |&d| d != s).map(move |d| (s, d))),
                config.routing_alternatives,
            ),
            Networks::Diverse(_) => BTreeMap::new(),
        };
        SampleGenerator { name: name.into(), topology, alternatives, config }
    }

    /// Builds and simulates sample `index`.
    pub fn sample(&self, index: u64) -> Result<Sample, SimError> {
        let mut rng = Pcg64::seed_from_u64(self.config.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let scenario = match self.config.networks {
            Networks::Fixed { random_capacities } => self.fixed_scenario(random_capacities, &mut rng)?,
            Networks::Diverse(diverse) => self.diverse_scenario(&diverse, &mut rng)?,
        };
        let sim = SimConfig {
            seed: rng.random(),
            packets_per_flow: self.config.packets_per_flow,
            target_relative_se: self.config.target_relative_se,
            max_packets_per_flow: 50 * self.config.packets_per_flow,
            warmup_packets_per_flow: (self.config.packets_per_flow / 10).max(1),
            ..SimConfig::default()
        };
        let result = simulate(&scenario, &sim)?;
        Ok(Sample { index, scenario, result })
    }

    fn peak(&self, rng: &mut impl Rng) -> f64 {
        let (lo, hi) = self.config.utilisation;
        if hi > lo { rng.random_range(lo..hi) } else { lo }
    }

    /// RouteNet's recipe: the dataset's topology, traffic between every pair, some pairs rerouted.
    fn fixed_scenario(&self, random_capacities: bool, rng: &mut Pcg64) -> Result<Scenario, SimError> {
        let mut topology = self.topology.clone();
        if random_capacities {
            let links: Vec<(usize, usize, LinkParams)> = topology.duplex_links().collect();
            for (a, b, params) in links {
                let capacity_bps = *CAPACITY_CHOICES.choose(rng).expect("non-empty");
                topology.set_link(a, b, LinkParams { capacity_bps, ..params }).expect("link exists");
            }
        }
        let mut scenario = Scenario::new(&self.name, topology);
        scenario.packets = self.config.packets;
        reroute(&mut scenario, &self.alternatives, self.config.max_rerouted_fraction, rng)?;
        scenario.traffic = TrafficMatrix::routenet(&scenario.topology, 1.0, rng);
        let peak = self.peak(rng);
        scenario.scale_to_peak_utilisation(peak)?;
        Ok(scenario)
    }

    /// A network of its own: topology, pairs, routing, rates, link speeds sized to the traffic,
    /// buffers, packet sizes and propagation.
    fn diverse_scenario(&self, diverse: &DiverseConfig, rng: &mut Pcg64) -> Result<Scenario, SimError> {
        let params = LinkParams { capacity_bps: 1e9, ..LinkParams::default() };
        let (name, topology) = if rng.random_bool(diverse.builtin_fraction.clamp(0.0, 1.0)) {
            let name = *TRAINING_BUILTINS.choose(rng).expect("built-ins exist");
            (name.to_owned(), builtin::load(name).expect("built-in").topology)
        } else {
            let model = *GraphModel::ALL.choose(rng).expect("models exist");
            let (lo, hi) = diverse.nodes;
            let nodes = rng.random_range(lo.max(2)..=hi.max(lo.max(2)));
            (model.name().to_owned(), random::topology(model, nodes, params, rng))
        };
        let mut scenario = Scenario::new(name, topology);

        // Pairs with traffic, and their routes.
        let ids: Vec<NodeId> = scenario.topology.node_ids().collect();
        let mut pairs: Vec<(NodeId, NodeId)> =
            ids.iter().flat_map(|&s| ids.iter().filter(move |&&d| d != s).map(move |&d| (s, d))).collect();
        pairs.shuffle(rng);
        let most = diverse.max_flows.max(1);
        pairs.truncate(rng.random_range(most.div_ceil(4)..=most).min(pairs.len()));
        pairs.sort_unstable();
        let options =
            alternatives(&scenario.topology, pairs.iter().copied(), self.config.routing_alternatives);
        reroute(&mut scenario, &options, self.config.max_rerouted_fraction, rng)?;

        // Gravity-like rates within about a decade of each other: the simulator runs until the
        // slowest flow has its packets, so a wider spread costs time without adding anything the
        // dimensionless model can see.
        let weight: BTreeMap<NodeId, f64> = ids.iter().map(|&v| (v, rng.random_range(0.7..1.4))).collect();
        for &(s, d) in &pairs {
            let rate = weight[&s] * weight[&d] * rng.random_range(0.1..1.0);
            scenario.traffic.set(s, d, rate).expect("positive rate between distinct nodes");
        }
        size_links(&mut scenario, diverse, rng)?;

        // Buffers, packet sizes, propagation.
        let pow = |x: u32| x.max(1).ilog2();
        let (q_lo, q_hi) =
            (pow(diverse.queue_packets.0), pow(diverse.queue_packets.1.max(diverse.queue_packets.0)));
        let base_queue = 1u32 << rng.random_range(q_lo..=q_hi);
        let with_propagation = rng.random_bool(diverse.propagation_fraction.clamp(0.0, 1.0));
        let links: Vec<(NodeId, NodeId, LinkParams)> = scenario.topology.duplex_links().collect();
        for (a, b, mut p) in links {
            p.queue_packets =
                if rng.random_bool(0.7) { base_queue } else { 1 << rng.random_range(q_lo..=q_hi) };
            p.propagation_s = if with_propagation { propagation(&scenario.topology, a, b, rng) } else { 0.0 };
            scenario.topology.set_link(a, b, p).expect("link exists");
        }
        let mean_bits = 10f64.powf(rng.random_range(400f64.log10()..12_000f64.log10())).round();
        scenario.packets = match rng.random_range(0..3) {
            0 => PacketSizes::Exponential { mean_bits },
            1 => PacketSizes::Bimodal { mean_bits },
            _ => PacketSizes::Fixed { mean_bits },
        };
        // Drawn only when asked for, so that FIFO datasets stay what they were for a seed.
        if diverse.qos_fraction > 0.0 && rng.random_bool(diverse.qos_fraction.clamp(0.0, 1.0)) {
            draw_qos(&mut scenario, rng);
        }
        let peak = self.peak(rng);
        scenario.scale_to_peak_utilisation(peak)?;
        Ok(scenario)
    }
}

/// Weight sets of weighted ports, class 0 first (as in the GNNetworking Challenge 2020 sets, and
/// equal weights).
const CLASS_WEIGHTS: [[f64; 3]; 8] = [
    [60.0, 30.0, 10.0],
    [33.3, 33.3, 33.3],
    [50.0, 40.0, 10.0],
    [65.0, 25.0, 10.0],
    [70.0, 20.0, 10.0],
    [75.0, 25.0, 5.0],
    [80.0, 10.0, 10.0],
    [90.0, 5.0, 5.0],
];

/// Traffic classes and schedulers: two or three classes, each pair in one of them, and every
/// output port FIFO, strict priority, WFQ or DRR over that many queues of the link's buffer, with
/// a weight set of [`CLASS_WEIGHTS`] (the first classes' weights, for two).
fn draw_qos(scenario: &mut Scenario, rng: &mut Pcg64) {
    use crate::net::{Policy, Scheduler};
    let classes = rng.random_range(2..=3usize);
    let pairs: Vec<(NodeId, NodeId)> = scenario.traffic.iter().map(|(s, d, _)| (s, d)).collect();
    for (s, d) in pairs {
        scenario.qos.set_class(s, d, rng.random_range(0..classes) as u8);
    }
    let links: Vec<(NodeId, NodeId)> = scenario.topology.directed_links().map(|l| (l.from, l.to)).collect();
    for (from, to) in links {
        let policy =
            *[Policy::Fifo, Policy::StrictPriority, Policy::Wfq, Policy::Drr].choose(rng).expect("policies");
        let weights = &CLASS_WEIGHTS.choose(rng).expect("weight sets")[..classes];
        scenario.qos.set_port(from, to, Scheduler::weighted(policy, weights));
    }
}

/// The k loopless shortest paths (by hops) of each pair that has more than one.
fn alternatives(
    topology: &Topology,
    pairs: impl Iterator<Item = (NodeId, NodeId)>,
    k: usize,
) -> BTreeMap<(NodeId, NodeId), Vec<Path>> {
    pairs
        .filter_map(|(s, d)| {
            let paths = routing::k_shortest_paths(topology, Metric::Hops, s, d, k.max(1));
            (paths.len() > 1).then_some(((s, d), paths))
        })
        .collect()
}

/// Moves a random fraction (up to `max_fraction`) of the pairs onto one of their alternatives.
fn reroute(
    scenario: &mut Scenario,
    alternatives: &BTreeMap<(NodeId, NodeId), Vec<Path>>,
    max_fraction: f64,
    rng: &mut impl Rng,
) -> Result<(), SimError> {
    let rerouted = rng.random_range(0.0..=max_fraction.clamp(0.0, 1.0));
    for paths in alternatives.values() {
        if rng.random_bool(rerouted) {
            let path = paths[rng.random_range(1..paths.len())].clone();
            scenario.routing.set_path(&scenario.topology, path)?;
        }
    }
    Ok(())
}

/// Gives every link a speed sized to its traffic: capacity = the busier direction's offered load
/// over a target utilisation (mostly 10–100 % of the peak, some links far below), rounded to a
/// standard-looking speed. The speeds are then shifted as a whole into 10 kbit/s – 100 Gbit/s, and
/// the least loaded link is made faster until they span `capacity_decades`. Idle links get a speed
/// from the same range.
fn size_links(scenario: &mut Scenario, diverse: &DiverseConfig, rng: &mut impl Rng) -> Result<(), SimError> {
    let loads = traffic::link_loads(&scenario.topology, &scenario.routing, &scenario.traffic)?;
    let links: Vec<(NodeId, NodeId, LinkParams)> = scenario.topology.duplex_links().collect();
    let busier = |a, b| {
        let load = |x, y| scenario.topology.link(x, y).map_or(0.0, |l| loads[l.id.index()]);
        f64::max(load(a, b), load(b, a))
    };
    let mut speeds: Vec<Option<f64>> = links
        .iter()
        .map(|&(a, b, _)| {
            let load = busier(a, b);
            (load > 0.0).then(|| {
                let target = match rng.random_range(0.0..1.0) {
                    x if x < 0.5 => rng.random_range(0.5..1.0),
                    x if x < 0.8 => rng.random_range(0.1..0.5),
                    _ => 10f64.powf(rng.random_range(-3.0..-1.0)),
                };
                load / target
            })
        })
        .collect();
    let known: Vec<f64> = speeds.iter().flatten().copied().collect();
    let lowest = known.iter().copied().fold(f64::INFINITY, f64::min);
    let span = 10f64.powf(diverse.capacity_decades);
    let top = known.iter().copied().fold(lowest * span, f64::max);
    // Shift everything (rates too) so that the speeds, widened to the span, land inside the
    // allowed range, at a random place.
    let (lo, hi) = ((SPEED_RANGE_BPS.0 / lowest).log10(), (SPEED_RANGE_BPS.1 / top).log10());
    let shift = 10f64.powf(if hi > lo { rng.random_range(lo..hi) } else { lo });
    scenario.traffic.scale(shift);
    for s in speeds.iter_mut().flatten() {
        *s *= shift;
    }
    let (slowest, fastest) = (lowest * shift, (top * shift).min(SPEED_RANGE_BPS.1));
    // Widen the span with the least loaded link (a faster link only lowers its load).
    if known.iter().copied().fold(0.0, f64::max) < lowest * span {
        let load = |k: usize| busier(links[k].0, links[k].1) / speeds[k].unwrap_or(f64::INFINITY);
        let least_loaded = (0..links.len())
            .filter(|&i| speeds[i].is_some())
            .min_by(|&i, &j| load(i).total_cmp(&load(j)))
            .expect("some link carries traffic");
        speeds[least_loaded] = Some(fastest);
    }
    for (i, &(a, b, p)) in links.iter().enumerate() {
        let raw =
            speeds[i].unwrap_or_else(|| 10f64.powf(rng.random_range(slowest.log10()..=fastest.log10())));
        let capacity_bps = standard_speed(raw.clamp(SPEED_RANGE_BPS.0, SPEED_RANGE_BPS.1));
        scenario.topology.set_link(a, b, LinkParams { capacity_bps, ..p }).expect("link exists");
    }
    Ok(())
}

/// The nearest speed of the form m × 10^k with m in [`SPEED_MANTISSAS`] (nearest in log scale).
fn standard_speed(bps: f64) -> f64 {
    let decade = bps.log10().floor();
    let candidates = (-1..=1).flat_map(|d| SPEED_MANTISSAS.map(|m| m * 10f64.powf(decade + f64::from(d))));
    candidates.min_by(|x, y| (x / bps).ln().abs().total_cmp(&(y / bps).ln().abs())).expect("candidates")
}

/// The great-circle propagation delay of a link when both ends have coordinates, else a random
/// one of up to 10 ms.
fn propagation(topology: &Topology, a: NodeId, b: NodeId, rng: &mut impl Rng) -> f64 {
    let place = |n: NodeId| topology.node(n).and_then(|n| n.lat.zip(n.lon));
    match (place(a), place(b)) {
        (Some((lat_a, lon_a)), Some((lat_b, lon_b))) => geo::propagation_s(lat_a, lon_a, lat_b, lon_b),
        _ => rng.random_range(0.0..0.01),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator(config: GeneratorConfig) -> SampleGenerator {
        SampleGenerator::new("gbn", builtin::load("gbn").unwrap().topology, config)
    }

    #[test]
    fn samples_are_reproducible_and_varied() {
        let g = generator(GeneratorConfig {
            packets_per_flow: 50,
            target_relative_se: None,
            networks: Networks::Fixed { random_capacities: true },
            ..Default::default()
        });
        let (a, b, c) = (g.sample(3).unwrap(), g.sample(3).unwrap(), g.sample(4).unwrap());
        assert_eq!(a.result, b.result);
        assert_eq!(a.scenario, b.scenario);
        assert_ne!(a.scenario.traffic, c.scenario.traffic);
        assert_eq!(a.result.flows.len(), 17 * 16);
    }

    #[test]
    fn peak_utilisation_lies_in_the_requested_range() {
        let g = generator(GeneratorConfig {
            packets_per_flow: 20,
            target_relative_se: None,
            utilisation: (0.3, 0.6),
            ..Default::default()
        });
        for i in 0..5 {
            let s = g.sample(i).unwrap().scenario;
            let peak = s.link_utilisation().unwrap().into_iter().fold(0.0, f64::max);
            assert!((0.3..0.6 + 1e-9).contains(&peak), "{peak}");
        }
    }

    #[test]
    fn diverse_samples_cover_what_planners_load() {
        let diverse = DiverseConfig { max_flows: 60, ..DiverseConfig::default() };
        let g = generator(GeneratorConfig {
            packets_per_flow: 20,
            target_relative_se: None,
            utilisation: (0.1, 1.2),
            networks: Networks::Diverse(diverse),
            ..Default::default()
        });
        let (mut names, mut packets, mut queues) = (Vec::new(), Vec::new(), Vec::new());
        let mut overloaded = 0;
        for i in 0..24 {
            let sample = g.sample(i).unwrap();
            let s = &sample.scenario;
            assert!(s.topology.is_connected());
            assert!((1..=60).contains(&s.traffic.len()), "{}", s.traffic.len());
            let speeds: Vec<f64> = s.topology.directed_links().map(|l| l.params.capacity_bps).collect();
            let (lo, hi) = speeds.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &c| (a.min(c), b.max(c)));
            assert!(hi / lo >= 0.99e4, "sample {i} spans {lo}..{hi} bit/s");
            assert!(lo >= 1e4 && hi <= 1e11, "{lo}..{hi}");
            let peak = s.link_utilisation().unwrap().into_iter().fold(0.0, f64::max);
            assert!((0.1..=1.2 + 1e-9).contains(&peak), "{peak}");
            overloaded += usize::from(peak >= 1.0);
            queues.extend(s.topology.directed_links().map(|l| l.params.queue_packets));
            names.push(s.name.clone());
            packets.push(s.packets.scv().to_bits());
            assert_eq!(sample.result.flows.len(), s.traffic.len());
        }
        names.sort();
        names.dedup();
        packets.sort();
        packets.dedup();
        assert!(names.len() >= 3, "{names:?}");
        assert_eq!(packets.len(), 3);
        assert!(overloaded > 0, "some samples overload a link");
        assert!(queues.iter().all(|q| (8..=256).contains(q) && q.is_power_of_two()));
        assert!(queues.contains(&8) && queues.contains(&256));
    }

    #[test]
    fn qos_samples_draw_classes_and_every_policy_and_fifo_ones_have_none() {
        let config = |qos_fraction| GeneratorConfig {
            packets_per_flow: 20,
            target_relative_se: None,
            networks: Networks::Diverse(DiverseConfig {
                nodes: (10, 14),
                max_flows: 30,
                qos_fraction,
                ..DiverseConfig::default()
            }),
            ..Default::default()
        };
        let (fifo, qos) = (generator(config(0.0)), generator(config(1.0)));
        let mut policies = Vec::new();
        for i in 0..6 {
            let plain = fifo.sample(i).unwrap().scenario;
            assert!(plain.qos.ports.is_empty() && plain.qos.classes.is_empty());
            let s = qos.sample(i).unwrap().scenario;
            s.check_qos().unwrap();
            assert!(!s.qos.classes.is_empty(), "sample {i}: some pair is not class 0");
            policies.extend(s.qos.ports.values().map(|p| p.policy.name()));
            // The network is drawn before the classes: the same one either way.
            assert_eq!(s.topology.node_count(), plain.topology.node_count());
        }
        policies.sort_unstable();
        policies.dedup();
        assert_eq!(policies, ["DRR", "SP", "WFQ"]);
    }

    #[test]
    fn speeds_round_to_standard_values() {
        assert_eq!(standard_speed(1e9), 1e9);
        assert_eq!(standard_speed(2.4e9), 2.5e9);
        assert_eq!(standard_speed(9e6), 1e7);
        assert_eq!(standard_speed(1.2e4), 1e4);
    }
}
