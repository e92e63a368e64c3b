//! The training loop: data-parallel replicas, Adam or LAMB, L2 on the readout, evaluation and
//! checkpoints every K steps.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use burn::{Dispatch, DispatchDevice};
use crossbeam_channel::{Receiver, Sender, unbounded};
use serde::{Deserialize, Serialize};

use super::average::WeightAverage;
use super::collective::{Collective, SingleProcess};
use super::devices::Devices;
pub use super::error::TrainError;
use super::lamb::{Lamb, LambConfig};
use super::metrics::{EvalMetrics, Metrics, MetricsAccumulator};
use super::parallel::{DataParallel, StepOptions, inner_device};
use crate::data::loader::split_shards;
use crate::data::shard::ShardError;
use crate::data::{Dataset, Loader, LoaderConfig, Split};
use crate::model::checkpoint::{self, AVERAGE_FILE, CheckpointError, MODEL_FILE, OPTIMIZER_FILE};
use crate::model::{Checkpoint, GraphInputs, GraphLayout, RouteNet, RouteNetConfig, TrainingRanges, dropout};

/// Everything a training run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub data: Vec<PathBuf>,
    pub out: PathBuf,
    /// Train until this global step.
    pub steps: u64,
    /// Samples per batch (joined into one graph).
    pub batch_samples: usize,
    pub eval_every: u64,
    pub seed: u64,
    pub learning_rate: f64,
    /// Weight of the squared readout weights in the loss.
    pub l2: f64,
    /// Fraction of each directory's shards held out for validation.
    pub validation_fraction: f64,
    pub model: RouteNetConfig,
    /// Continue from the newest checkpoint in `out` if there is one.
    pub resume: bool,
    /// Replicas for synchronous data-parallel training.
    pub devices: Devices,
    pub optimizer: OptimizerKind,
    /// Linear learning-rate warm-up over this many steps (0: none).
    pub warmup_steps: u64,
    /// Cosine decay of the learning rate to a tenth of it at `steps`.
    pub decay: bool,
    /// Scale gradients down to this global L2 norm when above it.
    pub clip_norm: Option<f64>,
    /// Keep a moving average of the weights with this decay per step (Polyak averaging), and
    /// evaluate and checkpoint it for prediction.
    #[serde(default)]
    pub average_decay: Option<f64>,
    /// Train together with the other processes of an MPI job (`None`: this process alone).
    #[serde(default)]
    pub distributed: Option<Distributed>,
}

/// How processes train together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Distributed {
    /// The processes `mpirun` (or `srun`) started, over MPI (the `mpi` feature).
    Mpi,
    /// One GPU per process (`--devices cuda:local`), the sums on the GPUs over NCCL; MPI starts
    /// the job (the `mpi` and `cuda` features).
    Nccl,
}

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    #[default]
    Adam,
    /// Layer-wise adaptive moments (one trust ratio per parameter tensor).
    Lamb,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            data: Vec::new(),
            out: PathBuf::from("runs/latest"),
            steps: 2000,
            batch_samples: 8,
            eval_every: 200,
            seed: 1,
            learning_rate: 1e-3,
            l2: 1e-5,
            validation_fraction: 0.2,
            model: RouteNetConfig::default(),
            resume: false,
            devices: Devices::default(),
            optimizer: OptimizerKind::Adam,
            warmup_steps: 0,
            decay: false,
            clip_norm: None,
            average_decay: None,
            distributed: None,
        }
    }
}

/// What the training thread reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainEvent {
    Started {
        step: u64,
        steps: u64,
        train_shards: usize,
        validation_shards: usize,
    },
    Step {
        step: u64,
        loss: f64,
        /// Training throughput: samples over `training_s`.
        samples_per_s: f64,
        /// Wall time since the run (or its resumption) started.
        elapsed_s: f64,
        /// `elapsed_s` less the time spent saving checkpoints and evaluating.
        training_s: f64,
    },
    /// Validation metrics, and the same metrics on the first training shard (`train`: how well the
    /// model fits what it learns from, for train-vs-validation curves).
    Eval {
        step: u64,
        metrics: EvalMetrics,
        train: Metrics,
    },
    Checkpoint {
        step: u64,
        dir: PathBuf,
    },
    /// Something the user should know that does not stop the run.
    Warning {
        message: String,
    },
    /// The batch's loss or gradients were not finite, so its update was skipped and the weights
    /// stayed as they were.
    Skipped {
        step: u64,
        loss: f64,
        gradient_norm: f64,
    },
    Finished {
        step: u64,
        stopped: bool,
    },
}

