//! Routing: one path per ordered pair, shortest by default, k-shortest alternatives, manual overrides.
//!
//! Ties are broken deterministically: among equal-cost paths the lexicographically smallest node
//! sequence wins, so the same topology always gives the same routing.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashSet};

use serde::{Deserialize, Serialize};

use super::topology::{NodeId, Topology};

/// A path as the node sequence from source to destination.
pub type Path = Vec<NodeId>;

/// OSPF's default reference bandwidth (100 Mbit/s), for [`Metric::InverseCapacity`].
pub const REFERENCE_BPS: f64 = 1e8;

/// What "shortest" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Fewest links.
    #[default]
    Hops,
    /// OSPF-style cost: reference bandwidth / link capacity.
    InverseCapacity,
}

impl Metric {
    /// Cost of the directed link `from`→`to` (which must exist).
    fn link_cost(self, topology: &Topology, from: NodeId, to: NodeId) -> f64 {
        match self {
            Metric::Hops => 1.0,
            Metric::InverseCapacity => {
                REFERENCE_BPS / topology.link(from, to).expect("link exists").params.capacity_bps
            }
        }
    }
}

/// Why a path cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    #[error("path {path:?} must start at {src} and end at {dst}")]
    WrongEndpoints { src: NodeId, dst: NodeId, path: Path },
    #[error("path {path:?} uses node {node}, which does not exist")]
    UnknownNode { node: NodeId, path: Path },
    #[error("path {path:?} needs a link {from}→{to}, which does not exist")]
    MissingLink { from: NodeId, to: NodeId, path: Path },
    #[error("path {path:?} visits node {node} twice")]
    Loop { node: NodeId, path: Path },
    #[error("no route from {src} to {dst}: they are not connected")]
    NoPath { src: NodeId, dst: NodeId },
}

/// Checks that `path` goes from `src` to `dst` over existing links without revisiting a node.
pub fn validate_path(
    topology: &Topology,
    src: NodeId,
    dst: NodeId,
    path: &[NodeId],
) -> Result<(), RouteError> {
    let owned = || path.to_vec();
    if path.len() < 2 || path[0] != src || path[path.len() - 1] != dst || src == dst {
        return Err(RouteError::WrongEndpoints { src, dst, path: owned() });
    }
    if let Some(&node) = path.iter().find(|&&n| topology.node(n).is_none()) {
        return Err(RouteError::UnknownNode { node, path: owned() });
    }
    // Most paths are short, and a scan beats hashing them (prediction validates thousands per
    // edit); long ones are sorted.
    let repeated = if path.len() <= 64 {
        path.iter().enumerate().find(|&(i, n)| path[..i].contains(n)).map(|(_, &n)| n)
    } else {
        let mut sorted = path.to_vec();
        sorted.sort_unstable();
        sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    };
    if let Some(node) = repeated {
        return Err(RouteError::Loop { node, path: owned() });
    }
    for hop in path.windows(2) {
        if !topology.are_linked(hop[0], hop[1]) {
            return Err(RouteError::MissingLink { from: hop[0], to: hop[1], path: owned() });
        }
    }
    Ok(())
}

/// Total cost of a valid path under a metric.
pub fn path_cost(topology: &Topology, metric: Metric, path: &[NodeId]) -> f64 {
    path.windows(2).map(|h| metric.link_cost(topology, h[0], h[1])).sum()
}

/// The shortest path from `src` to `dst` (lexicographically smallest among ties), if any.
pub fn shortest_path(topology: &Topology, metric: Metric, src: NodeId, dst: NodeId) -> Option<Path> {
    let dist = distances_to(topology, metric, dst, &Bans::default());
    walk_down(topology, metric, src, dst, &dist, &Bans::default())
}

/// Up to `k` loopless paths from `src` to `dst` in increasing (cost, node sequence) order (Yen's algorithm).
pub fn k_shortest_paths(
    topology: &Topology,
    metric: Metric,
    src: NodeId,
    dst: NodeId,
    k: usize,
) -> Vec<Path> {
    let mut found: Vec<Path> = Vec::new();
    let Some(first) = shortest_path(topology, metric, src, dst).filter(|_| k > 0) else {
        return found;
    };
    found.push(first);
    let mut candidates: BTreeSet<Candidate> = BTreeSet::new();
    while found.len() < k {
        let previous = found.last().expect("at least one path").clone();
        for i in 0..previous.len() - 1 {
            let (root, spur) = (&previous[..=i], previous[i]);
            let mut bans = Bans::default();
            bans.nodes.extend(root[..i].iter().copied());
            for p in found.iter().filter(|p| p.len() > i + 1 && p[..=i] == *root) {
                bans.links.insert((p[i], p[i + 1]));
            }
            let dist = distances_to(topology, metric, dst, &bans);
            if let Some(spur_path) = walk_down(topology, metric, spur, dst, &dist, &bans) {
                let mut path = root[..i].to_vec();
                path.extend(spur_path);
                if !found.contains(&path) {
                    candidates.insert(Candidate { cost: path_cost(topology, metric, &path), path });
                }
            }
        }
        match candidates.pop_first() {
            Some(best) => found.push(best.path),
            None => break,
        }
    }
    found
}

