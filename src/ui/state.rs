//! The app's state, the commands panels send, and the types both hold: panels, the canvas and
//! the analysis views read this state and push [`Command`]s; `app` applies them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use eframe::egui::Pos2;

use crate::net::{NodeId, Path, Scenario};
use crate::plan::upgrades::UpgradePlan;
use crate::plan::{CaseImpact, PlanComparison, SweepKind};
use crate::sim::SimResult;
use crate::train::{TrainConfig, TrainHandle};
use crate::ui::document::{Document, Edit};
use crate::ui::figures::{LinkColouring, LinkFigures};
use crate::ui::jobs::{DatasetRun, DialogPurpose, Jobs, VerifyRun};
use crate::ui::predictor::{ModelSource, Prediction, Predictor};
use crate::ui::tables::{Sources, TableView};

/// Everything a panel can ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Edit(Edit),
    /// Take back the last edit.
    Undo,
    /// Show why a typed value was refused.
    Refuse(String),
    /// Use this path for what the file prompt was opened for.
    ChoosePath(DialogPurpose, PathBuf),
    /// Open the desktop's native file dialog for the prompt's purpose.
    Browse(DialogPurpose),
    /// Close the file prompt.
    CancelPrompt,
    /// Stop the running "Verify" simulation.
    CancelVerify,
    /// Save, then carry out the action that waited for "discard unsaved changes?".
    SaveAndContinue,
    /// Apply the last undone edit again.
    Redo,
    SelectNode(Option<NodeId>),
    SelectLink(Option<(NodeId, NodeId)>),
    SelectPair(Option<(NodeId, NodeId)>),
    /// The nodes clicked so far with the Route tool.
    SetRouteDraft(Vec<NodeId>),
    FitView,
    LoadBuiltin(&'static str),
    Open(PathBuf),
    Pick(DialogPurpose),
    Save,
    Train {
        resume: bool,
    },
    StopTraining,
    UseModel(ModelSource),
    GenerateDataset,
    CancelDataset,
    Verify,
    Sweep,
    /// Search for the cheapest capacity upgrades that meet the delay targets.
    SuggestUpgrades,
    /// Stop comparing with another plan.
    CloseComparison,
    /// Carry out the action that waited for "discard unsaved changes?".
    ConfirmDiscard,
    CancelDiscard,
    /// Hide the banner about assumed link speeds.
    DismissSpeedWarning,
    /// Quit the app.
    Close,
}

/// The canvas tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Select, move, pan.
    Select,
    /// Drag from node to node to add a link.
    Link,
    /// Click a node sequence to re-route the selected pair.
    Route,
}

/// A part of the analysis panel the app can open on (`pathcast gui --show`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    /// The heatmap at the top: nothing to do.
    #[default]
    Heatmap,
    /// The tables, opened.
    Tables,
    /// The training curves, with a run started on the form's dataset.
    Training,
    /// Verify, with a simulation started once the predictions are in.
    Verify,
    /// The comparison with another plan.
    Compare,
}

/// What is selected and how the canvas looks.
#[derive(Debug, Clone)]
pub struct View {
    pub tool: Tool,
    pub colouring: LinkColouring,
    pub node: Option<NodeId>,
    pub link: Option<(NodeId, NodeId)>,
    pub pair: Option<(NodeId, NodeId)>,
    /// Nodes clicked so far with the Route tool.
    pub route_draft: Vec<NodeId>,
    /// What the heatmap shows.
    pub heatmap_mode: HeatmapMode,
    pub camera: Camera,
    /// A section of the analysis panel kept scrolled into view until the planner scrolls or clicks.
    pub reveal: Option<Section>,
    /// The traffic class the heatmap shows (`None`: every pair).
    pub heatmap_class: Option<u8>,
}

/// What the heatmap shows per pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeatmapMode {
    /// The predicted delay.
    #[default]
    Predicted,
    /// The change since the last edit.
    SinceLastEdit,
    /// The compared plan's delay less this plan's.
    VersusPlan,
}

/// Another plan (scenario file) set beside the open one.
pub struct Comparison {
    pub path: PathBuf,
    pub plan: Arc<Scenario>,
    /// The comparison and the document revision it was made for; `None` until the first arrives.
    pub result: Option<(u64, PlanComparison)>,
}