/// A training run on its own thread.
pub struct TrainHandle {
    pub events: Receiver<TrainEvent>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<(), TrainError>>,
}

impl TrainHandle {
    /// Asks the run to stop after the current step (it saves a checkpoint first).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// A flag that stops the run when raised, for use from another thread (a Ctrl-C handler).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Waits for the run to end.
    pub fn join(self) -> Result<(), TrainError> {
        self.thread.join().unwrap_or_else(|_| Err(TrainError::Config("the training thread panicked".into())))
    }
}

/// Starts training on the default device in a worker thread.
pub fn spawn(config: TrainConfig) -> TrainHandle {
    let (tx, events) = unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("pathcast-train".into())
        .spawn(move || train_on_devices(&config, &tx, &flag))
        .expect("spawn the training thread");
    TrainHandle { events, stop, thread }
}

/// Trains on `config.devices` through burn's [`Dispatch`] backend: one build of the training code
/// serves flex, wgpu and CUDA, and the device list picks between them at run time.
pub fn train_on_devices(
    config: &TrainConfig,
    events: &Sender<TrainEvent>,
    stop: &AtomicBool,
) -> Result<(), TrainError> {
    let devices = config.devices.dispatch_devices()?;
    match config.distributed {
        None => train(config, &devices, events, stop),
        #[cfg(feature = "mpi")]
        Some(Distributed::Mpi) => {
            train_across(config, &devices, events, stop, &super::collective::Mpi::join()?)
        }
        #[cfg(not(feature = "mpi"))]
        Some(Distributed::Mpi) => {
            Err(TrainError::Config("this build has no MPI: rebuild pathcast with `--features mpi`".into()))
        }
        #[cfg(all(feature = "mpi", feature = "cuda"))]
        Some(Distributed::Nccl) => {
            let Devices::Cuda(gpus) = &config.devices else {
                return Err(TrainError::Config("NCCL needs CUDA devices: --devices cuda:local".into()));
            };
            let [gpu] = gpus[..] else {
                return Err(TrainError::Config(
                    "NCCL takes one GPU per process: --devices cuda:local".into(),
                ));
            };
            train_across(config, &devices, events, stop, &super::collective::Nccl::join(gpu)?)
        }
        #[cfg(not(all(feature = "mpi", feature = "cuda")))]
        Some(Distributed::Nccl) => Err(TrainError::Config(
            "this build has no NCCL: rebuild pathcast with `--features mpi,cuda`".into(),
        )),
    }
}

/// The learning rate at a step: linear warm-up, then optional cosine decay to a tenth.
pub fn learning_rate(config: &TrainConfig, step: u64) -> f64 {
    let base = config.learning_rate;
    if step < config.warmup_steps {
        return base * (step + 1) as f64 / config.warmup_steps as f64;
    }
    if !config.decay || config.steps <= config.warmup_steps {
        return base;
    }
    let progress = (step - config.warmup_steps) as f64 / (config.steps - config.warmup_steps) as f64;
    base * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * progress.min(1.0)).cos()))
}

/// Runs training to `config.steps` with one replica per autodiff [`Dispatch`] device (the first
/// is the main device), reporting over `events`.
pub fn train(
    config: &TrainConfig,
    devices: &[DispatchDevice],
    events: &Sender<TrainEvent>,
    stop: &AtomicBool,
) -> Result<(), TrainError> {
    train_across(config, devices, events, stop, &SingleProcess)
}

