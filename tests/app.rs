//! The desktop app driven headless through egui_kittest: real app, real workers, clicks by
//! accessible name.

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pathcast::net::routing;
use pathcast::ui::document::{Edit, METRIC};
use pathcast::ui::{AppOptions, Command, PathcastApp, Section};

fn launch() -> Harness<'static, PathcastApp> {
    launch_with([1440.0, 900.0], AppOptions::default())
}

fn launch_with(size: [f32; 2], options: AppOptions) -> Harness<'static, PathcastApp> {
    let mut harness = Harness::builder()
        .with_size(size)
        .with_max_steps(64)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| PathcastApp::new(cc, options));
    wait_for(&mut harness, "first predictions", |app| app.predictions_current());
    harness
}

/// Steps frames (workers run in real time) until `done` holds.
fn wait_for(harness: &mut Harness<'_, PathcastApp>, what: &str, done: impl Fn(&PathcastApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !done(harness.state()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; status: {:?}",
            harness.state().status
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.step();
}

/// Scrolls a button of the (long) control panel into view, then clicks it.
fn click_in_view(harness: &mut Harness<'_, PathcastApp>, label: &str) {
    harness.get_by_label(label).scroll_to_me();
    harness.run();
    harness.get_by_label(label).click();
}

/// Fills the Train form: NSFNet's shipped data on one CPU replica, the run under `dir`.
fn fill_train_form(
    harness: &mut Harness<'_, PathcastApp>,
    dir: &std::path::Path,
    steps: u64,
    eval_every: u64,
    batch: usize,
) {
    let forms = &mut harness.state_mut().forms;
    forms.train_data = "data/nsfnet".into();
    forms.train_devices = "cpu:1".into();
    forms.train.out = dir.join("run");
    forms.train.steps = steps;
    forms.train.eval_every = eval_every;
    forms.train.batch_samples = batch;
}

#[test]
fn first_launch_shows_nsfnet_with_the_shipped_models_predictions() {
    let mut harness = launch();
    harness.run();
    let app = harness.state();
    assert_eq!(app.doc.design().topology.node_count(), 14);
    assert_eq!(app.prediction.as_ref().unwrap().flows.len(), 14 * 13);
    assert!(app.model_name.contains("shipped"));
    let cells =
        pathcast::ui::state::HeatmapCells::new(app, pathcast::ui::state::HeatmapMode::Predicted).unwrap();
    let finite = cells.values.iter().filter(|v| v.is_finite()).count();
    assert_eq!(finite, 14 * 13, "every pair but the diagonal has a delay");
    // The canvas and the main controls are reachable by name.
    harness.get_by_label("Topology canvas");
    harness.get_by_label("Start training");
    harness.get_by_label("Sweep failures");
}

#[test]
fn choosing_another_path_reroutes_the_pair_and_changes_the_heatmap() {
    let mut harness = launch();
    let (src, dst) = harness.state().view.pair.unwrap();
    let before = harness.state().prediction.clone().unwrap();
    let topology = harness.state().doc.design().topology.clone();
    let alternatives = routing::k_shortest_paths(&topology, METRIC, src, dst, 4);
    let detour = alternatives.last().unwrap().clone();
    assert_ne!(harness.state().doc.design().routing.path(src, dst), Some(&detour));
    let revision = harness.state().doc.revision();
    harness.get_by_label(&pathcast::ui::names::path_text(&topology, &detour)).click();
    wait_for(&mut harness, "predictions after re-routing", |app| {
        app.doc.revision() > revision && app.predictions_current()
    });
    let app = harness.state();
    assert_eq!(app.doc.effective().routing.path(src, dst), Some(&detour));
    assert!(app.doc.is_overridden(src, dst) && app.doc.dirty);
    let after = app.prediction.clone().unwrap();
    assert_ne!(before.flows[&(src, dst)], after.flows[&(src, dst)], "the re-routed pair's prediction moved");
    let diff =
        pathcast::ui::state::HeatmapCells::new(app, pathcast::ui::state::HeatmapMode::SinceLastEdit).unwrap();
    let row = diff.nodes.iter().position(|&n| n == src).unwrap();
    let col = diff.nodes.iter().position(|&n| n == dst).unwrap();
    let change = diff.values[row * diff.nodes.len() + col];
    let expected = (after.flows[&(src, dst)].delay_s - before.flows[&(src, dst)].delay_s) * 1e3;
    assert!((change - expected).abs() < 1e-9, "{change} vs {expected}");
}

#[test]
fn an_invalid_route_is_refused_with_the_reason() {
    let mut harness = launch();
    let revision = harness.state().doc.revision();
    harness.state_mut().run(Command::SetRouteDraft(vec![0, 5, 13]));
    harness.state_mut().run(Command::Edit(Edit::SetRoute(vec![0, 5, 13])));
    harness.step();
    let app = harness.state();
    assert_eq!(app.doc.revision(), revision);
    assert!(app.status.error && app.status.message.contains("0->5"), "{:?}", app.status);
    assert!(app.view.route_draft.is_empty(), "the refused route is not left drawn");
    // The error goes once something has worked since.
    harness.state_mut().run(Command::Edit(Edit::ScaleTraffic(1.1)));
    assert!(!harness.state().status.error, "{:?}", harness.state().status);
}

