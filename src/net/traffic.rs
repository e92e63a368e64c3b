//! Traffic matrices: offered rate per ordered pair, the RouteNet-style generator, and link loads.

use std::collections::BTreeMap;

use rand::Rng;

use super::routing::{RouteError, Routing};
use super::topology::{NodeId, Topology};

/// The range `maxAvgLambda` is drawn from in the later RouteNet datasets, in bit/s at 10 kbit/s links.
pub const ROUTENET_MAX_AVG_LAMBDA: (f64, f64) = (400.0, 2000.0);

/// Offered traffic in bit/s per ordered (source, destination) pair.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficMatrix {
    rates: BTreeMap<(NodeId, NodeId), f64>,
}

/// Why a rate was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("rate {rate} for {src}→{dst} must be a finite, non-negative number of bit/s between distinct nodes")]
pub struct BadRate {
    pub src: NodeId,
    pub dst: NodeId,
    pub rate: f64,
}

impl TrafficMatrix {
    /// The RouteNet generator: every ordered pair of distinct nodes gets `max_avg_lambda × U(0.1, 1)`.
    pub fn routenet(topology: &Topology, max_avg_lambda: f64, rng: &mut impl Rng) -> Self {
        let mut rates = BTreeMap::new();
        for src in topology.node_ids() {
            for dst in topology.node_ids().filter(|&d| d != src) {
                rates.insert((src, dst), max_avg_lambda * rng.random_range(0.1..1.0));
            }
        }
        TrafficMatrix { rates }
    }

    /// Sets a pair's rate.
    pub fn set(&mut self, src: NodeId, dst: NodeId, rate: f64) -> Result<(), BadRate> {
        if !(rate.is_finite() && rate >= 0.0) || src == dst {
            return Err(BadRate { src, dst, rate });
        }
        self.rates.insert((src, dst), rate);
        Ok(())
    }

    /// A pair's rate (zero when absent).
    pub fn get(&self, src: NodeId, dst: NodeId) -> f64 {
        self.rates.get(&(src, dst)).copied().unwrap_or(0.0)
    }

    /// (source, destination, rate) in pair order.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, NodeId, f64)> + '_ {
        self.rates.iter().map(|(&(s, d), &r)| (s, d, r))
    }

    /// Number of pairs with an entry.
    pub fn len(&self) -> usize {
        self.rates.len()
    }

    /// Whether no pair has an entry.
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// Multiplies every rate by `factor` (finite, non-negative).
    pub fn scale(&mut self, factor: f64) {
        assert!(factor.is_finite() && factor >= 0.0, "scale factor {factor} must be finite and non-negative");
        self.rates.values_mut().for_each(|r| *r *= factor);
    }

    /// Removes a pair's entry; returns the rate it had (zero when absent).
    pub fn remove(&mut self, src: NodeId, dst: NodeId) -> f64 {
        self.rates.remove(&(src, dst)).unwrap_or(0.0)
    }

    /// Drops the pairs that touch a node (after the node is deleted).
    pub fn remove_node(&mut self, node: NodeId) {
        self.rates.retain(|&(s, d), _| s != node && d != node);
    }
}

/// Offered load in bit/s on every directed link, indexed by link id (see [`Topology::link_bound`]).
pub fn link_loads(
    topology: &Topology,
    routing: &Routing,
    traffic: &TrafficMatrix,
) -> Result<Vec<f64>, RouteError> {
    let mut load = vec![0.0; topology.link_bound()];
    for (src, dst, rate) in traffic.iter().filter(|&(_, _, r)| r > 0.0) {
        let path = routing.path(src, dst).ok_or(RouteError::NoPath { src, dst })?;
        for hop in path.windows(2) {
            let link = topology.link(hop[0], hop[1]).ok_or_else(|| RouteError::MissingLink {
                from: hop[0],
                to: hop[1],
                path: path.clone(),
            })?;
            load[link.id.index()] += rate;
        }
    }
    Ok(load)
}

