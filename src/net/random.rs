//! Random connected topologies for training data: Waxman graphs, Barabási–Albert graphs and sparse
//! meshes like real backbones, with nodes placed at random in a geographic region.
//!
//! Written here rather than taken from a graph crate because each model is a few lines on top of
//! petgraph and the generator needs them with coordinates, connected, and reproducible from one
//! random stream.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};

use super::geo::great_circle_m;
use super::topology::{LinkParams, Node, NodeId, Topology};

/// A random graph model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GraphModel {
    /// Waxman: nodes link with probability β exp(−d / (α L)), so near nodes link more often.
    Waxman,
    /// Barabási–Albert: each new node attaches to one or two nodes in proportion to their degree
    /// (a few hubs, many leaves).
    BarabasiAlbert,
    /// Each node links to its two or three nearest nodes: sparse, planar-looking, long paths.
    Mesh,
}

impl GraphModel {
    /// Every model.
    pub const ALL: [GraphModel; 3] = [GraphModel::Waxman, GraphModel::BarabasiAlbert, GraphModel::Mesh];

    /// Short name, used in sample names.
    pub fn name(self) -> &'static str {
        match self {
            GraphModel::Waxman => "waxman",
            GraphModel::BarabasiAlbert => "barabasi-albert",
            GraphModel::Mesh => "mesh",
        }
    }
}

/// A connected random topology of `nodes` nodes (at least 2) with latitudes and longitudes in a
/// region of random size (a metro area to a continent). Links get `params`.
pub fn topology(model: GraphModel, nodes: usize, params: LinkParams, rng: &mut impl Rng) -> Topology {
    let nodes = nodes.max(2);
    let centre = (rng.random_range(-45.0..60.0), rng.random_range(-120.0..140.0));
    let extent: f64 = 10f64.powf(rng.random_range(0.0..1.6));
    let places: Vec<(f64, f64)> = (0..nodes)
        .map(|_| {
            let lat: f64 = centre.0 + extent * rng.random_range(-0.5..0.5);
            let lon: f64 = centre.1 + extent * rng.random_range(-0.5..0.5);
            (lat.clamp(-89.0, 89.0), lon.clamp(-179.0, 179.0))
        })
        .collect();
    let distance = |a: usize, b: usize| great_circle_m(places[a].0, places[a].1, places[b].0, places[b].1);
    let mut edges = match model {
        GraphModel::Waxman => waxman(nodes, &distance, rng),
        GraphModel::BarabasiAlbert => barabasi_albert(nodes, rng),
        GraphModel::Mesh => mesh(nodes, &distance, rng),
    };
    connect(nodes, &mut edges, &distance);

    let mut topology = Topology::new();
    for (i, &(lat, lon)) in places.iter().enumerate() {
        topology.add_node(Node { label: format!("n{i}"), lat: Some(lat), lon: Some(lon), pos: None });
    }
    for (a, b) in edges {
        // Every edge is distinct and between distinct nodes by construction.
        topology.add_link(a, b, params).expect("valid random edge");
    }
    topology
}

fn waxman(
    nodes: usize,
    distance: &impl Fn(usize, usize) -> f64,
    rng: &mut impl Rng,
) -> Vec<(NodeId, NodeId)> {
    let longest =
        (0..nodes).flat_map(|a| (0..a).map(move |b| (a, b))).map(|(a, b)| distance(a, b)).fold(1.0, f64::max);
    let alpha = rng.random_range(0.1..0.3);
    // β set so that the expected mean degree is about 3.
    let weights: Vec<(usize, usize, f64)> = (0..nodes)
        .flat_map(|a| (0..a).map(move |b| (a, b)))
        .map(|(a, b)| (b, a, (-distance(a, b) / (alpha * longest)).exp()))
        .collect();
    let total: f64 = weights.iter().map(|w| w.2).sum();
    let beta = (rng.random_range(2.5..3.5) * nodes as f64 / 2.0 / total).min(1.0);
    weights
        .into_iter()
        .filter(|&(_, _, w)| rng.random_bool((beta * w).min(1.0)))
        .map(|(a, b, _)| (a, b))
        .collect()
}

