//! A scenario: topology + routing + traffic + packet-size model, and its JSON file format
//! (`docs/scenario-format.md`).

use std::collections::{BTreeMap, HashMap};

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1};
use serde::{Deserialize, Serialize};

use super::qos::{Qos, QosError, Scheduler};
use super::routing::{Metric, Path, RouteError, Routing, validate_path};
use super::topology::{CapacitySource, LinkParams, Node, NodeId, Topology};
use super::traffic::{self, ROUTENET_MAX_AVG_LAMBDA, TrafficMatrix};

/// The `format` field of the scenario files this version writes (with classes and schedulers).
pub const FORMAT: &str = "pathcast.scenario.v2";
/// The first format, still read: every port FIFO, every flow class 0.
pub const FORMAT_V1: &str = "pathcast.scenario.v1";

/// Packet sizes; a packet keeps its size on every hop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "lowercase")]
pub enum PacketSizes {
    /// Exponentially distributed sizes.
    Exponential { mean_bits: f64 },
    /// 0.3 × mean or 1.7 × mean with equal probability (300/1700 bits for a 1000-bit mean).
    Bimodal { mean_bits: f64 },
    /// Every packet the same size.
    Fixed { mean_bits: f64 },
}

impl Default for PacketSizes {
    fn default() -> Self {
        PacketSizes::Exponential { mean_bits: 1000.0 }
    }
}

impl PacketSizes {
    /// Mean packet size in bits.
    pub fn mean_bits(&self) -> f64 {
        match *self {
            PacketSizes::Exponential { mean_bits }
            | PacketSizes::Bimodal { mean_bits }
            | PacketSizes::Fixed { mean_bits } => mean_bits,
        }
    }

    /// Squared coefficient of variation of the size (variance / mean²): 1 exponential, 0.49
    /// bimodal, 0 fixed. With the mean, it is all the model knows of the distribution.
    pub fn scv(&self) -> f64 {
        match self {
            PacketSizes::Exponential { .. } => 1.0,
            PacketSizes::Bimodal { .. } => 0.49,
            PacketSizes::Fixed { .. } => 0.0,
        }
    }

    /// The same distribution with another mean.
    pub fn with_mean(&self, mean_bits: f64) -> Self {
        match self {
            PacketSizes::Exponential { .. } => PacketSizes::Exponential { mean_bits },
            PacketSizes::Bimodal { .. } => PacketSizes::Bimodal { mean_bits },
            PacketSizes::Fixed { .. } => PacketSizes::Fixed { mean_bits },
        }
    }

    /// Draws one packet size in bits.
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            PacketSizes::Exponential { mean_bits } => {
                let unit: f64 = Exp1.sample(rng);
                mean_bits * unit
            }
            PacketSizes::Bimodal { mean_bits } => mean_bits * if rng.random::<bool>() { 0.3 } else { 1.7 },
            PacketSizes::Fixed { mean_bits } => mean_bits,
        }
    }
}

/// Errors reading or checking a scenario, each naming where in the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("line {line}, column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("format is {0:?}, expected {FORMAT:?} or {FORMAT_V1:?}")]
    Format(String),
    #[error("{place}: {message}")]
    Invalid { place: String, message: String },
}

impl ScenarioError {
    fn invalid(place: impl Into<String>, message: impl ToString) -> Self {
        ScenarioError::Invalid { place: place.into(), message: message.to_string() }
    }
}

/// One flow as the simulator and the model see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow<'a> {
    pub src: NodeId,
    pub dst: NodeId,
    pub rate_bps: f64,
    pub path: &'a [NodeId],
    /// Traffic class (0 = first); matters at ports with a scheduler.
    pub class: u8,
}

/// How traffic is generated for a new scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrafficSpec {
    pub seed: u64,
    /// RouteNet's `maxAvgLambda` in bit/s; drawn from [`ROUTENET_MAX_AVG_LAMBDA`] when `None`.
    pub max_avg_lambda: Option<f64>,
    /// Rescale so that the busiest link runs at this utilisation.
    pub max_utilization: Option<f64>,
}