#[test]
fn opening_another_network_never_shows_the_previous_networks_predictions() {
    let mut harness = launch();
    harness.run();
    assert_eq!(harness.state().heatmap.as_ref().unwrap().1.nodes.len(), 14);
    harness.state_mut().run(Command::LoadBuiltin("gbn"));
    assert!(!harness.state().predictions_current(), "NSFNet's predictions are not GBN's");
    wait_for(&mut harness, "GBN's predictions", |app| app.predictions_current());
    harness.run();
    let app = harness.state();
    assert_eq!(app.prediction.as_ref().unwrap().flows.len(), 17 * 16);
    let cells = &app.heatmap.as_ref().unwrap().1;
    assert_eq!(cells.nodes.len(), 17);
    let fresh =
        pathcast::ui::state::HeatmapCells::new(app, pathcast::ui::state::HeatmapMode::Predicted).unwrap();
    assert_eq!(cells.values.len(), fresh.values.len());
    assert!(cells.values.iter().zip(&fresh.values).all(|(a, b)| a == b || (a.is_nan() && b.is_nan())));
}

#[test]
fn a_typed_capacity_is_one_edit_when_the_field_is_left_and_undo_takes_it_back() {
    let mut harness = launch();
    harness.state_mut().run(Command::SelectLink(Some((0, 1))));
    harness.run();
    let revision = harness.state().doc.revision();
    harness.get_by_label("Capacity").focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    for text in ["1", "0", "0", "k"] {
        harness.get_by_label("Capacity").type_text(text);
        harness.run();
        assert_eq!(harness.state().doc.revision(), revision, "typing {text:?} is not an edit yet");
    }
    harness.key_press(egui::Key::Enter);
    harness.run();
    let capacity =
        |app: &PathcastApp, a, b| app.doc.design().topology.link(a, b).unwrap().params.capacity_bps;
    assert_eq!((capacity(harness.state(), 0, 1), capacity(harness.state(), 1, 0)), (1e5, 1e5));
    assert!(harness.state().doc.can_undo());
    wait_for(&mut harness, "the new predictions", |app| app.predictions_current());

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run();
    assert_eq!(capacity(harness.state(), 0, 1), 1e4, "Ctrl+Z takes the edit back");
    harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Z);
    harness.run();
    assert_eq!(capacity(harness.state(), 0, 1), 1e5, "Ctrl+Shift+Z redoes it");

    // Text that is not a rate is refused and changes nothing.
    harness.get_by_label("Capacity").focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Capacity").type_text("fast");
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(capacity(harness.state(), 0, 1), 1e5);
    assert!(harness.state().status.error && harness.state().status.message.contains("not a bit rate"));
}

#[test]
fn dragging_a_node_moves_it_without_predicting_again() {
    let mut harness = launch();
    harness.run_steps(10);
    let canvas = harness.get_by_label("Topology canvas").rect();
    let from = pathcast::ui::canvas::node_screen_position(harness.state(), canvas, 3).unwrap();
    let (revision, before) =
        (harness.state().doc.revision(), harness.state().doc.design().topology.node(3).unwrap().pos);
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    harness.event(egui::Event::PointerMoved(from));
    harness.step();
    harness.event(button(from, true));
    harness.step();
    for i in 1..=10 {
        harness.event(egui::Event::PointerMoved(from + egui::vec2(4.0 * i as f32, 3.0 * i as f32)));
        harness.step();
    }
    harness.event(button(from + egui::vec2(40.0, 30.0), false));
    harness.step();
    let app = harness.state();
    assert_ne!(app.doc.design().topology.node(3).unwrap().pos, before, "the node moved");
    assert_eq!(app.doc.revision(), revision, "nothing to predict again");
    assert!(!app.doc.dirty && app.predictions_current());
    harness.state_mut().run(Command::Undo);
    assert_eq!(harness.state().doc.design().topology.node(3).unwrap().pos, before);
}

#[test]
fn stopping_training_keeps_the_model_in_use_and_ends_the_eta() {
    let mut harness = launch();
    let run = tempfile::tempdir().unwrap();
    fill_train_form(&mut harness, run.path(), 100_000, 100_000, 2);
    click_in_view(&mut harness, "Start training");
    wait_for(&mut harness, "a few steps", |app| app.training.step >= 3);
    click_in_view(&mut harness, "Stop training");
    harness.step();
    assert_eq!(harness.state().training.eta_s(), None, "no ETA once stopping");
    wait_for(&mut harness, "the end of training", |app| !app.training_running());
    harness.run_steps(5);
    let app = harness.state();
    assert!(app.model_name.contains("shipped"), "{}", app.model_name);
    assert!(app.status.message.contains("still use"), "{:?}", app.status);
    assert_eq!(app.training.eta_s(), None);
}

#[test]
fn failing_a_link_reroutes_its_flows_and_the_sweep_ranks_every_link() {
    let mut harness = launch();
    harness.state_mut().run(Command::SelectLink(Some((0, 2))));
    harness.step();
    let before = harness.state().prediction.clone().unwrap();
    let revision = harness.state().doc.revision();
    harness.get_by_label("Fail link").click();
    wait_for(&mut harness, "predictions after the failure", |app| {
        app.doc.revision() > revision && app.predictions_current()
    });
    let app = harness.state();
    assert!(app.doc.is_failed(0, 2));
    let path = app.doc.effective().routing.path(0, 2).unwrap();
    assert!(path.len() > 2, "0→2 now detours: {path:?}");
    assert_ne!(before.flows[&(0, 2)], app.prediction.as_ref().unwrap().flows[&(0, 2)]);

    harness.get_by_label("Sweep failures").click();
    wait_for(&mut harness, "the failure sweep", |app| app.sweep.is_some());
    let (_, impacts) = harness.state().sweep.clone().unwrap();
    // The sweep fails each of the 20 links still up, one more at a time, worst first.
    assert_eq!(impacts.len(), 20);
    assert!(impacts.iter().all(|i| i.case.links != [(0, 2)]));
    assert!(impacts.windows(2).all(|w| w[0].worst_delay_s >= w[1].worst_delay_s));
    let revision = harness.state().doc.revision();
    harness.get_by_label("Restore link").click();
    wait_for(&mut harness, "predictions after the restore", |app| {
        app.doc.revision() > revision && app.predictions_current()
    });
    assert!(harness.state().doc.failed().is_empty());
    assert_eq!(harness.state().prediction.as_ref().unwrap().flows, before.flows);
}