/// Settings forms: the state of their text fields.
#[derive(Debug, Clone)]
pub struct Forms {
    pub traffic_seed: u64,
    pub peak_utilisation: f64,
    pub scale: f64,
    pub train: TrainConfig,
    pub train_data: String,
    pub train_devices: String,
    pub dataset_samples: u64,
    pub dataset_seed: u64,
    pub dataset_out: String,
    pub verify_packets: u64,
    /// The capacity "set all assumed speeds" gives, as typed (e.g. `10G`).
    pub assumed_speed: String,
    /// The table shown, its order and filter.
    pub table: TableView,
    /// The factor "scale the shown links' capacity" applies.
    pub capacity_factor: f64,
    /// The failures a sweep goes through.
    pub sweep_kind: SweepKind,
    /// The name the links failed now are saved under.
    pub failure_name: String,
    /// Upgrade search: the capacity factor of one step, the most steps, and the failures the
    /// targets must also hold under.
    pub upgrade_step: f64,
    pub upgrade_max_steps: u32,
    pub upgrade_failures: Option<SweepKind>,
}

impl Default for Forms {
    fn default() -> Self {
        Forms {
            traffic_seed: 1,
            assumed_speed: "1G".into(),
            table: TableView::default(),
            capacity_factor: 2.0,
            sweep_kind: SweepKind::Links,
            failure_name: String::new(),
            upgrade_step: 2.0,
            upgrade_max_steps: 30,
            upgrade_failures: None,
            peak_utilisation: 0.7,
            scale: 1.1,
            train: TrainConfig {
                out: PathBuf::from("runs/gui"),
                steps: 2000,
                eval_every: 100,
                optimizer: crate::train::trainer::OptimizerKind::Lamb,
                learning_rate: 1e-2,
                warmup_steps: 100,
                decay: true,
                clip_norm: Some(1.0),
                average_decay: Some(0.99),
                ..TrainConfig::default()
            },
            train_data: "data/diverse".into(),
            train_devices: format!(
                "cpu:{}",
                std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
            ),
            dataset_samples: 200,
            dataset_seed: 1,
            dataset_out: "datasets/gui".into(),
            verify_packets: 2000,
        }
    }
}

/// A training run and its curves.
#[derive(Default)]
pub struct Training {
    pub handle: Option<TrainHandle>,
    pub out: Option<PathBuf>,
    /// (step, training loss).
    pub loss: Vec<[f64; 2]>,
    /// (step, validation MSE) and (step, validation ρ).
    pub val_mse: Vec<[f64; 2]>,
    pub val_pearson: Vec<[f64; 2]>,
    /// (step, ρ on a training shard), measured with each validation.
    pub train_pearson: Vec<[f64; 2]>,
    pub step: u64,
    pub steps: u64,
    pub first_step: Option<(u64, Instant)>,
    pub samples_per_s: f64,
    /// Set once Stop is asked for: the run is ending early.
    pub stopping: bool,
    /// How the last run ended: `Some(true)` when it was stopped before its last step.
    pub stopped: Option<bool>,
}

/// Loss points kept for the curve; beyond this, neighbours are averaged in pairs.
const MAX_LOSS_POINTS: usize = 4096;

impl Training {
    /// Adds a training-loss point, halving the resolution of old points when there are too many,
    /// so that a long run keeps drawing in constant time.
    pub fn push_loss(&mut self, step: u64, loss: f64) {
        self.loss.push([step as f64, loss]);
        if self.loss.len() > MAX_LOSS_POINTS {
            self.loss = self
                .loss
                .chunks(2)
                .map(|c| [c[c.len() - 1][0], c.iter().map(|p| p[1]).sum::<f64>() / c.len() as f64])
                .collect();
        }
    }

    /// Seconds left at the current pace, once two steps are known, while the run goes on.
    pub fn eta_s(&self) -> Option<f64> {
        if self.handle.is_none() || self.stopping {
            return None;
        }
        let (first, started) = self.first_step?;
        let done = self.step.checked_sub(first).filter(|&d| d > 0)?;
        Some(started.elapsed().as_secs_f64() / done as f64 * self.steps.saturating_sub(self.step) as f64)
    }
}

/// The latest "Verify" result.
pub struct Verification {
    pub revision: u64,
    pub prediction: Arc<Prediction>,
    pub result: SimResult,
    pub seconds: f64,
}

/// The status line.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub message: String,
    pub error: bool,
}

/// Recent frame times, for the status bar and the frame-time bench.
#[derive(Debug, Clone, Default)]
pub struct FrameTimes {
    samples: std::collections::VecDeque<f64>,
}

impl FrameTimes {
    const KEEP: usize = 600;

