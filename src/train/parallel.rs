//! Synchronous data parallelism: one model replica per device, each on its own thread, gradients
//! summed exactly in a fixed replica order on the main device, then (across processes) in rank
//! order, then one optimizer step.

use burn::module::{ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use super::collective::{Collective, SingleProcess};
use super::error::TrainError;
use super::objective::training_loss;
use crate::data::GraphBatch;
use crate::model::{GraphInputs, GraphLayout, RouteNet, dropout};

/// The devices a step runs on; the first is the main device that holds the model and optimizer.
#[derive(Debug, Clone)]
pub struct DataParallel<B: AutodiffBackend> {
    pub devices: Vec<B::Device>,
}

/// What one step's gradients depend on besides the model and the batch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepOptions {
    /// Weight of the L2 penalty on the readout.
    pub l2: f64,
    /// Scale gradients down to this global L2 norm when above it.
    pub clip: Option<f64>,
    /// The step's dropout key ([`dropout::step_key`]); `None`: no dropout.
    pub dropout_key: Option<u64>,
}

/// The averaged gradients of one global batch.
pub struct StepGradients {
    pub grads: GradientsParams,
    /// The merged-batch loss (share-weighted sum of the replicas' losses).
    pub loss: f64,
    /// Global L2 norm of the gradients before clipping.
    pub norm: f64,
}

impl<B: AutodiffBackend> DataParallel<B> {
    /// Gradients of the whole batch: shards balanced by path count, one per device, each replica's
    /// loss weighted by its share of the batch's paths so that the sum equals the merged-batch
    /// gradient. Each path's dropout mask is keyed by its place in the whole batch, so the split
    /// does not change it either.
    pub fn gradients(
        &self,
        model: &RouteNet<B>,
        batch: &GraphBatch,
        options: StepOptions,
    ) -> Result<StepGradients, TrainError> {
        Ok(self.gradients_across(model, batch, options, &SingleProcess, false)?.0)
    }

    /// [`Self::gradients`] over every process of `collective`: the batch is split into one shard
    /// per device of every process (the same split one process with all those devices makes),
    /// this process computes its devices' shards, and the sums meet across processes in rank
    /// order. `stop` is this process's wish to stop; the second value says whether any process
    /// wished it, so that all stop at the same step.
    pub fn gradients_across(
        &self,
        model: &RouteNet<B>,
        batch: &GraphBatch,
        options: StepOptions,
        collective: &dyn Collective,
        stop: bool,
    ) -> Result<(StepGradients, bool), TrainError> {
        let StepOptions { l2, clip, dropout_key } = options;
        let local = self.devices.len();
        let groups = batch.balanced_groups(local * collective.size());
        let mine = collective.rank() * local..(collective.rank() + 1) * local;
        let total_paths = batch.n_paths() as f64;
        let jobs: Vec<(usize, GraphBatch, Option<Vec<u64>>)> = groups[mine.clone()]
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.is_empty())
            .map(|(i, g)| {
                let positions = g.iter().flat_map(|&s| {
                    batch.sample_path_offsets[s] as usize..batch.sample_path_offsets[s + 1] as usize
                });
                (i, batch.subset(g), dropout_key.map(|key| dropout::path_keys(key, positions)))
            })
            .collect();
        let results: Vec<Result<(GradientsParams, f64), TrainError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|(i, shard, keys)| {
                    let device = self.devices[*i].clone();
                    let replica = model.clone().fork(&device);
                    let share = shard.n_paths() as f64 / total_paths;
                    scope.spawn(move || {
                        let layout = GraphLayout::new(shard);
                        let inputs = GraphInputs::<B> {
                            dropout_keys: keys.as_ref().map(|k| layout.hop_dropout_keys(k)),
                            ..GraphInputs::from_layout(&layout, &device)
                        };
                        let loss = training_loss(&replica, &inputs, l2).mul_scalar(share);
                        let value: f64 = loss.clone().into_scalar().elem();
                        (GradientsParams::from_grads(loss.backward(), &replica), value)
                    })
                })
                .collect();
            handles
                .into_iter()
                .zip(&jobs)
                .map(|(h, (i, _, _))| {
                    h.join().map_err(|_| TrainError::Worker(format!("replica {i} failed during its step")))
                })
                .collect()
        });
        let mut replicas = Vec::with_capacity(results.len());
        let mut loss = 0.0;
        for r in results {
            let (grads, value) = r?;
            replicas.push(grads);
            loss += value;
        }
        let mut sum = SumGradients::<B> {
            replicas,
            out: GradientsParams::new(),
            device: inner_device::<B>(&self.devices[0]),
            sq_norm: 0.0,
        };
        model.visit(&mut sum);
        let mut sq_norm = sum.sq_norm;
        let mut grads = sum.out;
        let mut stopping = stop;
        if collective.size() > 1 {
            // Every parameter's gradient, then the loss and the stop wish, in one sum.
            let mut flat =
                Flatten::<B> { grads, values: Vec::new(), shapes: Vec::new(), _backend: Default::default() };
            model.visit(&mut flat);
            let Flatten { mut values, shapes, .. } = flat;
            let n = values.len();
            values.extend([loss, f64::from(u8::from(stop))]);
            collective.sum(&mut values)?;
            (loss, stopping) = (values[n], values[n + 1] > 0.0);
            values.truncate(n);
            sq_norm = values.iter().map(|v| v * v).sum();
            let mut unflat = Unflatten::<B> {
                values,
                shapes,
                param: 0,
                next: 0,
                out: GradientsParams::new(),
                device: inner_device::<B>(&self.devices[0]),
            };
            model.visit(&mut unflat);
            grads = unflat.out;
        }
        let global_norm = sq_norm.sqrt();
        if let Some(max) = clip.filter(|&max| global_norm > max) {
            let mut scale =
                ScaleGradients::<B> { grads, factor: max / global_norm, _backend: Default::default() };
            model.visit(&mut scale);
            grads = scale.grads;
        }
        Ok((StepGradients { grads, loss, norm: global_norm }, stopping))
    }
}

