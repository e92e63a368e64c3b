//! Ground truth: a packet-level discrete-event simulator and labelled sample generation.

mod engine;
mod generator;
mod port;
mod results;
mod timers;

pub use engine::{SimConfig, SimError, Watch, simulate, simulate_watched};
pub use generator::{DiverseConfig, GeneratorConfig, Networks, Sample, SampleGenerator};
pub use results::{FlowResult, LinkResult, SimResult};