#[test]
fn training_from_the_app_draws_live_curves_and_switches_to_the_new_model() {
    let mut harness = launch();
    let run = tempfile::tempdir().unwrap();
    fill_train_form(&mut harness, run.path(), 20, 10, 4);
    harness.state_mut().forms.train.warmup_steps = 2;
    click_in_view(&mut harness, "Start training");
    wait_for(&mut harness, "training curves", |app| {
        app.training.loss.len() >= 2 && !app.training.val_mse.is_empty()
    });
    wait_for(&mut harness, "the end of training", |app| !app.training_running());
    wait_for(&mut harness, "the trained model", |app| app.model_name.contains("step 20"));
    wait_for(&mut harness, "its predictions", |app| app.predictions_current());
    let app = harness.state();
    assert_eq!(app.training.step, 20);
    assert_eq!(app.training.val_mse.len(), 2, "evaluations at steps 10 and 20");
    assert!(app.training.val_pearson.iter().all(|p| p[1].is_finite()));
    assert_eq!(app.training.train_pearson.len(), 2);
    assert!(!app.status.error, "{:?}", app.status);
}

#[test]
fn a_dataset_run_can_be_cancelled_and_keeps_its_finished_shards() {
    let mut harness = launch();
    let out = tempfile::tempdir().unwrap();
    {
        let forms = &mut harness.state_mut().forms;
        forms.dataset_out = out.path().join("ds").display().to_string();
        forms.dataset_samples = 100_000;
    }
    harness.get_by_label("Generate dataset").scroll_to_me();
    harness.run();
    harness.get_by_label("Generate dataset").click();
    harness.run();
    // The form opens at the foot of the side panel: bring its last field into view.
    harness.get_by_label("Generate dataset").scroll_to_me();
    harness.run();
    harness.get_by_label("Generate").scroll_to_me();
    harness.run();
    harness.get_by_label("Generate").click();
    wait_for(&mut harness, "dataset progress", |app| {
        app.dataset.as_ref().is_some_and(|run| run.finished() > 0)
    });
    harness.get_by_label("Cancel").scroll_to_me();
    harness.step();
    harness.get_by_label("Cancel").click();
    wait_for(&mut harness, "the cancelled run to end", |app| app.dataset.is_none());
    let status = &harness.state().status;
    assert!(!status.error && status.message.starts_with("Cancelled"), "{status:?}");
    assert!(out.path().join("ds/manifest.json").exists());
}

#[test]
fn unsaved_changes_are_not_lost_without_asking() {
    let mut harness = launch();
    harness.state_mut().run(Command::Edit(Edit::ScaleTraffic(1.2)));
    harness.step();
    assert!(harness.state().doc.dirty);
    harness.state_mut().run(Command::LoadBuiltin("geant2"));
    harness.run();
    harness.get_by_label("Keep editing").click();
    harness.run();
    assert_eq!(harness.state().doc.design().topology.node_count(), 14);
    harness.state_mut().run(Command::LoadBuiltin("geant2"));
    harness.run();
    harness.get_by_label("Discard").click();
    wait_for(&mut harness, "GEANT2 predictions", |app| {
        app.doc.design().topology.node_count() == 24 && app.predictions_current()
    });
    let app = harness.state();
    assert_eq!(app.doc.design().topology.node_count(), 24);
    assert!(!app.doc.dirty);
    assert_eq!(app.prediction.as_ref().unwrap().flows.len(), 24 * 23);
}

/// A primary click at a screen position, as the pointer would make it.
fn click_at(harness: &mut Harness<'_, PathcastApp>, pos: egui::Pos2) {
    let button = |pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    harness.event(egui::Event::PointerMoved(pos));
    harness.step();
    harness.event(button(true));
    harness.step();
    harness.event(button(false));
    harness.step();
    // Let egui's double-click window pass so that the next click is a click of its own.
    harness.run_steps(30);
}

#[test]
fn clicking_a_node_sequence_on_the_canvas_reroutes_the_pair() {
    let mut harness = launch();
    let (src, dst) = harness.state().view.pair.unwrap();
    let topology = harness.state().doc.design().topology.clone();
    let detour = routing::k_shortest_paths(&topology, METRIC, src, dst, 4).pop().unwrap();
    harness.get_by_label("Re-route on canvas").click();
    harness.run();
    let revision = harness.state().doc.revision();
    for &node in &detour[1..] {
        // The toolbar above the canvas grows with the route shown in it: measure every time.
        let canvas = harness.get_by_label("Topology canvas").rect();
        let pos = pathcast::ui::canvas::node_screen_position(harness.state(), canvas, node).unwrap();
        click_at(&mut harness, pos);
    }
    wait_for(&mut harness, "predictions after re-routing", |app| {
        app.doc.revision() > revision && app.predictions_current()
    });
    let app = harness.state();
    assert_eq!(app.doc.design().routing.path(src, dst), Some(&detour));
    assert!(app.view.route_draft.is_empty(), "the draft is used up");
}

