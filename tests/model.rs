//! The scale-free RouteNet on burn's flex backend against independent truth: finite differences,
//! queueing theory, the scaling laws of a queueing network, and the frozen predictor.

use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use pathcast::data::{GraphBatch, Record};
use pathcast::model::checkpoint::{self, MODEL_FILE};
use pathcast::model::queueing;
use pathcast::model::{
    Checkpoint, FrozenRouteNet, GraphInputs, GraphLayout, Indexing, RouteNet, RouteNetConfig, TrainedModel,
    TrainingRanges, pretrained,
};
use pathcast::net::{LinkParams, Node, PacketSizes, Scenario, Topology, TrafficSpec, builtin};
use pathcast::sim::{DiverseConfig, GeneratorConfig, Networks, SampleGenerator};
use pathcast::train::objective::training_loss;

type B = Flex;
type AD = Autodiff<Flex>;

fn tiny() -> RouteNetConfig {
    RouteNetConfig { path_state: 6, link_state: 8, iterations: 3, readout_hidden: 8, dropout: 0.0 }
}

/// Diverse samples (random networks, speeds over decades, three packet-size distributions).
fn samples(n: u64) -> Vec<Record> {
    let config = GeneratorConfig {
        packets_per_flow: 30,
        target_relative_se: None,
        utilisation: (0.3, 1.1),
        networks: Networks::Diverse(DiverseConfig {
            nodes: (8, 20),
            max_flows: 40,
            ..DiverseConfig::default()
        }),
        ..GeneratorConfig::default()
    };
    let g = SampleGenerator::new("diverse", Topology::new(), config);
    (0..n).map(|i| Record::from_sample(&g.sample(i).unwrap())).collect()
}

/// A model whose corrections are not zero: an untrained one predicts the analytic estimate
/// whatever its message passing does, which would make comparisons trivial.
fn trained_a_little(config: RouteNetConfig, records: &[Record], seed: u64) -> RouteNet<AD> {
    let device = Default::default();
    AD::seed(&device, seed);
    let mut model = config.init::<AD>(&device);
    let mut optim = AdamConfig::new().init();
    let inputs = GraphInputs::<AD>::new(&GraphBatch::from_records(records), &device);
    for _ in 0..15 {
        let grads = GradientsParams::from_grads(training_loss(&model, &inputs, 0.0).backward(), &model);
        model = optim.step(2e-2, model, grads);
    }
    model
}

/// Outputs `[paths × 3]` (sorted order) of the burn model on records joined into one batch.
fn burn_outputs(model: &RouteNet<B>, records: &[Record]) -> Vec<f32> {
    let inputs = GraphInputs::<B>::new(&GraphBatch::from_records(records), &Default::default());
    model.forward(&inputs).into_data().to_vec::<f32>().unwrap()
}

fn trained(model: &RouteNet<B>) -> TrainedModel {
    TrainedModel { net: FrozenRouteNet::new(model.weights()), ranges: TrainingRanges::default() }
}