impl TrafficSpec {
    /// The traffic a topology opened without any gets: RouteNet-style, seed 1, the busiest link
    /// at 70 % of its capacity.
    pub const DEFAULT: TrafficSpec =
        TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
}

/// Everything a simulation or prediction needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub topology: Topology,
    pub routing: Routing,
    pub traffic: TrafficMatrix,
    pub packets: PacketSizes,
    /// Traffic classes and port schedulers (all FIFO by default).
    pub qos: Qos,
    /// Shared-risk link groups: links that fail together.
    pub srlgs: Vec<Srlg>,
    /// Delay targets: one for every pair, and per-pair ones that override it.
    pub targets: DelayTargets,
    /// Named failure scenarios the planner saved.
    pub failures: Vec<FailureCase>,
}

/// The mean delays pairs must stay under (s).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DelayTargets {
    pub global_s: Option<f64>,
    pub pairs: BTreeMap<(NodeId, NodeId), f64>,
}

impl DelayTargets {
    /// Whether no pair has a target.
    pub fn is_empty(&self) -> bool {
        self.global_s.is_none() && self.pairs.is_empty()
    }

    /// The target of the pair `src` → `dst`: its own, else the global one.
    pub fn of(&self, src: NodeId, dst: NodeId) -> Option<f64> {
        self.pairs.get(&(src, dst)).copied().or(self.global_s)
    }

    /// Whether a target is a usable delay: finite and positive.
    pub fn valid(delay_s: f64) -> bool {
        delay_s.is_finite() && delay_s > 0.0
    }
}

/// A shared-risk link group: duplex links (smaller node first) that fail together, for example
/// fibres in one conduit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Srlg {
    pub name: String,
    pub links: Vec<(NodeId, NodeId)>,
}

/// A failure scenario: duplex links (smaller node first) that go down together, and nodes that go
/// down with all their links and traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureCase {
    pub name: String,
    pub links: Vec<(NodeId, NodeId)>,
    pub nodes: Vec<NodeId>,
}

impl Scenario {
    /// Shortest-path routing (hops), no traffic, exponential 1000-bit packets.
    pub fn new(name: impl Into<String>, topology: Topology) -> Self {
        let routing = Routing::shortest(&topology, Metric::Hops);
        Scenario {
            name: name.into(),
            topology,
            routing,
            traffic: TrafficMatrix::default(),
            packets: PacketSizes::default(),
            qos: Qos::default(),
            srlgs: Vec::new(),
            targets: DelayTargets::default(),
            failures: Vec::new(),
        }
    }

    /// A scenario with RouteNet-style random traffic between every ordered pair.
    pub fn generate(
        name: impl Into<String>,
        topology: Topology,
        spec: TrafficSpec,
    ) -> Result<Self, RouteError> {
        let mut scenario = Scenario::new(name, topology);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(spec.seed);
        let (lo, hi) = ROUTENET_MAX_AVG_LAMBDA;
        let lambda = spec.max_avg_lambda.unwrap_or_else(|| rng.random_range(lo..hi));
        scenario.traffic = TrafficMatrix::routenet(&scenario.topology, lambda, &mut rng);
        if let Some(target) = spec.max_utilization {
            scenario.scale_to_peak_utilisation(target)?;
        }
        Ok(scenario)
    }

    /// Rescales the traffic so that the busiest link runs at `target` utilisation.
    pub fn scale_to_peak_utilisation(&mut self, target: f64) -> Result<(), RouteError> {
        traffic::scale_to_peak_utilisation(&self.topology, &self.routing, &mut self.traffic, target)
            .map(|_| ())
    }