#[test]
fn verify_simulates_the_scenario_and_compares_with_the_predictions() {
    let mut harness = launch();
    harness.state_mut().forms.verify_packets = 300;
    harness.get_by_label("Simulate and compare").click();
    wait_for(&mut harness, "the simulation", |app| app.verification.is_some());
    let app = harness.state();
    let (points, mape) = pathcast::ui::analysis::verification_points(app).unwrap();
    assert_eq!(points.len(), 14 * 13);
    // Independent check of the MAPE from the points themselves.
    let expected =
        points.iter().map(|[sim, pred]| ((pred - sim) / sim).abs()).sum::<f64>() / points.len() as f64;
    assert!((mape - 100.0 * expected).abs() < 1e-9);
    // The shipped model is accurate on NSFNet: a short simulation agrees within a loose bound.
    assert!(mape < 25.0, "MAPE {mape} %");
}

#[test]
fn a_long_verify_shows_its_progress_and_can_be_cancelled() {
    let mut harness = launch();
    harness.state_mut().forms.verify_packets = 1_000_000;
    harness.get_by_label("Simulate and compare").click();
    harness.run();
    assert!(harness.state().verify_run.is_some());
    harness.get_by_label("Cancel").click();
    wait_for(&mut harness, "the cancelled simulation", |app| app.verify_run.is_none());
    let app = harness.state();
    assert!(app.verification.is_none() && app.verifying.is_none());
    assert_eq!(app.status.message, "Verify cancelled");
    assert!(!app.status.error);
}

#[test]
fn drawing_on_the_canvas_adds_links_and_nodes() {
    let mut harness = launch();
    assert!(!harness.state().doc.design().topology.are_linked(0, 13));
    harness.get_by_label("Add link").click();
    harness.run();
    let canvas = harness.get_by_label("Topology canvas").rect();
    let at = |h: &Harness<'_, PathcastApp>, n| {
        pathcast::ui::canvas::node_screen_position(h.state(), canvas, n).unwrap()
    };
    let (from, to) = (at(&harness, 0), at(&harness, 13));
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    harness.event(egui::Event::PointerMoved(from));
    harness.step();
    harness.event(button(from, true));
    harness.step();
    for i in 1..=10 {
        harness.event(egui::Event::PointerMoved(from + (to - from) * (i as f32 / 10.0)));
        harness.step();
    }
    harness.event(button(to, false));
    harness.step();
    wait_for(&mut harness, "the new link's predictions", |app| {
        app.doc.design().topology.are_linked(0, 13) && app.predictions_current()
    });
    assert_eq!(harness.state().doc.effective().routing.path(0, 13), Some(&vec![0, 13]));

    // A double-click on empty canvas adds a node there.
    let empty = canvas.left_bottom() + egui::vec2(60.0, -80.0);
    let nodes = harness.state().doc.design().topology.node_count();
    harness.run_steps(30);
    for _ in 0..2 {
        harness.event(egui::Event::PointerMoved(empty));
        harness.event(button(empty, true));
        harness.step();
        harness.event(button(empty, false));
        harness.step();
    }
    harness.step();
    assert_eq!(harness.state().doc.design().topology.node_count(), nodes + 1);
}

#[test]
fn overload_and_extrapolation_are_marked_and_offer_verify() {
    let mut harness = launch();
    let revision = harness.state().doc.revision();
    // NSFNet starts at 70 % peak load: four times the traffic overloads links beyond anything the
    // model was trained on.
    harness.state_mut().run(Command::Edit(Edit::ScaleTraffic(4.0)));
    wait_for(&mut harness, "predictions of the overloaded network", |app| {
        app.doc.revision() > revision && app.predictions_current()
    });
    harness.run();
    let app = harness.state();
    let prediction = app.prediction.clone().unwrap();
    let overloaded = prediction.overloaded();
    assert!(!overloaded.is_empty(), "links at 280 % are overloaded");
    assert!(prediction.extrapolated() > 0, "loads beyond the trained range are extrapolations");
    // An overloaded link within the loads the shipped model was trained on is predicted, one
    // beyond them is an extrapolation.
    let trained = pathcast::model::pretrained::trained().ranges.link_load.max;
    let beyond: Vec<_> =
        prediction.links.iter().filter(|(_, l)| l.load > 1.05 * trained).map(|(&k, _)| k).collect();
    assert!(!beyond.is_empty());
    for (&(src, dst), flow) in &prediction.flows {
        let path = app.doc.effective().routing.path(src, dst).unwrap();
        let crosses = |links: &[(usize, usize)]| path.windows(2).any(|h| links.contains(&(h[0], h[1])));
        if crosses(&overloaded) {
            assert!(flow.loss > 0.0, "{src}->{dst} crosses an overloaded link but loses nothing");
        }
        if crosses(&beyond) {
            assert!(!flow.extrapolated.is_empty(), "{src}->{dst} is not flagged");
        }
    }
    assert!(overloaded.iter().all(|&(a, b)| app.figures.overloaded(a, b)));
    assert!(!app.figures.extrapolated.is_empty(), "the canvas marks the links beyond the trained load");
    let cells =
        pathcast::ui::state::HeatmapCells::new(app, pathcast::ui::state::HeatmapMode::Predicted).unwrap();
    assert_eq!(cells.extrapolated.iter().filter(|&&x| x).count(), prediction.extrapolated());
    harness.get_by_label("Verify with the simulator").click();
    harness.step();
    assert!(harness.state().verifying.is_some(), "the warning's button starts Verify");
}

