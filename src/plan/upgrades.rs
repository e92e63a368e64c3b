//! Capacity upgrade suggestions: the links to upgrade, in capacity steps with a cost per step,
//! so that every pair meets its delay target with nothing failed and under each failure case of
//! a sweep. A greedy search on the model's predictions: each round upgrades by one step the link
//! that removes the most target excess per unit of cost; once every target is met, each step the
//! plan can do without is taken back. Greedy, so not guaranteed the cheapest plan, but never
//! one with a step to spare.

use std::collections::BTreeMap;

use serde::Serialize;

use super::failures::{SweepKind, cases, predict_case};
use crate::model::{PredictError, TrainedModel};
use crate::net::{CapacitySource, FailureCase, LinkParams, Metric, NodeId, Scenario};

/// How the search may upgrade links.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpgradeRules {
    /// Each step multiplies a link's capacity by this (> 1).
    pub step_factor: f64,
    /// The cost of one step on one duplex link.
    pub cost_per_step: f64,
    /// The most steps the plan may take in all.
    pub max_steps: u32,
    /// The failures the targets must also hold under (`None`: nothing failed only).
    pub failures: Option<SweepKind>,
}

/// One upgraded duplex link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upgrade {
    pub a: NodeId,
    pub b: NodeId,
    pub steps: u32,
    pub from_bps: f64,
    pub to_bps: f64,
}

/// A suggested plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradePlan {
    pub upgrades: Vec<Upgrade>,
    pub total_cost: f64,
    /// Pair-and-case combinations still over target after the plan (0: every target met).
    pub remaining_violations: usize,
    /// Before the plan.
    pub initial_violations: usize,
    /// Pairs some failure cuts off: no capacity brings them back.
    pub cut_off_pairs: usize,
    /// Failure cases the targets were checked under, besides nothing failed.
    pub cases: usize,
}

/// One link's next step, tried in a search round.
struct Candidate {
    /// Target excess removed per unit of cost.
    gain: f64,
    link: (NodeId, NodeId),
    plan: Scenario,
    score: f64,
    violations: usize,
}

/// Total target excess (Σ delay / target − 1 over pairs above target) and the number of such
/// pair-and-case combinations, plus pairs cut off, over the intact network and each case.
fn excess(
    model: &TrainedModel,
    scenario: &Scenario,
    failures: &[FailureCase],
    metric: Metric,
) -> Result<(f64, usize, usize), PredictError> {
    let intact = FailureCase { name: String::new(), links: Vec::new(), nodes: Vec::new() };
    let (mut total, mut count, mut cut) = (0.0, 0, 0);
    for case in std::iter::once(&intact).chain(failures) {
        let result = predict_case(model, scenario, case, metric)?;
        for (&(s, d), &(delay, _)) in &result.delays {
            if let Some(target) = scenario.targets.of(s, d).filter(|&t| delay > t) {
                total += delay / target - 1.0;
                count += 1;
            }
        }
        cut += result.disconnected.iter().filter(|&&(s, d)| scenario.targets.of(s, d).is_some()).count();
    }
    Ok((total, count, cut))
}

/// `plan` with link `a`—`b` at `n` steps of `factor` above its capacity in `original` (and the
/// capacity's source the planner's own, or the original's again at no step).
fn with_steps(
    original: &Scenario,
    plan: &Scenario,
    (a, b): (NodeId, NodeId),
    n: u32,
    factor: f64,
) -> Scenario {
    let mut trial = plan.clone();
    let params = original.topology.link(a, b).expect("a link of the scenario").params;
    let capacity_bps = params.capacity_bps * factor.powi(n as i32);
    trial.topology.set_link(a, b, LinkParams { capacity_bps, ..params }).expect("a valid capacity");
    let source = if n == 0 { original.topology.capacity_source(a, b).clone() } else { CapacitySource::User };
    trial.topology.set_capacity_source(a, b, source).expect("the link exists");
    trial
}

/// Searches for the cheapest upgrades that meet every delay target of `scenario`.
pub fn suggest(
    model: &TrainedModel,
    scenario: &Scenario,
    rules: UpgradeRules,
    metric: Metric,
) -> Result<(UpgradePlan, Scenario), PredictError> {
    let failures = rules.failures.map_or_else(Vec::new, |kind| cases(scenario, kind));
    let mut plan = scenario.clone();
    let (mut score, initial, cut) = excess(model, &plan, &failures, metric)?;
    let mut violations = initial;
    let mut steps: BTreeMap<(NodeId, NodeId), u32> = BTreeMap::new();
    let links: Vec<(NodeId, NodeId, LinkParams)> = scenario.topology.duplex_links().collect();
    let mut taken = 0;
    while violations > 0 && taken < rules.max_steps {
        let mut best: Option<Candidate> = None;
        for &(a, b, _) in &links {
            let more = steps.get(&(a, b)).map_or(1, |n| n + 1);
            let trial = with_steps(scenario, &plan, (a, b), more, rules.step_factor);
            let (trial_score, trial_violations, _) = excess(model, &trial, &failures, metric)?;
            let gain = (score - trial_score) / rules.cost_per_step;
            if gain > 1e-12 && best.as_ref().is_none_or(|c| gain > c.gain) {
                best = Some(Candidate {
                    gain,
                    link: (a, b),
                    plan: trial,
                    score: trial_score,
                    violations: trial_violations,
                });
            }
        }
        let Some(chosen) = best else { break };
        *steps.entry(chosen.link).or_default() += 1;
        (plan, score, violations) = (chosen.plan, chosen.score, chosen.violations);
        taken += 1;
    }
    if violations == 0 {
        // Take back every step the targets do not need (an early step that later ones made
        // redundant), one at a time, checking the targets each time.
        for link in steps.keys().copied().collect::<Vec<_>>() {
            while steps[&link] > 0 {
                let fewer = steps[&link] - 1;
                let trial = with_steps(scenario, &plan, link, fewer, rules.step_factor);
                if excess(model, &trial, &failures, metric)?.1 > 0 {
                    break;
                }
                steps.insert(link, fewer);
                plan = trial;
                taken -= 1;
            }
        }
        steps.retain(|_, n| *n > 0);
    }
    let upgrades = steps
        .iter()
        .map(|(&(a, b), &n)| Upgrade {
            a,
            b,
            steps: n,
            from_bps: scenario.topology.link(a, b).expect("a link").params.capacity_bps,
            to_bps: plan.topology.link(a, b).expect("a link").params.capacity_bps,
        })
        .collect();
    let summary = UpgradePlan {
        upgrades,
        total_cost: f64::from(taken) * rules.cost_per_step,
        remaining_violations: violations,
        initial_violations: initial,
        cut_off_pairs: cut,
        cases: failures.len(),
    };
    Ok((summary, plan))
}
