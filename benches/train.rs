//! Training throughput: samples per second for one optimizer step on NSFNet batches (CPU).

use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{GraphInputs, Normalization, RouteNetConfig, TrainBackend};
use pathcast::net::builtin;
use pathcast::sim::{GeneratorConfig, SampleGenerator};
use pathcast::train::trainer::training_loss;

fn samples_per_second(c: &mut Criterion) {
    let generator = SampleGenerator::new(
        "nsfnet",
        builtin::load("nsfnet").unwrap().topology,
        GeneratorConfig { packets_per_flow: 50, target_relative_se: None, ..GeneratorConfig::default() },
    );
    let batch_samples = 8;
    let records: Vec<Record> =
        (0..batch_samples).map(|i| Record::from_sample(&generator.sample(i as u64).unwrap())).collect();
    let batch = GraphBatch::from_records(&records);
    let norm = Normalization::fit(std::slice::from_ref(&batch));
    let device = Default::default();
    let mut model = RouteNetConfig::default().init::<TrainBackend>(&device);
    let mut optim = AdamConfig::new().init();
    let mut group = c.benchmark_group("train");
    group.throughput(Throughput::Elements(batch_samples as u64));
    group.sample_size(20);
    group.bench_function("nsfnet_step_batch8", |b| {
        b.iter(|| {
            let inputs = GraphInputs::<TrainBackend>::new(&batch, &norm, &device);
            let loss = training_loss(&model, &inputs, 1e-5);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-3, model.clone(), grads);
        })
    });
    group.finish();
}

criterion_group!(benches, samples_per_second);
criterion_main!(benches);