    /// Flows with their paths and classes, in pair order; fails if a pair with traffic has no
    /// valid path.
    pub fn flows(&self) -> Result<Vec<Flow<'_>>, RouteError> {
        self.traffic
            .iter()
            .map(|(src, dst, rate_bps)| {
                let path = self.routing.path(src, dst).ok_or(RouteError::NoPath { src, dst })?;
                validate_path(&self.topology, src, dst, path)?;
                Ok(Flow { src, dst, rate_bps, path, class: self.qos.class(src, dst) })
            })
            .collect()
    }

    /// Checks that every port scheduler can run and every flow's class exists at each
    /// scheduled port on its path.
    pub fn check_qos(&self) -> Result<(), QosError> {
        for port in self.qos.ports.values() {
            port.validate()?;
        }
        for (src, dst, path) in self.routing.iter() {
            if self.traffic.get(src, dst) > 0.0 {
                self.qos.check_path(src, dst, self.qos.class(src, dst), path)?;
            }
        }
        Ok(())
    }

    /// Offered load / capacity on every directed link, indexed by link id.
    pub fn link_utilisation(&self) -> Result<Vec<f64>, RouteError> {
        traffic::link_utilisation(&self.topology, &self.routing, &self.traffic)
    }

    /// The scenario after the duplex links `failed` go down: pairs whose path used a failed link move
    /// to their shortest path (by `metric`) on what remains, other paths stay. Pairs left
    /// disconnected lose their traffic; they are returned, in pair order.
    pub fn with_failed_links(
        &self,
        failed: &[(NodeId, NodeId)],
        metric: Metric,
    ) -> (Scenario, Vec<(NodeId, NodeId)>) {
        let mut topology = self.topology.clone();
        for &(a, b) in failed {
            // A link already gone (failed twice, or deleted) needs no removal.
            let _ = topology.remove_link(a, b);
        }
        let mut routing = Routing::shortest(&topology, metric);
        for (_, _, path) in self.routing.iter() {
            // A path over a failed link is refused; its pair keeps the shortest path on what remains.
            let _ = routing.set_path(&topology, path.clone());
        }
        let mut traffic = self.traffic.clone();
        let disconnected: Vec<(NodeId, NodeId)> = self
            .traffic
            .iter()
            .filter(|&(s, d, _)| routing.path(s, d).is_none())
            .map(|(s, d, _)| (s, d))
            .collect();
        for &(s, d) in &disconnected {
            traffic.remove(s, d);
        }
        let scenario = Scenario {
            name: self.name.clone(),
            topology,
            routing,
            traffic,
            packets: self.packets,
            qos: self.qos.clone(),
            srlgs: self.srlgs.clone(),
            targets: self.targets.clone(),
            failures: self.failures.clone(),
        };
        (scenario, disconnected)
    }

    /// Reads a scenario file; node ids are compacted to `0..n` in increasing order.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ScenarioError> {
        let file: ScenarioFile = serde_json::from_slice(bytes).map_err(|e| ScenarioError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        })?;
        file.into_scenario()
    }

    /// Writes the scenario file (pretty JSON, node ids compacted).
    pub fn to_json(&self) -> String {
        let index: HashMap<NodeId, usize> =
            self.topology.node_ids().enumerate().map(|(i, id)| (id, i)).collect();
        // A duplex link as the file names it: its two nodes' file ids.
        let file_pair = |&(a, b): &(NodeId, NodeId)| [index[&a] as u64, index[&b] as u64];
        let file = ScenarioFile {
            format: FORMAT.to_owned(),
            name: self.name.clone(),
            nodes: self
                .topology
                .nodes()
                .map(|(id, n)| NodeRecord {
                    id: index[&id] as u64,
                    label: n.label.clone(),
                    lat: n.lat,
                    lon: n.lon,
                    x: n.pos.map(|p| p[0]),
                    y: n.pos.map(|p| p[1]),
                })
                .collect(),
            links: self
                .topology
                .duplex_links()
                .map(|(a, b, p)| LinkRecord {
                    a: index[&a] as u64,
                    b: index[&b] as u64,
                    capacity_bps: p.capacity_bps,
                    capacity_source: self.topology.capacity_source(a, b).clone(),
                    queue_packets: p.queue_packets,
                    propagation_s: p.propagation_s,
                })
                .collect(),
            packets: self.packets,
            flows: self
                .traffic
                .iter()
                .map(|(s, d, rate_bps)| FlowRecord {
                    src: index[&s] as u64,
                    dst: index[&d] as u64,
                    rate_bps,
                    path: self.routing.path(s, d).map(|p| p.iter().map(|n| index[n] as u64).collect()),
                    class: self.qos.class(s, d),
                })
                .collect(),
            ports: self
                .qos
                .ports
                .iter()
                .filter(|((a, b), _)| self.topology.are_linked(*a, *b))
                .map(|(&(a, b), scheduler)| PortRecord {
                    from: index[&a] as u64,
                    to: index[&b] as u64,
                    scheduler: scheduler.clone(),
                })
                .collect(),
            srlgs: self
                .srlgs
                .iter()
                .map(|g| SrlgRecord { name: g.name.clone(), links: g.links.iter().map(file_pair).collect() })
                .collect(),
            failures: self
                .failures
                .iter()
                .map(|f| FailureRecord {
                    name: f.name.clone(),
                    links: f.links.iter().map(file_pair).collect(),
                    nodes: f.nodes.iter().map(|n| index[n] as u64).collect(),
                })
                .collect(),
            targets: TargetsRecord {
                global_s: self.targets.global_s,
                pairs: self
                    .targets
                    .pairs
                    .iter()
                    .filter(|((s, d), _)| index.contains_key(s) && index.contains_key(d))
                    .map(|(&(s, d), &delay_s)| PairTarget {
                        src: index[&s] as u64,
                        dst: index[&d] as u64,
                        delay_s,
                    })
                    .collect(),
            },
        };
        serde_json::to_string_pretty(&file).expect("scenario serialises") + "\n"
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeRecord {
    id: u64,
    #[serde(default)]
    label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    y: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct LinkRecord {
    a: u64,
    b: u64,
    capacity_bps: f64,
    /// Where the capacity came from (absent: set by the user).
    #[serde(default, skip_serializing_if = "is_user")]
    capacity_source: CapacitySource,
    #[serde(default = "default_queue")]
    queue_packets: u32,
    #[serde(default)]
    propagation_s: f64,
}

fn is_user(source: &CapacitySource) -> bool {
    *source == CapacitySource::User
}

fn default_queue() -> u32 {
    super::DEFAULT_QUEUE_PACKETS
}

#[derive(Serialize, Deserialize)]
struct FlowRecord {
    src: u64,
    dst: u64,
    rate_bps: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "is_zero")]
    class: u8,
}