#[test]
fn a_file_with_missing_link_speeds_opens_with_a_banner_and_one_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partial.gml");
    std::fs::write(
        &file,
        "graph [\n node [ id 0 label \"A\" ]\n node [ id 1 label \"B\" ]\n node [ id 2 label \"C\" ]\n \
         edge [ source 0 target 1 LinkSpeedRaw 1e10 ]\n edge [ source 1 target 2 LinkLabel \"Green Link\" ]\n \
         edge [ source 0 target 2 LinkLabel \"2.5 Gbps\" ]\n]\n",
    )
    .unwrap();
    let mut harness = launch();
    harness.state_mut().run(Command::Open(file.clone()));
    wait_for(&mut harness, "the file", |app| app.doc.design().topology.node_count() == 3);
    harness.run();
    let warning = harness.state().speed_warning.clone().expect("a banner");
    assert_eq!(warning, "1 of 3 link speeds assumed (10 Gbit/s, the median of the file's speeds)");
    harness.get_by_label(&format!("{warning}: review"));
    harness.state_mut().forms.assumed_speed = "100M".into();
    harness.get_by_label("Apply").click();
    harness.run();
    let topology = &harness.state().doc.design().topology;
    assert_eq!(topology.link(1, 2).unwrap().params.capacity_bps, 1e8);
    assert_eq!(*topology.capacity_source(1, 2), pathcast::net::CapacitySource::User);
    assert_eq!(topology.capacity_source(0, 2).name(), "label");
    assert_eq!(topology.link(0, 2).unwrap().params.capacity_bps, 2.5e9);
}

#[test]
fn unsaved_changes_can_be_saved_from_the_discard_dialog_through_the_built_in_prompt() {
    let mut harness = launch();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    harness.state_mut().run(Command::Edit(Edit::ScaleTraffic(1.2)));
    assert!(harness.state().doc.dirty);
    harness.state_mut().run(Command::LoadBuiltin("gbn"));
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    // No file yet: the built-in prompt asks where, whatever the desktop's dialogs.
    assert!(harness.state().file_prompt.is_some());
    harness.get_by_label("Path").focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Path").type_text(file.to_str().unwrap());
    harness.run();
    harness.get_by_label("Save").click();
    wait_for(&mut harness, "the save and the waiting action", |app| {
        app.doc.design().topology.node_count() == 17
    });
    let saved = pathcast::net::Scenario::from_json(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved.topology.node_count(), 14, "NSFNet was saved before GBN opened");
    assert!(harness.state().file_prompt.is_none() && harness.state().pending.is_none());
}

#[test]
fn a_node_is_renamed_in_place_and_the_name_is_used_everywhere() {
    let mut harness = launch();
    harness.state_mut().run(Command::SelectNode(Some(0)));
    harness.run();
    harness.get_by_label("Name").focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Name").type_text("Seattle, WA");
    harness.key_press(egui::Key::Enter);
    harness.run();
    let app = harness.state();
    assert_eq!(app.doc.design().topology.node(0).unwrap().label, "Seattle, WA");
    let (src, dst) = app.view.pair.unwrap();
    let path = app.doc.effective().routing.path(src, dst).unwrap().clone();
    assert_eq!(src, 0);
    let text = pathcast::ui::names::path_text(&app.doc.design().topology, &path);
    assert!(text.starts_with("Seattle, WA -> "), "{text}");
    harness.get_by_label(&format!("Path {text}"));
    harness.state_mut().run(Command::Undo);
    assert_eq!(harness.state().doc.design().topology.node(0).unwrap().label, "Seattle");
}

#[test]
fn tables_sort_filter_export_csv_and_scale_the_shown_links() {
    let mut harness = launch();
    harness.get_by_label("Tables: links, flows, failure sweep, verify").click();
    harness.run();
    harness.get_by_label("Filter").focus();
    harness.get_by_label("Filter").type_text("Seattle");
    harness.run();
    assert_eq!(harness.state().forms.table.filter, "Seattle");
    // Seattle's three links: scale them ×2 in one undoable edit.
    harness.get_by_label("Apply").click();
    harness.run();
    let capacity =
        |app: &PathcastApp, a, b| app.doc.design().topology.link(a, b).unwrap().params.capacity_bps;
    for n in [1, 2, 3] {
        assert_eq!(capacity(harness.state(), 0, n), 2e4, "link 0-{n}");
    }
    assert_eq!(capacity(harness.state(), 1, 2), 1e4, "links not shown keep theirs");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("links.csv");
    harness.get_by_label("Export CSV…").click();
    harness.run();
    harness.state_mut().file_prompt.as_mut().unwrap().path = file.to_str().unwrap().into();
    harness.run();
    harness.get_by_label("Export").click();
    wait_for(&mut harness, "the export", |_| file.exists());
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "from,to,capacity (bit/s),capacity source,load,port delay (s),drops,state");
    assert_eq!(lines.len(), 1 + 6, "header and the six shown directed links");
    assert!(lines[1..].iter().all(|l| l.contains("Seattle") && l.contains(",20000,user,")), "{text}");

    harness.state_mut().run(Command::Undo);
    assert_eq!(capacity(harness.state(), 0, 1), 1e4);
}

#[test]
fn an_open_table_scrolls_sideways_instead_of_covering_the_canvas() {
    let mut harness = launch_with([1280.0, 720.0], AppOptions::default());
    harness.run();
    let canvas = harness.get_by_label("Topology canvas").rect();
    harness.get_by_label("Tables: links, flows, failure sweep, verify").click();
    harness.run();
    harness.get_by_label("capacity source");
    assert_eq!(harness.get_by_label("Topology canvas").rect(), canvas, "the analysis panel kept its width");
}

#[test]
fn opening_on_verify_runs_it_and_brings_the_result_into_view() {
    let options = AppOptions { show: Section::Verify, ..AppOptions::default() };
    let mut harness = launch_with([1280.0, 720.0], options);
    wait_for(&mut harness, "the verify run", |app| app.verification.is_some());
    harness.run();
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 720.0));
    let heading = harness.get_by_label("Verify").rect();
    assert!(window.contains_rect(heading), "the Verify heading at {heading:?} is on screen");
    // A click hands the scrolling back to the planner.
    assert_eq!(harness.state().view.reveal, Some(Section::Verify));
    harness.get_by_label("Topology canvas").click();
    harness.run();
    assert_eq!(harness.state().view.reveal, None);
}

