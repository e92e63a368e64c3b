//! Quality of service: each flow's traffic class and each output port's scheduler.
//!
//! A port without a scheduler is FIFO with one queue of its link's `queue_packets`. A scheduler
//! gives the port one queue per class (class 0 first): strict priority serves the lowest class
//! number first, WFQ and DRR share the link in proportion to the class weights.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::topology::NodeId;

/// How an output port picks the next packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// One queue, first come first served.
    #[default]
    Fifo,
    /// Non-preemptive strict priority: class 0 before class 1 before class 2 …
    StrictPriority,
    /// Weighted fair queueing (self-clocked: packets go in order of their virtual finish times).
    Wfq,
    /// Deficit round robin, each class's quantum in proportion to its weight.
    Drr,
}

impl Policy {
    /// Every policy, in the order the app lists them.
    pub const ALL: [Policy; 4] = [Policy::Fifo, Policy::StrictPriority, Policy::Wfq, Policy::Drr];

    /// The name used in files and on screen.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Fifo => "FIFO",
            Policy::StrictPriority => "SP",
            Policy::Wfq => "WFQ",
            Policy::Drr => "DRR",
        }
    }

    /// Whether the class weights matter.
    pub fn weighted(self) -> bool {
        matches!(self, Policy::Wfq | Policy::Drr)
    }
}

/// One class queue of a port.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassQueue {
    /// Share of the link under WFQ and DRR (any positive scale); unused by SP.
    #[serde(default = "one")]
    pub weight: f64,
    /// Packets the queue holds, counting the one in transmission; `None`: the link's queue size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_packets: Option<u32>,
}

fn one() -> f64 {
    1.0
}

impl Default for ClassQueue {
    fn default() -> Self {
        ClassQueue { weight: 1.0, queue_packets: None }
    }
}

/// An output port's scheduler: its policy and its class queues.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scheduler {
    pub policy: Policy,
    /// One per class, class 0 first; FIFO has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassQueue>,
}

impl Scheduler {
    /// A scheduler with `weights.len()` classes, each queue the link's size.
    pub fn weighted(policy: Policy, weights: &[f64]) -> Self {
        let classes = weights.iter().map(|&weight| ClassQueue { weight, queue_packets: None }).collect();
        Scheduler { policy, classes }
    }

    /// The classes the port tells apart (FIFO: one).
    pub fn class_count(&self) -> usize {
        if self.policy == Policy::Fifo { 1 } else { self.classes.len() }
    }

    /// Checks that the scheduler can run: classes for a non-FIFO policy, positive finite weights,
    /// queues of at least one packet.
    pub fn validate(&self) -> Result<(), QosError> {
        if self.policy == Policy::Fifo {
            return Ok(());
        }
        if self.classes.is_empty() || self.classes.len() > MAX_CLASSES {
            return Err(QosError::ClassCount { policy: self.policy.name(), count: self.classes.len() });
        }
        for (class, queue) in self.classes.iter().enumerate() {
            if self.policy.weighted() && !(queue.weight.is_finite() && queue.weight > 0.0) {
                return Err(QosError::Weight { class, weight: queue.weight });
            }
            if queue.queue_packets == Some(0) {
                return Err(QosError::ZeroQueue { class });
            }
        }
        Ok(())
    }
}

/// The most classes a port may have.
pub const MAX_CLASSES: usize = 8;

/// Why a QoS setting cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QosError {
    #[error("{policy} needs 1 to {MAX_CLASSES} class queues, got {count}")]
    ClassCount { policy: &'static str, count: usize },
    #[error("class {class} has weight {weight}; weights must be positive numbers")]
    Weight { class: usize, weight: f64 },
    #[error("class {class}'s queue holds no packet; give it at least one")]
    ZeroQueue { class: usize },
    #[error(
        "flow {src}->{dst} is class {class}, but port {from}->{to} on its path has {count} class queue(s)"
    )]
    UnknownClass { src: NodeId, dst: NodeId, class: u8, from: NodeId, to: NodeId, count: usize },
}

