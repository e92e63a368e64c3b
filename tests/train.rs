//! Training runs end to end through `burn::Dispatch`: one seed gives one run, and a resumed run
//! ends exactly where an uninterrupted one does.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use burn::backend::Flex;
use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::Tensor;
use crossbeam_channel::unbounded;
use pathcast::model::checkpoint::{self, AVERAGE_FILE, MODEL_FILE};
use pathcast::train::devices::Devices;
use pathcast::train::trainer::{OptimizerKind, TrainError, train_on_devices};
use pathcast::train::{TrainConfig, TrainEvent};

/// The framework configuration: two replicas, LAMB, warm-up, decay, clipping, dropout, and a
/// moving average of the weights.
fn config(data: &Path, out: &Path, steps: u64) -> TrainConfig {
    TrainConfig {
        data: vec![data.to_owned()],
        out: out.to_owned(),
        steps,
        batch_samples: 3,
        eval_every: 3,
        devices: Devices::Cpu(2),
        optimizer: OptimizerKind::Lamb,
        learning_rate: 1e-2,
        warmup_steps: 2,
        decay: true,
        clip_norm: Some(1.0),
        average_decay: Some(0.9),
        ..TrainConfig::default()
    }
}

/// Trains and returns the losses of every step.
fn run(config: &TrainConfig) -> Vec<f64> {
    let (tx, rx) = unbounded();
    train_on_devices(config, &tx, &AtomicBool::new(false)).unwrap();
    drop(tx);
    rx.iter()
        .filter_map(|e| match e {
            TrainEvent::Step { loss, .. } => Some(loss),
            _ => None,
        })
        .collect()
}

/// Every parameter of a weights file of the run's newest checkpoint, in visiting order.
fn parameters(run_dir: &Path, file: &str) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl ModuleVisitor<Flex> for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<Flex, D>>) {
            self.0.extend(param.val().into_data().to_vec::<f32>().unwrap());
        }
    }
    let (dir, meta) = checkpoint::latest(run_dir).unwrap();
    let model = checkpoint::load_weights::<Flex>(&dir, &meta, file, &Default::default()).unwrap();
    let mut c = Collect(Vec::new());
    model.visit(&mut c);
    c.0
}

#[test]
fn one_seed_gives_one_run_and_a_resumed_run_ends_where_an_uninterrupted_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::small_gbn_dataset(&data, 10, 40);
    let (first, second, resumed) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));

    let losses = run(&config(&data, &first, 6));
    assert_eq!(losses.len(), 6);
    assert_eq!(run(&config(&data, &second, 6)), losses, "the same seed repeats every step");
    for file in [MODEL_FILE, AVERAGE_FILE] {
        assert_eq!(parameters(&second, file), parameters(&first, file), "{file}");
    }
    assert_ne!(parameters(&first, AVERAGE_FILE), parameters(&first, MODEL_FILE));

    let head = run(&config(&data, &resumed, 3));
    let tail = run(&TrainConfig { resume: true, ..config(&data, &resumed, 6) });
    assert_eq!([head, tail].concat(), losses, "the resumed run sees the same batches and masks");
    for file in [MODEL_FILE, AVERAGE_FILE] {
        assert_eq!(parameters(&resumed, file), parameters(&first, file), "the same {file}");
    }

    let other_seed = run(&TrainConfig { seed: 2, ..config(&data, &dir.path().join("d"), 6) });
    assert_ne!(other_seed, losses);
}

#[test]
fn a_run_whose_gradients_stop_being_finite_skips_those_steps_then_stops_as_diverged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::small_gbn_dataset(&data, 10, 40);
    let config = TrainConfig {
        optimizer: OptimizerKind::Adam,
        learning_rate: 1e35,
        warmup_steps: 0,
        decay: false,
        clip_norm: None,
        average_decay: None,
        eval_every: 100,
        ..config(&data, &dir.path().join("run"), 60)
    };
    let (tx, rx) = unbounded();
    let result = train_on_devices(&config, &tx, &AtomicBool::new(false));
    drop(tx);
    let skipped: Vec<u64> = rx
        .iter()
        .filter_map(|e| match e {
            TrainEvent::Skipped { step, loss, gradient_norm } => {
                assert!(!(loss.is_finite() && gradient_norm.is_finite()), "step {step} skipped");
                Some(step)
            }
            _ => None,
        })
        .collect();
    let Err(TrainError::Diverged { step, batches }) = result else {
        panic!("expected divergence, got {result:?}");
    };
    assert_eq!(batches, 10);
    assert_eq!(skipped.len(), 10, "{skipped:?}");
    assert_eq!(*skipped.last().unwrap(), step);
    assert!(skipped.windows(2).all(|w| w[1] == w[0] + 1), "{skipped:?}");
}

#[test]
fn a_stopped_run_ends_after_the_step_in_progress_and_keeps_a_checkpoint_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::small_gbn_dataset(&data, 10, 40);
    let out = dir.path().join("run");
    let config = TrainConfig { eval_every: 100, ..config(&data, &out, 1000) };
    let handle = pathcast::train::trainer::spawn(config);
    let mut finished = None;
    for event in handle.events.iter() {
        match event {
            TrainEvent::Step { step: 2, .. } => handle.stop(),
            TrainEvent::Finished { step, stopped } => finished = Some((step, stopped)),
            _ => {}
        }
    }
    handle.join().unwrap();
    let (step, stopped) = finished.expect("a finished event");
    assert!(stopped && (2..1000).contains(&step), "stopped {stopped} at step {step}");
    let (_, meta) = checkpoint::latest(&out).unwrap();
    assert_eq!(meta.step, step, "the last step taken is saved");
}
