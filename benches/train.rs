//! Training throughput: samples per second for one optimizer step on NSFNet batches (CPU), on
//! burn's flex backend directly and through `burn::Dispatch`, which `pathcast train` uses.

use burn::backend::{Autodiff, Flex};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::AutodiffBackend;
use burn::{Dispatch, DispatchDevice};
use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{GraphInputs, Normalization, RouteNetConfig};
use pathcast::net::builtin;
use pathcast::sim::{GeneratorConfig, SampleGenerator};
use pathcast::train::average::WeightAverage;
use pathcast::train::trainer::training_loss;

const BATCH_SAMPLES: usize = 8;

fn bench_step<B: AutodiffBackend>(
    group: &mut BenchmarkGroup<WallTime>,
    name: &str,
    device: &B::Device,
    batch: &GraphBatch,
    norm: &Normalization,
) {
    let mut model = RouteNetConfig::default().init::<B>(device);
    let mut optim = AdamConfig::new().init();
    group.bench_function(name, |b| {
        b.iter(|| {
            let inputs = GraphInputs::<B>::new(batch, norm, device);
            let loss = training_loss(&model, &inputs, 1e-5);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-3, model.clone(), grads);
        })
    });
}

fn samples_per_second(c: &mut Criterion) {
    let generator = SampleGenerator::new(
        "nsfnet",
        builtin::load("nsfnet").unwrap().topology,
        GeneratorConfig { packets_per_flow: 50, target_relative_se: None, ..GeneratorConfig::default() },
    );
    let records: Vec<Record> =
        (0..BATCH_SAMPLES).map(|i| Record::from_sample(&generator.sample(i as u64).unwrap())).collect();
    let batch = GraphBatch::from_records(&records);
    let norm = Normalization::fit(std::slice::from_ref(&batch));
    let mut group = c.benchmark_group("train");
    group.throughput(Throughput::Elements(BATCH_SAMPLES as u64));
    group.sample_size(20);
    bench_step::<Autodiff<Flex>>(&mut group, "nsfnet_step_batch8/flex", &Default::default(), &batch, &norm);
    let dispatch = DispatchDevice::autodiff(DispatchDevice::Flex(Default::default()));
    bench_step::<Dispatch>(&mut group, "nsfnet_step_batch8/dispatch_flex", &dispatch, &batch, &norm);
    group.finish();

    let model = RouteNetConfig::default().init::<Dispatch>(&dispatch);
    let mut average = WeightAverage::new(&model, 0.99);
    c.bench_function("train/weight_average_update", |b| b.iter(|| average.update(&model)));
}

criterion_group!(benches, samples_per_second);
criterion_main!(benches);
