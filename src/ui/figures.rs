//! Per-link figures derived from a scenario and its predictions, for colouring the canvas.

use std::collections::HashMap;

use crate::net::{NodeId, Scenario};
use crate::ui::predictor::Prediction;

/// What the canvas colours links by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkColouring {
    Utilisation,
    /// Traffic-weighted mean per-hop predicted delay of the paths crossing the link.
    DelayContribution,
}

/// Figures per directed link `(from, to)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkFigures {
    pub utilisation: HashMap<(NodeId, NodeId), f64>,
    pub delay_contribution_s: HashMap<(NodeId, NodeId), f64>,
}

impl LinkFigures {
    /// Utilisation from the offered load; delay contribution from `prediction` when given.
    pub fn new(scenario: &Scenario, prediction: Option<&Prediction>) -> Self {
        let mut figures = LinkFigures::default();
        if let Ok(utilisation) = scenario.link_utilisation() {
            for link in scenario.topology.directed_links() {
                figures.utilisation.insert((link.from, link.to), utilisation[link.id.index()]);
            }
        }
        let Some(prediction) = prediction else { return figures };
        let mut sums: HashMap<(NodeId, NodeId), (f64, f64)> = HashMap::new();
        for (src, dst, rate) in scenario.traffic.iter() {
            let (Some(path), Some(flow)) =
                (scenario.routing.path(src, dst), prediction.flows.get(&(src, dst)))
            else {
                continue;
            };
            let per_hop = flow.delay_s / (path.len() - 1) as f64;
            for hop in path.windows(2) {
                let entry = sums.entry((hop[0], hop[1])).or_default();
                entry.0 += rate * per_hop;
                entry.1 += rate;
            }
        }
        figures.delay_contribution_s =
            sums.into_iter().filter(|(_, (_, w))| *w > 0.0).map(|(k, (s, w))| (k, s / w)).collect();
        figures
    }

    /// The figure a colouring shows for a directed link, if it has one.
    pub fn value(&self, colouring: LinkColouring, from: NodeId, to: NodeId) -> Option<f64> {
        match colouring {
            LinkColouring::Utilisation => self.utilisation.get(&(from, to)).copied(),
            LinkColouring::DelayContribution => self.delay_contribution_s.get(&(from, to)).copied(),
        }
    }

    /// The largest figure of a colouring (the top of the legend).
    pub fn max(&self, colouring: LinkColouring) -> f64 {
        let values = match colouring {
            LinkColouring::Utilisation => &self.utilisation,
            LinkColouring::DelayContribution => &self.delay_contribution_s,
        };
        values.values().copied().fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::net::{LinkParams, Node, Topology};
    use crate::ui::predictor::FlowPrediction;

    #[test]
    fn figures_on_a_line_match_hand_computation() {
        // 0 — 1 — 2 with 10 kbit/s links; flows 0→2 (2 kbit/s) and 1→2 (6 kbit/s).
        let mut topology = Topology::new();
        for label in ["a", "b", "c"] {
            topology.add_node(Node::labelled(label));
        }
        topology.add_link(0, 1, LinkParams::default()).unwrap();
        topology.add_link(1, 2, LinkParams::default()).unwrap();
        let mut scenario = Scenario::new("line", topology);
        scenario.traffic.set(0, 2, 2_000.0).unwrap();
        scenario.traffic.set(1, 2, 6_000.0).unwrap();
        let flow = |delay_s| FlowPrediction { delay_s, jitter_s2: 0.0, loss: 0.0 };
        let prediction = Prediction {
            revision: 1,
            flows: BTreeMap::from([((0, 2), flow(0.4)), ((1, 2), flow(0.3))]),
            elapsed: Duration::ZERO,
        };
        let figures = LinkFigures::new(&scenario, Some(&prediction));
        assert!((figures.utilisation[&(0, 1)] - 0.2).abs() < 1e-12);
        assert!((figures.utilisation[&(1, 2)] - 0.8).abs() < 1e-12);
        assert_eq!(figures.utilisation[&(1, 0)], 0.0);
        // Link 0→1 carries only 0→2 (0.2 s per hop); 1→2 mixes 0.2 s (weight 2) and 0.3 s (weight 6).
        assert!((figures.delay_contribution_s[&(0, 1)] - 0.2).abs() < 1e-12);
        let mixed = (2.0 * 0.2 + 6.0 * 0.3) / 8.0;
        assert!((figures.delay_contribution_s[&(1, 2)] - mixed).abs() < 1e-12);
        assert_eq!(figures.value(LinkColouring::DelayContribution, 2, 1), None);
        assert!((figures.max(LinkColouring::Utilisation) - 0.8).abs() < 1e-12);
    }
}
