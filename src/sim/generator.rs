//! Labelled samples for training: random traffic, routing variants and capacities, simulated.

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use super::engine::{SimConfig, SimError, simulate};
use super::results::SimResult;
use crate::net::routing::{self, Metric, Path};
use crate::net::{LinkParams, PacketSizes, Scenario, Topology, TrafficMatrix};

/// How samples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeneratorConfig {
    pub seed: u64,
    /// Measured packets per flow in each simulation (the minimum, with `target_relative_se`).
    pub packets_per_flow: u64,
    /// Simulate each flow until its mean delay's standard error is at most this fraction of the
    /// mean (capped at 50 × `packets_per_flow`). Absent in manifests written before it existed.
    #[serde(default)]
    pub target_relative_se: Option<f64>,
    /// Peak link utilisation is drawn uniformly from this range.
    pub utilisation: (f64, f64),
    /// Each pair may take one of its k loopless shortest paths (1 = shortest only).
    pub routing_alternatives: usize,
    /// Fraction of pairs moved to an alternative path, drawn per sample from [0, this].
    pub max_rerouted_fraction: f64,
    /// Draw each link's capacity from {10, 25, 40} kbit/s instead of keeping the topology's.
    pub random_capacities: bool,
    pub packets: PacketSizes,
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
            random_capacities: false,
            packets: PacketSizes::default(),
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

/// Draws samples for one topology; sample `i` depends only on (seed, i).
pub struct SampleGenerator {
    name: String,
    topology: Topology,
    alternatives: BTreeMap<(usize, usize), Vec<Path>>,
    config: GeneratorConfig,
}

/// Capacities drawn with `random_capacities`, in bit/s.
const CAPACITY_CHOICES: [f64; 3] = [10_000.0, 25_000.0, 40_000.0];

impl SampleGenerator {
    /// Prepares the k-shortest alternatives of every pair once.
    pub fn new(name: impl Into<String>, topology: Topology, config: GeneratorConfig) -> Self {
        let mut alternatives = BTreeMap::new();
        for s in topology.node_ids() {
            for d in topology.node_ids().filter(|&d| d != s) {
                let paths = routing::k_shortest_paths(
                    &topology,
                    Metric::Hops,
                    s,
                    d,
                    config.routing_alternatives.max(1),
                );
                if !paths.is_empty() {
                    alternatives.insert((s, d), paths);
                }
            }
        }
        SampleGenerator { name: name.into(), topology, alternatives, config }
    }

    /// Builds and simulates sample `index`.
    pub fn sample(&self, index: u64) -> Result<Sample, SimError> {
        let mut rng = Pcg64::seed_from_u64(self.config.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut topology = self.topology.clone();
        if self.config.random_capacities {
            let links: Vec<(usize, usize, LinkParams)> = topology.duplex_links().collect();
            for (a, b, params) in links {
                let capacity_bps = *CAPACITY_CHOICES.choose(&mut rng).expect("non-empty");
                topology.set_link(a, b, LinkParams { capacity_bps, ..params }).expect("link exists");
            }
        }
        let mut scenario = Scenario::new(&self.name, topology);
        scenario.packets = self.config.packets;
        let rerouted = rng.random_range(0.0..=self.config.max_rerouted_fraction);
        for paths in self.alternatives.values() {
            if paths.len() > 1 && rng.random_bool(rerouted) {
                let path = paths[rng.random_range(1..paths.len())].clone();
                scenario.routing.set_path(&scenario.topology, path)?;
            }
        }
        scenario.traffic = TrafficMatrix::routenet(&scenario.topology, 1.0, &mut rng);
        let (lo, hi) = self.config.utilisation;
        let target = if hi > lo { rng.random_range(lo..hi) } else { lo };
        scenario.scale_to_peak_utilisation(target)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::builtin;

    fn generator(config: GeneratorConfig) -> SampleGenerator {
        SampleGenerator::new("gbn", builtin::load("gbn").unwrap().topology, config)
    }

    #[test]
    fn samples_are_reproducible_and_varied() {
        let g = generator(GeneratorConfig {
            packets_per_flow: 50,
            target_relative_se: None,
            random_capacities: true,
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
}
