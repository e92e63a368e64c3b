//! The app: the frame loop that applies the commands panels send to the state ([`super::state`])
//! and collects what the workers report. Heavy work happens on workers.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::TryRecvError;
use eframe::egui;

use crate::net::{Scenario, builtin, routing};
use crate::plan::SweepKind;
use crate::plan::upgrades::UpgradeRules;
use crate::report::ReportOptions;
use crate::sim::SimConfig;
use crate::train::{TrainConfig, TrainEvent};
use crate::ui::document::{Document, Edit, METRIC};
use crate::ui::figures::{LinkColouring, LinkFigures};
use crate::ui::jobs::{DialogPurpose, JobEvent, Jobs, with_traffic};
use crate::ui::predictor::{ModelSource, Predictor, PredictorReply};
use crate::ui::state::{
    Camera, Command, Comparison, FilePrompt, Forms, FrameTimes, HeatmapCells, HeatmapMode, PathcastApp,
    Section, Status, Tool, Training, Verification, View,
};
use crate::ui::tables::{self, TableView};
use crate::ui::{analysis, canvas, panels};

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// A topology or scenario to open instead of NSFNet.
    pub open: Option<String>,
    /// Save a PNG of the window here after `screenshot_frames` frames, then quit.
    pub screenshot: Option<PathBuf>,
    pub screenshot_frames: u64,
    /// Window size in logical pixels (default 1440×900).
    pub size: Option<[f32; 2]>,
    /// The section of the analysis panel to open on; training and verify start running.
    pub show: Section,
    /// A plan to compare the opened one with (the comparison is shown, heatmap included).
    pub compare: Option<PathBuf>,
}

/// Alternatives offered for re-routing a pair.
const ALTERNATIVES: usize = 4;

const RECENT_KEY: &str = "pathcast.recent";
const RECENT_MAX: usize = 8;

