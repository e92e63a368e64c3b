//! Polyak averaging: an exponential moving average of the weights over the training steps.
//!
//! A large learning rate moves the weights fast but leaves them rattling around the minimum; their
//! running average sits near its centre. Evaluation, checkpoints and prediction use the average,
//! while the optimizer keeps stepping the raw weights.

use burn::module::{AutodiffModule, Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use crate::model::RouteNet;

/// The running average of a model's weights.
pub struct WeightAverage<B: AutodiffBackend> {
    average: RouteNet<B::InnerBackend>,
    decay: f64,
    updates: u64,
}

impl<B: AutodiffBackend> WeightAverage<B> {
    /// Starts the average at `model`'s weights. `decay` is the weight of the old average per step
    /// (0.99 averages over about the last 100 steps).
    pub fn new(model: &RouteNet<B>, decay: f64) -> Self {
        WeightAverage { average: model.valid(), decay, updates: 0 }
    }

    /// Continues an average saved after `updates` steps.
    pub fn resume(average: RouteNet<B::InnerBackend>, decay: f64, updates: u64) -> Self {
        WeightAverage { average, decay, updates }
    }

    /// Folds in the weights after one more step. The decay ramps up as (1 + n) / (10 + n) over
    /// the first steps, so the starting weights are forgotten quickly.
    pub fn update(&mut self, model: &RouteNet<B>) {
        self.updates += 1;
        let n = self.updates as f64;
        let decay = self.decay.min((1.0 + n) / (10.0 + n));
        let mut current = Current::<B> { weights: GradientsParams::new(), _backend: Default::default() };
        model.visit(&mut current);
        let mut blend = Blend { current: current.weights, decay };
        self.average = self.average.clone().map(&mut blend);
    }

    /// The averaged model.
    pub fn model(&self) -> &RouteNet<B::InnerBackend> {
        &self.average
    }

    /// Steps folded in so far.
    pub fn updates(&self) -> u64 {
        self.updates
    }
}

/// Collects a model's weights (without autodiff) by parameter id.
struct Current<B: AutodiffBackend> {
    weights: GradientsParams,
    _backend: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Current<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.weights.register::<B::InnerBackend, D>(param.id, param.val().inner());
    }
}

/// average ← decay · average + (1 − decay) · current, per parameter.
struct Blend {
    current: GradientsParams,
    decay: f64,
}

impl<B: Backend> ModuleMapper<B> for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, average, mapper) = param.consume();
        let current =
            self.current.remove::<B, D>(id).expect("the average and the model have the same parameters");
        let blended = average.mul_scalar(self.decay) + current.mul_scalar(1.0 - self.decay);
        Param::from_mapped_value(id, blended, mapper)
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};

    use super::*;
    use crate::model::RouteNetConfig;

    type AD = Autodiff<Flex>;

    /// Every weight of a model, in visiting order.
    fn weights<B: Backend>(model: &RouteNet<B>) -> Vec<f32> {
        struct Collect(Vec<f32>);
        impl<B: Backend> ModuleVisitor<B> for Collect {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
                self.0.extend(param.val().into_data().convert::<f32>().to_vec::<f32>().unwrap());
            }
        }
        let mut c = Collect(Vec::new());
        model.visit(&mut c);
        c.0
    }

    /// Adds one to every weight, keeping the parameter ids (as an optimizer step does).
    struct AddOne;
    impl ModuleMapper<AD> for AddOne {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<AD, D>>) -> Param<Tensor<AD, D>> {
            param.map(|t| t.add_scalar(1.0))
        }
    }

    #[test]
    fn the_average_blends_old_and_new_weights_with_the_ramped_decay() {
        let start = RouteNetConfig::default().init::<AD>(&Default::default());
        let moved = start.clone().map(&mut AddOne);
        let mut average = WeightAverage::new(&start, 0.2);
        let shift = |average: &WeightAverage<AD>| -> Vec<f32> {
            weights(average.model()).iter().zip(weights(&start)).map(|(a, s)| a - s).collect()
        };
        // Step 1: decay min(0.2, 2/11) = 2/11, so the average moves 9/11 of the way.
        average.update(&moved);
        assert!(shift(&average).iter().all(|d| (d - 9.0 / 11.0).abs() < 1e-5));
        // Step 2: decay min(0.2, 3/12) = 0.2: 0.2 · 9/11 + 0.8 · 1.
        average.update(&moved);
        let expected = 0.2 * 9.0 / 11.0 + 0.8;
        assert!(shift(&average).iter().all(|d| (d - expected).abs() < 1e-5));
        assert_eq!(average.updates(), 2);
    }
}