/// One path per ordered pair of distinct, connected nodes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Routing {
    paths: BTreeMap<(NodeId, NodeId), Path>,
}

impl Routing {
    /// Shortest paths between every ordered pair of connected nodes.
    pub fn shortest(topology: &Topology, metric: Metric) -> Self {
        let mut paths = BTreeMap::new();
        for dst in topology.node_ids() {
            let dist = distances_to(topology, metric, dst, &Bans::default());
            for src in topology.node_ids().filter(|&s| s != dst) {
                if let Some(p) = walk_down(topology, metric, src, dst, &dist, &Bans::default()) {
                    paths.insert((src, dst), p);
                }
            }
        }
        Routing { paths }
    }

    /// The path of a pair, if it has one.
    pub fn path(&self, src: NodeId, dst: NodeId) -> Option<&Path> {
        self.paths.get(&(src, dst))
    }

    /// Replaces a pair's path after checking it against the topology.
    pub fn set_path(&mut self, topology: &Topology, path: Path) -> Result<(), RouteError> {
        let (src, dst) = (*path.first().unwrap_or(&0), *path.last().unwrap_or(&0));
        validate_path(topology, src, dst, &path)?;
        self.paths.insert((src, dst), path);
        Ok(())
    }

    /// All (source, destination, path) triples in pair order.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, NodeId, &Path)> + '_ {
        self.paths.iter().map(|(&(s, d), p)| (s, d, p))
    }

    /// Number of routed pairs.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether no pair is routed.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// Nodes and directed links a search may not use.
#[derive(Default)]
struct Bans {
    nodes: HashSet<NodeId>,
    links: HashSet<(NodeId, NodeId)>,
}

impl Bans {
    fn allows(&self, from: NodeId, to: NodeId) -> bool {
        !self.nodes.contains(&from) && !self.nodes.contains(&to) && !self.links.contains(&(from, to))
    }
}

/// Dijkstra towards `dst`: distance from every node to `dst` (infinity where unreachable).
fn distances_to(topology: &Topology, metric: Metric, dst: NodeId, bans: &Bans) -> Vec<f64> {
    let mut dist = vec![f64::INFINITY; topology.node_bound()];
    if bans.nodes.contains(&dst) {
        return dist;
    }
    dist[dst] = 0.0;
    let mut heap = BinaryHeap::from([Visit { dist: 0.0, node: dst }]);
    while let Some(Visit { dist: d, node: v }) = heap.pop() {
        if d > dist[v] {
            continue;
        }
        // Links are duplex, so v's neighbours are exactly the nodes with a link into v.
        for u in topology.neighbours(v) {
            if !bans.allows(u, v) {
                continue;
            }
            let through = d + metric.link_cost(topology, u, v);
            if through < dist[u] {
                dist[u] = through;
                heap.push(Visit { dist: through, node: u });
            }
        }
    }
    dist
}

/// Follows decreasing distance from `src`, always taking the smallest-id next hop on a shortest path.
fn walk_down(
    topology: &Topology,
    metric: Metric,
    src: NodeId,
    dst: NodeId,
    dist: &[f64],
    bans: &Bans,
) -> Option<Path> {
    if src == dst || !dist.get(src).is_some_and(|d| d.is_finite()) {
        return None;
    }
    let mut path = vec![src];
    let mut at = src;
    while at != dst {
        at = topology.neighbours(at).into_iter().find(|&v| {
            bans.allows(at, v) && same_cost(dist[at], metric.link_cost(topology, at, v) + dist[v])
        })?;
        path.push(at);
    }
    Some(path)
}

fn same_cost(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[derive(PartialEq)]
struct Visit {
    dist: f64,
    node: NodeId,
}

impl Eq for Visit {}

impl Ord for Visit {
    fn cmp(&self, other: &Self) -> Ordering {
        other.dist.total_cmp(&self.dist).then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Visit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A Yen candidate, ordered by cost then node sequence.
#[derive(PartialEq)]
struct Candidate {
    cost: f64,
    path: Path,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cost.total_cmp(&other.cost).then_with(|| self.path.cmp(&other.path))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
