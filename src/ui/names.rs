//! How nodes and paths are named on screen: by their labels, ids only where a node has none.

use crate::net::{NodeId, Topology};

/// A node's label, or its id where it has none.
pub fn node_label(topology: &Topology, id: NodeId) -> String {
    match topology.node(id) {
        Some(n) if !n.label.is_empty() => n.label.clone(),
        _ => id.to_string(),
    }
}

/// A path by node names: `Seattle -> Palo Alto -> Houston`.
pub fn path_text(topology: &Topology, path: &[NodeId]) -> String {
    path.iter().map(|&id| node_label(topology, id)).collect::<Vec<_>>().join(" -> ")
}
