//! What training minimises.

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use crate::model::{GraphInputs, RouteNet};

/// Weights of the three targets in the loss: log delay ratio, log jitter ratio, loss ratio.
const TARGET_WEIGHTS: [f32; 3] = [1.0, 0.05, 1.0];

/// Weighted MSE over the labelled targets (the log delay ratio counts most; a squared error in
/// it is about a squared relative error of the delay) plus L2 on the readout.
pub fn training_loss<B: AutodiffBackend>(
    model: &RouteNet<B>,
    inputs: &GraphInputs<B>,
    l2: f64,
) -> Tensor<B, 1> {
    let device = inputs.targets.device();
    let weights = Tensor::<B, 2>::from_data(TensorData::new(TARGET_WEIGHTS.to_vec(), [1, 3]), &device);
    let err = (model.forward(inputs) - inputs.targets.clone()) * inputs.labelled.clone();
    let mse = (err.powf_scalar(2.0) * weights).sum_dim(1).mean();
    mse + model.readout_l2() * l2
}