/// The device of `B`'s inner (non-autodiff) backend under the autodiff `device`: the same value
/// for `Autodiff<Flex>`, the unwrapped device for [`burn::Dispatch`].
pub fn inner_device<B: AutodiffBackend>(device: &B::Device) -> burn::tensor::Device<B::InnerBackend> {
    Tensor::<B, 1>::zeros([1], device).inner().device()
}

/// Sums each parameter's gradient over the replicas, in replica order, on the main device.
struct SumGradients<B: AutodiffBackend> {
    replicas: Vec<GradientsParams>,
    out: GradientsParams,
    /// The main device of the inner backend, where gradients live.
    device: burn::tensor::Device<B::InnerBackend>,
    sq_norm: f64,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for SumGradients<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let mut total: Option<Tensor<B::InnerBackend, D>> = None;
        for replica in &mut self.replicas {
            if let Some(g) = replica.remove::<B::InnerBackend, D>(param.id) {
                let g = g.to_device(&self.device);
                total = Some(match total {
                    Some(t) => t + g,
                    None => g,
                });
            }
        }
        if let Some(t) = total {
            self.sq_norm += t.clone().powf_scalar(2.0).sum().into_scalar().elem::<f64>();
            self.out.register::<B::InnerBackend, D>(param.id, t);
        }
    }
}

/// Takes every parameter's gradient out, in the model's visiting order, as one flat list.
struct Flatten<B: AutodiffBackend> {
    grads: GradientsParams,
    values: Vec<f64>,
    /// Each parameter's shape; empty for a parameter with no gradient.
    shapes: Vec<Vec<usize>>,
    _backend: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Flatten<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        match self.grads.remove::<B::InnerBackend, D>(param.id) {
            Some(g) => {
                self.shapes.push(g.dims().to_vec());
                let data = g.into_data().convert::<f64>();
                self.values.extend(data.as_slice::<f64>().expect("f64 gradients"));
            }
            None => self.shapes.push(Vec::new()),
        }
    }
}

/// Puts a flat list of gradients back, parameter by parameter, as [`Flatten`] took them out.
struct Unflatten<B: AutodiffBackend> {
    values: Vec<f64>,
    shapes: Vec<Vec<usize>>,
    /// The next parameter's index, and its first value's.
    param: usize,
    next: usize,
    out: GradientsParams,
    device: burn::tensor::Device<B::InnerBackend>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Unflatten<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let shape = std::mem::take(&mut self.shapes[self.param]);
        self.param += 1;
        if shape.is_empty() {
            return;
        }
        let len: usize = shape.iter().product();
        let values: Vec<f32> = self.values[self.next..self.next + len].iter().map(|&v| v as f32).collect();
        self.next += len;
        let data = TensorData::new(values, shape);
        self.out.register::<B::InnerBackend, D>(param.id, Tensor::from_data(data, &self.device));
    }
}

/// Multiplies every gradient by a factor (global-norm clipping).
struct ScaleGradients<B: AutodiffBackend> {
    grads: GradientsParams,
    factor: f64,
    _backend: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for ScaleGradients<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(g) = self.grads.remove::<B::InnerBackend, D>(param.id) {
            self.grads.register::<B::InnerBackend, D>(param.id, g.mul_scalar(self.factor));
        }
    }
}