/// [`train`] as one process of `collective`: every process reads the same batches and computes
/// its devices' share of each; the gradients are summed across processes in rank order, so N
/// processes make the same steps as one with all their devices. Rank 0 alone reports, evaluates
/// and checkpoints; a stop asked of any process stops them all at the same step.
pub fn train_across(
    config: &TrainConfig,
    devices: &[DispatchDevice],
    events: &Sender<TrainEvent>,
    stop: &AtomicBool,
    collective: &dyn Collective,
) -> Result<(), TrainError> {
    let lead = collective.rank() == 0;
    let report = |event: TrainEvent| {
        if lead {
            let _ = events.send(event);
        }
    };
    if config.batch_samples == 0 || config.eval_every == 0 {
        return Err(TrainError::Config("batch size and evaluation interval must be at least 1".into()));
    }
    if config.average_decay.is_some_and(|d| !(0.0..1.0).contains(&d)) {
        return Err(TrainError::Config("the weight-average decay must be in [0, 1)".into()));
    }
    let device = devices.first().ok_or_else(|| TrainError::Config("no devices to train on".into()))?;
    let inner = inner_device::<Dispatch>(device);
    let parallel = DataParallel::<Dispatch> { devices: devices.to_vec() };
    let datasets = config.data.iter().map(|d| Dataset::open(d)).collect::<Result<Vec<_>, _>>()?;
    let train_shards = split_shards(&datasets, Split::Train, config.validation_fraction);
    let val_shards = split_shards(&datasets, Split::Validation, config.validation_fraction);
    if train_shards.is_empty() {
        return Err(TrainError::Config("no training shards in the given datasets".into()));
    }
    let eval_shards = EvalShards { validation: val_shards, train_probe: train_shards[..1].to_vec() };
    Dispatch::seed(device, config.seed);

    let resumed = if config.resume { resume_state(config, &report, device, &inner)? } else { None };
    let TrainState { mut model, mut optimizer, ranges, mut step, mut average } = match resumed {
        Some(state) => state,
        None => {
            let model = config.model.init::<Dispatch>(device);
            TrainState {
                average: config.average_decay.map(|decay| WeightAverage::new(&model, decay)),
                model,
                optimizer: Optim::new(config.optimizer),
                ranges: training_ranges(&train_shards)?,
                step: 0,
            }
        }
    };
    report(TrainEvent::Started {
        step,
        steps: config.steps,
        train_shards: train_shards.len(),
        validation_shards: eval_shards.validation.len(),
    });

    let loader_config =
        LoaderConfig { batch_samples: config.batch_samples, seed: config.seed, ..LoaderConfig::default() };
    let started = Instant::now();
    let mut samples = 0usize;
    let mut paused_s = 0.0;
    let mut epoch = 0;
    let mut stopped = false;
    // A resumed run replays the loader's deterministic batch order up to where it stopped, so it
    // continues exactly as if it had never been interrupted.
    let mut batches_done = step;
    let mut skipped_in_a_row = 0;
    'epochs: while step < config.steps {
        let mut any = false;
        for batch in Loader::new(train_shards.clone(), &loader_config, epoch) {
            if step >= config.steps {
                break 'epochs;
            }
            let batch = batch?;
            any = true;
            if batches_done > 0 {
                batches_done -= 1;
                continue;
            }
            let options = StepOptions {
                l2: config.l2,
                clip: config.clip_norm,
                dropout_key: Some(dropout::step_key(config.seed, step)),
            };
            // The stop wish travels with the gradients, so every process stops at the same step.
            let wish = stop.load(Ordering::Relaxed);
            let (grads, stopping) = parallel.gradients_across(&model, &batch, options, collective, wish)?;
            if stopping {
                stopped = true;
                break 'epochs;
            }
            let loss_value = grads.loss;
            if loss_value.is_finite() && grads.norm.is_finite() {
                model = optimizer.step(learning_rate(config, step), model, grads.grads);
                if let Some(average) = &mut average {
                    average.update(&model);
                }
                skipped_in_a_row = 0;
            } else {
                skipped_in_a_row += 1;
                report(TrainEvent::Skipped { step, loss: loss_value, gradient_norm: grads.norm });
                if skipped_in_a_row >= MAX_SKIPPED_IN_A_ROW {
                    return Err(TrainError::Diverged { step, batches: skipped_in_a_row });
                }
            }
            step += 1;
            samples += batch.samples;
            let elapsed_s = started.elapsed().as_secs_f64();
            let training_s = elapsed_s - paused_s;
            report(TrainEvent::Step {
                step,
                loss: loss_value,
                samples_per_s: samples as f64 / training_s,
                elapsed_s,
                training_s,
            });
            if lead && step % config.eval_every == 0 {
                let pause = Instant::now();
                let state = Snapshot {
                    model: &model,
                    optimizer: &optimizer,
                    average: average.as_ref(),
                    ranges: &ranges,
                };
                checkpoint_and_eval(config, &inner, state, step, &eval_shards, events)?;
                paused_s += pause.elapsed().as_secs_f64();
            }
        }
        if !any {
            return Err(TrainError::Config("the training shards hold no usable samples".into()));
        }
        epoch += 1;
    }
    if lead && step % config.eval_every != 0 {
        let state =
            Snapshot { model: &model, optimizer: &optimizer, average: average.as_ref(), ranges: &ranges };
        checkpoint_and_eval(config, &inner, state, step, &eval_shards, events)?;
    }
    report(TrainEvent::Finished { step, stopped });
    Ok(())
}