#[test]
fn resizing_the_window_refits_a_view_the_planner_has_not_moved() {
    let mut harness = launch();
    harness.run();
    let before = harness.state().view.camera;
    harness.set_size(egui::vec2(1100.0, 700.0));
    harness.run();
    let after = harness.state().view.camera;
    assert_ne!(after.fitted_to, before.fitted_to);
    let (scale_before, scale_after) = (before.view.unwrap().1, after.view.unwrap().1);
    assert!(
        scale_after < scale_before,
        "a smaller canvas shows the network smaller: {scale_before} -> {scale_after}"
    );
    // Every node is drawn inside the canvas.
    let canvas = harness.get_by_label("Topology canvas").rect();
    for node in harness.state().doc.design().topology.node_ids() {
        let at = pathcast::ui::canvas::node_screen_position(harness.state(), canvas, node).unwrap();
        assert!(canvas.shrink(5.0).contains(at), "node {node} at {at:?} outside {canvas:?}");
    }
}

#[test]
fn selecting_a_link_or_node_does_not_move_the_canvas() {
    let mut harness = launch();
    harness.run();
    let canvas = harness.get_by_label("Topology canvas").rect();
    for command in [
        Command::SelectLink(Some((0, 1))),
        Command::SelectNode(Some(13)),
        Command::SelectLink(Some((11, 12))),
    ] {
        harness.state_mut().run(command);
        harness.run();
        assert_eq!(
            harness.get_by_label("Topology canvas").rect(),
            canvas,
            "the side panels kept their width"
        );
    }
}

#[test]
fn a_links_port_gets_a_scheduler_and_a_pair_a_class_from_the_panels() {
    let mut harness = launch();
    harness.state_mut().run(Command::SelectLink(Some((0, 1))));
    harness.run();
    // The 0 -> 1 port's policy box, then WFQ in its list.
    harness.get_by_label("port to Palo Alto").click();
    harness.run();
    harness.get_by_label("WFQ").click();
    harness.run();
    let port = |app: &PathcastApp| app.doc.design().qos.port(0, 1).cloned();
    assert_eq!(port(harness.state()).unwrap().policy, pathcast::net::Policy::Wfq);
    assert_eq!(port(harness.state()).unwrap().classes.len(), 3);
    harness.get_by_label("weights").focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    harness.get_by_label("weights").type_text("6, 3");
    harness.key_press(egui::Key::Enter);
    harness.run();
    let weights: Vec<f64> = port(harness.state()).unwrap().classes.iter().map(|c| c.weight).collect();
    assert_eq!(weights, [6.0, 3.0], "typed weights replace the classes");

    harness.state_mut().run(Command::SelectPair(Some((0, 1))));
    harness.state_mut().run(Command::Edit(Edit::SetClass { src: 0, dst: 1, class: 1 }));
    wait_for(&mut harness, "new predictions", |app| app.predictions_current());
    // The model was trained on WFQ ports: its prediction through one is not flagged for it.
    let flow = harness.state().prediction.as_ref().unwrap().flows[&(0, 1)].clone();
    assert!(!flow.extrapolated.iter().any(|e| e.to_string().contains("schedules")), "{flow:?}");
    // The heatmap shows one class at a time once there are two.
    harness.state_mut().view.heatmap_class = Some(1);
    harness.run();
    let cells = &harness.state().heatmap.as_ref().unwrap().1;
    let shown = cells.values.iter().filter(|v| v.is_finite()).count();
    assert_eq!(shown, 1, "only 0 -> 1 is class 1");
    // A class beyond what the port has is refused, and undo takes the class back.
    harness.state_mut().run(Command::Edit(Edit::SetClass { src: 0, dst: 1, class: 2 }));
    assert!(harness.state().status.message.contains("class 2"), "{:?}", harness.state().status);
    harness.state_mut().run(Command::Undo);
    assert_eq!(harness.state().doc.design().qos.class(0, 1), 0);
}

#[test]
fn links_join_a_shared_risk_group_in_the_link_editor_and_the_group_can_be_swept() {
    let mut harness = launch();
    for (a, b) in [(0, 1), (1, 2)] {
        harness.state_mut().run(Command::SelectLink(Some((a, b))));
        harness.run();
        harness.get_by_label("Add to SRLG").focus();
        harness.run();
        harness.get_by_label("Add to SRLG").type_text("Bay conduit");
        harness.key_press(egui::Key::Enter);
        harness.run();
    }
    let groups = harness.state().doc.design().srlgs.clone();
    assert_eq!(groups.len(), 1);
    assert_eq!((groups[0].name.as_str(), groups[0].links.clone()), ("Bay conduit", vec![(0, 1), (1, 2)]));
    harness.get_by_label_contains("In SRLG \"Bay conduit\" (2 links)");

    harness.state_mut().forms.sweep_kind = pathcast::plan::SweepKind::Srlgs;
    harness.run();
    harness.get_by_label("Sweep failures").click();
    wait_for(&mut harness, "the SRLG sweep", |app| app.sweep.is_some());
    let (_, cases) = harness.state().sweep.clone().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].case.name, "SRLG Bay conduit");
    // Failing the group from the sweep list is one edit.
    harness.get_by_label("SRLG Bay conduit").click();
    harness.run();
    assert!(harness.state().doc.is_failed(0, 1) && harness.state().doc.is_failed(1, 2));
    harness.state_mut().run(Command::Undo);
    assert!(harness.state().doc.failed().is_empty());
}