#[test]
fn gradients_match_finite_differences() {
    let records = samples(1);
    let batch = GraphBatch::from_records(&records[..1]);
    let device = Default::default();
    let model = trained_a_little(tiny(), &records, 3);
    let inputs = GraphInputs::<AD>::new(&batch, &device);
    // The message passing (GRUs, gather, weighted sums) is smooth, unlike the SELU readout whose
    // kink at 0 finite differences cannot step over. A fixed random projection of the per-hop
    // states makes the loss sensitive to every state.
    let hops = inputs.hop_features.dims()[0];
    let projection =
        Tensor::<AD, 2>::random([hops, 6], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let loss_of = |link_features: Tensor<AD, 2>, hop_features: Tensor<AD, 2>| {
        let g = GraphInputs { link_features, hop_features, ..inputs.clone() };
        (model.hop_states(&g) * projection.clone()).sum()
    };
    let x = inputs.link_features.clone().require_grad();
    let y = inputs.hop_features.clone().require_grad();
    let grads = loss_of(x.clone(), y.clone()).backward();
    let analytic_x = x.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
    let analytic_y = y.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();

    // Richardson-extrapolated central differences (error O(h⁴)) at a step large enough for f32
    // rounding noise to stay far below the tolerance; a wrong gradient is off by its own size.
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
    let (px, py) = (inputs.link_features.clone(), inputs.hop_features.clone());
    for i in (0..analytic_x.len()).step_by(13) {
        let n = numeric(&px, i, &py, true);
        assert!(
            (n - analytic_x[i]).abs() <= 3e-3 + 1e-2 * n.abs(),
            "link feature {i}: numeric {n}, autodiff {}",
            analytic_x[i]
        );
    }
    for i in (0..analytic_y.len()).step_by(11) {
        let n = numeric(&py, i, &px, false);
        assert!(
            (n - analytic_y[i]).abs() <= 3e-3 + 1e-2 * n.abs(),
            "hop feature {i}: numeric {n}, autodiff {}",
            analytic_y[i]
        );
    }
    assert!(analytic_x.iter().any(|g| g.abs() > 0.05), "link features must influence the loss");
    assert!(analytic_y.iter().any(|g| g.abs() > 0.05), "hop features must influence the loss");
}

#[test]
fn gather_scatter_and_select_indexing_give_the_same_outputs_and_gradients() {
    let records = samples(3);
    let batch = GraphBatch::from_records(&records);
    let device = Default::default();
    let model = trained_a_little(RouteNetConfig::default(), &records, 4);
    let rows = GraphInputs::<AD>::new(&batch, &device);
    assert_eq!(rows.indexing, Indexing::Rows, "flex prefers row indexing");
    let elements = GraphInputs { indexing: Indexing::Elements, ..rows.clone() };
    let run = |g: &GraphInputs<AD>| {
        let links = g.link_features.clone().require_grad();
        let hops = g.hop_features.clone().require_grad();
        let inputs = GraphInputs { link_features: links.clone(), hop_features: hops.clone(), ..g.clone() };
        let out = model.forward(&inputs);
        let grads = (out.clone() * out.clone()).sum().backward();
        let to_vec = |t: Tensor<B, 2>| t.into_data().to_vec::<f32>().unwrap();
        [to_vec(out.inner()), to_vec(links.grad(&grads).unwrap()), to_vec(hops.grad(&grads).unwrap())]
    };
    for (name, (a, b)) in ["outputs", "link feature gradients", "hop feature gradients"]
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
fn an_untrained_model_predicts_the_analytic_estimate() {
    // Two 10 kbit/s links in tandem, one flow at 60 % load with bimodal packets and 64-packet
    // buffers: each hop's sojourn is the M/G/1/K estimate, the path's delay their sum.
    let mut topology = Topology::new();
    for label in ["a", "b", "c"] {
        topology.add_node(Node::labelled(label));
    }
    let params = LinkParams { capacity_bps: 1e4, queue_packets: 64, propagation_s: 0.003 };
    topology.add_link(0, 1, params).unwrap();
    topology.add_link(1, 2, params).unwrap();
    let mut scenario = Scenario::new("tandem", topology);
    scenario.packets = PacketSizes::Bimodal { mean_bits: 1000.0 };
    scenario.traffic.set(0, 2, 6000.0).unwrap();
    let model = RouteNetConfig::default().init::<B>(&Default::default());
    let p = trained(&model).predict(&scenario).unwrap();
    let port = queueing::port(0.6, 64, 0.49);
    let tau = 1000.0 / 1e4;
    let expected = 2.0 * port.sojourn * tau + 0.006;
    assert!((p.flows[0].delay_s - expected).abs() < 1e-6 * expected, "{} vs {expected}", p.flows[0].delay_s);
    let loss = 1.0 - (1.0 - port.drop).powi(2);
    assert!((p.flows[0].loss - loss).abs() < 1e-6, "{} vs {loss}", p.flows[0].loss);
    assert!(
        (p.flows[0].jitter_s2 - 2.0 * port.variance * tau * tau).abs() < 1e-6 * port.variance * tau * tau
    );
}

/// Scales every capacity and rate of a scenario by `k`, every mean packet size by `m`, and adds
/// `extra` seconds of propagation to every link.
fn transformed(s: &Scenario, k: f64, m: f64, extra: f64) -> Scenario {
    let mut t = s.clone();
    let links: Vec<_> = t.topology.duplex_links().collect();
    for (a, b, p) in links {
        let params =
            LinkParams { capacity_bps: p.capacity_bps * k, propagation_s: p.propagation_s + extra, ..p };
        t.topology.set_link(a, b, params).unwrap();
    }
    t.traffic.scale(k);
    t.packets = s.packets.with_mean(s.packets.mean_bits() * m);
    t
}

#[test]
fn predictions_obey_the_scaling_laws_of_a_queueing_network() {
    let (shipped, _) = pretrained::load::<B>(&Default::default());
    let models =
        [trained(&shipped), trained(&trained_a_little(RouteNetConfig::default(), &samples(2), 9).valid())];
    let mut scenarios = Vec::new();
    for (name, u) in [("nsfnet", 0.7), ("geant2", 1.3)] {
        let topology = builtin::load(name).unwrap().topology;
        let spec = TrafficSpec { seed: 2, max_avg_lambda: None, max_utilization: Some(u) };
        let mut s = Scenario::generate(name, topology, spec).unwrap();
        s.packets = PacketSizes::Bimodal { mean_bits: 1000.0 };
        scenarios.push(s);
    }
    scenarios.push(
        SampleGenerator::new(
            "d",
            Topology::new(),
            GeneratorConfig {
                networks: Networks::Diverse(DiverseConfig::default()),
                packets_per_flow: 1,
                ..GeneratorConfig::default()
            },
        )
        .sample(3)
        .map(|s| s.scenario)
        .unwrap_or_else(|_| scenarios[0].clone()),
    );
    for model in &models {
        for s in &scenarios {
            let base = model.predict(s).unwrap();
            let without_propagation: Vec<f64> =
                base.flows.iter().map(|f| f.delay_s - f.propagation_s).collect();
            for k in [1e-3, 7.0, 1e6] {
                let scaled = model.predict(&transformed(s, k, 1.0, 0.0)).unwrap();
                for ((a, b), q) in base.flows.iter().zip(&scaled.flows).zip(&without_propagation) {
                    let expected = q / k + a.propagation_s;
                    assert!(
                        (b.delay_s - expected).abs() <= 1e-4 * expected,
                        "{}: k {k}: {} vs {expected}",
                        s.name,
                        b.delay_s
                    );
                    assert!(
                        (b.loss - a.loss).abs() <= 1e-4 * a.loss.max(1e-9),
                        "{}: loss {} vs {}",
                        s.name,
                        b.loss,
                        a.loss
                    );
                    assert!(b.jitter_s2.is_finite());
                }
            }
            for m in [0.1, 12.0] {
                let sized = model.predict(&transformed(s, 1.0, m, 0.0)).unwrap();
                for ((a, b), q) in base.flows.iter().zip(&sized.flows).zip(&without_propagation) {
                    let expected = q * m + a.propagation_s;
                    assert!(
                        (b.delay_s - expected).abs() <= 1e-4 * expected,
                        "{}: m {m}: {} vs {expected}",
                        s.name,
                        b.delay_s
                    );
                }
            }
            let extra = 0.0125;
            let longer = model.predict(&transformed(s, 1.0, 1.0, extra)).unwrap();
            for ((a, b), f) in base
                .flows
                .iter()
                .zip(&longer.flows)
                .zip(s.flows().unwrap().iter().filter(|f| f.rate_bps > 0.0))
            {
                let hops = (f.path.len() - 1) as f64;
                assert!((b.propagation_s - a.propagation_s - hops * extra).abs() < 1e-12);
                assert!(
                    (b.delay_s - a.delay_s - hops * extra).abs() < 1e-9,
                    "{}: {} vs {}",
                    s.name,
                    b.delay_s,
                    a.delay_s
                );
            }
        }
    }
}

#[test]
fn the_packet_size_distribution_changes_the_prediction() {
    let topology = builtin::load("nsfnet").unwrap().topology;
    let spec = TrafficSpec { seed: 4, max_avg_lambda: None, max_utilization: Some(0.8) };
    let mut s = Scenario::generate("nsfnet", topology, spec).unwrap();
    let model = pretrained::trained();
    let mut worst = Vec::new();
    for packets in [
        PacketSizes::Fixed { mean_bits: 1000.0 },
        PacketSizes::Bimodal { mean_bits: 1000.0 },
        PacketSizes::Exponential { mean_bits: 1000.0 },
    ] {
        s.packets = packets;
        worst.push(model.predict(&s).unwrap().flows.iter().map(|f| f.delay_s).fold(0.0, f64::max));
    }
    assert!(worst[0] < worst[1] && worst[1] < worst[2], "more variable packets queue longer: {worst:?}");
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
    let model = trained(&trained_a_little(RouteNetConfig::default(), &samples(2), 4).valid());
    let (pa, pb) = (model.predict(&original).unwrap(), model.predict(&mirrored).unwrap());
    for f in &pa.flows {
        let g = pb
            .flows
            .iter()
            .find(|g| g.src as usize == flip(f.src as usize) && g.dst as usize == flip(f.dst as usize))
            .unwrap();
        assert!((f.delay_s - g.delay_s).abs() <= 1e-5 * f.delay_s, "flow {}→{}", f.src, f.dst);
    }
}

#[test]
fn a_sample_alone_and_inside_a_batch_predict_the_same() {
    let records = samples(3);
    let model = trained_a_little(RouteNetConfig::default(), &records, 5).valid();
    let alone = burn_outputs(&model, &records[1..2]);
    let joined = GraphLayout::new(&GraphBatch::from_records(&records));
    let out = burn_outputs(&model, &records);
    // Batch path p sits at sorted position restore[p]; sample 1's paths follow sample 0's.
    let single = GraphLayout::new(&GraphBatch::from_records(&records[1..2]));
    let first = records[0].flows.len();
    for p in 0..records[1].flows.len() {
        for o in 0..3 {
            let a = alone[3 * single.restore[p] + o];
            let b = out[3 * joined.restore[first + p] + o];
            assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "path {p} output {o}: {a} vs {b}");
        }
    }
}

#[test]
fn the_frozen_predictor_equals_the_burn_model() {
    let records = samples(3);
    let little = trained_a_little(RouteNetConfig::default(), &records, 8).valid();
    let (shipped, _) = pretrained::load::<B>(&Default::default());
    for model in [little, shipped] {
        let mut batches: Vec<Vec<Record>> = records.iter().map(|r| vec![r.clone()]).collect();
        batches.push(records.clone());
        for name in ["nsfnet", "geant2"] {
            let topology = builtin::load(name).unwrap().topology;
            let spec = TrafficSpec { seed: 3, max_avg_lambda: None, max_utilization: Some(0.9) };
            batches.push(vec![
                Record::from_scenario(&Scenario::generate(name, topology, spec).unwrap()).unwrap(),
            ]);
        }
        let frozen = FrozenRouteNet::new(model.weights());
        for batch in &batches {
            let expected = burn_outputs(&model, batch);
            let got = frozen.path_outputs(&GraphLayout::new(&GraphBatch::from_records(batch)));
            assert_eq!(got.len(), expected.len());
            for (i, (a, b)) in got.iter().zip(&expected).enumerate() {
                assert!((a - b).abs() <= 2e-5 * b.abs().max(1.0), "output {i}: frozen {a}, burn {b}");
            }
        }
    }
}

#[test]
fn the_frozen_predictor_handles_a_scenario_without_traffic() {
    let empty = Scenario::new("empty", builtin::load("nsfnet").unwrap().topology);
    let p = pretrained::trained().predict(&empty).unwrap();
    assert!(p.flows.is_empty());
    assert_eq!(p.links.len(), 42);
    assert!(p.links.iter().all(|l| l.load == 0.0 && !l.overloaded && l.sojourn_s > 0.0));
}

#[test]
fn a_tiny_dataset_overfits() {
    let records = samples(2);
    let batch = GraphBatch::from_records(&records);
    let device = Default::default();
    AD::seed(&device, 1);
    let config =
        RouteNetConfig { path_state: 16, link_state: 16, iterations: 3, readout_hidden: 32, dropout: 0.0 };
    let mut model = config.init::<AD>(&device);
    let mut optim = AdamConfig::new().init();
    let inputs = GraphInputs::<AD>::new(&batch, &device);
    let first: f64 = training_loss(&model, &inputs, 0.0).into_scalar().elem();
    let mut last = first;
    for _ in 0..300 {
        let loss = training_loss(&model, &inputs, 0.0);
        last = loss.clone().into_scalar().elem();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    assert!(last < first / 5.0, "loss went from {first} to {last}");
}

#[test]
fn checkpoints_round_trip_exactly_and_damage_is_caught() {
    let records = samples(1);
    let model = trained_a_little(RouteNetConfig::default(), &records, 6);
    let dir = tempfile::tempdir().unwrap();
    let mut ranges = TrainingRanges::default();
    ranges.observe(&GraphBatch::from_records(&records));
    let meta = Checkpoint {
        format: checkpoint::FORMAT.into(),
        step: 7,
        config: RouteNetConfig::default(),
        ranges: ranges.clone(),
        optimizer: serde_json::json!({"name": "adam"}),
        training: serde_json::json!({}),
        files: Default::default(),
    };
    let weights = checkpoint::encode::<AD, _>(model.clone().into_record());
    let a = trained(&model.valid()).predict_record(&records[0]).unwrap();
    checkpoint::save(dir.path(), &meta, &[(MODEL_FILE, weights)]).unwrap();
    let (loaded, loaded_meta) = checkpoint::load_trained(dir.path()).unwrap();
    assert_eq!(loaded_meta.step, 7);
    assert_eq!(loaded_meta.ranges, ranges);
    let b = loaded.predict_record(&records[0]).unwrap();
    assert!(
        a.flows.iter().zip(&b.flows).all(|(x, y)| x.delay_s == y.delay_s),
        "predictions after a round trip must be bit-exact"
    );

    // Metadata that contradicts the weights is refused, naming the file.
    let meta_path = dir.path().join("ckpt-00000007").join("checkpoint.json");
    let original = std::fs::read_to_string(&meta_path).unwrap();
    let wider = original.replace("\"path_state\": 16", "\"path_state\": 15");
    std::fs::write(&meta_path, &wider).unwrap();
    let err = checkpoint::load_trained(dir.path()).unwrap_err().to_string();
    assert!(err.contains("model.mpk") && err.contains("configuration"), "{err}");
    std::fs::write(&meta_path, original.replace("\"iterations\": 4", "\"iterations\": 0")).unwrap();
    let err = checkpoint::load_trained(dir.path()).unwrap_err().to_string();
    assert!(err.contains("checkpoint.json") && err.contains("iterations"), "{err}");
    std::fs::write(&meta_path, &original).unwrap();

    let file = dir.path().join("ckpt-00000007").join(MODEL_FILE);
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&file, bytes).unwrap();
    let err = checkpoint::load_model::<B>(dir.path(), &Default::default()).unwrap_err().to_string();
    assert!(err.contains("model.mpk") && err.contains("corrupt"), "{err}");
    let missing =
        checkpoint::load_model::<B>(&dir.path().join("nope"), &Default::default()).unwrap_err().to_string();
    assert!(missing.contains("no checkpoint"), "{missing}");
}
