//! Delay targets: the pairs whose predicted mean delay is over their target.

use serde::Serialize;

use crate::model::Prediction;
use crate::net::{NodeId, Scenario};

/// A pair over its delay target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub src: NodeId,
    pub dst: NodeId,
    pub delay_s: f64,
    pub target_s: f64,
    /// Whether the prediction is an extrapolation (a verify is worth running).
    pub extrapolated: bool,
}

/// The flows of `prediction` (of `scenario`) whose delay is over their target, worst overshoot
/// first.
pub fn violations(scenario: &Scenario, prediction: &Prediction) -> Vec<Violation> {
    let mut out: Vec<Violation> = prediction
        .flows
        .iter()
        .filter_map(|f| {
            let (src, dst) = (f.src as NodeId, f.dst as NodeId);
            let target_s = scenario.targets.of(src, dst)?;
            (f.delay_s > target_s).then_some(Violation {
                src,
                dst,
                delay_s: f.delay_s,
                target_s,
                extrapolated: !f.extrapolated.is_empty(),
            })
        })
        .collect();
    out.sort_by(|x, y| (y.delay_s / y.target_s).total_cmp(&(x.delay_s / x.target_s)));
    out
}
