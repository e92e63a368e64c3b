//! The GPU code path on wgpu: `cargo test --features wgpu --test wgpu`. It needs a Vulkan adapter;
//! on a machine without a GPU, Mesa's lavapipe (Debian: `mesa-vulkan-drivers`) is one, and
//! `wgpu:cpu` selects it. Not part of the default test run, which builds no GPU backend.
#![cfg(feature = "wgpu")]

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use burn::{Dispatch, DispatchDevice};
use crossbeam_channel::unbounded;
use pathcast::data::{GraphBatch, Record};
use pathcast::model::{GraphInputs, Indexing, RouteNet, RouteNetConfig, checkpoint};
use pathcast::net::builtin;
use pathcast::sim::{GeneratorConfig, SampleGenerator};
use pathcast::train::devices::{Devices, WgpuAdapter};
use pathcast::train::trainer::{OptimizerKind, train_on_devices};
use pathcast::train::{TrainConfig, TrainEvent};

fn software_adapter() -> DispatchDevice {
    let devices = Devices::Wgpu(vec![WgpuAdapter::Software]).dispatch_devices();
    devices.expect("a Vulkan software adapter (install mesa-vulkan-drivers)").remove(0)
}

fn generator() -> SampleGenerator {
    SampleGenerator::new(
        "gbn",
        builtin::load("gbn").unwrap().topology,
        GeneratorConfig { packets_per_flow: 30, target_relative_se: None, ..GeneratorConfig::default() },
    )
}

/// Outputs, and the gradients of their sum of squares with respect to the link and hop features.
fn outputs_and_gradients<B: AutodiffBackend>(model: &RouteNet<B>, g: &GraphInputs<B>) -> [Vec<f32>; 3] {
    let links = g.link_features.clone().require_grad();
    let hops = g.hop_features.clone().require_grad();
    let inputs = GraphInputs { link_features: links.clone(), hop_features: hops.clone(), ..g.clone() };
    let out = model.forward(&inputs);
    let grads = (out.clone() * out.clone()).sum().backward();
    let to_vec = |t: Tensor<B::InnerBackend, 2>| t.into_data().convert::<f32>().to_vec::<f32>().unwrap();
    [to_vec(out.inner()), to_vec(links.grad(&grads).unwrap()), to_vec(hops.grad(&grads).unwrap())]
}

#[test]
fn the_model_computes_the_same_on_wgpu_as_on_flex() {
    let g = generator();
    let records: Vec<Record> = (0..3).map(|i| Record::from_sample(&g.sample(i).unwrap())).collect();
    let batch = GraphBatch::from_records(&records);
    let flex = Default::default();
    Autodiff::<Flex>::seed(&flex, 5);
    let model = RouteNetConfig { dropout: 0.0, ..RouteNetConfig::default() }.init::<Autodiff<Flex>>(&flex);
    // The same weights on the wgpu device, through a checkpoint record.
    let wgpu = software_adapter();
    let bytes = checkpoint::encode::<Autodiff<Flex>, _>(model.clone().into_record());
    let record = checkpoint::decode::<Dispatch, _>(bytes, &wgpu, Path::new("weights")).unwrap();
    let on_wgpu = RouteNetConfig { dropout: 0.0, ..RouteNetConfig::default() }
        .init::<Dispatch>(&wgpu)
        .load_record(record);

    let inputs = GraphInputs::<Dispatch>::new(&batch, &wgpu);
    assert_eq!(inputs.indexing, Indexing::Elements, "GPU backends gather and scatter by element");
    let expected = outputs_and_gradients(&model, &GraphInputs::new(&batch, &flex));
    let got = outputs_and_gradients(&on_wgpu, &inputs);
    for (name, (a, b)) in ["outputs", "link feature gradients", "hop feature gradients"]
        .into_iter()
        .zip(expected.iter().zip(&got))
    {
        let scale = a.iter().fold(1.0f32, |m, x| m.max(x.abs()));
        let worst = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(worst <= 1e-4 * scale, "{name} differ by {worst} (scale {scale})");
    }
}

#[test]
fn training_runs_on_two_wgpu_replicas_through_dispatch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::small_gbn_dataset(&data, 8, 30);
    let config = TrainConfig {
        data: vec![data],
        out: dir.path().join("run"),
        steps: 4,
        batch_samples: 2,
        eval_every: 4,
        devices: Devices::Wgpu(vec![WgpuAdapter::Software, WgpuAdapter::Software]),
        optimizer: OptimizerKind::Lamb,
        learning_rate: 1e-2,
        clip_norm: Some(1.0),
        average_decay: Some(0.9),
        ..TrainConfig::default()
    };
    let (tx, rx) = unbounded();
    train_on_devices(&config, &tx, &AtomicBool::new(false)).unwrap();
    drop(tx);
    let events: Vec<TrainEvent> = rx.iter().collect();
    let losses: Vec<f64> = events
        .iter()
        .filter_map(|e| if let TrainEvent::Step { loss, .. } = e { Some(*loss) } else { None })
        .collect();
    assert_eq!(losses.len(), 4);
    assert!(losses.iter().all(|l| l.is_finite() && *l > 0.0), "{losses:?}");
    let eval = events
        .iter()
        .find_map(|e| if let TrainEvent::Eval { metrics, .. } = e { Some(metrics) } else { None });
    assert!(eval.expect("an evaluation ran").overall.pearson.is_finite());
    assert!(
        checkpoint::load_model::<Flex>(&config.out, &Default::default()).is_ok(),
        "the checkpoint loads on CPU"
    );
}

#[test]
fn a_missing_gpu_is_an_error_naming_it() {
    let err = Devices::Wgpu(vec![WgpuAdapter::Discrete(7)]).dispatch_devices().unwrap_err().to_string();
    assert!(err.starts_with("devices wgpu:7: wgpu:7 does not work: "), "{err}");
    assert!(err.contains("Discrete GPU"), "the backend's own reason: {err}");
}
