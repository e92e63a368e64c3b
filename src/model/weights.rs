//! The model's weights as plain arrays: the one layout that the burn model exports
//! ([`super::RouteNet::weights`]) and the frozen CPU predictor runs ([`super::FrozenRouteNet`]).

use serde::{Deserialize, Serialize};

/// Sizes of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RouteNetConfig {
    pub path_state: usize,
    pub link_state: usize,
    pub iterations: usize,
    pub readout_hidden: usize,
    pub dropout: f64,
}

impl Default for RouteNetConfig {
    fn default() -> Self {
        RouteNetConfig { path_state: 16, link_state: 16, iterations: 4, readout_hidden: 32, dropout: 0.0 }
    }
}

/// Largest state or hidden size a configuration may ask for.
pub const MAX_WIDTH: usize = 1024;
/// Most message-passing iterations a configuration may ask for.
pub const MAX_ITERATIONS: usize = 64;

impl RouteNetConfig {
    /// Checks that the sizes describe a model that can be built (checkpoints are input too).
    pub fn validate(&self) -> Result<(), String> {
        use super::features::{LINK_FEATURES, PATH_FEATURES};
        let widths = [self.path_state, self.link_state, self.readout_hidden];
        if widths.iter().any(|&w| w == 0 || w > MAX_WIDTH) {
            return Err(format!("state and hidden sizes must be between 1 and {MAX_WIDTH}, got {widths:?}"));
        }
        if self.path_state < PATH_FEATURES || self.link_state < LINK_FEATURES {
            return Err(format!(
                "path_state must be at least {PATH_FEATURES} and link_state at least {LINK_FEATURES}"
            ));
        }
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return Err(format!(
                "iterations must be between 1 and {MAX_ITERATIONS}, got {}",
                self.iterations
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(format!("dropout must be in [0, 1), got {}", self.dropout));
        }
        Ok(())
    }
}

/// Per hop, the readout gives three corrections to the analytic estimate, each bounded:
/// the log factor on the waiting time, on the sojourn variance, and the shift of the drop logit.
pub const OUTPUTS: usize = 3;
/// Bounds of the three corrections (|correction| < bound): a factor e^±2 on the waiting time,
/// e^±3 on its variance, and ±6 on the drop probability's logit.
pub const CORRECTION_BOUNDS: [f32; OUTPUTS] = [2.0, 3.0, 6.0];

/// An affine layer `y = x W + b`, with `W` row-major `[inputs, outputs]` as burn stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub inputs: usize,
    pub outputs: usize,
}

impl Dense {
    /// A layer from its weight (`[inputs × outputs]`, row-major) and bias (`[outputs]`).
    pub fn new(weight: Vec<f32>, bias: Vec<f32>, inputs: usize, outputs: usize) -> Self {
        assert_eq!(weight.len(), inputs * outputs, "weight shape");
        assert_eq!(bias.len(), outputs, "bias shape");
        Dense { weight, bias, inputs, outputs }
    }
}

/// A GRU cell's two projections: its input and its hidden state, each to the reset, update and
/// candidate gates (`3 × size` outputs).
#[derive(Debug, Clone, PartialEq)]
pub struct GruWeights {
    pub input: Dense,
    pub hidden: Dense,
}

impl GruWeights {
    /// The state size.
    pub fn size(&self) -> usize {
        self.hidden.inputs
    }
}

/// Every weight of the model.
///
/// Message passing: a GRU (`path_gru`) runs along each path; at hop t its input is the link's
/// state projected by `path_gru.input` plus the hop's features projected by `hop_input`. Each link
/// averages the per-hop outputs of the paths over it, weighted by their share of its traffic, and
/// `link_gru` updates its state from that. After the last iteration the readout (`readout_1`,
/// `readout_2`, SELU, then `head`) maps each per-hop output to [`OUTPUTS`] corrections.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteNetWeights {
    pub path_gru: GruWeights,
    pub hop_input: Dense,
    pub link_gru: GruWeights,
    pub readout_1: Dense,
    pub readout_2: Dense,
    pub head: Dense,
    pub iterations: usize,
}

impl RouteNetWeights {
    /// Checks that every tensor has the shape `config` gives it and holds finite numbers: weights
    /// read from a checkpoint must agree with the sizes its metadata states.
    pub fn check(&self, config: &RouteNetConfig) -> Result<(), String> {
        use super::features::HOP_FEATURES;
        let (ps, ls, hidden) = (config.path_state, config.link_state, config.readout_hidden);
        let expected = [
            ("path_gru.input", &self.path_gru.input, ls, 3 * ps),
            ("path_gru.hidden", &self.path_gru.hidden, ps, 3 * ps),
            ("hop_input", &self.hop_input, HOP_FEATURES, 3 * ps),
            ("link_gru.input", &self.link_gru.input, ps, 3 * ls),
            ("link_gru.hidden", &self.link_gru.hidden, ls, 3 * ls),
            ("readout_1", &self.readout_1, ps, hidden),
            ("readout_2", &self.readout_2, hidden, hidden),
            ("head", &self.head, hidden, OUTPUTS),
        ];
        for (name, layer, inputs, outputs) in expected {
            if (layer.inputs, layer.outputs) != (inputs, outputs) {
                return Err(format!(
                    "{name} is {}x{}, but the configuration makes it {inputs}x{outputs}",
                    layer.inputs, layer.outputs
                ));
            }
            if !layer.weight.iter().chain(&layer.bias).all(|x| x.is_finite()) {
                return Err(format!("{name} holds a value that is not a finite number"));
            }
        }
        if self.iterations != config.iterations {
            return Err(format!(
                "{} iterations, the configuration says {}",
                self.iterations, config.iterations
            ));
        }
        Ok(())
    }
}
