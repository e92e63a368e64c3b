//! The scenario being edited: the planner's design, hand-made routes, failed links, the edits
//! that change them and their undo history. Pure data: no drawing, no threads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::net::routing;
use crate::net::traffic::BadRate;
use crate::net::{
    CapacitySource, DelayTargets, FailureCase, LinkParams, Metric, Node, NodeId, Path, QosError, RouteError,
    Routing, Scenario, Scheduler, Srlg, TopologyError, TrafficMatrix, TrafficSpec,
};

/// One change to the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    AddNode {
        label: String,
        pos: [f64; 2],
    },
    MoveNode {
        node: NodeId,
        pos: [f64; 2],
    },
    DeleteNode(NodeId),
    /// Gives a node a new label (its name everywhere on screen and in saved files).
    RenameNode {
        node: NodeId,
        label: String,
    },
    AddLink {
        a: NodeId,
        b: NodeId,
    },
    DeleteLink {
        a: NodeId,
        b: NodeId,
    },
    /// Sets both directions of a duplex link.
    SetLink {
        a: NodeId,
        b: NodeId,
        params: LinkParams,
    },
    /// Multiplies the capacity of these duplex links by `factor`, as the user's.
    ScaleCapacities {
        links: Vec<(NodeId, NodeId)>,
        factor: f64,
    },
    /// Gives every link whose capacity was assumed at import this capacity (bit/s), as the user's.
    SetAssumedCapacities(f64),
    /// Routes a pair over a hand-picked node sequence.
    SetRoute(Path),
    /// Returns a pair to its shortest path.
    ResetRoute {
        src: NodeId,
        dst: NodeId,
    },
    /// New RouteNet-style traffic with the busiest link at `peak_utilisation`.
    GenerateTraffic {
        seed: u64,
        peak_utilisation: f64,
    },
    ScaleTraffic(f64),
    /// Replaces the demand matrix (an imported one).
    SetTraffic(TrafficMatrix),
    SetRate {
        src: NodeId,
        dst: NodeId,
        rate_bps: f64,
    },
    FailLink {
        a: NodeId,
        b: NodeId,
    },
    RestoreLink {
        a: NodeId,
        b: NodeId,
    },
    RestoreAllLinks,
    /// Fails these links together (a case of a failure sweep).
    FailLinks(Vec<(NodeId, NodeId)>),
    /// Restores every link, then fails these (a saved failure scenario).
    FailExactly(Vec<(NodeId, NodeId)>),
    /// Sets the scheduler of the output port from `from` towards `to` (FIFO removes it).
    SetPort {
        from: NodeId,
        to: NodeId,
        scheduler: Scheduler,
    },
    /// Puts the duplex link `a`—`b` in the shared-risk link group `name` (made if new).
    AddToSrlg {
        name: String,
        a: NodeId,
        b: NodeId,
    },
    /// Takes the link out of the group; a group left empty goes.
    RemoveFromSrlg {
        name: String,
        a: NodeId,
        b: NodeId,
    },
    /// Sets the capacity of several duplex links at once (an upgrade plan), in bit/s.
    SetCapacities(Vec<(NodeId, NodeId, f64)>),
    /// Saves the links failed now as the named failure scenario `name` (replacing one so named).
    SaveFailure(String),
    /// Deletes the named failure scenario.
    DeleteFailure(String),
    /// Sets the delay target of every pair without its own (`None` removes it).
    SetGlobalTarget(Option<f64>),
    /// Sets a pair's own delay target (`None`: the global one applies).
    SetPairTarget {
        src: NodeId,
        dst: NodeId,
        target_s: Option<f64>,
    },
    /// Puts a pair's flow in a traffic class.
    SetClass {
        src: NodeId,
        dst: NodeId,
        class: u8,
    },
}

