//! Where to draw each node: its own position, else its coordinates, else beside its neighbours.

use std::collections::HashMap;

use super::{NodeId, Topology};

/// A point in world coordinates.
pub type Point = [f32; 2];

/// World positions of every node: the topology's own, else its coordinates. A node with neither
/// goes beside the placed nodes it links to (placed a step at a time, so chains follow), and one
/// linked to none of them on a circle around the rest: a file where only some nodes have
/// coordinates draws as its geography, not squashed into a corner.
pub fn positions(topology: &Topology) -> HashMap<NodeId, Point> {
    let mut placed: HashMap<NodeId, Point> = topology
        .nodes()
        .filter_map(|(id, node)| match (node.pos, node.lat.zip(node.lon)) {
            (Some([x, y]), _) => Some((id, [x as f32, y as f32])),
            (None, Some((lat, lon))) => Some((id, [lon as f32 * 10.0, -lat as f32 * 10.0])),
            (None, None) => None,
        })
        .collect();
    let mut missing: Vec<NodeId> = topology.node_ids().filter(|id| !placed.contains_key(id)).collect();
    let bounds = bounds(placed.values());
    let spread = bounds.map_or(100.0, |(lo, hi)| (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1.0));
    let angled = |angle: f32, r: f32| [angle.cos() * r, angle.sin() * r];
    while !missing.is_empty() {
        let before = missing.len();
        let mut still = Vec::new();
        for (k, id) in missing.into_iter().enumerate() {
            let near: Vec<Point> =
                topology.neighbours(id).iter().filter_map(|n| placed.get(n).copied()).collect();
            if near.is_empty() {
                still.push(id);
                continue;
            }
            let n = near.len() as f32;
            let mean = near.iter().fold([0.0, 0.0], |s, p| [s[0] + p[0] / n, s[1] + p[1] / n]);
            // A small offset, different per node, so that nodes with the same neighbours do not overlap.
            let [dx, dy] = angled((id as f32 * 2.399) + k as f32, spread * 0.06);
            placed.insert(id, [mean[0] + dx, mean[1] + dy]);
        }
        missing = still;
        if missing.len() == before {
            break;
        }
    }
    let centre = bounds.map_or([0.0, 0.0], |(lo, hi)| [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0]);
    let n = missing.len().max(1) as f32;
    for (i, id) in missing.into_iter().enumerate() {
        let [dx, dy] = angled(i as f32 / n * std::f32::consts::TAU, spread * 0.6);
        placed.insert(id, [centre[0] + dx, centre[1] + dy]);
    }
    placed
}

/// The smallest and largest coordinates of `points`, if there are any.
pub fn bounds<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<(Point, Point)> {
    points.into_iter().fold(None, |acc, p| {
        let (lo, hi) = acc.unwrap_or((*p, *p));
        Some(([lo[0].min(p[0]), lo[1].min(p[1])], [hi[0].max(p[0]), hi[1].max(p[1])]))
    })
}
