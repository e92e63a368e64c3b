//! RouteNet on burn's flex backend against independent truth.

use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use pathcast::data::{GraphBatch, Record};
use pathcast::model::checkpoint::{self, MODEL_FILE};
use pathcast::model::{
    Checkpoint, GraphInputs, GraphLayout, Indexing, Normalization, RouteNet, RouteNetConfig, pretrained,
};
use pathcast::net::{Node, Scenario, Topology, TrafficSpec, builtin};
use pathcast::sim::{GeneratorConfig, SampleGenerator};
use pathcast::train::trainer::training_loss;

type B = Flex;
type AD = Autodiff<Flex>;

fn tiny() -> RouteNetConfig {
    RouteNetConfig { path_state: 6, link_state: 4, iterations: 3, readout_hidden: 8, dropout: 0.0 }
}

fn samples(n: u64) -> Vec<Record> {
    let g = SampleGenerator::new(
        "gbn",
        builtin::load("gbn").unwrap().topology,
        GeneratorConfig { packets_per_flow: 30, target_relative_se: None, ..GeneratorConfig::default() },
    );
    (0..n).map(|i| Record::from_sample(&g.sample(i).unwrap())).collect()
}

fn norm_of(records: &[Record]) -> Normalization {
    Normalization::fit(&[GraphBatch::from_records(records)])
}

/// Normalised outputs `[paths × 3]` of the burn model on records joined into one batch.
fn burn_outputs(model: &RouteNet<B>, norm: &Normalization, records: &[Record]) -> Vec<f32> {
    let batch = GraphBatch::from_records(records);
    let inputs = GraphInputs::<B>::new(&batch, norm, &Default::default());
    model.forward(&inputs).into_data().to_vec::<f32>().unwrap()
}

/// Per-flow predictions of the frozen predictor, as the app and `pathcast predict` make them.
fn predict(model: &RouteNet<B>, norm: &Normalization, record: &Record) -> Vec<(f64, f64, f64)> {
    model.freeze().predict(norm, record)
}

