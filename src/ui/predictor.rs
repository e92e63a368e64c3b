//! The prediction worker: holds the RouteNet model on its own thread and answers the newest
//! scenario it was sent, so the UI never waits for the model.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::model::{Extrapolation, LinkPrediction, TrainedModel, checkpoint, pretrained};
use crate::net::{NodeId, Scenario};
use crate::plan::upgrades::{UpgradePlan, UpgradeRules};
use crate::plan::{self, CaseImpact, PlanComparison, SweepKind};
use crate::report::{self, ReportOptions};
use crate::ui::document::METRIC;

/// Called when the worker has something new (the app passes a repaint request).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Which model makes the predictions.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    /// The model compiled into pathcast.
    Shipped,
    /// The newest checkpoint of a training run.
    Run(PathBuf),
}

/// One flow's predicted figures.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowPrediction {
    pub delay_s: f64,
    pub jitter_s2: f64,
    pub loss: f64,
    /// Why the model is extrapolating for this flow; empty when it is not.
    pub extrapolated: Vec<Extrapolation>,
}

/// Predictions for every flow of one scenario revision.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub revision: u64,
    pub flows: BTreeMap<(NodeId, NodeId), FlowPrediction>,
    /// Load and predicted sojourn of every directed link `(from, to)`.
    pub links: BTreeMap<(NodeId, NodeId), LinkPrediction>,
    /// Time the model took.
    pub elapsed: Duration,
}

impl Prediction {
    /// The largest predicted delay, if any flow has one.
    pub fn worst_delay(&self) -> Option<f64> {
        self.flows.values().map(|f| f.delay_s).max_by(f64::total_cmp)
    }

    /// Flows whose prediction is an extrapolation.
    pub fn extrapolated(&self) -> usize {
        self.flows.values().filter(|f| !f.extrapolated.is_empty()).count()
    }

    /// Directed links offered at least their capacity.
    pub fn overloaded(&self) -> Vec<(NodeId, NodeId)> {
        self.links.iter().filter(|(_, l)| l.overloaded).map(|(&k, _)| k).collect()
    }

    /// Directed links that take some flow outside the model's training ranges (load, buffer or
    /// capacity step), with the first reason for each.
    pub fn extrapolated_links(&self) -> BTreeMap<(NodeId, NodeId), Extrapolation> {
        let mut links = BTreeMap::new();
        for reason in self.flows.values().flat_map(|f| &f.extrapolated) {
            if let Some((from, to)) = reason.link() {
                links.entry((from as NodeId, to as NodeId)).or_insert_with(|| reason.clone());
            }
        }
        links
    }
}

/// A reply from the worker.
#[derive(Debug, Clone)]
pub enum PredictorReply {
    Prediction(Result<Arc<Prediction>, String>),
    /// Failure cases, worst first, for the scenario revision given.
    Sweep {
        revision: u64,
        impacts: Result<Vec<CaseImpact>, String>,
    },
    ModelLoaded(Result<String, String>),
    /// Suggested upgrades for the scenario revision given.
    Upgrades {
        revision: u64,
        plan: Result<UpgradePlan, String>,
    },
    /// The scenario revision given against the plan it is compared with.
    Comparison {
        revision: u64,
        result: Result<PlanComparison, String>,
    },
    /// The HTML report was written to `path`, or why not.
    ReportWritten {
        path: PathBuf,
        result: Result<(), String>,
    },
}

enum Request {
    Predict { revision: u64, scenario: Box<Scenario> },
    Sweep { revision: u64, scenario: Box<Scenario>, kind: SweepKind },
    Load(ModelSource),
    Upgrades { revision: u64, scenario: Box<Scenario>, rules: UpgradeRules },
    Compare { revision: u64, a: Box<Scenario>, b: Arc<Scenario> },
    Report { path: PathBuf, scenario: Box<Scenario>, model_name: String, options: ReportOptions },
}

/// Handle to the prediction thread; dropping it ends the thread.
pub struct Predictor {
    requests: Option<Sender<Request>>,
    pub replies: Receiver<PredictorReply>,
    thread: Option<JoinHandle<()>>,
}

impl Predictor {
    /// Starts the worker with the shipped model.
    pub fn spawn(wake: Wake) -> Self {
        let (requests, inbox) = unbounded();
        let (outbox, replies) = unbounded();
        let thread = std::thread::Builder::new()
            .name("pathcast-predict".into())
            .spawn(move || serve(&inbox, &outbox, &*wake))
            .expect("spawn the prediction thread");
        Predictor { requests: Some(requests), replies, thread: Some(thread) }
    }