fn is_zero(class: &u8) -> bool {
    *class == 0
}

/// The scheduler of one output port (v2).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortRecord {
    from: u64,
    to: u64,
    #[serde(flatten)]
    scheduler: Scheduler,
}

#[derive(Serialize, Deserialize)]
struct ScenarioFile {
    format: String,
    #[serde(default)]
    name: String,
    nodes: Vec<NodeRecord>,
    links: Vec<LinkRecord>,
    #[serde(default)]
    packets: PacketSizes,
    #[serde(default)]
    flows: Vec<FlowRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ports: Vec<PortRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    srlgs: Vec<SrlgRecord>,
    #[serde(default, skip_serializing_if = "TargetsRecord::is_empty")]
    targets: TargetsRecord,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failures: Vec<FailureRecord>,
}

/// A named failure scenario (v2).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureRecord {
    name: String,
    #[serde(default)]
    links: Vec<[u64; 2]>,
    #[serde(default)]
    nodes: Vec<u64>,
}

/// Delay targets (v2).
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TargetsRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    global_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pairs: Vec<PairTarget>,
}

impl TargetsRecord {
    fn is_empty(&self) -> bool {
        self.global_s.is_none() && self.pairs.is_empty()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairTarget {
    src: u64,
    dst: u64,
    delay_s: f64,
}

/// A shared-risk link group (v2).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SrlgRecord {
    name: String,
    links: Vec<[u64; 2]>,
}

impl ScenarioFile {
    fn into_scenario(self) -> Result<Scenario, ScenarioError> {
        let v1 = self.format == FORMAT_V1;
        if self.format != FORMAT && !v1 {
            return Err(ScenarioError::Format(self.format));
        }
        let v2_only = !self.ports.is_empty()
            || !self.srlgs.is_empty()
            || !self.targets.is_empty()
            || !self.failures.is_empty()
            || self.flows.iter().any(|f| f.class != 0);
        if v1 && v2_only {
            return Err(ScenarioError::invalid(
                "format",
                format!(
                    "{FORMAT_V1} has no classes, ports, SRLGs, targets or failure scenarios; write {FORMAT} for them"
                ),
            ));
        }
        let mean = self.packets.mean_bits();
        if !(mean.is_finite() && mean > 0.0) {
            return Err(ScenarioError::invalid("packets", format!("mean_bits {mean} must be positive")));
        }
        let mut order: Vec<(u64, usize)> = self.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
        order.sort_unstable();
        if let Some(w) = order.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(ScenarioError::invalid(
                format!("nodes[{}]", w[1].1),
                format!("id {} is used twice", w[1].0),
            ));
        }
        let ids: HashMap<u64, NodeId> = order.iter().enumerate().map(|(new, &(id, _))| (id, new)).collect();
        let node_of = |place: &str, id: u64| {
            ids.get(&id)
                .copied()
                .ok_or_else(|| ScenarioError::invalid(place, format!("node {id} does not exist")))
        };
        // Duplex links named by file ids (SRLGs, failure scenarios), smaller node first.
        let duplex_links = |topology: &Topology, place: &str, pairs: &[[u64; 2]]| {
            pairs
                .iter()
                .map(|&[a, b]| {
                    let (x, y) = (node_of(place, a)?, node_of(place, b)?);
                    if !topology.are_linked(x, y) {
                        return Err(ScenarioError::invalid(place, format!("there is no link {a} - {b}")));
                    }
                    Ok((x.min(y), x.max(y)))
                })
                .collect::<Result<Vec<_>, ScenarioError>>()
        };