/// Classes and schedulers of a scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Qos {
    /// Each pair's class; pairs not listed are class 0.
    pub classes: BTreeMap<(NodeId, NodeId), u8>,
    /// Schedulers of output ports, keyed by directed link (from, to); ports not listed are FIFO.
    pub ports: BTreeMap<(NodeId, NodeId), Scheduler>,
}

impl Qos {
    /// The class of the flow from `src` to `dst`.
    pub fn class(&self, src: NodeId, dst: NodeId) -> u8 {
        self.classes.get(&(src, dst)).copied().unwrap_or(0)
    }

    /// Sets a pair's class (class 0 is not stored).
    pub fn set_class(&mut self, src: NodeId, dst: NodeId, class: u8) {
        if class == 0 {
            self.classes.remove(&(src, dst));
        } else {
            self.classes.insert((src, dst), class);
        }
    }

    /// The scheduler of the port from `from` towards `to`.
    pub fn port(&self, from: NodeId, to: NodeId) -> Option<&Scheduler> {
        self.ports.get(&(from, to))
    }

    /// Sets a port's scheduler (FIFO is not stored).
    pub fn set_port(&mut self, from: NodeId, to: NodeId, scheduler: Scheduler) {
        if scheduler.policy == Policy::Fifo {
            self.ports.remove(&(from, to));
        } else {
            self.ports.insert((from, to), scheduler);
        }
    }

    /// Whether every port is FIFO.
    pub fn is_fifo(&self) -> bool {
        self.ports.is_empty()
    }

    /// Forgets what concerns `node` (when it is deleted).
    pub fn remove_node(&mut self, node: NodeId) {
        self.classes.retain(|&(s, d), _| s != node && d != node);
        self.ports.retain(|&(a, b), _| a != node && b != node);
    }

    /// Checks that a flow of `class` can cross every port of `path`.
    pub fn check_path(&self, src: NodeId, dst: NodeId, class: u8, path: &[NodeId]) -> Result<(), QosError> {
        for hop in path.windows(2) {
            if let Some(port) = self.port(hop[0], hop[1]) {
                let count = port.class_count();
                if usize::from(class) >= count {
                    return Err(QosError::UnknownClass { src, dst, class, from: hop[0], to: hop[1], count });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedulers_are_checked() {
        assert!(Scheduler::default().validate().is_ok());
        let wfq = Scheduler::weighted(Policy::Wfq, &[60.0, 30.0, 10.0]);
        assert!(wfq.validate().is_ok());
        assert_eq!(wfq.class_count(), 3);
        let err = Scheduler::weighted(Policy::Drr, &[1.0, 0.0]).validate().unwrap_err();
        assert_eq!(err.to_string(), "class 1 has weight 0; weights must be positive numbers");
        // Strict priority ignores weights, but needs classes.
        assert!(Scheduler::weighted(Policy::StrictPriority, &[0.0, 0.0]).validate().is_ok());
        let err = Scheduler { policy: Policy::StrictPriority, classes: vec![] }.validate().unwrap_err();
        assert_eq!(err.to_string(), "SP needs 1 to 8 class queues, got 0");
        let mut zero = Scheduler::weighted(Policy::Wfq, &[1.0]);
        zero.classes[0].queue_packets = Some(0);
        assert!(matches!(zero.validate(), Err(QosError::ZeroQueue { class: 0 })));
    }

    #[test]
    fn a_class_beyond_a_ports_queues_is_refused_with_its_place() {
        let mut qos = Qos::default();
        qos.set_port(1, 2, Scheduler::weighted(Policy::Wfq, &[2.0, 1.0]));
        qos.set_class(0, 3, 2);
        assert!(qos.check_path(0, 3, 1, &[0, 1, 2, 3]).is_ok());
        let err = qos.check_path(0, 3, qos.class(0, 3), &[0, 1, 2, 3]).unwrap_err();
        assert_eq!(err.to_string(), "flow 0->3 is class 2, but port 1->2 on its path has 2 class queue(s)");
        // FIFO ports take every class.
        assert!(qos.check_path(0, 3, 7, &[0, 1]).is_ok());
        qos.set_port(1, 2, Scheduler::default());
        assert!(qos.is_fifo());
    }
}
