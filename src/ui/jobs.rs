//! Background jobs the app starts: file dialogs and file I/O, simulation ("Verify"), dataset
//! generation and training. Each runs on its own thread and reports over one channel.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::data::dataset::{self, GenerateRequest};
use crate::net::files;
use crate::net::{Scenario, Topology, TrafficMatrix, TrafficSpec};
use crate::plan::demands;
use crate::sim::{GeneratorConfig, SimConfig, SimResult, Watch, simulate_watched};
use crate::ui::predictor::Wake;
use crate::ui::tables::TableKind;

/// What a file dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    Open,
    SaveScenario,
    SaveTopology,
    TrainingData,
    DatasetOut,
    /// A table as CSV.
    ExportCsv(TableKind),
    /// The demand matrix as CSV (`src,dst,rate`), read or written.
    ImportDemands,
    ExportDemands,
    /// Another scenario to compare the open one with.
    ComparePlan,
    /// The planning report as HTML.
    ExportReport,
}

/// A finished (or progressing) job.
#[derive(Debug)]
pub enum JobEvent {
    /// A file dialog closed; `None` when cancelled or when no dialog service is available.
    Picked {
        purpose: DialogPurpose,
        path: Option<PathBuf>,
    },
    Loaded {
        path: PathBuf,
        result: Result<files::Loaded, String>,
    },
    /// A plan to compare with was read.
    PlanLoaded {
        path: PathBuf,
        result: Result<Scenario, String>,
    },
    Saved {
        path: PathBuf,
        result: Result<(), String>,
    },
    Exported {
        path: PathBuf,
        result: Result<(), String>,
    },
    DemandsRead {
        path: PathBuf,
        result: Result<TrafficMatrix, String>,
    },
    Verified {
        revision: u64,
        result: Result<SimResult, String>,
        seconds: f64,
    },
    DatasetDone {
        dir: PathBuf,
        result: Result<dataset::GenerateOutcome, String>,
    },
}

/// A running "Verify" simulation.
pub struct VerifyRun {
    pub cancel: Arc<AtomicBool>,
    /// The share of flows done, as `f64` bits.
    pub progress: Arc<AtomicU64>,
    pub started: Instant,
}

impl VerifyRun {
    /// The share of flows that have all their packets, 0 to 1.
    pub fn progress(&self) -> f64 {
        f64::from_bits(self.progress.load(Ordering::Relaxed))
    }
}

/// Progress of a dataset generation run.
pub struct DatasetRun {
    pub dir: PathBuf,
    pub total: u64,
    pub done: Arc<AtomicU64>,
    pub stop: Arc<AtomicBool>,
    pub started: Instant,
}

