//! LAMB (You et al., 2020): Adam moments with one trust ratio per parameter tensor, so every layer
//! takes a step proportional to its own weight norm. burn 0.21 has no LAMB, so it is written here as
//! a `SimpleOptimizer`.

use burn::module::AutodiffModule;
use burn::optim::SimpleOptimizer;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::prelude::*;
use burn::record::Record;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

/// LAMB settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LambConfig {
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    /// Decoupled weight decay, applied inside the trust-ratio update.
    pub weight_decay: f64,
}

impl Default for LambConfig {
    fn default() -> Self {
        LambConfig { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-6, weight_decay: 0.01 }
    }
}

impl LambConfig {
    /// The optimizer for a module.
    pub fn init<B: AutodiffBackend, M: AutodiffModule<B>>(&self) -> OptimizerAdaptor<Lamb, M, B> {
        OptimizerAdaptor::from(Lamb { config: *self })
    }
}

/// The LAMB optimizer.
#[derive(Debug, Clone)]
pub struct Lamb {
    config: LambConfig,
}

/// Per-tensor state: the two Adam moments and the step count.
#[derive(Record, Clone)]
pub struct LambState<B: Backend, const D: usize> {
    pub moment_1: Tensor<B, D>,
    pub moment_2: Tensor<B, D>,
    pub time: usize,
}

impl<B: Backend> SimpleOptimizer<B> for Lamb {
    type State<const D: usize> = LambState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        let c = &self.config;
        let (m, v, time) = match state {
            Some(s) => (s.moment_1, s.moment_2, s.time),
            None => (grad.zeros_like(), grad.zeros_like(), 0),
        };
        let time = time + 1;
        let m = m.mul_scalar(c.beta_1) + grad.clone().mul_scalar(1.0 - c.beta_1);
        let v = v.mul_scalar(c.beta_2) + grad.powf_scalar(2.0).mul_scalar(1.0 - c.beta_2);
        let m_hat = m.clone().div_scalar(1.0 - c.beta_1.powi(time as i32));
        let v_hat = v.clone().div_scalar(1.0 - c.beta_2.powi(time as i32));
        let update = m_hat / v_hat.sqrt().add_scalar(c.epsilon) + tensor.clone().mul_scalar(c.weight_decay);

        // Trust ratio ‖w‖ / ‖update‖, or 1 where either norm is zero (fresh biases, zero updates).
        let w_norm = tensor.clone().powf_scalar(2.0).sum().sqrt();
        let u_norm = update.clone().powf_scalar(2.0).sum().sqrt();
        let usable = w_norm.clone().greater_elem(0.0).bool_and(u_norm.clone().greater_elem(0.0));
        let trust = w_norm.ones_like().mask_where(usable, w_norm / u_norm);
        let step = update * trust.reshape([1; D]).mul_scalar(lr);
        (tensor - step, Some(LambState { moment_1: m, moment_2: v, time }))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &B::Device) -> Self::State<D> {
        LambState {
            moment_1: state.moment_1.to_device(device),
            moment_2: state.moment_2.to_device(device),
            time: state.time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    fn run(w: [f32; 3], g: [f32; 3], steps: usize) -> Vec<f32> {
        let device = Default::default();
        let lamb = Lamb { config: LambConfig { weight_decay: 0.0, ..LambConfig::default() } };
        let mut w = Tensor::<Flex, 1>::from_floats(w, &device);
        let g = Tensor::<Flex, 1>::from_floats(g, &device);
        let mut state = None;
        for _ in 0..steps {
            let (next, s) = lamb.step(0.1, w, g.clone(), state);
            (w, state) = (next, s);
        }
        w.into_data().to_vec().unwrap()
    }

    #[test]
    fn a_step_has_length_lr_times_the_weight_norm() {
        // First step: m̂ = g, v̂ = g², so the update is sign(g)/(1+ε/|g|) ≈ (1, -1, 1), norm √3;
        // the trust ratio scales it to ‖w‖ = 5, and lr = 0.1 gives a step of length 0.5.
        let w = run([3.0, 4.0, 0.0], [2.0, -0.5, 1.0], 1);
        let moved = ((w[0] - 3.0).powi(2) + (w[1] - 4.0).powi(2) + w[2].powi(2)).sqrt();
        assert!((moved - 0.5).abs() < 1e-5, "{moved}");
        let each = 0.5 / 3f32.sqrt();
        assert!(
            (w[0] - (3.0 - each)).abs() < 1e-5
                && (w[1] - (4.0 + each)).abs() < 1e-5
                && (w[2] + each).abs() < 1e-5
        );
    }

    #[test]
    fn zero_weights_fall_back_to_a_trust_ratio_of_one() {
        let w = run([0.0, 0.0, 0.0], [1.0, 1.0, -1.0], 1);
        for (x, want) in w.iter().zip([-0.1, -0.1, 0.1]) {
            assert!((x - want).abs() < 1e-5, "{w:?}");
        }
    }
}