/// Why an edit was refused; the document is unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Topology(#[from] TopologyError),
    #[error(transparent)]
    Route(#[from] RouteError),
    #[error(transparent)]
    Rate(#[from] BadRate),
    #[error("scale factor {0} must be a finite, non-negative number")]
    BadScale(f64),
    #[error("peak utilisation {0} must be in (0, 1.5]")]
    BadUtilisation(f64),
    #[error(transparent)]
    Qos(#[from] QosError),
    #[error("give the shared-risk link group a name")]
    SrlgName,
    #[error("give the failure scenario a name")]
    FailureName,
    #[error("no link is failed: fail the links of the scenario first")]
    NothingFailed,
    #[error("a delay target must be a positive time, got {0} s")]
    BadTarget(f64),
}

/// The edited scenario and everything the app derives from it.
#[derive(Debug, Clone)]
pub struct Document {
    /// The design: topology, traffic and routing with no link failed.
    scenario: Scenario,
    /// Pairs routed by hand; kept across topology edits while they stay valid.
    overrides: BTreeMap<(NodeId, NodeId), Path>,
    /// Duplex links failed in the what-if, as (smaller id, larger id).
    failed: BTreeSet<(NodeId, NodeId)>,
    /// The design with the failures applied (what predictions are made for).
    effective: Scenario,
    /// Pairs with traffic that the failures disconnect.
    disconnected: Vec<(NodeId, NodeId)>,
    /// The file the document was loaded from or saved to.
    pub path: Option<PathBuf>,
    /// Unsaved changes.
    pub dirty: bool,
    /// Increases with every change; predictions carry the revision they were made for.
    /// Revisions are unique across documents, so nothing made for one is taken for another's.
    revision: u64,
    /// States before each undoable edit, oldest first.
    undo: Vec<State>,
    /// States undone, most recently undone last.
    redo: Vec<State>,
}

/// What an edit changes and undo restores.
#[derive(Debug, Clone, PartialEq)]
struct State {
    scenario: Scenario,
    overrides: BTreeMap<(NodeId, NodeId), Path>,
    failed: BTreeSet<(NodeId, NodeId)>,
}

/// Edits kept for undo.
const UNDO_LIMIT: usize = 200;

/// The next unused revision, for any document.
fn next_revision() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Routing metric for default paths.
pub const METRIC: Metric = Metric::Hops;

impl Document {
    /// A document for a loaded scenario; routes that differ from the shortest path count as hand-made.
    pub fn new(scenario: Scenario, path: Option<PathBuf>) -> Self {
        let shortest = Routing::shortest(&scenario.topology, METRIC);
        let overrides = scenario
            .routing
            .iter()
            .filter(|&(s, d, p)| shortest.path(s, d) != Some(p))
            .map(|(s, d, p)| ((s, d), p.clone()))
            .collect();
        let mut doc = Document {
            effective: scenario.clone(),
            scenario,
            overrides,
            failed: BTreeSet::new(),
            disconnected: Vec::new(),
            path,
            dirty: false,
            revision: 0,
            undo: Vec::new(),
            redo: Vec::new(),
        };
        doc.refresh();
        doc
    }

    /// The design (no failures applied): what is saved.
    pub fn design(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario with failed links removed and their flows re-routed.
    pub fn effective(&self) -> &Scenario {
        &self.effective
    }

    /// Pairs that lost their route to the failures (their traffic is left out).
    pub fn disconnected(&self) -> &[(NodeId, NodeId)] {
        &self.disconnected
    }

    /// Failed duplex links.
    pub fn failed(&self) -> &BTreeSet<(NodeId, NodeId)> {
        &self.failed
    }

    /// Whether a duplex link is failed.
    pub fn is_failed(&self, a: NodeId, b: NodeId) -> bool {
        self.failed.contains(&(a.min(b), a.max(b)))
    }

    /// Whether a pair is routed by hand.
    pub fn is_overridden(&self, src: NodeId, dst: NodeId) -> bool {
        self.overrides.contains_key(&(src, dst))
    }

    /// Whether there is an edit to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is an undone edit to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Takes back the last edit; false when there is none.
    pub fn undo(&mut self) -> bool {
        self.step_history(true)
    }

    /// Applies the last undone edit again; false when there is none.
    pub fn redo(&mut self) -> bool {
        self.step_history(false)
    }

    fn step_history(&mut self, back: bool) -> bool {
        let current = self.state();
        let (from, to) =
            if back { (&mut self.undo, &mut self.redo) } else { (&mut self.redo, &mut self.undo) };
        let Some(state) = from.pop() else { return false };
        to.push(current);
        self.restore(state);
        true
    }

    fn state(&self) -> State {
        State {
            scenario: self.scenario.clone(),
            overrides: self.overrides.clone(),
            failed: self.failed.clone(),
        }
    }

    /// Makes `state` the document's. Moving nodes changes only the picture: then there is no new
    /// revision and nothing to predict again.
    fn restore(&mut self, state: State) {
        let layout_only = state.overrides == self.overrides
            && state.failed == self.failed
            && same_but_layout(&state.scenario, &self.scenario);
        // Failures are a what-if, not part of the design, and moving nodes only changes the picture.
        self.dirty |= !layout_only && state.scenario != self.scenario;
        self.scenario = state.scenario;
        self.overrides = state.overrides;
        self.failed = state.failed;
        if layout_only {
            self.copy_layout();
        } else {
            self.refresh();
        }
    }

    /// Gives the effective scenario the design's node positions.
    fn copy_layout(&mut self) {
        let positions: Vec<_> = self
            .scenario
            .topology
            .node_ids()
            .map(|n| (n, self.scenario.topology.node(n).and_then(|x| x.pos)))
            .collect();
        for (node, pos) in positions {
            if let Some(target) = self.effective.topology.node_mut(node) {
                target.pos = pos;
            }
        }
    }

    /// The revision, bumped by every applied edit that changes what is predicted.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Applies an edit, or refuses it and leaves the document as it was.
    pub fn apply(&mut self, edit: Edit) -> Result<(), EditError> {
        let mut scenario = self.scenario.clone();
        let mut overrides = self.overrides.clone();
        let mut failed = self.failed.clone();
        let mut topology_changed = false;
        let exactly = matches!(edit, Edit::FailExactly(_));
        match edit {
            Edit::AddNode { label, pos } => {
                // A new node carries no traffic until traffic is generated or a rate is set.
                scenario.topology.add_node(Node { pos: Some(pos), ..Node::labelled(label) });
                topology_changed = true;
            }
            Edit::MoveNode { node, pos } => {
                scenario.topology.node_mut(node).ok_or(TopologyError::UnknownNode(node))?.pos = Some(pos);
            }
            Edit::RenameNode { node, label } => {
                scenario.topology.node_mut(node).ok_or(TopologyError::UnknownNode(node))?.label = label;
            }
            Edit::DeleteNode(node) => {
                scenario.topology.remove_node(node)?;
                scenario.traffic.remove_node(node);
                scenario.qos.remove_node(node);
                scenario.targets.pairs.retain(|&(s, d), _| s != node && d != node);
                for group in &mut scenario.srlgs {
                    group.links.retain(|&(a, b)| a != node && b != node);
                }
                scenario.srlgs.retain(|g| !g.links.is_empty());
                for case in &mut scenario.failures {
                    case.links.retain(|&(a, b)| a != node && b != node);
                    case.nodes.retain(|&n| n != node);
                }
                scenario.failures.retain(|f| !f.links.is_empty() || !f.nodes.is_empty());
                overrides.retain(|_, p| !p.contains(&node));
                failed.retain(|&(a, b)| a != node && b != node);
                topology_changed = true;
            }
            Edit::AddLink { a, b } => {
                scenario.topology.add_link(a, b, LinkParams::default())?;
                topology_changed = true;
            }
            Edit::DeleteLink { a, b } => {
                scenario.topology.remove_link(a, b)?;
                scenario.qos.set_port(a, b, Scheduler::default());
                scenario.qos.set_port(b, a, Scheduler::default());
                for group in &mut scenario.srlgs {
                    group.links.retain(|&l| l != (a.min(b), a.max(b)));
                }
                scenario.srlgs.retain(|g| !g.links.is_empty());
                for case in &mut scenario.failures {
                    case.links.retain(|&l| l != (a.min(b), a.max(b)));
                }
                scenario.failures.retain(|f| !f.links.is_empty() || !f.nodes.is_empty());
                failed.remove(&(a.min(b), a.max(b)));
                topology_changed = true;
            }
            Edit::SetLink { a, b, params } => {
                let before = scenario.topology.link(a, b).map(|l| l.params.capacity_bps);
                scenario.topology.set_link(a, b, params)?;
                if before != Some(params.capacity_bps) {
                    scenario.topology.set_capacity_source(a, b, CapacitySource::User)?;
                }
            }
            Edit::ScaleCapacities { links, factor } => {
                if !(factor.is_finite() && factor > 0.0) {
                    return Err(EditError::BadScale(factor));
                }
                for (a, b) in links {
                    let params = scenario.topology.link(a, b).ok_or(TopologyError::MissingLink(a, b))?.params;
                    let capacity_bps = params.capacity_bps * factor;
                    scenario.topology.set_link(a, b, LinkParams { capacity_bps, ..params })?;
                    scenario.topology.set_capacity_source(a, b, CapacitySource::User)?;
                }
            }
            Edit::SetAssumedCapacities(capacity_bps) => {
                let assumed: Vec<_> = scenario
                    .topology
                    .duplex_links()
                    .filter(|&(a, b, _)| *scenario.topology.capacity_source(a, b) == CapacitySource::Assumed)
                    .collect();
                for (a, b, params) in assumed {
                    scenario.topology.set_link(a, b, LinkParams { capacity_bps, ..params })?;
                    scenario.topology.set_capacity_source(a, b, CapacitySource::User)?;
                }
            }
            Edit::SetRoute(path) => {
                let (src, dst) = (path.first().copied().unwrap_or(0), path.last().copied().unwrap_or(0));
                routing::validate_path(&scenario.topology, src, dst, &path)?;
                scenario.routing.set_path(&scenario.topology, path.clone())?;
                overrides.insert((src, dst), path);
            }
            Edit::ResetRoute { src, dst } => {
                overrides.remove(&(src, dst));
                let path = routing::shortest_path(&scenario.topology, METRIC, src, dst)
                    .ok_or(RouteError::NoPath { src, dst })?;
                scenario.routing.set_path(&scenario.topology, path)?;
            }
            Edit::GenerateTraffic { seed, peak_utilisation } => {
                if !(peak_utilisation > 0.0 && peak_utilisation <= 1.5) {
                    return Err(EditError::BadUtilisation(peak_utilisation));
                }
                let spec = TrafficSpec { seed, max_avg_lambda: None, max_utilization: None };
                let fresh = Scenario::generate(&scenario.name, scenario.topology.clone(), spec)?;
                scenario.traffic = fresh.traffic;
                scenario.scale_to_peak_utilisation(peak_utilisation)?;
            }
            Edit::ScaleTraffic(factor) => {
                if !(factor.is_finite() && factor >= 0.0) {
                    return Err(EditError::BadScale(factor));
                }
                scenario.traffic.scale(factor);
            }
            Edit::SetTraffic(traffic) => {
                if let Some((src, dst, _)) =
                    traffic.iter().find(|&(s, d, r)| r > 0.0 && scenario.routing.path(s, d).is_none())
                {
                    return Err(RouteError::NoPath { src, dst }.into());
                }
                scenario.traffic = traffic;
            }
            Edit::SetRate { src, dst, rate_bps } => {
                if rate_bps > 0.0 && scenario.routing.path(src, dst).is_none() {
                    return Err(RouteError::NoPath { src, dst }.into());
                }
                scenario.traffic.set(src, dst, rate_bps)?;
            }
            Edit::FailLink { a, b } => {
                if !scenario.topology.are_linked(a, b) {
                    return Err(TopologyError::MissingLink(a, b).into());
                }
                failed.insert((a.min(b), a.max(b)));
            }
            Edit::RestoreLink { a, b } => {
                failed.remove(&(a.min(b), a.max(b)));
            }
            Edit::RestoreAllLinks => failed.clear(),
            Edit::FailLinks(links) | Edit::FailExactly(links) => {
                if exactly {
                    failed.clear();
                }
                for (a, b) in links {
                    if !scenario.topology.are_linked(a, b) {
                        return Err(TopologyError::MissingLink(a, b).into());
                    }
                    failed.insert((a.min(b), a.max(b)));
                }
            }
            Edit::SetPort { from, to, scheduler } => {
                if !scenario.topology.are_linked(from, to) {
                    return Err(TopologyError::MissingLink(from, to).into());
                }
                scheduler.validate()?;
                scenario.qos.set_port(from, to, scheduler);
            }
            Edit::SetClass { src, dst, class } => scenario.qos.set_class(src, dst, class),
            Edit::SetGlobalTarget(target) => {
                if let Some(t) = target.filter(|&t| !DelayTargets::valid(t)) {
                    return Err(EditError::BadTarget(t));
                }
                scenario.targets.global_s = target;
            }
            Edit::SetPairTarget { src, dst, target_s } => match target_s {
                Some(t) if !DelayTargets::valid(t) => return Err(EditError::BadTarget(t)),
                Some(t) => {
                    scenario.topology.check_node(src)?;
                    scenario.topology.check_node(dst)?;
                    scenario.targets.pairs.insert((src, dst), t);
                }
                None => {
                    scenario.targets.pairs.remove(&(src, dst));
                }
            },
            Edit::AddToSrlg { name, a, b } => {
                let name = name.trim().to_owned();
                if name.is_empty() {
                    return Err(EditError::SrlgName);
                }
                if !scenario.topology.are_linked(a, b) {
                    return Err(TopologyError::MissingLink(a, b).into());
                }
                let link = (a.min(b), a.max(b));
                match scenario.srlgs.iter_mut().find(|g| g.name == name) {
                    Some(group) if !group.links.contains(&link) => group.links.push(link),
                    Some(_) => {}
                    None => scenario.srlgs.push(Srlg { name, links: vec![link] }),
                }
            }
            Edit::SetCapacities(links) => {
                for (a, b, capacity_bps) in links {
                    let params = scenario.topology.link(a, b).ok_or(TopologyError::MissingLink(a, b))?.params;
                    scenario.topology.set_link(a, b, LinkParams { capacity_bps, ..params })?;
                    scenario.topology.set_capacity_source(a, b, CapacitySource::User)?;
                }
            }
            Edit::SaveFailure(name) => {
                let name = name.trim().to_owned();
                if name.is_empty() {
                    return Err(EditError::FailureName);
                }
                if failed.is_empty() {
                    return Err(EditError::NothingFailed);
                }
                let case = FailureCase { name, links: failed.iter().copied().collect(), nodes: Vec::new() };
                match scenario.failures.iter_mut().find(|f| f.name == case.name) {
                    Some(saved) => *saved = case,
                    None => scenario.failures.push(case),
                }
            }
            Edit::DeleteFailure(name) => scenario.failures.retain(|f| f.name != name),
            Edit::RemoveFromSrlg { name, a, b } => {
                for group in scenario.srlgs.iter_mut().filter(|g| g.name == name) {
                    group.links.retain(|&l| l != (a.min(b), a.max(b)));
                }
                scenario.srlgs.retain(|g| !g.links.is_empty());
            }
        }
        if topology_changed {
            scenario.routing = Routing::shortest(&scenario.topology, METRIC);
            // Hand-made routes that the edit broke fall back to the shortest path.
            overrides.retain(|_, path| scenario.routing.set_path(&scenario.topology, path.clone()).is_ok());
            let routed = &scenario.routing;
            let unrouted: Vec<_> =
                scenario.traffic.iter().filter(|&(s, d, _)| routed.path(s, d).is_none()).collect();
            for (s, d, _) in unrouted {
                scenario.traffic.remove(s, d);
            }
        }
        // Every flow must find its class at every scheduled port it crosses.
        scenario.check_qos()?;
        let next = State { scenario, overrides, failed };
        let current = self.state();
        if next == current {
            return Ok(());
        }
        self.undo.push(current);
        if self.undo.len() > UNDO_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.restore(next);
        Ok(())
    }

    /// Marks the document saved at `path`.
    pub fn saved(&mut self, path: PathBuf) {
        self.path = Some(path);
        self.dirty = false;
    }

    fn refresh(&mut self) {
        let failed: Vec<_> = self.failed.iter().copied().collect();
        let (effective, disconnected) = self.scenario.with_failed_links(&failed, METRIC);
        self.effective = effective;
        self.disconnected = disconnected;
        self.revision = next_revision();
    }
}

/// Whether two scenarios differ at most in where their nodes are drawn.
fn same_but_layout(a: &Scenario, b: &Scenario) -> bool {
    let mut b = b.clone();
    for node in a.topology.node_ids() {
        let pos = a.topology.node(node).and_then(|n| n.pos);
        match b.topology.node_mut(node) {
            Some(target) => target.pos = pos,
            None => return false,
        }
    }
    *a == b
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::net::{Policy, builtin};

    /// NSFNet with traffic at 50 % peak utilisation: the document the UI's unit tests edit.
    pub(crate) fn nsfnet() -> Document {
        let topology = builtin::load("nsfnet").unwrap().topology;
        let spec = TrafficSpec { seed: 3, max_avg_lambda: None, max_utilization: Some(0.5) };
        Document::new(Scenario::generate("nsfnet", topology, spec).unwrap(), None)
    }

    /// What undo must bring back: the state and the effective scenario derived from it.
    fn snapshot(doc: &Document) -> (State, Scenario) {
        (doc.state(), doc.effective().clone())
    }

    #[test]
    fn undo_and_redo_round_trip_every_kind_of_edit() {
        let mut scenario = nsfnet().design().clone();
        scenario.topology.set_capacity_source(3, 4, CapacitySource::Assumed).unwrap();
        let mut doc = Document::new(scenario, None);
        let params = doc.design().topology.link(0, 1).unwrap().params;
        let edits = vec![
            Edit::AddNode { label: "Reno".into(), pos: [1.0, 2.0] },
            Edit::MoveNode { node: 3, pos: [5.0, 6.0] },
            Edit::RenameNode { node: 3, label: "Boulder, CO".into() },
            Edit::AddLink { a: 14, b: 3 },
            Edit::SetLink { a: 0, b: 1, params: LinkParams { capacity_bps: 4e4, ..params } },
            Edit::SetAssumedCapacities(2e4),
            Edit::ScaleCapacities { links: vec![(0, 1), (5, 4)], factor: 4.0 },
            Edit::SetRoute(vec![0, 1, 7, 10, 13]),
            Edit::ResetRoute { src: 0, dst: 13 },
            Edit::GenerateTraffic { seed: 9, peak_utilisation: 0.6 },
            Edit::ScaleTraffic(1.5),
            Edit::SetTraffic(Default::default()),
            Edit::GenerateTraffic { seed: 2, peak_utilisation: 0.5 },
            Edit::SetRate { src: 0, dst: 1, rate_bps: 123.0 },
            Edit::FailLink { a: 0, b: 2 },
            Edit::RestoreLink { a: 0, b: 2 },
            Edit::FailLink { a: 4, b: 5 },
            Edit::RestoreAllLinks,
            Edit::FailLinks(vec![(0, 1), (3, 4)]),
            Edit::SaveFailure("Bay and Rockies".into()),
            Edit::RestoreAllLinks,
            Edit::FailLink { a: 0, b: 2 },
            Edit::SaveFailure("Bay and Rockies".into()),
            Edit::SaveFailure("West".into()),
            Edit::DeleteFailure("West".into()),
            Edit::FailExactly(vec![(4, 5)]),
            Edit::RestoreAllLinks,
            Edit::SetCapacities(vec![(0, 1, 8e4), (4, 3, 2e5)]),
            Edit::AddToSrlg { name: "Bay conduit".into(), a: 1, b: 0 },
            Edit::AddToSrlg { name: "Bay conduit".into(), a: 1, b: 2 },
            Edit::RemoveFromSrlg { name: "Bay conduit".into(), a: 0, b: 1 },
            Edit::SetGlobalTarget(Some(0.25)),
            Edit::SetPairTarget { src: 0, dst: 13, target_s: Some(0.1) },
            Edit::SetPort { from: 0, to: 1, scheduler: Scheduler::weighted(Policy::Wfq, &[3.0, 1.0]) },
            Edit::SetClass { src: 0, dst: 1, class: 1 },
            Edit::DeleteLink { a: 14, b: 3 },
            Edit::DeleteNode(14),
            Edit::DeleteNode(6),
        ];
        let mut states = vec![snapshot(&doc)];
        for edit in edits {
            doc.apply(edit.clone()).unwrap_or_else(|e| panic!("{edit:?}: {e}"));
            states.push(snapshot(&doc));
        }
        let n = states.len() - 1;
        let revisions: BTreeSet<u64> = (0..n)
            .map(|i| {
                assert!(doc.undo());
                assert_eq!(snapshot(&doc), states[n - 1 - i], "undo back to state {}", n - 1 - i);
                doc.revision()
            })
            .collect();
        assert!(!doc.undo() && !doc.can_undo());
        assert!(revisions.len() >= n - 3, "each undo that changes the prediction has a new revision");
        for (i, state) in states.iter().enumerate().skip(1) {
            assert!(doc.redo());
            assert_eq!(&snapshot(&doc), state, "redo to state {i}");
        }
        assert!(!doc.redo());
        // A new edit after an undo drops what could be redone.
        doc.undo();
        doc.apply(Edit::ScaleTraffic(2.0)).unwrap();
        assert!(!doc.can_redo());
    }

    #[test]
    fn a_class_no_port_on_the_path_has_is_refused_and_deleting_a_link_drops_its_ports() {
        let mut doc = nsfnet();
        doc.apply(Edit::SetPort { from: 0, to: 1, scheduler: Scheduler::weighted(Policy::Drr, &[2.0, 1.0]) })
            .unwrap();
        let err = doc.apply(Edit::SetClass { src: 0, dst: 1, class: 2 }).unwrap_err();
        assert_eq!(err.to_string(), "flow 0->1 is class 2, but port 0->1 on its path has 2 class queue(s)");
        assert_eq!(doc.design().qos.class(0, 1), 0, "refused: unchanged");
        let bad = Scheduler::weighted(Policy::Wfq, &[1.0, -1.0]);
        assert!(doc.apply(Edit::SetPort { from: 0, to: 1, scheduler: bad }).is_err());
        doc.apply(Edit::DeleteLink { a: 0, b: 1 }).unwrap();
        assert!(doc.design().qos.is_fifo());
    }

    #[test]
    fn moving_a_node_changes_the_picture_only() {
        let mut doc = nsfnet();
        let revision = doc.revision();
        doc.apply(Edit::MoveNode { node: 3, pos: [7.0, 8.0] }).unwrap();
        assert_eq!(doc.revision(), revision, "nothing to predict again");
        assert!(!doc.dirty);
        assert_eq!(doc.effective().topology.node(3).unwrap().pos, Some([7.0, 8.0]));
        assert!(doc.undo());
        assert_eq!(doc.revision(), revision);
        assert_eq!(doc.effective(), doc.design());
    }

    #[test]
    fn two_documents_never_share_a_revision() {
        let (a, b) = (nsfnet(), nsfnet());
        assert_ne!(a.revision(), b.revision());
    }

    #[test]
    fn a_refused_edit_changes_nothing() {
        let mut doc = nsfnet();
        let before = (doc.design().clone(), doc.revision());
        let err = doc.apply(Edit::SetRoute(vec![0, 5, 13])).unwrap_err();
        assert!(matches!(err, EditError::Route(RouteError::MissingLink { from: 0, to: 5, .. })), "{err}");
        assert_eq!((doc.design().clone(), doc.revision()), before);
        assert!(!doc.dirty);
    }

    #[test]
    fn failing_a_link_reroutes_over_what_remains_and_restoring_undoes_it() {
        let mut doc = nsfnet();
        // NSFNet's shortest 0→2 path is the direct link.
        assert_eq!(doc.effective().routing.path(0, 2), Some(&vec![0, 2]));
        doc.apply(Edit::FailLink { a: 2, b: 0 }).unwrap();
        let rerouted = doc.effective().routing.path(0, 2).unwrap().clone();
        assert!(rerouted.len() > 2);
        assert!(routing::validate_path(&doc.effective().topology, 0, 2, &rerouted).is_ok());
        assert!(!doc.effective().topology.are_linked(0, 2));
        assert!(doc.design().topology.are_linked(0, 2), "the design keeps the link");
        assert!(!doc.dirty, "a what-if failure is not an unsaved change");
        doc.apply(Edit::RestoreLink { a: 0, b: 2 }).unwrap();
        assert_eq!(doc.effective(), doc.design());
    }

    #[test]
    fn a_cut_node_loses_its_traffic_and_reports_it() {
        let mut doc = nsfnet();
        // Node 13 has two links in NSFNet (to 5 and 10): failing both cuts it off.
        let mut neighbours = doc.design().topology.neighbours(13);
        neighbours.sort();
        assert_eq!(neighbours, vec![5, 10]);
        doc.apply(Edit::FailLink { a: 13, b: 5 }).unwrap();
        assert!(doc.disconnected().is_empty());
        doc.apply(Edit::FailLink { a: 10, b: 13 }).unwrap();
        assert_eq!(doc.disconnected().len(), 2 * 13);
        assert!(doc.disconnected().iter().all(|&(s, d)| s == 13 || d == 13));
        assert!(doc.effective().flows().is_ok());
    }

    #[test]
    fn hand_routes_survive_unrelated_topology_edits_and_fall_back_when_broken() {
        let mut doc = nsfnet();
        let detour = vec![0, 1, 7, 10, 9];
        routing::validate_path(&doc.design().topology, 0, 9, &detour).unwrap();
        doc.apply(Edit::SetRoute(detour.clone())).unwrap();
        assert!(doc.is_overridden(0, 9) && doc.dirty);
        doc.apply(Edit::AddLink { a: 0, b: 13 }).unwrap();
        assert_eq!(doc.design().routing.path(0, 9), Some(&detour));
        doc.apply(Edit::DeleteLink { a: 7, b: 10 }).unwrap();
        assert!(!doc.is_overridden(0, 9));
        let shortest = routing::shortest_path(&doc.design().topology, METRIC, 0, 9).unwrap();
        assert_eq!(doc.design().routing.path(0, 9), Some(&shortest));
    }

    #[test]
    fn deleting_a_node_drops_its_traffic_and_keeps_the_rest_routed() {
        let mut doc = nsfnet();
        doc.apply(Edit::DeleteNode(4)).unwrap();
        assert!(doc.design().traffic.iter().all(|(s, d, _)| s != 4 && d != 4));
        assert_eq!(doc.design().traffic.len(), 13 * 12);
        assert!(doc.design().flows().is_ok());
    }

    #[test]
    fn traffic_between_disconnected_nodes_is_refused() {
        let mut doc = nsfnet();
        doc.apply(Edit::AddNode { label: "island".into(), pos: [0.0, 0.0] }).unwrap();
        let island = doc.design().topology.node_bound() - 1;
        let err = doc.apply(Edit::SetRate { src: 0, dst: island, rate_bps: 100.0 }).unwrap_err();
        assert_eq!(err, EditError::Route(RouteError::NoPath { src: 0, dst: island }));
        doc.apply(Edit::AddLink { a: island, b: 0 }).unwrap();
        doc.apply(Edit::SetRate { src: 0, dst: island, rate_bps: 100.0 }).unwrap();
        assert!(doc.effective().flows().is_ok());
    }

    #[test]
    fn link_capacity_edits_are_validated_and_symmetric() {
        let mut doc = nsfnet();
        let zero = LinkParams { capacity_bps: 0.0, ..LinkParams::default() };
        assert!(matches!(
            doc.apply(Edit::SetLink { a: 0, b: 1, params: zero }),
            Err(EditError::Topology(TopologyError::BadCapacity(_)))
        ));
        let fast = LinkParams { capacity_bps: 100_000.0, ..LinkParams::default() };
        doc.apply(Edit::SetLink { a: 1, b: 0, params: fast }).unwrap();
        let t = &doc.design().topology;
        assert_eq!(t.link(0, 1).unwrap().params, fast);
        assert_eq!(t.link(1, 0).unwrap().params, fast);
    }

    #[test]
    fn assumed_capacities_are_set_at_once_and_become_the_users() {
        let mut doc = nsfnet();
        let mut scenario = doc.design().clone();
        for (a, b) in [(0, 1), (3, 4)] {
            scenario.topology.set_capacity_source(a, b, CapacitySource::Assumed).unwrap();
        }
        let mut doc2 = Document::new(scenario, None);
        doc2.apply(Edit::SetAssumedCapacities(1e9)).unwrap();
        let t = &doc2.design().topology;
        for (a, b) in [(0, 1), (3, 4)] {
            assert_eq!(t.link(a, b).unwrap().params.capacity_bps, 1e9);
            assert_eq!(t.link(b, a).unwrap().params.capacity_bps, 1e9);
            assert_eq!(*t.capacity_source(a, b), CapacitySource::User);
        }
        assert_eq!(t.link(0, 2).unwrap().params.capacity_bps, 1e4, "other links keep theirs");
        assert!(doc.apply(Edit::SetAssumedCapacities(0.0)).is_ok(), "no assumed link: nothing to refuse");
        let mut scenario = doc2.design().clone();
        scenario.topology.set_capacity_source(0, 2, CapacitySource::Assumed).unwrap();
        let mut doc3 = Document::new(scenario, None);
        assert!(doc3.apply(Edit::SetAssumedCapacities(0.0)).is_err(), "a zero capacity is refused");
        assert_eq!(*doc3.design().topology.capacity_source(0, 2), CapacitySource::Assumed, "unchanged");
    }

    #[test]
    fn generated_traffic_reaches_the_requested_peak_utilisation() {
        let mut doc = nsfnet();
        doc.apply(Edit::GenerateTraffic { seed: 9, peak_utilisation: 0.8 }).unwrap();
        let peak = doc.design().link_utilisation().unwrap().into_iter().fold(0.0, f64::max);
        assert!((peak - 0.8).abs() < 1e-9, "{peak}");
        doc.apply(Edit::ScaleTraffic(0.5)).unwrap();
        let peak = doc.design().link_utilisation().unwrap().into_iter().fold(0.0, f64::max);
        assert!((peak - 0.4).abs() < 1e-9, "{peak}");
    }
}
