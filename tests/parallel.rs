//! Synchronous data parallelism: N replicas give the same training as one device on the merged batch.

use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::optim::{AdamConfig, Optimizer};
use burn::prelude::Tensor;
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{GraphInputs, Normalization, RouteNet, RouteNetConfig};
use pathcast::net::builtin;
use pathcast::sim::{GeneratorConfig, SampleGenerator};
use pathcast::train::lamb::LambConfig;
use pathcast::train::parallel::DataParallel;

type AD = Autodiff<Flex>;

fn batch(n: u64) -> GraphBatch {
    let g = SampleGenerator::new(
        "gbn",
        builtin::load("gbn").unwrap().topology,
        GeneratorConfig { packets_per_flow: 30, ..GeneratorConfig::default() },
    );
    let records: Vec<Record> = (0..n).map(|i| Record::from_sample(&g.sample(i).unwrap())).collect();
    GraphBatch::from_records(&records)
}

fn outputs(model: &RouteNet<AD>, batch: &GraphBatch, norm: &Normalization) -> Vec<f32> {
    let device = Default::default();
    let valid = model.valid();
    valid.forward(&GraphInputs::new(batch, norm, &device)).into_data().to_vec().unwrap()
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

fn train_steps(
    workers: usize,
    lamb: bool,
    model: RouteNet<AD>,
    batch: &GraphBatch,
    norm: &Normalization,
) -> RouteNet<AD> {
    let parallel = DataParallel::<AD> { devices: vec![Default::default(); workers] };
    let mut model = model;
    let mut adam = AdamConfig::new().init();
    let mut lamb_optim = LambConfig::default().init();
    for _ in 0..3 {
        let step = parallel.gradients(&model, batch, norm, 1e-4, Some(5.0)).unwrap();
        model =
            if lamb { lamb_optim.step(1e-2, model, step.grads) } else { adam.step(1e-2, model, step.grads) };
    }
    model
}

#[test]
fn n_replicas_train_exactly_like_one_device_on_the_merged_batch() {
    let batch = batch(5);
    let norm = Normalization::fit(std::slice::from_ref(&batch));
    let config = RouteNetConfig { dropout: 0.0, ..RouteNetConfig::default() };
    let device = Default::default();
    let initial = config.init::<AD>(&device);
    let before = outputs(&initial, &batch, &norm); // materialises the lazily initialised weights

    for lamb in [false, true] {
        let single = train_steps(1, lamb, initial.clone(), &batch, &norm);
        let after = outputs(&single, &batch, &norm);
        assert!(after.iter().zip(&before).any(|(a, b)| (a - b).abs() > 1e-3), "training moved the model");
        let single = parameters(&single);
        for workers in [2, 3] {
            let parallel = parameters(&train_steps(workers, lamb, initial.clone(), &batch, &norm));
            let worst = single.iter().zip(&parallel).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "{workers} workers (lamb: {lamb}): parameters differ by up to {worst}");
        }
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
    let norm = Normalization::fit(std::slice::from_ref(&batch));
    let model = RouteNetConfig::default().init::<AD>(&Default::default());
    let parallel = DataParallel::<AD> { devices: vec![Default::default(); 2] };
    let err = parallel.gradients(&model, &batch, &norm, 0.0, None).err().expect("the step fails");
    assert!(err.to_string().contains("replica"), "{err}");
}