#[test]
fn gradients_match_finite_differences() {
    let records = samples(1);
    let batch = GraphBatch::from_records(&records[..1]);
    let norm = norm_of(&records);
    let device = Default::default();
    B::seed(&device, 3);
    let model = tiny().init::<AD>(&device);
    let inputs = GraphInputs::<AD>::new(&batch, &norm, &device);
    // The message passing (GRUs, gather, scatter-add) is smooth, unlike the SELU readout whose kink
    // at 0 finite differences cannot step over. A fixed random projection of the final path states
    // makes the loss sensitive to every state.
    let projection =
        Tensor::<AD, 2>::random([batch.n_paths(), 6], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let loss_of = |path_features: Tensor<AD, 2>, link_features: Tensor<AD, 2>| {
        let g = GraphInputs { path_features, link_features, ..inputs.clone() };
        (model.path_states(&g) * projection.clone()).sum()
    };
    let x = inputs.path_features.clone().require_grad();
    let y = inputs.link_features.clone().require_grad();
    let grads = loss_of(x.clone(), y.clone()).backward();
    let analytic_x = x.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
    let analytic_y = y.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();

    // Richardson-extrapolated central differences (error O(h⁴)) at a step large enough for f32
    // rounding noise (≈ 1e-4 here) to stay far below the tolerance; a wrong gradient is off by its
    // own size.
    let h = 0.08f32;
    let numeric = |t: &Tensor<AD, 2>, i: usize, other: &Tensor<AD, 2>, first: bool| {
        let base = t.clone().into_data().to_vec::<f32>().unwrap();
        let shape = t.shape();
        let at = |delta: f32| {
            let mut v = base.clone();
            v[i] += delta;
            let moved = Tensor::<AD, 2>::from_data(TensorData::new(v, shape.clone()), &device);
            let loss = if first { loss_of(moved, other.clone()) } else { loss_of(other.clone(), moved) };
            loss.into_scalar()
        };
        let central = |e: f32| (at(e) - at(-e)) / (2.0 * e);
        (4.0 * central(h / 2.0) - central(h)) / 3.0
    };
    let px = inputs.path_features.clone();
    let py = inputs.link_features.clone();
    for i in (0..analytic_x.len()).step_by(17) {
        let n = numeric(&px, i, &py, true);
        assert!(
            (n - analytic_x[i]).abs() <= 2e-3 + 1e-2 * n.abs(),
            "path feature {i}: numeric {n}, autodiff {}",
            analytic_x[i]
        );
    }
    for i in (0..analytic_y.len()).step_by(7) {
        let n = numeric(&py, i, &px, false);
        assert!(
            (n - analytic_y[i]).abs() <= 2e-3 + 1e-2 * n.abs(),
            "link feature {i}: numeric {n}, autodiff {}",
            analytic_y[i]
        );
    }
    assert!(analytic_y.iter().any(|g| g.abs() > 0.05), "link features must influence the loss");
}

#[test]
fn gather_scatter_and_select_indexing_give_the_same_outputs_and_gradients() {
    let records = samples(3);
    let batch = GraphBatch::from_records(&records);
    let norm = norm_of(&records);
    let device = Default::default();
    AD::seed(&device, 4);
    let model = RouteNetConfig { dropout: 0.0, ..RouteNetConfig::default() }.init::<AD>(&device);
    let rows = GraphInputs::<AD>::new(&batch, &norm, &device);
    assert_eq!(rows.indexing, Indexing::Rows, "flex prefers row indexing");
    let elements = GraphInputs { indexing: Indexing::Elements, ..rows.clone() };
    let run = |g: &GraphInputs<AD>| {
        let paths = g.path_features.clone().require_grad();
        let links = g.link_features.clone().require_grad();
        let inputs = GraphInputs { path_features: paths.clone(), link_features: links.clone(), ..g.clone() };
        let out = model.forward(&inputs);
        let grads = (out.clone() * out.clone()).sum().backward();
        let to_vec = |t: Tensor<B, 2>| t.into_data().to_vec::<f32>().unwrap();
        [to_vec(out.inner()), to_vec(paths.grad(&grads).unwrap()), to_vec(links.grad(&grads).unwrap())]
    };
    for (name, (a, b)) in ["outputs", "path feature gradients", "link feature gradients"]
        .into_iter()
        .zip(run(&rows).into_iter().zip(run(&elements)))
    {
        let scale = a.iter().fold(1.0f32, |m, x| m.max(x.abs()));
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
        assert!(worst <= 1e-5 * scale, "{name} differ by {worst} (scale {scale})");
        assert!(a.iter().any(|x| x.abs() > 1e-3), "{name} must not be trivially zero");
    }
}

#[test]
fn relabelling_nodes_leaves_per_flow_predictions_unchanged() {
    let topo = builtin::load("nsfnet").unwrap().topology;
    let spec = TrafficSpec { seed: 5, max_avg_lambda: None, max_utilization: Some(0.6) };
    let original = Scenario::generate("n", topo.clone(), spec).unwrap();

    // The same network with node ids reversed.
    let n = topo.node_count();
    let flip = |id: usize| n - 1 - id;
    let mut relabelled = Topology::new();
    for id in (0..n).rev() {
        let node = topo.node(id).unwrap().clone();
        assert_eq!(relabelled.add_node(Node { ..node }), flip(id));
    }
    for (a, b, p) in topo.duplex_links() {
        relabelled.add_link(flip(b), flip(a), p).unwrap();
    }
    let mut mirrored = Scenario::new("n", relabelled);
    for (s, d, rate) in original.traffic.iter() {
        mirrored.traffic.set(flip(s), flip(d), rate).unwrap();
        let path = original.routing.path(s, d).unwrap().iter().map(|&v| flip(v)).collect();
        mirrored.routing.set_path(&mirrored.topology, path).unwrap();
    }

    let device = Default::default();
    B::seed(&device, 4);
    let model = RouteNetConfig::default().init::<B>(&device);
    let records = samples(2);
    let norm = norm_of(&records);
    let a = Record::from_scenario(&original).unwrap();
    let b = Record::from_scenario(&mirrored).unwrap();
    let pa = predict(&model, &norm, &a);
    let pb = predict(&model, &norm, &b);
    for (i, f) in a.flows.iter().enumerate() {
        let j = b
            .flows
            .iter()
            .position(|g| g.src as usize == flip(f.src as usize) && g.dst as usize == flip(f.dst as usize))
            .unwrap();
        assert!((pa[i].0 - pb[j].0).abs() <= 1e-5 * pa[i].0.abs().max(1e-3), "flow {}→{}", f.src, f.dst);
    }
}

#[test]
fn a_sample_alone_and_inside_a_batch_predict_the_same() {
    let records = samples(3);
    let norm = norm_of(&records);
    let device = Default::default();
    B::seed(&device, 5);
    let model = RouteNetConfig::default().init::<B>(&device);
    let alone = burn_outputs(&model, &norm, &records[1..2]);
    let out = burn_outputs(&model, &norm, &records);
    let offset = 3 * records[0].flows.len();
    for (i, (a, b)) in alone.iter().zip(&out[offset..]).enumerate() {
        assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "output {i}: {a} vs {b}");
    }
}

