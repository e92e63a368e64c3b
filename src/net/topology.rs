//! The network graph: nodes and duplex links stored as pairs of directed links.

use std::collections::BTreeMap;

use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeIndexable, EdgeRef, NodeIndexable};
use serde::{Deserialize, Serialize};

/// Identifier of a node; stable across edits (deleting a node never renumbers the others).
pub type NodeId = usize;

/// Capacity given to links whose source states none (10 kbit/s, the NSFNet `nsfnetbw` base rate).
pub const DEFAULT_CAPACITY_BPS: f64 = 10_000.0;
/// Output-queue size given to links whose source states none (the RouteNet datasets' 32 packets).
pub const DEFAULT_QUEUE_PACKETS: u32 = 32;

/// A router or site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub label: String,
    /// Geographic coordinates in degrees, when the source gives them.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Position on the canvas (arbitrary units), when the source gives one.
    pub pos: Option<[f64; 2]>,
}

impl Node {
    /// A node with a label and no coordinates.
    pub fn labelled(label: impl Into<String>) -> Self {
        Node { label: label.into(), lat: None, lon: None, pos: None }
    }
}

/// Physical properties of one direction of a link.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinkParams {
    pub capacity_bps: f64,
    pub queue_packets: u32,
    pub propagation_s: f64,
}

impl Default for LinkParams {
    fn default() -> Self {
        LinkParams {
            capacity_bps: DEFAULT_CAPACITY_BPS,
            queue_packets: DEFAULT_QUEUE_PACKETS,
            propagation_s: 0.0,
        }
    }
}

impl LinkParams {
    /// Checks that the parameters describe a usable link.
    pub fn validate(&self) -> Result<(), TopologyError> {
        if !(self.capacity_bps.is_finite() && self.capacity_bps > 0.0) {
            return Err(TopologyError::BadCapacity(self.capacity_bps));
        }
        if self.queue_packets == 0 {
            return Err(TopologyError::ZeroQueue);
        }
        if !(self.propagation_s.is_finite() && self.propagation_s >= 0.0) {
            return Err(TopologyError::BadPropagation(self.propagation_s));
        }
        Ok(())
    }
}

/// Where a link's capacity came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum CapacitySource {
    /// A GML `LinkSpeedRaw` (bit/s).
    Raw,
    /// A GML `LinkSpeed` with its `LinkSpeedUnits`.
    Units,
    /// Read from the link's label text; `range` when the label gives a range or a bound, whose
    /// lower figure was taken.
    Label { text: String, range: bool },
    /// The file states none: the capacity was assumed (see `--missing-speed`).
    Assumed,
    /// Set by the user (in the app, a scenario file, or pathcast itself).
    #[default]
    User,
}

impl CapacitySource {
    /// Short name: raw, units, label, assumed or user.
    pub fn name(&self) -> &'static str {
        match self {
            CapacitySource::Raw => "raw",
            CapacitySource::Units => "units",
            CapacitySource::Label { .. } => "label",
            CapacitySource::Assumed => "assumed",
            CapacitySource::User => "user",
        }
    }

    /// How trustworthy the figure is, for merging parallel edges: the merged link keeps the
    /// weakest source.
    fn strength(&self) -> u8 {
        match self {
            CapacitySource::Assumed => 0,
            CapacitySource::Label { .. } => 1,
            CapacitySource::Units => 2,
            CapacitySource::Raw => 3,
            CapacitySource::User => 4,
        }
    }

    /// The weaker of two sources.
    pub fn weakest(self, other: CapacitySource) -> CapacitySource {
        if other.strength() < self.strength() { other } else { self }
    }
}

/// One direction of a duplex link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DirectedLink {
    pub id: EdgeIndex,
    pub from: NodeId,
    pub to: NodeId,
    pub params: LinkParams,
}

/// Errors from editing a topology.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TopologyError {
    #[error("node {0} does not exist")]
    UnknownNode(NodeId),
    #[error("a link cannot join node {0} to itself")]
    SelfLoop(NodeId),
    #[error("nodes {0} and {1} are already linked")]
    DuplicateLink(NodeId, NodeId),
    #[error("there is no link between nodes {0} and {1}")]
    MissingLink(NodeId, NodeId),
    #[error("link capacity must be a positive number of bit/s, got {0}")]
    BadCapacity(f64),
    #[error("link queue size must be at least one packet")]
    ZeroQueue,
    #[error("propagation delay must be a non-negative number of seconds, got {0}")]
    BadPropagation(f64),
}

/// A network: nodes with stable ids and duplex links, each a pair of directed links.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    graph: StableDiGraph<Node, LinkParams>,
    /// Where each duplex link's capacity came from, keyed by (smaller, larger) node id; links
    /// not listed were set by the user.
    capacity_sources: BTreeMap<(NodeId, NodeId), CapacitySource>,
}

