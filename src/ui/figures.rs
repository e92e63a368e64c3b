//! Per-link figures derived from a scenario and its predictions, for colouring the canvas.

use std::collections::HashMap;

use crate::net::{NodeId, Scenario};
use crate::ui::predictor::Prediction;

/// What the canvas colours links by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkColouring {
    Utilisation,
    /// Predicted mean time a packet spends at the link's port (waiting and transmission).
    DelayContribution,
}

/// Figures per directed link `(from, to)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkFigures {
    pub utilisation: HashMap<(NodeId, NodeId), f64>,
    pub delay_contribution_s: HashMap<(NodeId, NodeId), f64>,
    /// Links that take some flow outside the model's training ranges, with the first reason.
    pub extrapolated: HashMap<(NodeId, NodeId), String>,
    /// Per node, the pairs from or to it whose predicted delay is over their target.
    pub over_target: HashMap<NodeId, usize>,
}

impl LinkFigures {
    /// Utilisation from the offered load; the port delay of the links that carry traffic from
    /// `prediction` when given.
    pub fn new(scenario: &Scenario, prediction: Option<&Prediction>) -> Self {
        let mut figures = LinkFigures::default();
        if let Ok(utilisation) = scenario.link_utilisation() {
            for link in scenario.topology.directed_links() {
                figures.utilisation.insert((link.from, link.to), utilisation[link.id.index()]);
            }
        }
        let Some(prediction) = prediction else { return figures };
        figures.delay_contribution_s = prediction
            .links
            .iter()
            .filter(|(_, l)| l.load > 0.0)
            .map(|(&key, l)| (key, l.sojourn_s))
            .collect();
        figures.extrapolated = prediction
            .extrapolated_links()
            .into_iter()
            .map(|(key, reason)| (key, reason.to_string()))
            .collect();
        for (&(src, dst), flow) in &prediction.flows {
            if scenario.targets.of(src, dst).is_some_and(|t| flow.delay_s > t) {
                *figures.over_target.entry(src).or_default() += 1;
                *figures.over_target.entry(dst).or_default() += 1;
            }
        }
        figures
    }

    /// Whether a directed link is offered at least its capacity.
    pub fn overloaded(&self, from: NodeId, to: NodeId) -> bool {
        self.utilisation.get(&(from, to)).is_some_and(|&u| u >= 1.0)
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
    use crate::model::LinkPrediction;
    use crate::net::{LinkParams, Node, Topology};

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
        let link = |from, to, load, sojourn_s| LinkPrediction {
            from,
            to,
            load,
            overloaded: false,
            sojourn_s,
            drop: 0.0,
        };
        let prediction = Prediction {
            revision: 1,
            flows: BTreeMap::new(),
            links: BTreeMap::from([
                ((0, 1), link(0, 1, 0.2, 0.125)),
                ((1, 2), link(1, 2, 0.8, 0.5)),
                ((2, 1), link(2, 1, 0.0, 0.1)),
            ]),
            elapsed: Duration::ZERO,
        };
        let figures = LinkFigures::new(&scenario, Some(&prediction));
        assert!((figures.utilisation[&(0, 1)] - 0.2).abs() < 1e-12);
        assert!((figures.utilisation[&(1, 2)] - 0.8).abs() < 1e-12);
        assert_eq!(figures.utilisation[&(1, 0)], 0.0);
        assert_eq!(figures.delay_contribution_s[&(1, 2)], 0.5);
        assert_eq!(figures.value(LinkColouring::DelayContribution, 2, 1), None, "an idle link has no delay");
        assert!((figures.max(LinkColouring::Utilisation) - 0.8).abs() < 1e-12);
    }
}
