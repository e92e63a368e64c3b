//! `pathcast bench train`: the reference poster's Table 1, measured here. The baseline (one device,
//! Adam, constant learning rate) and the framework (N replicas, LAMB, warm-up and decay, clipping,
//! weight averaging) train for the same steps on the same data.
//!
//! Convergence is time-to-quality, as MLPerf Training defines it: the first evaluation at a target
//! validation MSE fixed for both runs, here the baseline's lowest. Each run's own plateau (the first
//! evaluation within 10 % of its own lowest) is reported beside it: it says when a curve stopped
//! improving, which a run still improving at its last step never does.

use std::fmt::Write;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crossbeam_channel::unbounded;

use super::trainer::{TrainConfig, TrainError, TrainEvent, train_on_devices};

/// What one run achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub name: String,
    pub devices: String,
    pub optimizer: String,
    pub lowest_mse: f64,
    pub highest_pearson: f64,
    /// Training steps per second, time spent evaluating and checkpointing left out.
    pub steps_per_s: f64,
    /// Training samples per second, likewise.
    pub samples_per_s: f64,
    /// Mean wall time of one pass over the validation set (s).
    pub inference_s: f64,
    /// Standard deviation of the validation MSE over all evaluations.
    pub mse_std: f64,
    pub wall_s: f64,
    /// (step, validation MSE, seconds of training) of every evaluation.
    pub evaluations: Vec<(u64, f64, f64)>,
}

impl RunSummary {
    /// The first evaluation (step, seconds) at which the validation MSE is at most `target`.
    pub fn first_reaching(&self, target: f64) -> Option<(u64, f64)> {
        self.evaluations.iter().find(|e| e.1 <= target).map(|e| (e.0, e.2))
    }

    /// The first evaluation (step, seconds) within 10 % of the run's own lowest MSE.
    pub fn plateau(&self) -> (u64, f64) {
        self.first_reaching(1.1 * self.lowest_mse).expect("the lowest is among the evaluations")
    }
}

/// Trains one configuration to the end and summarises it.
pub fn run(name: &str, config: &TrainConfig) -> Result<RunSummary, TrainError> {
    let (tx, rx) = unbounded();
    let started = Instant::now();
    train_on_devices(config, &tx, &AtomicBool::new(false))?;
    let wall_s = started.elapsed().as_secs_f64();
    drop(tx);
    let mut evals = Vec::new();
    let (mut last_step_at, mut training_s, mut samples_per_s, mut steps) = (0.0, 0.0, 0.0, 0);
    for event in rx.iter() {
        match event {
            TrainEvent::Step { step, elapsed_s, training_s: trained, samples_per_s: rate, .. } => {
                (steps, last_step_at, training_s, samples_per_s) = (step, elapsed_s, trained, rate);
            }
            TrainEvent::Eval { step, metrics, .. } => evals.push((step, metrics, last_step_at)),
            _ => {}
        }
    }
    if evals.is_empty() {
        return Err(TrainError::Config(format!("{name}: no evaluation ran (no validation shards?)")));
    }
    let mses: Vec<f64> = evals.iter().map(|e| e.1.overall.mse).collect();
    let lowest_mse = mses.iter().copied().fold(f64::INFINITY, f64::min);
    let mean = mses.iter().sum::<f64>() / mses.len() as f64;
    let mse_std = (mses.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / mses.len() as f64).sqrt();
    Ok(RunSummary {
        name: name.to_owned(),
        devices: config.devices.to_string(),
        optimizer: format!("{:?}", config.optimizer).to_lowercase(),
        lowest_mse,
        highest_pearson: evals.iter().map(|e| e.1.overall.pearson).fold(f64::NEG_INFINITY, f64::max),
        steps_per_s: steps as f64 / training_s.max(f64::MIN_POSITIVE),
        samples_per_s,
        inference_s: evals.iter().map(|e| e.1.seconds).sum::<f64>() / evals.len() as f64,
        mse_std,
        wall_s,
        evaluations: evals.iter().map(|e| (e.0, e.1.overall.mse, e.2)).collect(),
    })
}