#[test]
fn the_frozen_predictor_equals_the_burn_model() {
    let device = Default::default();
    B::seed(&device, 8);
    let records = samples(3);
    let untrained = (RouteNetConfig::default().init::<B>(&device), norm_of(&records));
    let (shipped, meta) = pretrained::load::<B>(&device);
    for (model, norm) in [untrained, (shipped, meta.normalization)] {
        let mut batches: Vec<Vec<Record>> = records.iter().map(|r| vec![r.clone()]).collect();
        batches.push(records.clone());
        for name in ["nsfnet", "geant2"] {
            let topology = builtin::load(name).unwrap().topology;
            let spec = TrafficSpec { seed: 3, max_avg_lambda: None, max_utilization: Some(0.9) };
            batches.push(vec![
                Record::from_scenario(&Scenario::generate(name, topology, spec).unwrap()).unwrap(),
            ]);
        }
        let frozen = model.freeze();
        for batch in &batches {
            let expected = burn_outputs(&model, &norm, batch);
            let layout = GraphLayout::new(&GraphBatch::from_records(batch), &norm);
            let got = frozen.forward(&layout);
            assert_eq!(got.len(), expected.len());
            for (i, (a, b)) in got.iter().zip(&expected).enumerate() {
                assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "output {i}: frozen {a}, burn {b}");
            }
        }
    }
}

#[test]
fn the_frozen_predictor_handles_a_scenario_without_traffic() {
    let model = RouteNetConfig::default().init::<B>(&Default::default());
    let empty = Scenario::new("empty", builtin::load("nsfnet").unwrap().topology);
    let record = Record::from_scenario(&empty).unwrap();
    assert!(predict(&model, &norm_of(&samples(1)), &record).is_empty());
}

#[test]
fn a_tiny_dataset_overfits() {
    let records = samples(2);
    let batch = GraphBatch::from_records(&records);
    let norm = norm_of(&records);
    let device = Default::default();
    AD::seed(&device, 1);
    let config =
        RouteNetConfig { path_state: 16, link_state: 8, iterations: 4, readout_hidden: 64, dropout: 0.0 };
    let mut model = config.init::<AD>(&device);
    let mut optim = AdamConfig::new().init();
    let inputs = GraphInputs::<AD>::new(&batch, &norm, &device);
    let first: f64 = training_loss(&model, &inputs, 0.0).into_scalar().elem();
    let mut last = first;
    for _ in 0..300 {
        let loss = training_loss(&model, &inputs, 0.0);
        last = loss.clone().into_scalar().elem();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    assert!(last < 0.02 && last < first / 20.0, "loss went from {first} to {last}");
}

#[test]
fn checkpoints_round_trip_exactly_and_damage_is_caught() {
    let records = samples(1);
    let norm = norm_of(&records);
    let device = Default::default();
    AD::seed(&device, 6);
    let model = RouteNetConfig::default().init::<AD>(&device);
    let dir = tempfile::tempdir().unwrap();
    let meta = Checkpoint {
        format: checkpoint::FORMAT.into(),
        step: 7,
        config: RouteNetConfig::default(),
        normalization: norm,
        optimizer: serde_json::json!({"name": "adam"}),
        training: serde_json::json!({}),
        files: Default::default(),
    };
    // Encoding before any use: `init` draws the weights, so the clone holds the same ones.
    let weights = checkpoint::encode::<AD, _>(model.clone().into_record());
    let a = predict(&model.valid(), &norm, &records[0]);
    checkpoint::save(dir.path(), &meta, &[(MODEL_FILE, weights)]).unwrap();
    let (loaded, loaded_meta) = checkpoint::load_model::<B>(dir.path(), &device).unwrap();
    assert_eq!(loaded_meta.step, 7);
    assert_eq!(loaded_meta.normalization, norm);
    let b = predict(&loaded, &norm, &records[0]);
    assert!(a == b, "predictions after a round trip must be bit-exact");

    let file = dir.path().join("ckpt-00000007").join(MODEL_FILE);
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&file, bytes).unwrap();
    let err = checkpoint::load_model::<B>(dir.path(), &device).unwrap_err().to_string();
    assert!(err.contains("model.mpk") && err.contains("corrupt"), "{err}");
    let missing = checkpoint::load_model::<B>(&dir.path().join("nope"), &device).unwrap_err().to_string();
    assert!(missing.contains("no checkpoint"), "{missing}");
}