#[test]
fn a_delay_target_typed_in_marks_the_pairs_over_it() {
    let mut harness = launch();
    harness.get_by_label("Delay target, all pairs").focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Delay target, all pairs").type_text("400 ms");
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "predictions", |app| app.predictions_current());
    assert_eq!(harness.state().doc.design().targets.global_s, Some(0.4));
    let prediction = harness.state().prediction.clone().unwrap();
    let over = prediction.flows.values().filter(|f| f.delay_s > 0.4).count();
    assert!(over > 0, "NSFNet at 70 % has paths over 400 ms");
    let cells = &harness.state().heatmap.as_ref().unwrap().1;
    assert_eq!(cells.over_target.iter().filter(|&&o| o).count(), over);
    harness.get_by_label_contains(&format!("{over} pair(s) over their delay target"));
    // Undo takes the target back.
    harness.state_mut().run(Command::Undo);
    assert_eq!(harness.state().doc.design().targets.global_s, None);
}

#[test]
fn demands_import_from_a_csv_file_as_one_undoable_edit_and_bad_rows_are_refused() {
    let mut harness = launch();
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (dir.path().join("d.csv"), dir.path().join("bad.csv"));
    std::fs::write(&good, "src,dst,rate\nSeattle,Houston,3k\nAtlanta,Seattle,1 kbit/s\n").unwrap();
    std::fs::write(&bad, "src,dst,rate\nSeattle,Gotham,3k\n").unwrap();
    let import = |harness: &mut Harness<'_, PathcastApp>, file: &std::path::Path| {
        harness.get_by_label("File").click();
        harness.run();
        harness.get_by_label("Import demands (CSV)…").click();
        harness.run();
        harness.state_mut().file_prompt.as_mut().unwrap().path = file.to_str().unwrap().into();
        harness.run();
        harness.get_by_label("Import").click();
    };
    let before = harness.state().doc.design().traffic.clone();
    import(&mut harness, &bad);
    wait_for(&mut harness, "the refusal", |app| app.status.error);
    assert!(harness.state().status.message.contains("line 2: \"Gotham\""), "{:?}", harness.state().status);
    assert_eq!(harness.state().doc.design().traffic, before);

    import(&mut harness, &good);
    wait_for(&mut harness, "the import", |app| app.doc.design().traffic.len() == 2);
    assert_eq!(harness.state().doc.design().traffic.get(0, 5), 3000.0);
    harness.state_mut().run(Command::Undo);
    assert_eq!(harness.state().doc.design().traffic, before);
}

#[test]
fn a_failure_scenario_is_saved_by_name_failed_again_in_one_edit_and_swept() {
    let mut harness = launch();
    harness.state_mut().run(Command::Edit(Edit::FailLinks(vec![(0, 1), (3, 4)])));
    wait_for(&mut harness, "predictions", |app| app.predictions_current());
    harness.state_mut().forms.failure_name = "Rockies".into();
    harness.run();
    harness.get_by_label("Save failure scenario").click();
    harness.run();
    let saved = harness.state().doc.design().failures.clone();
    assert_eq!(
        (saved.len(), saved[0].name.as_str(), saved[0].links.clone()),
        (1, "Rockies", vec![(0, 1), (3, 4)])
    );
    harness.state_mut().run(Command::Edit(Edit::RestoreAllLinks));
    harness.state_mut().run(Command::Edit(Edit::FailLink { a: 0, b: 2 }));
    // The panels settle once the new predictions are in: click after that, not while they move.
    wait_for(&mut harness, "predictions", |app| app.predictions_current());
    // "Fail" shows exactly the saved scenario, and one undo takes it back.
    harness.get_by_label("Fail").click();
    harness.run();
    let failed: Vec<_> = harness.state().doc.failed().iter().copied().collect();
    assert_eq!(failed, [(0, 1), (3, 4)]);
    harness.state_mut().run(Command::Undo);
    let failed: Vec<_> = harness.state().doc.failed().iter().copied().collect();
    assert_eq!(failed, [(0, 2)]);
    // The sweep goes through the saved scenarios.
    harness.state_mut().forms.sweep_kind = pathcast::plan::SweepKind::Saved;
    harness.state_mut().run(Command::Sweep);
    wait_for(&mut harness, "the sweep", |app| app.sweep.is_some());
    let (_, impacts) = harness.state().sweep.clone().unwrap();
    assert_eq!(impacts.len(), 1);
    assert_eq!(impacts[0].case.name, "Rockies");
}

#[test]
fn suggested_upgrades_are_listed_and_applied_as_one_undoable_edit() {
    let mut harness = launch();
    harness.state_mut().run(Command::Edit(Edit::SetGlobalTarget(Some(0.5))));
    wait_for(&mut harness, "predictions", |app| app.predictions_current());
    let before = harness.state().doc.design().topology.clone();
    harness.get_by_label("Capacity upgrades").click();
    harness.run();
    harness.get_by_label("Suggest upgrades").click();
    wait_for(&mut harness, "the suggestion", |app| app.upgrades.is_some());
    let (_, plan) = harness.state().upgrades.clone().unwrap();
    assert!(plan.initial_violations > 0 && plan.remaining_violations == 0, "{plan:?}");
    let first = &plan.upgrades[0];
    let names = |a, b| {
        let t = &harness.state().doc.design().topology;
        format!("{} — {}", pathcast::ui::names::node_label(t, a), pathcast::ui::names::node_label(t, b))
    };
    harness.get_by_label(&names(first.a, first.b));
    let revision = harness.state().doc.revision();
    harness.get_by_label("Apply upgrades").click();
    wait_for(&mut harness, "predictions", |app| app.doc.revision() != revision && app.predictions_current());
    let after = harness.state().doc.design().topology.clone();
    for u in &plan.upgrades {
        assert_eq!(after.link(u.a, u.b).unwrap().params.capacity_bps, u.to_bps);
        assert_eq!(after.link(u.b, u.a).unwrap().params.capacity_bps, u.to_bps);
    }
    let over =
        harness.state().prediction.as_ref().unwrap().flows.values().filter(|f| f.delay_s > 0.5).count();
    assert_eq!(over, 0, "the applied plan meets the target");
    harness.state_mut().run(Command::Undo);
    assert_eq!(harness.state().doc.design().topology, before, "one undo takes every upgrade back");
}