/// The comparison as a Markdown table, one column per run (the first is the baseline).
pub fn markdown(runs: &[RunSummary]) -> String {
    let baseline_best = runs.first().map_or(f64::NAN, |r| r.lowest_mse);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| Metric | {} |",
        runs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(runs.len()));
    let row = |out: &mut String, label: &str, f: &dyn Fn(&RunSummary) -> String| {
        let _ = writeln!(out, "| {label} | {} |", runs.iter().map(f).collect::<Vec<_>>().join(" | "));
    };
    row(&mut out, "Devices / optimizer", &|r| format!("{} / {}", r.devices, r.optimizer));
    row(&mut out, "Lowest MSE", &|r| format!("{:.5}", r.lowest_mse));
    row(&mut out, "Highest ρ", &|r| format!("{:.4}", r.highest_pearson));
    row(&mut out, "Training step/s", &|r| format!("{:.2}", r.steps_per_s));
    row(&mut out, "Training samples/s", &|r| format!("{:.1}", r.samples_per_s));
    row(&mut out, "Inference time (validation set)", &|r| format!("{:.2} s", r.inference_s));
    let converged = |r: &RunSummary| r.first_reaching(baseline_best);
    row(&mut out, "Convergence step (baseline's lowest MSE reached)", &|r| {
        converged(r).map_or("not reached".to_owned(), |(step, _)| step.to_string())
    });
    row(&mut out, "Time to convergence", &|r| {
        converged(r).map_or("not reached".to_owned(), |(_, seconds)| format!("{seconds:.0} s"))
    });
    row(&mut out, "Plateau (within 10 % of its own lowest)", &|r| {
        let (step, seconds) = r.plateau();
        format!("step {step}, {seconds:.0} s")
    });
    row(&mut out, "MSE std. dev.", &|r| format!("{:.5}", r.mse_std));
    row(&mut out, "Wall time", &|r| format!("{:.0} s", r.wall_s));
    out
}

/// Validation MSE at every evaluation step, one column per run, as a Markdown table.
pub fn curves(runs: &[RunSummary]) -> String {
    let mut steps: Vec<u64> = runs.iter().flat_map(|r| r.evaluations.iter().map(|e| e.0)).collect();
    steps.sort_unstable();
    steps.dedup();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| Step | {} |",
        runs.iter().map(|r| format!("{} MSE", r.name)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(runs.len()));
    for step in steps {
        let cells: Vec<String> = runs
            .iter()
            .map(|r| {
                r.evaluations.iter().find(|e| e.0 == step).map_or("".to_owned(), |e| format!("{:.5}", e.1))
            })
            .collect();
        let _ = writeln!(out, "| {step} | {} |", cells.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(name: &str, evaluations: Vec<(u64, f64, f64)>) -> RunSummary {
        let lowest_mse = evaluations.iter().map(|e| e.1).fold(f64::INFINITY, f64::min);
        RunSummary {
            name: name.into(),
            devices: "cpu:1".into(),
            optimizer: "adam".into(),
            lowest_mse,
            highest_pearson: 0.99,
            steps_per_s: 5.0,
            samples_per_s: 40.0,
            inference_s: 0.5,
            mse_std: 0.0,
            wall_s: 10.0,
            evaluations,
        }
    }

    #[test]
    fn convergence_is_the_first_evaluation_at_the_baseline_best_and_plateau_each_runs_own() {
        let base = summary("base", vec![(100, 0.05, 20.0), (200, 0.02, 40.0), (300, 0.03, 60.0)]);
        let fast = summary("fast", vec![(100, 0.018, 10.0), (200, 0.012, 20.0), (300, 0.01, 30.0)]);
        let slow = summary("slow", vec![(100, 0.09, 30.0), (200, 0.06, 60.0), (300, 0.04, 90.0)]);
        let table = markdown(&[base.clone(), fast.clone(), slow]);
        for row in [
            "| Convergence step (baseline's lowest MSE reached) | 200 | 100 | not reached |",
            "| Time to convergence | 40 s | 10 s | not reached |",
            "| Plateau (within 10 % of its own lowest) | step 200, 40 s | step 300, 30 s | step 300, 90 s |",
            "| Lowest MSE | 0.02000 | 0.01000 | 0.04000 |",
        ] {
            assert!(table.contains(row), "no row {row:?} in\n{table}");
        }
        let curves = curves(&[base, fast]);
        assert!(curves.contains("| 200 | 0.02000 | 0.01200 |"), "{curves}");
    }
}