/// Consecutive batches with non-finite gradients after which a run stops as diverged.
const MAX_SKIPPED_IN_A_ROW: usize = 10;

/// The optimizer chosen at run time, with its state.
enum Optim<B: AutodiffBackend> {
    Adam(OptimizerAdaptor<burn::optim::Adam, RouteNet<B>, B>),
    Lamb(OptimizerAdaptor<Lamb, RouteNet<B>, B>),
}

impl<B: AutodiffBackend> Optim<B> {
    fn new(kind: OptimizerKind) -> Self {
        match kind {
            OptimizerKind::Adam => Optim::Adam(AdamConfig::new().init()),
            OptimizerKind::Lamb => Optim::Lamb(LambConfig::default().init()),
        }
    }

    fn step(&mut self, lr: f64, model: RouteNet<B>, grads: GradientsParams) -> RouteNet<B> {
        match self {
            Optim::Adam(o) => o.step(lr, model, grads),
            Optim::Lamb(o) => o.step(lr, model, grads),
        }
    }

    fn encode(&self) -> Vec<u8> {
        match self {
            Optim::Adam(o) => checkpoint::encode::<B, _>(o.to_record()),
            Optim::Lamb(o) => checkpoint::encode::<B, _>(o.to_record()),
        }
    }

    fn load(self, bytes: Vec<u8>, device: &B::Device, path: &Path) -> Result<Self, CheckpointError> {
        Ok(match self {
            Optim::Adam(o) => Optim::Adam(o.load_record(checkpoint::decode::<B, _>(bytes, device, path)?)),
            Optim::Lamb(o) => Optim::Lamb(o.load_record(checkpoint::decode::<B, _>(bytes, device, path)?)),
        })
    }
}

/// Everything that continues from one step to the next.
struct TrainState<B: AutodiffBackend> {
    model: RouteNet<B>,
    optimizer: Optim<B>,
    ranges: TrainingRanges,
    step: u64,
    average: Option<WeightAverage<B>>,
}

/// What a checkpoint saves, borrowed from the training state.
struct Snapshot<'a, B: AutodiffBackend> {
    model: &'a RouteNet<B>,
    optimizer: &'a Optim<B>,
    average: Option<&'a WeightAverage<B>>,
    ranges: &'a TrainingRanges,
}