impl PathcastApp {
    /// Builds the app: NSFNet (or `options.open`) with generated traffic, predictions requested.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let ctx = cc.egui_ctx.clone();
        let wake: crate::ui::predictor::Wake = Arc::new(move || ctx.request_repaint());
        let recent = cc.storage.and_then(|s| eframe::get_value(s, RECENT_KEY)).unwrap_or_default();
        if let Some([width, height]) = options.size {
            // eframe restores the last session's window size; a size asked for wins.
            cc.egui_ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(egui::vec2(width, height)));
        }
        let mut app = PathcastApp {
            doc: Document::new(starter("nsfnet"), None),
            speed_warning: None,
            predictor: Predictor::spawn(wake.clone()),
            jobs: Jobs::new(wake),
            prediction: None,
            baseline: None,
            figures: LinkFigures::default(),
            model_name: "shipped model".into(),
            view: View {
                tool: Tool::Select,
                colouring: LinkColouring::Utilisation,
                node: None,
                link: None,
                pair: Some((0, 13)),
                route_draft: Vec::new(),
                heatmap_mode: HeatmapMode::Predicted,
                camera: Camera::default(),
                reveal: (options.show != Section::Heatmap).then_some(options.show),
                heatmap_class: None,
            },
            forms: Forms::default(),
            training: Training::default(),
            dataset: None,
            verification: None,
            verifying: None,
            verify_run: None,
            sweep: None,
            sweeping: false,
            upgrades: None,
            suggesting: false,
            comparison: None,
            alternatives: None,
            heatmap: None,
            recent,
            status: Status::default(),
            frames: FrameTimes::default(),
            pending: None,
            continue_after_save: false,
            file_prompt: None,
            on_first_prediction: match options.show {
                Section::Training => Some(Command::Train { resume: false }),
                Section::Verify => Some(Command::Verify),
                Section::Heatmap | Section::Tables | Section::Compare => None,
            },
            screenshot: options.screenshot.map(|p| (p, options.screenshot_frames.max(2), Arc::default())),
            frame: 0,
            quit: false,
        };
        app.document_changed(true);
        if let Some(path) = options.compare {
            app.jobs.load_plan(path);
            app.view.reveal = Some(Section::Compare);
            app.view.heatmap_mode = HeatmapMode::VersusPlan;
        }
        if let Some(spec) = options.open {
            match builtin::NAMES.iter().find(|n| n.eq_ignore_ascii_case(&spec)) {
                Some(name) => app.run(Command::LoadBuiltin(name)),
                None => app.run(Command::Open(PathBuf::from(spec))),
            }
        }
        app
    }

    /// Whether predictions are up to date with the document.
    pub fn predictions_current(&self) -> bool {
        self.prediction.as_ref().is_some_and(|p| p.revision == self.doc.revision())
    }

    /// Whether a training run is going.
    pub fn training_running(&self) -> bool {
        self.training.handle.is_some()
    }

    /// Carries out a command from a panel.
    pub fn run(&mut self, command: Command) {
        match command {
            Command::Edit(edit) => self.edit(edit),
            Command::Undo => self.step_history(true),
            Command::Refuse(why) => self.error(format!("Refused: {why}")),
            Command::Redo => self.step_history(false),
            Command::SelectNode(node) => {
                self.view.node = node;
                self.view.link = None;
            }
            Command::SelectLink(link) => {
                self.view.link = link;
                self.view.node = None;
            }
            Command::SelectPair(pair) => {
                self.view.pair = pair;
                self.view.route_draft.clear();
            }
            Command::SetRouteDraft(draft) => self.view.route_draft = draft,
            Command::FitView => self.view.camera.view = None,
            Command::LoadBuiltin(name) => self.unless_dirty(Command::LoadBuiltin(name), |app| {
                app.replace_document(Document::new(starter(name), None));
                app.info(format!("Loaded {name} with generated traffic (70 % peak utilisation)"));
            }),
            Command::Open(path) => self.unless_dirty(Command::Open(path.clone()), |app| app.jobs.load(path)),
            Command::Pick(DialogPurpose::Open) => {
                self.unless_dirty(Command::Pick(DialogPurpose::Open), |app| app.prompt(DialogPurpose::Open))
            }
            Command::Pick(purpose) => self.prompt(purpose),
            Command::Browse(purpose) => {
                let start = self.doc.path.as_ref().and_then(|p| p.parent().map(PathBuf::from));
                self.jobs.pick(purpose, start);
            }
            Command::ChoosePath(purpose, path) => {
                self.file_prompt = None;
                self.chosen(purpose, path);
            }
            Command::CancelPrompt => {
                self.file_prompt = None;
                self.continue_after_save = false;
            }
            Command::Save => self.save(),
            Command::SaveAndContinue => {
                self.continue_after_save = true;
                self.save();
            }
            Command::Train { resume } => self.start_training(resume),
            Command::StopTraining => {
                if let Some(handle) = &self.training.handle {
                    handle.stop();
                    self.training.stopping = true;
                    self.info("Stopping after the current step (a checkpoint is saved)…");
                }
            }
            Command::UseModel(source) => self.predictor.load(source),
            Command::GenerateDataset => self.start_dataset(),
            Command::CancelDataset => {
                if let Some(run) = &self.dataset {
                    run.cancel();
                    self.info("Cancelling: finished shards are kept; generating again resumes");
                }
            }
            Command::Verify => self.verify(),
            Command::CancelVerify => {
                if let Some(run) = &self.verify_run {
                    run.cancel.store(true, Ordering::Relaxed);
                }
            }
            Command::DismissSpeedWarning => self.speed_warning = None,
            Command::Sweep => {
                self.sweeping = true;
                self.predictor.sweep(self.doc.revision(), self.doc.effective(), self.forms.sweep_kind);
            }
            Command::SuggestUpgrades => {
                self.suggesting = true;
                self.predictor.upgrades(self.doc.revision(), self.doc.effective(), self.upgrade_rules());
            }
            Command::CloseComparison => {
                self.comparison = None;
                if self.view.heatmap_mode == HeatmapMode::VersusPlan {
                    self.view.heatmap_mode = HeatmapMode::Predicted;
                }
            }
            Command::ConfirmDiscard => {
                if let Some(action) = self.pending.take() {
                    self.doc.dirty = false;
                    self.run(action);
                }
            }
            Command::CancelDiscard => self.pending = None,
            Command::Close => self.quit = true,
        }
    }

    fn unless_dirty(&mut self, command: Command, action: impl FnOnce(&mut Self)) {
        if self.doc.dirty {
            self.pending = Some(command);
        } else {
            action(self);
        }
    }

    fn edit(&mut self, edit: Edit) {
        let route_edit = matches!(edit, Edit::SetRoute(_));
        let revision = self.doc.revision();
        let applied = self.doc.apply(edit);
        if route_edit {
            // A refused route must not stay drawn over links it cannot take.
            self.view.route_draft.clear();
            self.view.tool = Tool::Select;
        }
        match applied {
            Ok(()) => {
                self.clear_error();
                self.changed_since(revision);
            }
            Err(error) => self.error(format!("Refused: {error}")),
        }
    }

    /// Undoes (`back`) or redoes the last edit.
    fn step_history(&mut self, back: bool) {
        let revision = self.doc.revision();
        let stepped = if back { self.doc.undo() } else { self.doc.redo() };
        if !stepped {
            return self.info(if back { "Nothing to undo" } else { "Nothing to redo" });
        }
        self.info(if back { "Undone" } else { "Redone" });
        self.changed_since(revision);
    }

    /// Asks for new predictions when the document has left `revision` (moving nodes does not).
    fn changed_since(&mut self, revision: u64) {
        if self.doc.revision() != revision {
            self.document_changed(false);
        }
    }

    fn replace_document(&mut self, doc: Document) {
        self.doc = doc;
        self.speed_warning = None;
        let n = self.doc.design().topology.node_ids().collect::<Vec<_>>();
        self.view.pair = n.first().zip(n.last()).map(|(&a, &b)| (a, b)).filter(|(a, b)| a != b);
        self.view.node = None;
        self.view.link = None;
        self.view.route_draft.clear();
        // A new document has no "before the last edit" to compare with.
        if self.view.heatmap_mode == HeatmapMode::SinceLastEdit {
            self.view.heatmap_mode = HeatmapMode::Predicted;
        }
        self.sweep = None;
        self.upgrades = None;
        self.document_changed(true);
    }

    /// Asks for predictions of the new revision; the current ones become the diff baseline.
    fn document_changed(&mut self, new_document: bool) {
        self.baseline = if new_document { None } else { self.prediction.clone().or(self.baseline.take()) };
        if new_document {
            self.prediction = None;
            self.view.camera = Camera::default();
        }
        self.figures = LinkFigures::new(self.doc.effective(), None);
        self.predictor.predict(self.doc.revision(), self.doc.effective());
        self.request_comparison();
    }

    /// The upgrade search as the Capacity upgrades form sets it (one step costs 1).
    fn upgrade_rules(&self) -> UpgradeRules {
        UpgradeRules {
            step_factor: self.forms.upgrade_step,
            cost_per_step: 1.0,
            max_steps: self.forms.upgrade_max_steps,
            failures: self.forms.upgrade_failures,
        }
    }

    /// Asks for the open plan against the compared one, if there is one.
    fn request_comparison(&self) {
        if let Some(comparison) = &self.comparison {
            self.predictor.compare(self.doc.revision(), self.doc.effective(), comparison.plan.clone());
        }
    }

    fn start_training(&mut self, resume: bool) {
        if self.training.handle.is_some() {
            return;
        }
        let devices = match self.forms.train_devices.parse() {
            Ok(d) => d,
            Err(e) => return self.error(format!("Devices: {e}")),
        };
        let data: Vec<PathBuf> = self
            .forms
            .train_data
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect();
        if data.is_empty() {
            return self.error("Training needs at least one dataset directory");
        }
        let config = TrainConfig { data, devices, resume, ..self.forms.train.clone() };
        self.training = Training {
            out: Some(config.out.clone()),
            steps: config.steps,
            handle: Some(crate::train::spawn(config)),
            ..Training::default()
        };
        self.info(if resume { "Training resumed" } else { "Training started" });
    }

    fn start_dataset(&mut self) {
        if self.dataset.is_some() {
            return;
        }
        let dir = PathBuf::from(self.forms.dataset_out.trim());
        let design = self.doc.design();
        if design.topology.node_count() < 2 || !design.topology.is_connected() {
            return self.error("Dataset generation needs a connected topology with at least two nodes");
        }
        self.dataset = Some(self.jobs.generate_dataset(
            &dir,
            &design.name,
            design.topology.clone(),
            self.forms.dataset_samples,
            self.forms.dataset_seed,
        ));
        self.info(format!("Generating {} samples into {}", self.forms.dataset_samples, dir.display()));
    }

    fn verify(&mut self) {
        let Some(prediction) = self.prediction.clone().filter(|p| p.revision == self.doc.revision()) else {
            return self.error("Wait for the predictions of the current scenario, then verify");
        };
        let config = SimConfig { packets_per_flow: self.forms.verify_packets, ..SimConfig::default() };
        self.verify_run = Some(self.jobs.verify(prediction.revision, self.doc.effective().clone(), config));
        // The prediction is kept with the run so the scatter compares like with like.
        self.verifying = Some(prediction);
    }

    fn info(&mut self, message: impl Into<String>) {
        self.status = Status { message: message.into(), error: false };
    }

    /// Clears an error from the status line once something has worked since.
    fn clear_error(&mut self) {
        if self.status.error {
            self.status = Status::default();
        }
    }

    fn error(&mut self, message: impl Into<String>) {
        // egui's bundled font has no arrows; library messages write pairs as `a→b`.
        self.status = Status { message: message.into().replace('→', "->"), error: true };
    }

    fn remember(&mut self, path: &std::path::Path) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_owned());
        self.recent.truncate(RECENT_MAX);
    }

    /// Collects what the workers reported since the last frame.
    fn poll_workers(&mut self) {
        while let Ok(reply) = self.predictor.replies.try_recv() {
            self.on_prediction(reply);
        }
        while let Ok(event) = self.jobs.events.try_recv() {
            self.on_job(event);
        }
        self.poll_training();
        if self.predictions_current()
            && let Some(command) = self.on_first_prediction.take()
        {
            self.run(command);
        }
    }

    fn on_prediction(&mut self, reply: PredictorReply) {
        match reply {
            PredictorReply::Prediction(Ok(prediction)) => {
                if prediction.revision == self.doc.revision() {
                    self.figures = LinkFigures::new(self.doc.effective(), Some(&prediction));
                }
                self.prediction = Some(prediction);
            }
            PredictorReply::Prediction(Err(message)) => self.error(format!("Cannot predict: {message}")),
            PredictorReply::Sweep { revision, impacts } => {
                self.sweeping = false;
                match impacts {
                    Ok(impacts) => self.sweep = Some((revision, impacts)),
                    Err(message) => self.error(format!("Failure sweep: {message}")),
                }
            }
            PredictorReply::ModelLoaded(Ok(name)) => {
                self.info(format!("Predicting with {name}"));
                self.model_name = name;
                self.predictor.predict(self.doc.revision(), self.doc.effective());
            }
            PredictorReply::Upgrades { revision, plan } => {
                self.suggesting = false;
                match plan {
                    Ok(plan) => self.upgrades = Some((revision, plan)),
                    Err(message) => self.error(format!("Upgrade search: {message}")),
                }
            }
            PredictorReply::Comparison { revision, result } => match (result, self.comparison.as_mut()) {
                (Ok(result), Some(comparison)) => comparison.result = Some((revision, result)),
                (Err(message), Some(_)) => self.error(format!("Cannot compare the plans: {message}")),
                (_, None) => {}
            },
            PredictorReply::ReportWritten { path, result: Ok(()) } => {
                self.info(format!("Report written to {}", path.display()))
            }
            PredictorReply::ReportWritten { path, result: Err(message) } => {
                self.error(format!("Report not written to {}: {message}", path.display()))
            }
            PredictorReply::ModelLoaded(Err(message)) => self.error(format!("Model not loaded: {message}")),
        }
    }

    /// Opens the file prompt for `purpose`, filled with the file or folder it starts from.
    fn prompt(&mut self, purpose: DialogPurpose) {
        let dir = self.doc.path.as_ref().and_then(|p| p.parent()).map(PathBuf::from).unwrap_or_default();
        let path = match purpose {
            DialogPurpose::SaveScenario => dir.join(format!("{}.json", self.doc.design().name)),
            DialogPurpose::SaveTopology => dir.join(format!("{}.gml", self.doc.design().name)),
            _ => dir,
        };
        self.file_prompt = Some(FilePrompt { purpose, path: path.display().to_string() });
    }

    /// Saves the scenario to its file, or asks where when it has none.
    fn save(&mut self) {
        match self.doc.path.clone().filter(|p| p.extension().is_some_and(|e| e == "json")) {
            Some(path) => self.jobs.save(path, self.doc.design().clone()),
            None => self.prompt(DialogPurpose::SaveScenario),
        }
    }

    /// Acts on a path chosen in the prompt or the native dialog.
    fn chosen(&mut self, purpose: DialogPurpose, path: PathBuf) {
        match purpose {
            DialogPurpose::Open => self.jobs.load(path),
            DialogPurpose::SaveScenario | DialogPurpose::SaveTopology => {
                let ext = if purpose == DialogPurpose::SaveTopology { "gml" } else { "json" };
                self.jobs.save(with_default_extension(path, ext), self.doc.design().clone());
            }
            DialogPurpose::TrainingData => {
                let dir = path.display().to_string();
                if !self.forms.train_data.split(',').any(|d| d.trim() == dir) {
                    if !self.forms.train_data.trim().is_empty() {
                        self.forms.train_data.push(',');
                    }
                    self.forms.train_data.push_str(&dir);
                }
            }
            DialogPurpose::DatasetOut => self.forms.dataset_out = path.display().to_string(),
            DialogPurpose::ExportCsv(kind) => {
                let view = TableView { kind, ..self.forms.table.clone() };
                let table = tables::build(&self.table_sources(), kind).view(&view);
                self.jobs.export(with_default_extension(path, "csv"), table.to_csv());
            }
            DialogPurpose::ExportDemands => {
                let csv = crate::plan::demands::to_csv(self.doc.design());
                self.jobs.export(with_default_extension(path, "csv"), csv);
            }
            DialogPurpose::ImportDemands => self.jobs.import_demands(path, self.doc.design().clone()),
            DialogPurpose::ComparePlan => self.jobs.load_plan(path),
            DialogPurpose::ExportReport => {
                // The sweep and upgrade search the forms are set to; the simulator's check is
                // left to `pathcast report --verify`, so the prediction worker stays quick.
                let design = self.doc.effective();
                let kind = self.forms.sweep_kind;
                let options = ReportOptions {
                    sweep: Some(if kind.nothing_to_fail(design).is_some() { SweepKind::Links } else { kind }),
                    upgrades: Some(self.upgrade_rules()),
                    verify: None,
                };
                let path = with_default_extension(path, "html");
                self.predictor.report(path, design, &self.model_name, options);
                self.info("Writing the report…");
            }
        }
    }

    fn on_job(&mut self, event: JobEvent) {
        match event {
            JobEvent::Picked { path: None, .. } => self.info(
                "No file chosen. If no dialog appeared, this desktop has no file-chooser portal: \
                 type the path in the prompt",
            ),
            JobEvent::Picked { purpose, path: Some(path) } => {
                self.file_prompt = None;
                self.chosen(purpose, path);
            }
            JobEvent::Loaded { path, result: Ok(loaded) } => {
                let scenario = with_traffic(loaded.scenario);
                self.remember(&path);
                self.replace_document(Document::new(scenario, Some(path.clone())));
                self.speed_warning = loaded.speed_warning;
                let notes = loaded.notes;
                let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join("; ")) };
                self.info(format!("Opened {}{notes}", path.display()));
            }
            JobEvent::PlanLoaded { path, result: Ok(plan) } => {
                self.info(format!("Comparing with {}", path.display()));
                self.comparison = Some(Comparison { path, plan: Arc::new(plan), result: None });
                self.request_comparison();
            }
            JobEvent::PlanLoaded { path, result: Err(message) } => {
                self.error(format!("Cannot compare with {}: {message}", path.display()))
            }
            JobEvent::Loaded { path, result: Err(message) } => {
                self.recent.retain(|p| p != &path);
                self.error(format!("Cannot open: {message}"));
            }
            JobEvent::Saved { path, result: Ok(()) } => {
                self.remember(&path);
                if path.extension().is_some_and(|e| e == "json") {
                    self.doc.saved(path.clone());
                }
                self.info(format!("Saved {}", path.display()));
                if std::mem::take(&mut self.continue_after_save)
                    && !self.doc.dirty
                    && let Some(action) = self.pending.take()
                {
                    self.run(action);
                }
            }
            JobEvent::Exported { path, result: Ok(()) } => self.info(format!("Exported {}", path.display())),
            JobEvent::DemandsRead { path, result: Ok(traffic) } => {
                let pairs = traffic.len();
                self.edit(Edit::SetTraffic(traffic));
                if !self.status.error {
                    self.info(format!("{pairs} demands from {}", path.display()));
                }
            }
            JobEvent::DemandsRead { path, result: Err(message) } => {
                self.error(format!("Demands not imported from {}: {message}", path.display()))
            }
            JobEvent::Exported { result: Err(message), .. } => self.error(format!("Not exported: {message}")),
            JobEvent::Saved { result: Err(message), .. } => {
                self.continue_after_save = false;
                self.error(format!("Not saved: {message}"));
            }
            JobEvent::Verified { revision, result, seconds } => {
                let prediction = self.verifying.take();
                let cancelled = self.verify_run.take().is_some_and(|run| run.cancel.load(Ordering::Relaxed));
                match (result, prediction) {
                    (Err(_), _) if cancelled => self.info("Verify cancelled"),
                    (Ok(result), Some(prediction)) => {
                        self.info(format!("Simulated {} flows in {seconds:.1} s", result.flows.len()));
                        self.verification = Some(Verification { revision, prediction, result, seconds });
                    }
                    (Err(message), _) => self.error(format!("Simulation failed: {message}")),
                    (Ok(_), None) => {}
                }
            }
            JobEvent::DatasetDone { dir, result } => {
                self.dataset = None;
                match result {
                    Ok(outcome) if outcome.interrupted => self.info(format!(
                        "Cancelled: {} samples kept in {}",
                        outcome.manifest.samples(),
                        dir.display()
                    )),
                    Ok(outcome) => self.info(format!(
                        "Dataset ready: {} samples in {}",
                        outcome.manifest.samples(),
                        dir.display()
                    )),
                    Err(message) => self.error(format!("Dataset generation failed: {message}")),
                }
            }
        }
    }

    fn poll_training(&mut self) {
        let Some(events) = self.training.handle.as_ref().map(|h| h.events.clone()) else { return };
        let mut ended = false;
        loop {
            match events.try_recv() {
                Ok(event) => self.on_training(event),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    ended = true;
                    break;
                }
            }
        }
        if ended {
            let handle = self.training.handle.take().expect("checked above");
            self.training.stopping = false;
            match handle.join() {
                // A run stopped early is not swapped in silently: its partial model may be worse.
                Ok(()) if self.training.stopped == Some(true) => {}
                Ok(()) => {
                    if let Some(out) = self.training.out.clone() {
                        self.predictor.load(ModelSource::Run(out));
                    }
                }
                Err(error) => self.error(format!("Training failed: {error}")),
            }
        }
    }

    fn on_training(&mut self, event: TrainEvent) {
        let t = &mut self.training;
        match event {
            TrainEvent::Started { step, steps, .. } => {
                t.step = step;
                t.steps = steps;
            }
            TrainEvent::Step { step, loss, samples_per_s, .. } => {
                t.first_step.get_or_insert((step, Instant::now()));
                t.step = step;
                t.samples_per_s = samples_per_s;
                t.push_loss(step, loss);
            }
            TrainEvent::Eval { step, metrics, train } => {
                let x = step as f64;
                t.val_mse.push([x, metrics.overall.mse]);
                t.val_pearson.push([x, metrics.overall.pearson]);
                t.train_pearson.push([x, train.pearson]);
            }
            TrainEvent::Checkpoint { .. } => {}
            TrainEvent::Warning { message } => self.error(message),
            TrainEvent::Skipped { step, .. } => {
                self.error(format!("Training step {step} skipped: its loss or gradients were not finite"))
            }
            TrainEvent::Finished { step, stopped } => {
                t.stopped = Some(stopped);
                if stopped {
                    self.info(format!(
                        "Training stopped at step {step}; predictions still use the {}. \
                         \"Use trained model\" switches to the partial one",
                        self.model_name
                    ));
                } else {
                    self.info(format!("Training finished at step {step}; predicting with the new model"));
                }
            }
        }
    }

    /// Finds the selected pair's alternatives once per pair and revision, not in every frame.
    fn refresh_alternatives(&mut self) {
        let Some((src, dst)) = self.view.pair else {
            self.alternatives = None;
            return;
        };
        let revision = self.doc.revision();
        if self.alternatives.as_ref().is_some_and(|(r, pair, _)| (*r, *pair) == (revision, (src, dst))) {
            return;
        }
        let paths = routing::k_shortest_paths(&self.doc.design().topology, METRIC, src, dst, ALTERNATIVES);
        self.alternatives = Some((revision, (src, dst), paths));
    }

    /// Rebuilds the heatmap's cells when the predictions, the baseline or the view change.
    fn refresh_heatmap(&mut self) {
        let key = (
            self.doc.revision(),
            self.prediction.as_ref().map(|p| p.revision),
            self.baseline.as_ref().map(|p| p.revision),
            self.comparison.as_ref().and_then(|c| c.result.as_ref()).map(|(revision, _)| *revision),
            self.view.heatmap_mode,
            self.view.heatmap_class,
        );
        if self.heatmap.as_ref().is_some_and(|(k, _)| *k == key) {
            return;
        }
        self.heatmap = HeatmapCells::new(self, self.view.heatmap_mode).map(|cells| (key, cells));
    }

    /// Draws the frame's panels and returns the commands they sent.
    fn draw(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| panels::menu_bar(ui, self, &mut commands));
        if self.speed_warning.is_some() {
            egui::Panel::top("speeds").show(ui, |ui| panels::speed_banner(ui, self, &mut commands));
        }
        egui::Panel::bottom("status").show(ui, |ui| panels::status_bar(ui, self));
        egui::Panel::left("controls")
            .default_size(320.0)
            .show(ui, |ui| panels::controls(ui, self, &mut commands));
        egui::Panel::right("analysis")
            .default_size(440.0)
            .show(ui, |ui| analysis::show(ui, self, &mut commands));
        egui::CentralPanel::default().show(ui, |ui| canvas::show(ui, self, &mut commands));
        panels::discard_dialog(ui.ctx(), self, &mut commands);
        panels::file_prompt(ui.ctx(), self, &mut commands);
        commands
    }

    fn handle_close(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.dirty && self.screenshot.is_none() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(Command::Close);
        }
    }

    fn screenshot(&mut self, ctx: &egui::Context) {
        let Some((path, after, done)) = &mut self.screenshot else { return };
        // A Verify asked for with `--show verify` is shown finished, and scrolled into view.
        let comparing = self.view.reveal == Some(Section::Compare)
            && self
                .comparison
                .as_ref()
                .is_none_or(|c| c.result.as_ref().is_none_or(|(r, _)| *r != self.doc.revision()))
            && !self.status.error;
        let waiting = self.on_first_prediction.is_some() || self.verify_run.is_some() || comparing;
        if done.load(Ordering::Relaxed) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        } else if self.frame >= *after && waiting {
            *after = self.frame + 15;
        } else if self.frame == *after {
            let (path, done, ctx2) = (path.clone(), done.clone(), ctx.clone());
            ctx.request_screenshot(move |image| {
                if let Err(e) = save_png(&path, &image) {
                    eprintln!("error: cannot save the screenshot {}: {e}", path.display());
                }
                done.store(true, Ordering::Relaxed);
                ctx2.request_repaint();
            });
        }
        ctx.request_repaint_after(Duration::from_millis(50));
    }
}