impl DatasetRun {
    /// Asks the run to stop; finished shards are kept.
    pub fn cancel(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Samples finished so far (including resumed ones).
    pub fn finished(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

/// Starts jobs and collects their events.
pub struct Jobs {
    sender: Sender<JobEvent>,
    pub events: Receiver<JobEvent>,
    wake: Wake,
}

impl Jobs {
    /// A job runner whose jobs call `wake` when they report.
    pub fn new(wake: Wake) -> Self {
        let (sender, events) = unbounded();
        Jobs { sender, events, wake }
    }

    fn spawn(&self, name: &str, job: impl FnOnce() -> JobEvent + Send + 'static) {
        let (sender, wake) = (self.sender.clone(), self.wake.clone());
        std::thread::Builder::new()
            .name(format!("pathcast-{name}"))
            .spawn(move || {
                let _ = sender.send(job());
                wake();
            })
            .expect("spawn a job thread");
    }

    /// Shows a native file dialog without blocking the UI.
    pub fn pick(&self, purpose: DialogPurpose, start_dir: Option<PathBuf>) {
        self.spawn("dialog", move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = start_dir {
                dialog = dialog.set_directory(dir);
            }
            let path = match purpose {
                DialogPurpose::Open | DialogPurpose::ComparePlan => dialog
                    .add_filter("Topology or scenario", &["gml", "json"])
                    .add_filter("Topology Zoo GML", &["gml"])
                    .add_filter("pathcast scenario", &["json"])
                    .pick_file(),
                DialogPurpose::SaveScenario => dialog.add_filter("pathcast scenario", &["json"]).save_file(),
                DialogPurpose::SaveTopology => dialog.add_filter("Topology Zoo GML", &["gml"]).save_file(),
                DialogPurpose::TrainingData | DialogPurpose::DatasetOut => dialog.pick_folder(),
                DialogPurpose::ExportCsv(_) | DialogPurpose::ExportDemands => {
                    dialog.add_filter("CSV", &["csv"]).save_file()
                }
                DialogPurpose::ImportDemands => dialog.add_filter("CSV", &["csv"]).pick_file(),
                DialogPurpose::ExportReport => dialog.add_filter("HTML", &["html"]).save_file(),
            };
            JobEvent::Picked { purpose, path }
        });
    }

    /// Loads a topology (GML, or a built-in name) or a scenario (JSON).
    pub fn load(&self, path: PathBuf) {
        self.spawn("load", move || {
            let result = files::load(&path.to_string_lossy(), &Default::default()).map_err(|e| e.to_string());
            JobEvent::Loaded { path, result }
        });
    }

    /// Loads a plan to compare with, with generated traffic when the file has none.
    pub fn load_plan(&self, path: PathBuf) {
        self.spawn("load plan", move || {
            let result = files::load(&path.to_string_lossy(), &Default::default())
                .map(|loaded| with_traffic(loaded.scenario))
                .map_err(|e| e.to_string());
            JobEvent::PlanLoaded { path, result }
        });
    }

    /// Saves atomically: GML (topology) or JSON (scenario) by extension.
    pub fn save(&self, path: PathBuf, scenario: Scenario) {
        self.spawn("save", move || {
            let result = files::save(&path, &scenario).map_err(|e| e.to_string());
            JobEvent::Saved { path, result }
        });
    }

    /// Writes exported text (a table as CSV) atomically.
    pub fn export(&self, path: PathBuf, text: String) {
        self.spawn("export", move || {
            let result = crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| e.to_string());
            JobEvent::Exported { path, result }
        });
    }

    /// Reads a demand CSV for `scenario`'s nodes.
    pub fn import_demands(&self, path: PathBuf, scenario: Scenario) {
        self.spawn("demands", move || {
            let result = crate::fsutil::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned()))
                .and_then(|text| demands::from_csv(&scenario, &text).map_err(|e| e.to_string()));
            JobEvent::DemandsRead { path, result }
        });
    }

    /// Simulates the scenario for ground truth to compare predictions with; the run reports its
    /// progress and can be cancelled through the returned handle.
    pub fn verify(&self, revision: u64, scenario: Scenario, config: SimConfig) -> VerifyRun {
        let run = VerifyRun { cancel: Arc::default(), progress: Arc::default(), started: Instant::now() };
        let (cancel, progress, wake) = (run.cancel.clone(), run.progress.clone(), self.wake.clone());
        self.spawn("verify", move || {
            let started = Instant::now();
            let report = |share: f64| {
                progress.store(share.to_bits(), Ordering::Relaxed);
                wake();
            };
            let watch = Watch { cancel: &cancel, progress: &report };
            let result = simulate_watched(&scenario, &config, Some(&watch)).map_err(|e| e.to_string());
            JobEvent::Verified { revision, result, seconds: started.elapsed().as_secs_f64() }
        });
        run
    }

    /// Generates (or resumes) a dataset in `dir` for `topology`.
    pub fn generate_dataset(
        &self,
        dir: &Path,
        name: &str,
        topology: Topology,
        samples: u64,
        seed: u64,
    ) -> DatasetRun {
        let run = DatasetRun {
            dir: dir.to_owned(),
            total: samples,
            done: Arc::new(AtomicU64::new(0)),
            stop: Arc::new(AtomicBool::new(false)),
            started: Instant::now(),
        };
        let request = GenerateRequest {
            dir: dir.to_owned(),
            name: name.to_owned(),
            topology,
            generator: GeneratorConfig { seed, ..GeneratorConfig::default() },
            samples,
            shard_size: 50,
            jobs: 0,
        };
        let (done, stop, wake) = (run.done.clone(), run.stop.clone(), self.wake.clone());
        self.spawn("dataset", move || {
            let progress = move |n: u64| {
                done.fetch_add(n, Ordering::Relaxed);
                wake();
            };
            let result = dataset::generate(&request, &stop, &progress).map_err(|e| e.to_string());
            JobEvent::DatasetDone { dir: request.dir, result }
        });
        run
    }
}

/// The scenario, with RouteNet-style traffic (seed 1, 70 % peak utilisation) when it has none.
pub fn with_traffic(scenario: Scenario) -> Scenario {
    if !scenario.traffic.is_empty() {
        return scenario;
    }
    let name = scenario.name.clone();
    // A topology whose pairs cannot all be routed keeps no traffic; the canvas still opens.
    Scenario::generate(&name, scenario.topology.clone(), TrafficSpec::DEFAULT).unwrap_or(scenario)
}
