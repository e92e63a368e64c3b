//! UI frame time of the real app while a training run goes on in the background: the app's
//! logic, panels, canvas, heatmap and curves for one frame (egui layout included, GPU painting not).
//! Prints p50 / p99 / max over 600 frames after criterion's mean.

use std::time::{Duration, Instant};

use criterion::Criterion;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pathcast::ui::{AppOptions, PathcastApp};

fn launch_training(run_dir: &std::path::Path) -> Harness<'static, PathcastApp> {
    let mut harness = Harness::builder()
        .with_size([1440.0, 900.0])
        .with_step_dt(1.0 / 60.0)
        .build_eframe(|cc| PathcastApp::new(cc, AppOptions::default()));
    while !harness.state().predictions_current() {
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let forms = &mut harness.state_mut().forms;
    forms.train_data = "data/nsfnet".into();
    forms.train_devices = "cpu:1".into();
    forms.train.out = run_dir.to_owned();
    forms.train.steps = 1_000_000;
    forms.train.eval_every = 25;
    harness.get_by_label("Start training").click();
    // Frames while the curves fill up.
    while harness.state().training.val_mse.len() < 2 {
        harness.step();
        std::thread::sleep(Duration::from_millis(16));
    }
    harness
}

fn main() {
    let run_dir = tempfile::tempdir().expect("a temporary run directory");
    let mut harness = launch_training(run_dir.path());
    let mut criterion = Criterion::default().configure_from_args().measurement_time(Duration::from_secs(10));
    criterion.bench_function("ui_frame_while_training", |b| b.iter(|| harness.step()));

    let mut frames: Vec<f64> = (0..600)
        .map(|_| {
            let started = Instant::now();
            harness.step();
            let elapsed = started.elapsed().as_secs_f64();
            std::thread::sleep(Duration::from_secs_f64((1.0 / 60.0 - elapsed).max(0.0)));
            elapsed
        })
        .collect();
    frames.sort_by(f64::total_cmp);
    let at = |q: f64| frames[((frames.len() - 1) as f64 * q).round() as usize] * 1e3;
    let app = harness.state();
    println!(
        "UI frame while training ({} steps done, {} curve points): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        app.training.step,
        app.training.loss.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    if let Some(p99) = app.frames.quantile(0.99) {
        println!("the app's own ui() time, p99 over its last 600 frames: {:.2} ms", p99 * 1e3);
    }
    harness.state_mut().run(pathcast::ui::Command::StopTraining);
    while harness.state().training_running() {
        harness.step();
        std::thread::sleep(Duration::from_millis(16));
    }
}