impl Topology {
    /// An empty topology.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node and returns its id.
    pub fn add_node(&mut self, node: Node) -> NodeId {
        self.graph.add_node(node).index()
    }

    /// Removes a node and every link touching it.
    pub fn remove_node(&mut self, id: NodeId) -> Result<Node, TopologyError> {
        let node = self.graph.remove_node(NodeIndex::new(id)).ok_or(TopologyError::UnknownNode(id))?;
        self.capacity_sources.retain(|&(a, b), _| a != id && b != id);
        Ok(node)
    }

    /// Adds a duplex link with the same parameters in both directions.
    pub fn add_link(&mut self, a: NodeId, b: NodeId, params: LinkParams) -> Result<(), TopologyError> {
        self.check_node(a)?;
        self.check_node(b)?;
        if a == b {
            return Err(TopologyError::SelfLoop(a));
        }
        if self.are_linked(a, b) {
            return Err(TopologyError::DuplicateLink(a, b));
        }
        params.validate()?;
        self.graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), params);
        self.graph.add_edge(NodeIndex::new(b), NodeIndex::new(a), params);
        Ok(())
    }

    /// Removes the duplex link between `a` and `b` (both directions).
    pub fn remove_link(&mut self, a: NodeId, b: NodeId) -> Result<(), TopologyError> {
        let ab = self.edge(a, b).ok_or(TopologyError::MissingLink(a, b))?;
        self.graph.remove_edge(ab);
        self.capacity_sources.remove(&(a.min(b), a.max(b)));
        if let Some(ba) = self.edge(b, a) {
            self.graph.remove_edge(ba);
        }
        Ok(())
    }

    /// Sets the parameters of both directions of the link between `a` and `b`.
    pub fn set_link(&mut self, a: NodeId, b: NodeId, params: LinkParams) -> Result<(), TopologyError> {
        params.validate()?;
        for (x, y) in [(a, b), (b, a)] {
            let e = self.edge(x, y).ok_or(TopologyError::MissingLink(x, y))?;
            self.graph[e] = params;
        }
        Ok(())
    }

    /// Where the capacity of the link between `a` and `b` came from ([`CapacitySource::User`] for
    /// links without a recorded source).
    pub fn capacity_source(&self, a: NodeId, b: NodeId) -> &CapacitySource {
        static USER: CapacitySource = CapacitySource::User;
        self.capacity_sources.get(&(a.min(b), a.max(b))).unwrap_or(&USER)
    }

    /// Records where the capacity of the link between `a` and `b` came from.
    pub fn set_capacity_source(
        &mut self,
        a: NodeId,
        b: NodeId,
        source: CapacitySource,
    ) -> Result<(), TopologyError> {
        if !self.are_linked(a, b) {
            return Err(TopologyError::MissingLink(a, b));
        }
        let key = (a.min(b), a.max(b));
        if source == CapacitySource::User {
            self.capacity_sources.remove(&key);
        } else {
            self.capacity_sources.insert(key, source);
        }
        Ok(())
    }

    /// Duplex links per capacity source name (raw, units, label, assumed, user).
    pub fn capacity_source_counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for (a, b, _) in self.duplex_links() {
            *counts.entry(self.capacity_source(a, b).name()).or_insert(0) += 1;
        }
        counts
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.graph.node_weight(NodeIndex::new(id))
    }

    /// How a node is named to people: its label, or its id where it has none.
    pub fn node_name(&self, id: NodeId) -> String {
        match self.node(id) {
            Some(n) if !n.label.is_empty() => n.label.clone(),
            _ => id.to_string(),
        }
    }

    /// Mutable access to a node (label, coordinates, position).
    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.graph.node_weight_mut(NodeIndex::new(id))
    }

    /// Node ids in increasing order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.graph.node_indices().map(|n| n.index())
    }

    /// Nodes with their ids, in increasing id order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> + '_ {
        self.graph.node_indices().map(|n| (n.index(), &self.graph[n]))
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// One past the largest node id: the size of a dense per-node array.
    pub fn node_bound(&self) -> usize {
        NodeIndexable::node_bound(&self.graph)
    }

    /// Number of duplex links.
    pub fn link_count(&self) -> usize {
        self.graph.edge_count() / 2
    }

    /// Number of directed links (twice the duplex count).
    pub fn directed_link_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Whether a directed link `from`→`to` exists.
    pub fn are_linked(&self, from: NodeId, to: NodeId) -> bool {
        self.edge(from, to).is_some()
    }

    /// The directed link `from`→`to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> Option<DirectedLink> {
        self.edge(from, to).map(|e| self.directed(e))
    }

    /// All directed links, in increasing id order.
    pub fn directed_links(&self) -> impl Iterator<Item = DirectedLink> + '_ {
        self.graph.edge_indices().map(|e| self.directed(e))
    }

    /// Duplex links as (a, b, params) with a < b; both directions share the parameters.
    pub fn duplex_links(&self) -> impl Iterator<Item = (NodeId, NodeId, LinkParams)> + '_ {
        self.directed_links().filter(|l| l.from < l.to).map(|l| (l.from, l.to, l.params))
    }

    /// One past the largest directed link id: the size of a dense per-link array.
    pub fn link_bound(&self) -> usize {
        EdgeIndexable::edge_bound(&self.graph)
    }

    /// Neighbours reachable over one outgoing link, in increasing id order.
    pub fn neighbours(&self, id: NodeId) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = self
            .graph
            .edges_directed(NodeIndex::new(id), Direction::Outgoing)
            .map(|e| e.target().index())
            .collect();
        out.sort_unstable();
        out
    }

    /// Outgoing directed links of a node.
    pub fn out_links(&self, id: NodeId) -> impl Iterator<Item = DirectedLink> + '_ {
        self.graph.edges_directed(NodeIndex::new(id), Direction::Outgoing).map(|e| self.directed(e.id()))
    }

    /// Whether every node can reach every other node.
    pub fn is_connected(&self) -> bool {
        let Some(start) = self.graph.node_indices().next() else {
            return true;
        };
        let mut seen = vec![false; self.node_bound()];
        let mut stack = vec![start.index()];
        seen[start.index()] = true;
        let mut count = 1;
        while let Some(u) = stack.pop() {
            for v in self.neighbours(u) {
                if !seen[v] {
                    seen[v] = true;
                    count += 1;
                    stack.push(v);
                }
            }
        }
        count == self.node_count()
    }

    /// Fails with [`TopologyError::UnknownNode`] unless the node exists.
    pub fn check_node(&self, id: NodeId) -> Result<(), TopologyError> {
        self.node(id).map(|_| ()).ok_or(TopologyError::UnknownNode(id))
    }

    fn edge(&self, from: NodeId, to: NodeId) -> Option<EdgeIndex> {
        self.graph.find_edge(NodeIndex::new(from), NodeIndex::new(to))
    }

    fn directed(&self, e: EdgeIndex) -> DirectedLink {
        let (a, b) = self.graph.edge_endpoints(e).expect("edge index from this graph");
        DirectedLink { id: e, from: a.index(), to: b.index(), params: self.graph[e] }
    }
}