impl eframe::App for PathcastApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll_workers();
        self.refresh_alternatives();
        self.refresh_heatmap();
        self.handle_close(ctx);
        if self.training.handle.is_some() || self.dataset.is_some() {
            // Curves and progress bars move even when no input arrives.
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = Instant::now();
        let commands = self.draw(ui);
        for command in commands {
            self.run(command);
        }
        if std::mem::take(&mut self.quit) {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.frame += 1;
        self.screenshot(ui.ctx());
        self.frames.push(started.elapsed().as_secs_f64());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, RECENT_KEY, &self.recent);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(handle) = self.training.handle.take() {
            handle.stop();
            let _ = handle.join();
        }
        if let Some(run) = &self.dataset {
            run.cancel();
        }
    }
}

/// A built-in topology with generated traffic at 70 % peak utilisation.
fn starter(name: &str) -> Scenario {
    let imported = builtin::load(name).expect("a built-in topology");
    with_traffic(Scenario::new(name, imported.topology))
}

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), image::ImageError> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, bytes).expect("size matches the pixels");
    let mut png = Vec::new();
    buffer.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    crate::fsutil::write_atomic(path, &png)?;
    Ok(())
}

/// `path`, with `ext` added when the planner typed no extension.
fn with_default_extension(path: PathBuf, ext: &str) -> PathBuf {
    if path.extension().is_some() { path } else { path.with_extension(ext) }
}