/// Load / capacity on every directed link, indexed by link id.
pub fn link_utilisation(
    topology: &Topology,
    routing: &Routing,
    traffic: &TrafficMatrix,
) -> Result<Vec<f64>, RouteError> {
    let mut util = link_loads(topology, routing, traffic)?;
    for link in topology.directed_links() {
        util[link.id.index()] /= link.params.capacity_bps;
    }
    Ok(util)
}

/// The highest link utilisation.
pub fn peak_utilisation(
    topology: &Topology,
    routing: &Routing,
    traffic: &TrafficMatrix,
) -> Result<f64, RouteError> {
    Ok(link_utilisation(topology, routing, traffic)?.into_iter().fold(0.0, f64::max))
}

/// Rescales `traffic` so that the most loaded link runs at `target` utilisation; returns the factor.
///
/// Leaves the matrix unchanged (factor 1) when it carries no traffic.
pub fn scale_to_peak_utilisation(
    topology: &Topology,
    routing: &Routing,
    traffic: &mut TrafficMatrix,
    target: f64,
) -> Result<f64, RouteError> {
    let peak = peak_utilisation(topology, routing, traffic)?;
    if peak == 0.0 {
        return Ok(1.0);
    }
    let factor = target / peak;
    traffic.scale(factor);
    Ok(factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Metric, builtin};
    use rand::SeedableRng;

    #[test]
    fn generator_statistics_match_the_uniform_law() {
        let topo = builtin::load("geant2").unwrap().topology;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let lambda = 1000.0;
        let (mut n, mut sum, mut sum_sq) = (0.0, 0.0, 0.0);
        for _ in 0..20 {
            let tm = TrafficMatrix::routenet(&topo, lambda, &mut rng);
            assert_eq!(tm.len(), 24 * 23);
            for (_, _, r) in tm.iter() {
                assert!((100.0..1000.0).contains(&r));
                n += 1.0;
                sum += r;
                sum_sq += r * r;
            }
        }
        let mean = sum / n;
        let var = sum_sq / n - mean * mean;
        // U(100, 1000): mean 550, variance 900²/12 = 67500. n = 11040 samples:
        // the mean's standard error is 2.5, so 4σ = 10.
        assert!((mean - 550.0).abs() < 10.0, "mean {mean}");
        assert!((var - 67_500.0).abs() < 0.05 * 67_500.0, "variance {var}");
    }

    #[test]
    fn generator_is_seeded() {
        let topo = builtin::load("nsfnet").unwrap().topology;
        let draw = |seed| TrafficMatrix::routenet(&topo, 800.0, &mut rand_pcg::Pcg64::seed_from_u64(seed));
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }

    #[test]
    fn loads_add_up_along_paths_and_rescale_to_target() {
        let topo = builtin::load("nsfnet").unwrap().topology;
        let routing = Routing::shortest(&topo, Metric::Hops);
        let mut tm = TrafficMatrix::default();
        tm.set(0, 4, 100.0).unwrap(); // 0-3-4
        tm.set(3, 4, 50.0).unwrap();
        let loads = link_loads(&topo, &routing, &tm).unwrap();
        assert_eq!(loads[topo.link(3, 4).unwrap().id.index()], 150.0);
        assert_eq!(loads[topo.link(0, 3).unwrap().id.index()], 100.0);
        assert_eq!(loads.iter().sum::<f64>(), 250.0);
        // Link 0→3 is 10 kbit/s, 3→4 is 40 kbit/s: the peak is 100/10000.
        scale_to_peak_utilisation(&topo, &routing, &mut tm, 0.5).unwrap();
        assert!((peak_utilisation(&topo, &routing, &tm).unwrap() - 0.5).abs() < 1e-12);
        assert!((tm.get(0, 4) - 5000.0).abs() < 1e-9);
    }

    #[test]
    fn bad_rates_are_refused() {
        let mut tm = TrafficMatrix::default();
        assert!(tm.set(0, 1, -1.0).is_err());
        assert!(tm.set(0, 1, f64::NAN).is_err());
        assert!(tm.set(1, 1, 5.0).is_err());
    }
}
