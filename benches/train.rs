//! Training throughput: paths and samples per second for one optimizer step on NSFNet batches
//! (CPU), on burn's flex backend directly and through `burn::Dispatch`, which `pathcast train`
//! uses; and on diverse batches (random networks, the shipped model's training data).

use burn::backend::{Autodiff, Flex};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::AutodiffBackend;
use burn::{Dispatch, DispatchDevice};
use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{GraphInputs, RouteNetConfig};
use pathcast::net::{Topology, builtin};
use pathcast::sim::{DiverseConfig, GeneratorConfig, Networks, SampleGenerator};
use pathcast::train::average::WeightAverage;
use pathcast::train::objective::training_loss;

const BATCH_SAMPLES: usize = 8;

fn bench_step<B: AutodiffBackend>(
    group: &mut BenchmarkGroup<WallTime>,
    name: &str,
    device: &B::Device,
    batch: &GraphBatch,
) {
    let mut model = RouteNetConfig::default().init::<B>(device);
    let mut optim = AdamConfig::new().init();
    group.bench_function(name, |b| {
        b.iter(|| {
            let inputs = GraphInputs::<B>::new(batch, device);
            let loss = training_loss(&model, &inputs, 1e-5);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-3, model.clone(), grads);
        })
    });
}

fn batch(generator: &SampleGenerator) -> GraphBatch {
    let records: Vec<Record> =
        (0..BATCH_SAMPLES).map(|i| Record::from_sample(&generator.sample(i as u64).unwrap())).collect();
    GraphBatch::from_records(&records)
}

fn throughput(c: &mut Criterion) {
    let config =
        GeneratorConfig { packets_per_flow: 50, target_relative_se: None, ..GeneratorConfig::default() };
    let nsfnet = batch(&SampleGenerator::new("nsfnet", builtin::load("nsfnet").unwrap().topology, config));
    let diverse = batch(&SampleGenerator::new(
        "diverse",
        Topology::new(),
        GeneratorConfig { networks: Networks::Diverse(DiverseConfig::default()), ..config },
    ));
    let dispatch = DispatchDevice::autodiff(DispatchDevice::Flex(Default::default()));
    let paths: fn(&GraphBatch) -> usize = |b| b.n_paths();
    let samples: fn(&GraphBatch) -> usize = |b| b.samples;
    for (unit, count) in [("paths", paths), ("samples", samples)] {
        let mut group = c.benchmark_group(format!("train_{unit}"));
        group.sample_size(20);
        group.throughput(Throughput::Elements(count(&nsfnet) as u64));
        bench_step::<Autodiff<Flex>>(&mut group, "nsfnet_step_batch8/flex", &Default::default(), &nsfnet);
        bench_step::<Dispatch>(&mut group, "nsfnet_step_batch8/dispatch_flex", &dispatch, &nsfnet);
        group.throughput(Throughput::Elements(count(&diverse) as u64));
        bench_step::<Dispatch>(&mut group, "diverse_step_batch8/dispatch_flex", &dispatch, &diverse);
        group.finish();
    }

    let model = RouteNetConfig::default().init::<Dispatch>(&dispatch);
    let mut average = WeightAverage::new(&model, 0.99);
    c.bench_function("train/weight_average_update", |b| b.iter(|| average.update(&model)));
}

criterion_group!(benches, throughput);
criterion_main!(benches);