impl PartialEq for Topology {
    /// Same node ids with the same nodes, and the same directed links with the same parameters and
    /// capacity sources.
    fn eq(&self, other: &Self) -> bool {
        let links = |t: &Topology| {
            let mut v: Vec<(NodeId, NodeId, LinkParams)> =
                t.directed_links().map(|l| (l.from, l.to, l.params)).collect();
            v.sort_by_key(|(a, b, _)| (*a, *b));
            v
        };
        self.nodes().eq(other.nodes())
            && links(self) == links(other)
            && self.capacity_sources == other.capacity_sources
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triangle() -> Topology {
        let mut t = Topology::new();
        for l in ["a", "b", "c"] {
            t.add_node(Node::labelled(l));
        }
        t.add_link(0, 1, LinkParams::default()).unwrap();
        t.add_link(1, 2, LinkParams::default()).unwrap();
        t
    }

    #[test]
    fn duplex_links_count_twice_as_directed() {
        let t = triangle();
        assert_eq!(t.link_count(), 2);
        assert_eq!(t.directed_link_count(), 4);
        assert!(t.are_linked(1, 0) && t.are_linked(0, 1) && !t.are_linked(0, 2));
        assert!(t.is_connected());
    }

    #[test]
    fn removing_a_node_keeps_other_ids() {
        let mut t = triangle();
        t.remove_node(1).unwrap();
        assert_eq!(t.node_ids().collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(t.node(2).unwrap().label, "c");
        assert_eq!(t.link_count(), 0);
        assert!(!t.is_connected());
    }

    #[test]
    fn bad_links_are_refused() {
        let mut t = triangle();
        assert_eq!(t.add_link(0, 0, LinkParams::default()), Err(TopologyError::SelfLoop(0)));
        assert_eq!(t.add_link(1, 0, LinkParams::default()), Err(TopologyError::DuplicateLink(1, 0)));
        assert_eq!(t.add_link(0, 9, LinkParams::default()), Err(TopologyError::UnknownNode(9)));
        let zero = LinkParams { capacity_bps: 0.0, ..LinkParams::default() };
        assert_eq!(t.add_link(0, 2, zero), Err(TopologyError::BadCapacity(0.0)));
        assert_eq!(t.remove_link(0, 2), Err(TopologyError::MissingLink(0, 2)));
    }
}