        let mut topology = Topology::new();
        for &(_, i) in &order {
            let n = &self.nodes[i];
            // The same rules as GML import, so that one format converts into the other.
            let place = format!("nodes[{i}]");
            for (what, value, limit) in [("lat", n.lat, 90.0), ("lon", n.lon, 180.0)] {
                if let Some(v) = value.filter(|v| !(v.is_finite() && v.abs() <= limit)) {
                    return Err(ScenarioError::invalid(
                        &place,
                        format!("{what} {v:?} is outside ±{limit} degrees"),
                    ));
                }
            }
            if let Some(v) = [n.x, n.y].into_iter().flatten().find(|v| !v.is_finite()) {
                return Err(ScenarioError::invalid(&place, format!("position {v} is not a finite number")));
            }
            let pos = n.x.zip(n.y).map(|(x, y)| [x, y]);
            topology.add_node(Node { label: n.label.clone(), lat: n.lat, lon: n.lon, pos });
        }
        for (i, l) in self.links.iter().enumerate() {
            let place = format!("links[{i}]");
            let params = LinkParams {
                capacity_bps: l.capacity_bps,
                queue_packets: l.queue_packets,
                propagation_s: l.propagation_s,
            };
            let (a, b) = (node_of(&place, l.a)?, node_of(&place, l.b)?);
            topology.add_link(a, b, params).map_err(|e| ScenarioError::invalid(&place, e))?;
            topology.set_capacity_source(a, b, l.capacity_source.clone()).expect("the link was just added");
        }

