//! The planning report: one self-contained HTML file (no scripts, no outside resources) with the
//! topology picture, per-pair delays as a table and a heatmap, link loads, a failure sweep, the
//! pairs over their delay targets, suggested upgrades, the model and its extrapolation flags,
//! and the simulator's check when it was run.

mod page;
mod svg;

use crate::model::{PredictError, Prediction, TrainedModel, TrainingRanges};
use crate::net::{Metric, NodeId, Scenario};
use crate::plan::upgrades::{UpgradePlan, UpgradeRules, suggest};
use crate::plan::{Sweep, SweepKind, Violation, sweep, violations};
use crate::sim::{SimConfig, SimError, simulate};

pub use page::render;

/// What the report runs besides the prediction.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// A failure sweep to include.
    pub sweep: Option<SweepKind>,
    /// Search for upgrades that meet the delay targets (only when the scenario has targets).
    pub upgrades: Option<UpgradeRules>,
    /// Simulate the scenario and set the simulated delays beside the predicted ones.
    pub verify: Option<SimConfig>,
}

/// The simulator's check of the prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Per pair: source, destination, predicted and simulated mean delay (s).
    pub pairs: Vec<(NodeId, NodeId, f64, f64)>,
    /// Mean absolute percentage error of the predictions against the simulation (%).
    pub mape_percent: f64,
    /// Pairs over their target in the simulation.
    pub over_target: usize,
    /// Whether every flow reached its packet target.
    pub complete: bool,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub scenario: Scenario,
    pub model_name: String,
    pub ranges: TrainingRanges,
    pub prediction: Prediction,
    pub violations: Vec<Violation>,
    pub sweep: Option<Sweep>,
    pub upgrades: Option<UpgradePlan>,
    pub verification: Option<Verification>,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot predict: {0}")]
    Predict(#[from] PredictError),
    #[error("cannot simulate: {0}")]
    Simulate(#[from] SimError),
}

/// Predicts `scenario` and runs what `options` ask for; `metric` reroutes around failures.
pub fn build(
    model: &TrainedModel,
    model_name: &str,
    scenario: &Scenario,
    options: &ReportOptions,
    metric: Metric,
) -> Result<Report, ReportError> {
    let prediction = model.predict(scenario)?;
    let sweep = options.sweep.map(|kind| sweep(model, scenario, kind, metric)).transpose()?;
    let upgrades = match options.upgrades {
        Some(rules) if !scenario.targets.is_empty() => Some(suggest(model, scenario, rules, metric)?.0),
        _ => None,
    };
    let verification =
        options.verify.as_ref().map(|config| verify(scenario, &prediction, config)).transpose()?;
    Ok(Report {
        violations: violations(scenario, &prediction),
        scenario: scenario.clone(),
        model_name: model_name.to_owned(),
        ranges: model.ranges.clone(),
        prediction,
        sweep,
        upgrades,
        verification,
    })
}

fn verify(
    scenario: &Scenario,
    prediction: &Prediction,
    config: &SimConfig,
) -> Result<Verification, SimError> {
    let simulated = simulate(scenario, config)?;
    let simulated_delay: std::collections::BTreeMap<(NodeId, NodeId), f64> =
        simulated.flows.iter().map(|f| ((f.src, f.dst), f.mean_delay_s)).collect();
    // Pairs with no packet delivered in the simulation have no mean delay to compare.
    let pairs: Vec<(NodeId, NodeId, f64, f64)> = prediction
        .flows
        .iter()
        .filter_map(|p| {
            let (src, dst) = (p.src as NodeId, p.dst as NodeId);
            let sim = simulated_delay.get(&(src, dst)).copied().filter(|d| d.is_finite())?;
            Some((src, dst, p.delay_s, sim))
        })
        .collect();
    let mape_percent = pairs.iter().map(|&(_, _, p, s)| ((p - s) / s).abs()).sum::<f64>()
        / pairs.len().max(1) as f64
        * 100.0;
    let over_target =
        pairs.iter().filter(|&&(s, d, _, sim)| scenario.targets.of(s, d).is_some_and(|t| sim > t)).count();
    Ok(Verification { pairs, mape_percent, over_target, complete: simulated.complete })
}