#[test]
fn another_plan_is_compared_pair_by_pair_with_its_changed_links() {
    let mut harness = launch();
    let dir = tempfile::tempdir().unwrap();
    let mut other = harness.state().doc.design().clone();
    let params = other.topology.link(0, 1).unwrap().params;
    other
        .topology
        .set_link(0, 1, pathcast::net::LinkParams { capacity_bps: params.capacity_bps * 4.0, ..params })
        .unwrap();
    let file = dir.path().join("upgraded.json");
    std::fs::write(&file, other.to_json()).unwrap();
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Compare with another plan…").click();
    harness.run();
    harness.state_mut().file_prompt.as_mut().unwrap().path = file.to_str().unwrap().into();
    harness.run();
    harness.get_by_label("Compare").click();
    wait_for(&mut harness, "the comparison", |app| {
        app.comparison.as_ref().is_some_and(|c| c.result.is_some())
    });
    let result = harness.state().comparison.as_ref().unwrap().result.clone().unwrap().1;
    assert_eq!(result.links.len(), 1, "{:?}", result.links);
    assert!(result.b.mean_delay_s < result.a.mean_delay_s, "more capacity, less delay");
    // The heatmap shows B - A per pair: negative where a path crosses the upgraded link.
    harness.state_mut().view.heatmap_mode = pathcast::ui::state::HeatmapMode::VersusPlan;
    harness.run();
    let cells = &harness.state().heatmap.as_ref().unwrap().1;
    assert!(cells.diff);
    let n = cells.nodes.len();
    assert!(cells.values[1] < 0.0, "0 -> 1 crosses the upgraded link: {}", cells.values[1]);
    let slower = cells.values.iter().copied().filter(|v| *v > 0.0).fold(0.0, f64::max);
    // The model couples paths a little beyond the links they share: other pairs move by far less.
    assert!(slower < 0.05 * cells.values[1].abs(), "nothing gets much slower: {slower} ms");
    assert_eq!(cells.values.iter().filter(|v| v.is_finite()).count(), n * (n - 1));
    // The class filter holds here too: with 0 -> 1 alone in class 1, class 1 shows that pair only.
    harness.state_mut().run(Command::Edit(Edit::SetClass { src: 0, dst: 1, class: 1 }));
    let revision = harness.state().doc.revision();
    wait_for(&mut harness, "the comparison after the edit", |app| {
        app.predictions_current()
            && app.comparison.as_ref().unwrap().result.as_ref().is_some_and(|(r, _)| *r == revision)
    });
    harness.state_mut().view.heatmap_class = Some(1);
    harness.run();
    let values = &harness.state().heatmap.as_ref().unwrap().1.values;
    assert_eq!(values.iter().filter(|v| v.is_finite()).count(), 1);
    assert!(values[1].is_finite());
    harness.state_mut().run(Command::Undo);
    harness.state_mut().view.heatmap_class = None;
    // An edit is compared again.
    harness.state_mut().run(Command::Edit(Edit::ScaleTraffic(1.2)));
    let revision = harness.state().doc.revision();
    wait_for(&mut harness, "the new comparison", |app| {
        app.comparison.as_ref().unwrap().result.as_ref().is_some_and(|(r, _)| *r == revision)
    });
    harness.state_mut().run(Command::CloseComparison);
    assert!(harness.state().comparison.is_none());
    assert_eq!(harness.state().view.heatmap_mode, pathcast::ui::state::HeatmapMode::Predicted);
}

#[test]
fn nodes_with_pairs_over_their_target_are_counted_for_the_canvas() {
    let mut harness = launch();
    harness.state_mut().run(Command::Edit(Edit::SetGlobalTarget(Some(0.4))));
    wait_for(&mut harness, "predictions", |app| app.predictions_current());
    let app = harness.state();
    let prediction = app.prediction.clone().unwrap();
    for node in app.doc.design().topology.node_ids() {
        let over = prediction
            .flows
            .iter()
            .filter(|&(&(s, d), f)| (s == node || d == node) && f.delay_s > 0.4)
            .count();
        assert_eq!(app.figures.over_target.get(&node).copied().unwrap_or(0), over, "node {node}");
    }
    assert!(!app.figures.over_target.is_empty());
}

#[test]
fn the_planning_report_is_exported_from_the_file_menu() {
    let mut harness = launch();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan");
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Export report (HTML)…").click();
    harness.run();
    harness.state_mut().file_prompt.as_mut().unwrap().path = file.to_str().unwrap().into();
    harness.run();
    harness.get_by_label("Export").click();
    wait_for(&mut harness, "the report", |app| app.status.message.starts_with("Report written"));
    assert!(!harness.state().status.error, "{:?}", harness.state().status);
    // The prompt's path gets the .html extension; the file is the report of the open scenario.
    let html = std::fs::read_to_string(dir.path().join("plan.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Planning report: nsfnet") && html.contains("Seattle"), "{}", &html[..300]);
    assert!(html.contains("<h2>Failure sweep</h2>") && html.contains("cases (links)"));
}