        let mut scenario = Scenario::new(self.name, topology);
        scenario.packets = self.packets;
        let mut seen: HashMap<(NodeId, NodeId), usize> = HashMap::new();
        for (i, f) in self.flows.iter().enumerate() {
            let place = format!("flows[{i}]");
            let (src, dst) = (node_of(&place, f.src)?, node_of(&place, f.dst)?);
            if let Some(first) = seen.insert((src, dst), i) {
                return Err(ScenarioError::invalid(
                    &place,
                    format!(
                        "a flow from node {} to node {} is already given at flows[{first}]; give one flow per pair",
                        f.src, f.dst
                    ),
                ));
            }
            scenario.traffic.set(src, dst, f.rate_bps).map_err(|e| ScenarioError::invalid(&place, e))?;
            scenario.qos.set_class(src, dst, f.class);
            match &f.path {
                Some(p) => {
                    let path = p.iter().map(|&id| node_of(&place, id)).collect::<Result<Path, _>>()?;
                    validate_path(&scenario.topology, src, dst, &path)
                        .map_err(|e| ScenarioError::invalid(&place, e))?;
                    scenario.routing.set_path(&scenario.topology, path).expect("validated above");
                }
                None if scenario.routing.path(src, dst).is_none() => {
                    return Err(ScenarioError::invalid(&place, RouteError::NoPath { src, dst }));
                }
                None => {}
            }
        }
        for (i, p) in self.ports.iter().enumerate() {
            let place = format!("ports[{i}]");
            let (from, to) = (node_of(&place, p.from)?, node_of(&place, p.to)?);
            if !scenario.topology.are_linked(from, to) {
                return Err(ScenarioError::invalid(
                    &place,
                    format!("there is no link {} -> {}", p.from, p.to),
                ));
            }
            if scenario.qos.port(from, to).is_some() {
                return Err(ScenarioError::invalid(
                    &place,
                    format!("port {} -> {} is given twice", p.from, p.to),
                ));
            }
            p.scheduler.validate().map_err(|e| ScenarioError::invalid(&place, e))?;
            scenario.qos.set_port(from, to, p.scheduler.clone());
        }
        for (i, g) in self.srlgs.iter().enumerate() {
            let place = format!("srlgs[{i}]");
            if g.name.trim().is_empty() || scenario.srlgs.iter().any(|other| other.name == g.name) {
                return Err(ScenarioError::invalid(
                    &place,
                    format!("SRLG name {:?} is empty or used twice", g.name),
                ));
            }
            let links = duplex_links(&scenario.topology, &place, &g.links)?;
            scenario.srlgs.push(Srlg { name: g.name.clone(), links });
        }
        for (i, f) in self.failures.iter().enumerate() {
            let place = format!("failures[{i}]");
            if f.name.trim().is_empty() || scenario.failures.iter().any(|other| other.name == f.name) {
                return Err(ScenarioError::invalid(
                    &place,
                    format!("failure scenario name {:?} is empty or used twice", f.name),
                ));
            }
            if f.links.is_empty() && f.nodes.is_empty() {
                return Err(ScenarioError::invalid(&place, "fails no link and no node"));
            }
            let links = duplex_links(&scenario.topology, &place, &f.links)?;
            let nodes = f.nodes.iter().map(|&n| node_of(&place, n)).collect::<Result<Vec<_>, _>>()?;
            scenario.failures.push(FailureCase { name: f.name.clone(), links, nodes });
        }
        if let Some(global) = self.targets.global_s {
            if !DelayTargets::valid(global) {
                return Err(ScenarioError::invalid(
                    "targets",
                    format!("global_s {global} must be a positive number of seconds"),
                ));
            }
            scenario.targets.global_s = Some(global);
        }
        for (i, t) in self.targets.pairs.iter().enumerate() {
            let place = format!("targets.pairs[{i}]");
            let (src, dst) = (node_of(&place, t.src)?, node_of(&place, t.dst)?);
            if !DelayTargets::valid(t.delay_s) || src == dst {
                return Err(ScenarioError::invalid(
                    &place,
                    format!("delay_s {} must be a positive number of seconds between two nodes", t.delay_s),
                ));
            }
            scenario.targets.pairs.insert((src, dst), t.delay_s);
        }
        for (i, f) in self.flows.iter().enumerate() {
            let (src, dst) = (ids[&f.src], ids[&f.dst]);
            let path = scenario.routing.path(src, dst).expect("every flow was routed above");
            scenario
                .qos
                .check_path(src, dst, f.class, path)
                .map_err(|e| ScenarioError::invalid(format!("flows[{i}]"), e))?;
        }
        let total: f64 = scenario.traffic.iter().map(|(_, _, r)| r).sum();
        if !total.is_finite() {
            return Err(ScenarioError::invalid(
                "flows",
                "the rates add up to more than any finite number of bit/s",
            ));
        }
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::builtin;

    const EXAMPLE: &str = r#"{"format":"pathcast.scenario.v1","name":"two","nodes":[{"id":0,"label":"a","lat":1.0,"lon":2.0},{"id":5,"label":"b"}],
        "links":[{"a":0,"b":5,"capacity_bps":10000,"queue_packets":32,"propagation_s":0.0}],
        "packets":{"distribution":"exponential","mean_bits":1000},"flows":[{"src":0,"dst":5,"rate_bps":420.5,"path":[0,5]},{"src":5,"dst":0,"rate_bps":1}]}"#;