    /// Records one frame's duration, forgetting the oldest beyond the last `KEEP`.
    pub fn push(&mut self, seconds: f64) {
        if self.samples.len() == Self::KEEP {
            self.samples.pop_front();
        }
        self.samples.push_back(seconds);
    }

    /// The `q` quantile (0..=1) of the kept frame times, in seconds.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let mut sorted: Vec<f64> = self.samples.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let last = sorted.len().checked_sub(1)?;
        Some(sorted[((last as f64) * q).round() as usize])
    }
}

/// What a heatmap was computed from (see [`PathcastApp::heatmap`]).
pub type HeatmapKey = (u64, Option<u64>, Option<u64>, Option<u64>, HeatmapMode, Option<u8>);

/// Pan and zoom: a screen point is `centre + (world - focus) * scale`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Camera {
    /// `None` until the first frame fits the topology to the canvas.
    pub view: Option<(Pos2, f32)>,
    /// A node being dragged, at its current world position.
    pub dragging: Option<(NodeId, Pos2)>,
    /// A link being drawn from a node (Link tool), to the pointer.
    pub linking: Option<NodeId>,
    /// The canvas size the view was fitted to; a view the planner has not panned or zoomed is
    /// fitted again when the canvas changes size.
    pub fitted_to: Option<(f32, f32)>,
    /// Whether the planner has panned or zoomed since the view was fitted.
    pub moved: bool,
}

/// A heatmap's cells: row `r` is the r-th source from the top, column `c` the c-th destination.
pub struct HeatmapCells {
    pub nodes: Vec<NodeId>,
    /// Row-major values in ms; NaN where a pair has no prediction.
    pub values: Vec<f64>,
    /// Row-major: whether the pair's prediction is an extrapolation.
    pub extrapolated: Vec<bool>,
    /// Row-major: whether the pair's predicted delay is over its delay target.
    pub over_target: Vec<bool>,
    pub diff: bool,
}

impl HeatmapCells {
    /// Predicted delay per pair, its change since the last edit, or the compared plan's delay
    /// less this plan's.
    pub fn new(app: &PathcastApp, mode: HeatmapMode) -> Option<Self> {
        let prediction = app.prediction.as_ref()?;
        let baseline = match mode {
            HeatmapMode::SinceLastEdit => Some(&app.baseline.as_ref()?.flows),
            HeatmapMode::Predicted | HeatmapMode::VersusPlan => None,
        };
        // Against another plan, both delays come from the comparison's own predictions.
        let versus = match mode {
            HeatmapMode::VersusPlan => Some(app.comparison.as_ref()?.result.as_ref()?.1.pair_changes()),
            _ => None,
        };
        let diff = mode != HeatmapMode::Predicted;
        let nodes: Vec<NodeId> = app.doc.design().topology.node_ids().collect();
        let mut values = Vec::with_capacity(nodes.len() * nodes.len());
        let mut extrapolated = Vec::with_capacity(nodes.len() * nodes.len());
        let mut over_target = Vec::with_capacity(nodes.len() * nodes.len());
        for &src in &nodes {
            for &dst in &nodes {
                let in_class =
                    app.view.heatmap_class.is_none_or(|c| app.doc.design().qos.class(src, dst) == c);
                let flow = prediction.flows.get(&(src, dst)).filter(|_| in_class);
                extrapolated.push(flow.is_some_and(|f| !f.extrapolated.is_empty()));
                let target = app.doc.design().targets.of(src, dst);
                over_target.push(flow.zip(target).is_some_and(|(f, t)| f.delay_s > t));
                let now = flow.map(|f| f.delay_s * 1e3);
                let value = match (now, &baseline, &versus) {
                    (Some(_), _, Some(changes)) => changes.get(&(src, dst)).map_or(f64::NAN, |c| c * 1e3),
                    (Some(now), None, None) => now,
                    (Some(now), Some(base), None) => {
                        base.get(&(src, dst)).map_or(f64::NAN, |b| now - b.delay_s * 1e3)
                    }
                    (None, _, _) => f64::NAN,
                };
                values.push(value);
            }
        }
        Some(HeatmapCells { nodes, values, extrapolated, over_target, diff })
    }

    /// The colour scale's ends: 0 to the largest value, or symmetric about 0 for a change.
    pub fn range(&self) -> (f64, f64) {
        let finite = self.values.iter().copied().filter(|v| v.is_finite());
        if self.diff {
            let m = finite.map(f64::abs).fold(1e-9, f64::max);
            (-m, m)
        } else {
            finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
        }
    }
}