    /// Asks for predictions; an older request still waiting is skipped.
    pub fn predict(&self, revision: u64, scenario: &Scenario) {
        self.send(Request::Predict { revision, scenario: Box::new(scenario.clone()) });
    }

    /// Asks for the impact of each failure of `kind` on `scenario`.
    pub fn sweep(&self, revision: u64, scenario: &Scenario, kind: SweepKind) {
        self.send(Request::Sweep { revision, scenario: Box::new(scenario.clone()), kind });
    }

    /// Asks for the cheapest upgrades that meet `scenario`'s delay targets.
    pub fn upgrades(&self, revision: u64, scenario: &Scenario, rules: UpgradeRules) {
        self.send(Request::Upgrades { revision, scenario: Box::new(scenario.clone()), rules });
    }

    /// Asks for `b` compared against `a` (the document's revision `revision`).
    pub fn compare(&self, revision: u64, a: &Scenario, b: Arc<Scenario>) {
        self.send(Request::Compare { revision, a: Box::new(a.clone()), b });
    }

    /// Asks for the HTML planning report of `scenario`, written to `path` (atomically).
    pub fn report(&self, path: PathBuf, scenario: &Scenario, model_name: &str, options: ReportOptions) {
        let (scenario, model_name) = (Box::new(scenario.clone()), model_name.to_owned());
        self.send(Request::Report { path, scenario, model_name, options });
    }

    /// Switches model; the reply names the model or says why it could not load.
    pub fn load(&self, source: ModelSource) {
        self.send(Request::Load(source));
    }

    fn send(&self, request: Request) {
        if let Some(requests) = &self.requests {
            // The worker only stops when this handle drops, so the send cannot fail before that.
            let _ = requests.send(request);
        }
    }
}