/// The run's newest checkpoint: the model on the autodiff `device`, the optimizer state on its
/// `inner` device, where the optimizer meets the gradients.
fn resume_state(
    config: &TrainConfig,
    report: &dyn Fn(TrainEvent),
    device: &DispatchDevice,
    inner: &DispatchDevice,
) -> Result<Option<TrainState<Dispatch>>, TrainError> {
    let (dir, meta, passed_over) = match checkpoint::latest_intact(&config.out) {
        Ok(found) => found,
        Err(CheckpointError::Missing(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if let Some(damage) = passed_over {
        report(TrainEvent::Warning {
            message: format!("{damage}; resuming from {}, step {}", dir.display(), meta.step),
        });
    }
    if meta.config != config.model {
        return Err(TrainError::Config(format!(
            "{}: the checkpoint's model sizes differ from the requested ones",
            dir.display()
        )));
    }
    if meta.optimizer["name"] != serde_json::json!(config.optimizer) {
        return Err(TrainError::Config(format!(
            "{}: the checkpoint was trained with {}",
            dir.display(),
            meta.optimizer["name"]
        )));
    }
    let model = checkpoint::load_weights::<Dispatch>(&dir, &meta, MODEL_FILE, device)?;
    let bytes = checkpoint::read_file(&dir, &meta, OPTIMIZER_FILE)?;
    let optimizer = Optim::new(config.optimizer).load(bytes, inner, &dir.join(OPTIMIZER_FILE))?;
    // An average saved with the checkpoint continues; one asked for only now starts here.
    let average = config.average_decay.map(|decay| {
        if meta.files.contains_key(AVERAGE_FILE) {
            checkpoint::load_weights::<Dispatch>(&dir, &meta, AVERAGE_FILE, inner)
                .map(|saved| WeightAverage::resume(saved, decay, meta.step))
        } else {
            Ok(WeightAverage::new(&model, decay))
        }
    });
    let average = average.transpose()?;
    Ok(Some(TrainState { model, optimizer, ranges: meta.ranges, step: meta.step, average }))
}

/// The range of every input over all the training samples.
fn training_ranges(train_shards: &[PathBuf]) -> Result<TrainingRanges, TrainError> {
    let config = LoaderConfig { batch_samples: 64, shuffle: false, ..LoaderConfig::default() };
    let mut ranges = TrainingRanges::default();
    for batch in Loader::new(train_shards.to_vec(), &config, 0) {
        ranges.observe(&batch?);
    }
    Ok(ranges)
}

/// The shards evaluated at each checkpoint.
struct EvalShards {
    validation: Vec<PathBuf>,
    /// One training shard, measured like the validation set.
    train_probe: Vec<PathBuf>,
}

/// Saves a checkpoint and evaluates the weights that prediction will use (the average if kept).
fn checkpoint_and_eval<B: AutodiffBackend>(
    config: &TrainConfig,
    inner: &burn::tensor::Device<B::InnerBackend>,
    state: Snapshot<B>,
    step: u64,
    shards: &EvalShards,
    events: &Sender<TrainEvent>,
) -> Result<(), TrainError> {
    let Snapshot { model, optimizer, average, ranges } = state;
    let meta = Checkpoint {
        format: checkpoint::FORMAT.to_owned(),
        step,
        config: config.model,
        ranges: ranges.clone(),
        optimizer: serde_json::json!({"name": config.optimizer, "learning_rate": config.learning_rate}),
        training: serde_json::to_value(config).expect("config serialises"),
        files: Default::default(),
    };
    let mut files = vec![
        (MODEL_FILE, checkpoint::encode::<B, _>(model.clone().into_record())),
        (OPTIMIZER_FILE, optimizer.encode()),
    ];
    if let Some(average) = average {
        let record = average.model().clone().into_record();
        files.push((AVERAGE_FILE, checkpoint::encode::<B::InnerBackend, _>(record)));
    }
    let dir = checkpoint::save(&config.out, &meta, &files)?;
    let _ = events.send(TrainEvent::Checkpoint { step, dir });
    if !shards.validation.is_empty() {
        let valid = average.map_or_else(|| model.valid(), |a| a.model().clone());
        let metrics = evaluate(&valid, &shards.validation, config.batch_samples, inner)?;
        let train = evaluate(&valid, &shards.train_probe, config.batch_samples, inner)?.overall;
        let _ = events.send(TrainEvent::Eval { step, metrics, train });
    }
    Ok(())
}

/// Evaluates a model (no autodiff) on shards.
pub fn evaluate<B: Backend>(
    model: &RouteNet<B>,
    shards: &[PathBuf],
    batch_samples: usize,
    device: &B::Device,
) -> Result<EvalMetrics, ShardError> {
    let started = Instant::now();
    let config =
        LoaderConfig { batch_samples: batch_samples.max(1), shuffle: false, ..LoaderConfig::default() };
    let mut overall = MetricsAccumulator::default();
    let mut per_topology = std::collections::BTreeMap::<String, MetricsAccumulator>::new();
    for batch in Loader::new(shards.to_vec(), &config, 0) {
        let batch = batch?;
        let layout = GraphLayout::new(&batch);
        let outputs = run(model, &layout, device);
        for (position, &p) in layout.order.iter().enumerate() {
            let (pred_log, target_log) =
                (f64::from(outputs[3 * position]), f64::from(layout.targets[3 * position]));
            let pred =
                layout.path_transmission_s[position] * pred_log.exp() + layout.path_propagation_s[position];
            let truth = f64::from(batch.delay_s[p]);
            if !(truth.is_finite() && target_log.is_finite()) {
                continue;
            }
            let topology = &batch.topologies[batch.path_sample[p] as usize];
            overall.add(pred_log, target_log, pred, truth);
            per_topology.entry(topology.clone()).or_default().add(pred_log, target_log, pred, truth);
        }
    }
    Ok(EvalMetrics {
        overall: overall.finish(),
        per_topology: per_topology.into_iter().map(|(k, v)| (k, v.finish())).collect(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A model's outputs `[paths × 3]` (sorted order) on a laid-out batch.
fn run<B: Backend>(model: &RouteNet<B>, layout: &GraphLayout, device: &B::Device) -> Vec<f32> {
    let inputs = GraphInputs::<B>::from_layout(layout, device);
    model.forward(&inputs).into_data().convert::<f32>().into_vec().expect("f32 outputs")
}