/// The built-in file prompt: a path typed by hand, so files open and save even on a desktop with
/// no native file dialog; "Browse…" offers the native one where there is.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePrompt {
    pub purpose: DialogPurpose,
    pub path: String,
}

/// The pathcast desktop app.
pub struct PathcastApp {
    pub doc: Document,
    /// Set when the open file's link speeds were partly or wholly assumed: shown as a banner
    /// until the user dismisses it or opens another file.
    pub speed_warning: Option<String>,
    pub(in crate::ui) predictor: Predictor,
    pub(in crate::ui) jobs: Jobs,
    /// Predictions for the current revision (or the newest one received).
    pub prediction: Option<Arc<Prediction>>,
    /// Predictions from before the last edit, for the diff view.
    pub baseline: Option<Arc<Prediction>>,
    pub figures: LinkFigures,
    pub model_name: String,
    pub view: View,
    pub forms: Forms,
    pub training: Training,
    pub dataset: Option<DatasetRun>,
    pub verification: Option<Verification>,
    /// The predictions a running "Verify" compares against.
    pub verifying: Option<Arc<Prediction>>,
    /// The running "Verify" simulation: its progress and cancel switch.
    pub verify_run: Option<VerifyRun>,
    /// The last failure sweep's cases, worst first, and the revision it was run on.
    pub sweep: Option<(u64, Vec<CaseImpact>)>,
    pub sweeping: bool,
    /// The last upgrade suggestion and the revision it was made for.
    pub upgrades: Option<(u64, UpgradePlan)>,
    pub suggesting: bool,
    /// Another plan compared with this one.
    pub comparison: Option<Comparison>,
    /// The selected pair's k shortest paths, and the (revision, pair) they were found for.
    pub alternatives: Option<(u64, (NodeId, NodeId), Vec<Path>)>,
    /// The heatmap's cells and what they were computed from: (document revision, prediction
    /// revision, baseline revision, diff view).
    pub heatmap: Option<(HeatmapKey, HeatmapCells)>,
    pub recent: Vec<PathBuf>,
    pub status: Status,
    pub frames: FrameTimes,
    /// An action waiting for the planner to discard unsaved changes.
    pub pending: Option<Command>,
    /// Whether the pending action runs once the save under way succeeds.
    pub continue_after_save: bool,
    pub file_prompt: Option<FilePrompt>,
    /// A command to run once the first predictions are in (`--show training` or `verify`).
    pub(in crate::ui) on_first_prediction: Option<Command>,
    pub(in crate::ui) screenshot: Option<(PathBuf, u64, Arc<AtomicBool>)>,
    pub(in crate::ui) frame: u64,
    pub(in crate::ui) quit: bool,
}

impl PathcastApp {
    /// What the tables are built from, now.
    pub fn table_sources(&self) -> Sources<'_> {
        Sources {
            doc: &self.doc,
            prediction: self.prediction.as_deref().filter(|_| self.predictions_current()),
            sweep: self.sweep.as_ref().map_or(&[], |(_, impacts)| impacts.as_slice()),
            verification: self.verification.as_ref().map(|v| (&v.result, v.prediction.as_ref())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_keeps_a_bounded_loss_curve_with_the_right_mean() {
        let mut training = Training::default();
        let steps = 3 * MAX_LOSS_POINTS as u64;
        for step in 1..=steps {
            training.push_loss(step, step as f64);
        }
        assert!(training.loss.len() <= MAX_LOSS_POINTS);
        assert_eq!(training.loss.last().unwrap()[0], steps as f64);
        // With loss = step, a point averaging the steps since the previous point lies between them.
        assert!(training.loss.windows(2).all(|w| w[0][0] < w[1][1] && w[1][1] <= w[1][0]));
        assert!(training.loss.windows(2).all(|w| w[0][0] < w[1][0]));
    }

    #[test]
    fn frame_time_quantiles_come_from_the_kept_window() {
        let mut frames = FrameTimes::default();
        assert_eq!(frames.quantile(0.5), None);
        for i in 0..1000 {
            frames.push(f64::from(i));
        }
        // Only the last 600 frames (400..999) are kept.
        assert_eq!(frames.quantile(0.0), Some(400.0));
        assert_eq!(frames.quantile(1.0), Some(999.0));
        assert_eq!(frames.quantile(0.5), Some(700.0));
    }
}
