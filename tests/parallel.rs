//! Synchronous data parallelism: N replicas give the same training as one device on the merged batch.

use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::optim::{GradientsParams, Optimizer, SgdConfig};
use burn::prelude::Tensor;
use pathcast::data::{GraphBatch, Record};
use pathcast::model::dropout;
use pathcast::model::{GraphInputs, RouteNet, RouteNetConfig};
use pathcast::net::builtin;
use pathcast::sim::{GeneratorConfig, SampleGenerator};
use pathcast::train::parallel::{DataParallel, StepOptions};

type AD = Autodiff<Flex>;

fn batch(n: u64) -> GraphBatch {
    let g = SampleGenerator::new(
        "gbn",
        builtin::load("gbn").unwrap().topology,
        GeneratorConfig { packets_per_flow: 30, target_relative_se: None, ..GeneratorConfig::default() },
    );
    let records: Vec<Record> = (0..n).map(|i| Record::from_sample(&g.sample(i).unwrap())).collect();
    GraphBatch::from_records(&records)
}

fn outputs(model: &RouteNet<AD>, batch: &GraphBatch) -> Vec<f32> {
    let device = Default::default();
    let valid = model.valid();
    valid.forward(&GraphInputs::new(batch, &device)).into_data().to_vec().unwrap()
}

/// Every parameter value of a model, in visiting order.
fn parameters(model: &RouteNet<AD>) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl ModuleVisitor<AD> for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<AD, D>>) {
            self.0.extend(param.val().into_data().to_vec::<f32>().unwrap());
        }
    }
    let mut c = Collect(Vec::new());
    model.visit(&mut c);
    c.0
}

/// Every gradient value of a model's parameters, in visiting order.
fn gradient_values(model: &RouteNet<AD>, grads: &GradientsParams) -> Vec<f32> {
    struct Collect<'a>(&'a GradientsParams, Vec<f32>);
    impl ModuleVisitor<AD> for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<AD, D>>) {
            let g = self.0.get::<Flex, D>(param.id).expect("every parameter has a gradient");
            self.1.extend(g.into_data().to_vec::<f32>().unwrap());
        }
    }
    let mut c = Collect(grads, Vec::new());
    model.visit(&mut c);
    c.1
}

fn sgd_steps(workers: usize, model: RouteNet<AD>, batch: &GraphBatch) -> RouteNet<AD> {
    let parallel = DataParallel::<AD> { devices: vec![Default::default(); workers] };
    let mut model = model;
    let mut sgd = SgdConfig::new().init();
    for step in 0..3 {
        let options =
            StepOptions { l2: 1e-4, clip: Some(5.0), dropout_key: Some(dropout::step_key(1, step)) };
        let step = parallel.gradients(&model, batch, options).unwrap();
        model = sgd.step(0.05, model, step.grads);
    }
    model
}

/// With dropout: each path's mask is keyed by its place in the whole batch, so a split batch
/// drops the same units as the merged one.
#[test]
fn replicas_sum_to_the_merged_batch_gradient() {
    let batch = batch(5);
    let config = RouteNetConfig { dropout: 0.2, ..RouteNetConfig::default() };
    <AD as burn::prelude::Backend>::seed(&Default::default(), 7);
    // A few steps first: the readout's head starts at zero, where dropout changes nothing.
    let model = sgd_steps(1, config.init::<AD>(&Default::default()), &batch);
    let options = StepOptions { l2: 1e-4, clip: None, dropout_key: Some(dropout::step_key(3, 0)) };
    let single = DataParallel::<AD> { devices: vec![Default::default()] };
    let reference = single.gradients(&model, &batch, options).unwrap();
    let undropped = single.gradients(&model, &batch, StepOptions { dropout_key: None, ..options }).unwrap();
    // The head is still small after three steps, so dropout moves the loss only a little; the
    // same step without dropout on one device shows that it moves it at all.
    assert!((undropped.loss - reference.loss).abs() > 1e-6 * reference.loss, "dropout changes the loss");
    let expected = gradient_values(&model, &reference.grads);
    let scale = expected.iter().fold(0f32, |m, g| m.max(g.abs()));
    for workers in [2, 3] {
        let split = DataParallel::<AD> { devices: vec![Default::default(); workers] };
        let got = split.gradients(&model, &batch, options).unwrap();
        // f32 means over ~4000 terms differ by ~1e-6 between summation orders (measured over seeds);
        // a mis-weighted shard would be off by whole percents.
        assert!(
            (got.loss - reference.loss).abs() < 1e-5 * reference.loss.abs(),
            "{} vs {}",
            got.loss,
            reference.loss
        );
        let values = gradient_values(&model, &got.grads);
        let worst = expected.iter().zip(&values).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(worst <= 1e-5 * scale, "{workers} workers: gradients differ by {worst} (scale {scale})");
    }
}

/// Adam and LAMB divide each update by √v + ε, which turns the rounding noise of gradients that
/// cancel to ~0 into visible steps, so their parameters after N-worker and 1-worker steps differ
/// by more than rounding; SGD is linear in the gradient and shows that the steps themselves agree.
#[test]
fn n_replicas_train_like_one_device_on_the_merged_batch() {
    let batch = batch(5);
    let config = RouteNetConfig::default();
    let device = Default::default();
    <AD as burn::prelude::Backend>::seed(&device, 8);
    let initial = config.init::<AD>(&device);
    let before = outputs(&initial, &batch);

    let single = sgd_steps(1, initial.clone(), &batch);
    let after = outputs(&single, &batch);
    assert!(after.iter().zip(&before).any(|(a, b)| (a - b).abs() > 1e-3), "training moved the model");
    let single = parameters(&single);
    for workers in [2, 3] {
        let parallel = parameters(&sgd_steps(workers, initial.clone(), &batch));
        let worst = single.iter().zip(&parallel).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "{workers} workers: parameters differ by up to {worst}");
    }
}

#[test]
fn shards_are_balanced_by_path_count_and_cover_the_batch() {
    let batch = batch(5);
    let groups = batch.balanced_groups(2);
    let mut all: Vec<usize> = groups.concat();
    all.sort_unstable();
    assert_eq!(all, vec![0, 1, 2, 3, 4]);
    let paths: Vec<usize> = groups.iter().map(|g| batch.subset(g).n_paths()).collect();
    assert_eq!(paths.iter().sum::<usize>(), batch.n_paths());
    let per_sample = batch.n_paths() / 5;
    assert!(paths[0].abs_diff(paths[1]) <= per_sample, "{paths:?}");
    // A subset is the same graph as the samples joined directly.
    let sub = batch.subset(&[3, 1]);
    assert_eq!(sub.samples, 2);
    assert_eq!(sub.path(0).len(), batch.path(3 * per_sample).len());
    assert!(sub.path_links.iter().all(|&l| (l as usize) < sub.n_links()));
}

#[test]
fn a_failing_replica_stops_the_step_with_an_error() {
    let mut batch = batch(2);
    // Corrupt the second sample: a path over a link that does not exist makes its replica fail.
    let last = batch.path_links.len() - 1;
    batch.path_links[last] = u32::MAX / 2;
    let model = RouteNetConfig::default().init::<AD>(&Default::default());
    let parallel = DataParallel::<AD> { devices: vec![Default::default(); 2] };
    let err = parallel.gradients(&model, &batch, StepOptions::default()).err().expect("the step fails");
    assert!(err.to_string().contains("replica"), "{err}");
}