fn barabasi_albert(nodes: usize, rng: &mut impl Rng) -> Vec<(NodeId, NodeId)> {
    let m = if rng.random_bool(0.5) { 1 } else { 2 };
    let mut edges = vec![(0, 1)];
    // Every edge end once: drawing from it draws a node in proportion to its degree.
    let mut ends = vec![0, 1];
    for new in 2..nodes {
        let mut targets: Vec<NodeId> = Vec::with_capacity(m);
        while targets.len() < m.min(new) {
            let &t = ends.choose(rng).expect("ends are never empty");
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        for t in targets {
            edges.push((t, new));
            ends.extend([t, new]);
        }
    }
    edges
}

fn mesh(nodes: usize, distance: &impl Fn(usize, usize) -> f64, rng: &mut impl Rng) -> Vec<(NodeId, NodeId)> {
    let k = if rng.random_bool(0.5) { 2 } else { 3 };
    let mut edges = Vec::new();
    for a in 0..nodes {
        let mut others: Vec<usize> = (0..nodes).filter(|&b| b != a).collect();
        others.sort_by(|&x, &y| distance(a, x).total_cmp(&distance(a, y)));
        for &b in others.iter().take(k) {
            let edge = (a.min(b), a.max(b));
            if !edges.contains(&edge) {
                edges.push(edge);
            }
        }
    }
    edges
}

/// Adds the shortest edge between two components until the graph is connected.
fn connect(nodes: usize, edges: &mut Vec<(NodeId, NodeId)>, distance: &impl Fn(usize, usize) -> f64) {
    loop {
        let component = components(nodes, edges);
        if component.iter().all(|&c| c == component[0]) {
            return;
        }
        let (mut best, mut best_d) = ((0, 0), f64::INFINITY);
        for a in 0..nodes {
            for b in 0..nodes {
                if component[a] == component[0] && component[b] != component[0] && distance(a, b) < best_d {
                    (best, best_d) = ((a.min(b), a.max(b)), distance(a, b));
                }
            }
        }
        edges.push(best);
    }
}

/// The component label of every node (the smallest node id in its component).
fn components(nodes: usize, edges: &[(NodeId, NodeId)]) -> Vec<usize> {
    let mut label: Vec<usize> = (0..nodes).collect();
    loop {
        let mut changed = false;
        for &(a, b) in edges {
            let low = label[a].min(label[b]);
            if label[a] != low || label[b] != low {
                (label[a], label[b]) = (low, low);
                changed = true;
            }
        }
        if !changed {
            return label;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_pcg::Pcg64;

    use super::*;

    #[test]
    fn every_model_gives_connected_simple_graphs_of_the_asked_size() {
        let mut rng = Pcg64::seed_from_u64(5);
        for model in GraphModel::ALL {
            for nodes in [2, 3, 10, 57, 100] {
                let t = topology(model, nodes, LinkParams::default(), &mut rng);
                assert_eq!(t.node_count(), nodes, "{model:?}");
                assert!(t.is_connected(), "{model:?} with {nodes} nodes");
                assert!(t.link_count() >= nodes - 1);
                assert!(t.nodes().all(|(_, n)| n.lat.is_some() && n.lon.is_some()));
            }
        }
    }

    #[test]
    fn models_have_their_shapes() {
        let mut rng = Pcg64::seed_from_u64(9);
        let mean_degree = |model, rng: &mut Pcg64| {
            let t = topology(model, 80, LinkParams::default(), rng);
            2.0 * t.link_count() as f64 / 80.0
        };
        // Barabási–Albert with one or two links per new node: mean degree about 2 or 4.
        let ba = mean_degree(GraphModel::BarabasiAlbert, &mut rng);
        assert!((1.9..4.1).contains(&ba), "{ba}");
        let mesh = mean_degree(GraphModel::Mesh, &mut rng);
        assert!((2.0..6.0).contains(&mesh), "{mesh}");
        let waxman = mean_degree(GraphModel::Waxman, &mut rng);
        assert!((2.0..5.0).contains(&waxman), "{waxman}");
    }

    #[test]
    fn components_are_labelled_by_their_smallest_node() {
        assert_eq!(components(5, &[(3, 4), (0, 2)]), vec![0, 1, 0, 3, 3]);
    }
}