impl Drop for Predictor {
    fn drop(&mut self) {
        self.requests.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Model(TrainedModel);

impl Model {
    fn load(source: &ModelSource) -> Result<(Self, String), String> {
        match source {
            ModelSource::Shipped => Ok((Model(pretrained::trained()), "shipped model".into())),
            ModelSource::Run(dir) => {
                let (model, meta) = checkpoint::load_trained(dir).map_err(|e| e.to_string())?;
                Ok((Model(model), format!("{} (step {})", dir.display(), meta.step)))
            }
        }
    }

    fn predict(&self, revision: u64, scenario: &Scenario) -> Result<Prediction, String> {
        let started = Instant::now();
        let prediction = self.0.predict(scenario).map_err(|e| e.to_string())?;
        let flows = prediction
            .flows
            .into_iter()
            .map(|f| {
                let figures = FlowPrediction {
                    delay_s: f.delay_s,
                    jitter_s2: f.jitter_s2,
                    loss: f.loss,
                    extrapolated: f.extrapolated,
                };
                ((f.src as NodeId, f.dst as NodeId), figures)
            })
            .collect();
        let links = prediction.links.into_iter().map(|l| ((l.from as NodeId, l.to as NodeId), l)).collect();
        Ok(Prediction { revision, flows, links, elapsed: started.elapsed() })
    }

    /// Every failure case of `kind`, cases that cut pairs off first, then by worst delay.
    fn sweep(&self, scenario: &Scenario, kind: SweepKind) -> Result<Vec<CaseImpact>, String> {
        let sweep = plan::sweep(&self.0, scenario, kind, METRIC).map_err(|e| e.to_string())?;
        Ok(sweep.ranked().into_iter().cloned().collect())
    }
}

fn serve(inbox: &Receiver<Request>, outbox: &Sender<PredictorReply>, wake: &(dyn Fn() + Send + Sync)) {
    let (mut model, _) = Model::load(&ModelSource::Shipped).expect("the shipped model loads");
    while let Ok(first) = inbox.recv() {
        let mut queue = vec![first];
        queue.extend(inbox.try_iter());
        // Only the newest prediction request matters: older scenarios are already out of date.
        let newest_predict = queue.iter().rposition(|r| matches!(r, Request::Predict { .. }));
        for (i, request) in queue.into_iter().enumerate() {
            let reply = match request {
                Request::Predict { .. } if Some(i) != newest_predict => continue,
                Request::Predict { revision, scenario } => {
                    PredictorReply::Prediction(model.predict(revision, &scenario).map(Arc::new))
                }
                Request::Sweep { revision, scenario, kind } => {
                    PredictorReply::Sweep { revision, impacts: model.sweep(&scenario, kind) }
                }
                Request::Upgrades { revision, scenario, rules } => PredictorReply::Upgrades {
                    revision,
                    plan: plan::upgrades::suggest(&model.0, &scenario, rules, METRIC)
                        .map(|(plan, _)| plan)
                        .map_err(|e| e.to_string()),
                },
                Request::Compare { revision, a, b } => PredictorReply::Comparison {
                    revision,
                    result: plan::compare(&model.0, &a, &b).map_err(|e| e.to_string()),
                },
                Request::Report { path, scenario, model_name, options } => {
                    let result = report::build(&model.0, &model_name, &scenario, &options, METRIC)
                        .map_err(|e| e.to_string())
                        .and_then(|built| {
                            crate::fsutil::write_atomic(&path, report::render(&built).as_bytes())
                                .map_err(|e| e.to_string())
                        });
                    PredictorReply::ReportWritten { path, result }
                }
                Request::Load(source) => {
                    PredictorReply::ModelLoaded(Model::load(&source).map(|(m, name)| {
                        model = m;
                        name
                    }))
                }
            };
            if outbox.send(reply).is_err() {
                return;
            }
            wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{TrafficSpec, builtin};

    fn scenario(utilisation: f64) -> Scenario {
        let topology = builtin::load("nsfnet").unwrap().topology;
        let spec = TrafficSpec { seed: 5, max_avg_lambda: None, max_utilization: Some(utilisation) };
        Scenario::generate("nsfnet", topology, spec).unwrap()
    }

    #[test]
    fn answers_with_the_models_predictions_and_skips_stale_requests() {
        let predictor = Predictor::spawn(Arc::new(|| {}));
        let (light, heavy) = (scenario(0.3), scenario(0.9));
        for revision in 1..=5 {
            predictor.predict(revision, &light);
        }
        predictor.predict(6, &heavy);
        let mut last = None;
        while last.as_ref().is_none_or(|p: &Arc<Prediction>| p.revision != 6) {
            match predictor.replies.recv_timeout(Duration::from_secs(60)).unwrap() {
                PredictorReply::Prediction(p) => last = Some(p.unwrap()),
                other => panic!("unexpected {other:?}"),
            }
        }
        let heavy_prediction = last.unwrap();
        assert_eq!(heavy_prediction.flows.len(), 14 * 13);
        // Independent truth: the same model called directly.
        let model = Model::load(&ModelSource::Shipped).unwrap().0;
        assert_eq!(heavy_prediction.flows, model.predict(6, &heavy).unwrap().flows);
        let light_prediction = model.predict(1, &light).unwrap();
        let mean = |p: &Prediction| p.flows.values().map(|f| f.delay_s).sum::<f64>() / p.flows.len() as f64;
        assert!(mean(&heavy_prediction) > mean(&light_prediction), "more load, more delay");
    }

    #[test]
    fn a_missing_run_directory_is_reported_and_the_old_model_stays() {
        let predictor = Predictor::spawn(Arc::new(|| {}));
        predictor.load(ModelSource::Run("no/such/run".into()));
        match predictor.replies.recv_timeout(Duration::from_secs(60)).unwrap() {
            PredictorReply::ModelLoaded(Err(message)) => {
                assert!(message.contains("no/such/run"), "{message}")
            }
            other => panic!("unexpected {other:?}"),
        }
        predictor.predict(1, &scenario(0.5));
        assert!(matches!(
            predictor.replies.recv_timeout(Duration::from_secs(60)).unwrap(),
            PredictorReply::Prediction(Ok(_))
        ));
    }

    #[test]
    fn the_failure_sweep_ranks_disconnections_first_then_worst_delay() {
        let model = Model::load(&ModelSource::Shipped).unwrap().0;
        let impacts = model.sweep(&scenario(0.6), SweepKind::Links).unwrap();
        assert_eq!(impacts.len(), 21);
        assert!(impacts.windows(2).all(|w| w[0].disconnected > w[1].disconnected
            || (w[0].disconnected == w[1].disconnected && w[0].worst_delay_s >= w[1].worst_delay_s)));
        // NSFNet is 2-edge-connected: no single failure disconnects a pair.
        assert!(impacts.iter().all(|i| i.disconnected == 0));
    }
}