    #[test]
    fn documented_example_reads_and_round_trips() {
        let s = Scenario::from_json(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(s.topology.node_count(), 2);
        assert_eq!(s.traffic.get(0, 1), 420.5);
        assert_eq!(s.routing.path(1, 0).unwrap(), &vec![1, 0]);
        assert_eq!(Scenario::from_json(s.to_json().as_bytes()).unwrap(), s);
    }

    #[test]
    fn capacity_sources_survive_a_round_trip() {
        let mut s = Scenario::from_json(EXAMPLE.as_bytes()).unwrap();
        let label = CapacitySource::Label { text: "45 Mbps DS-3".into(), range: false };
        s.topology.set_capacity_source(0, 1, label.clone()).unwrap();
        let json = s.to_json();
        assert!(json.contains("45 Mbps DS-3"), "{json}");
        let again = Scenario::from_json(json.as_bytes()).unwrap();
        assert_eq!(again.topology.capacity_source(1, 0), &label);
        assert_eq!(again, s);
    }

    #[test]
    fn errors_say_where() {
        let bad_path = EXAMPLE.replace(r#""path":[0,5]"#, r#""path":[5,0]"#);
        let err = Scenario::from_json(bad_path.as_bytes()).unwrap_err();
        assert!(err.to_string().starts_with("flows[0]: path [1, 0] must start at 0"), "{err}");
        let zero = EXAMPLE.replace(r#""capacity_bps":10000"#, r#""capacity_bps":0"#);
        let err = Scenario::from_json(zero.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "links[0]: link capacity must be a positive number of bit/s, got 0");
        let err = Scenario::from_json(b"{\n\"format\": 3}").unwrap_err();
        assert!(matches!(err, ScenarioError::Json { line: 2, .. }), "{err}");
        let err = Scenario::from_json(EXAMPLE.replace(".v1", ".v9").as_bytes()).unwrap_err();
        assert!(matches!(err, ScenarioError::Format(_)));
        let twice = EXAMPLE.replace(r#"{"src":5,"dst":0,"rate_bps":1}"#, r#"{"src":0,"dst":5,"rate_bps":1}"#);
        let err = Scenario::from_json(twice.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "flows[1]: a flow from node 0 to node 5 is already given at flows[0]; give one flow per pair"
        );
        let far = EXAMPLE.replace(r#""lat":1.0"#, r#""lat":1e300"#);
        let err = Scenario::from_json(far.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "nodes[0]: lat 1e300 is outside ±90 degrees");
    }

    #[test]
    fn generated_nsfnet_has_182_flows_at_the_target_load() {
        let t = builtin::load("nsfnet").unwrap().topology;
        let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
        let s = Scenario::generate("n", t, spec).unwrap();
        assert_eq!(s.flows().unwrap().len(), 182);
        let peak = s.link_utilisation().unwrap().into_iter().fold(0.0, f64::max);
        assert!((peak - 0.7).abs() < 1e-9);
    }

    #[test]
    fn packet_models_have_their_means() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        for model in [
            PacketSizes::Exponential { mean_bits: 1000.0 },
            PacketSizes::Bimodal { mean_bits: 1000.0 },
            PacketSizes::Fixed { mean_bits: 1000.0 },
        ] {
            let n = 200_000;
            let mean = (0..n).map(|_| model.sample(&mut rng)).sum::<f64>() / n as f64;
            // Standard error ≤ 1000/√n ≈ 2.2 bits; allow 5σ.
            assert!((mean - 1000.0).abs() < 11.0, "{model:?}: {mean}");
        }
        let mut sizes: Vec<u64> =
            (0..100).map(|_| PacketSizes::Bimodal { mean_bits: 1000.0 }.sample(&mut rng) as u64).collect();
        sizes.sort_unstable();
        sizes.dedup();
        assert_eq!(sizes, vec![300, 1700]);
    }
}
