//! Each class of a scheduled port as the FIFO port it behaves like, for the analytic estimate the
//! model corrects at every hop.
//!
//! A class waits as if it were alone at a FIFO port of some share of the link at some load:
//! - strict priority (non-preemptive, class 0 first): Cobham's formula,
//!   `W_k = R / ((1 − σ_{k−1})(1 − σ_k))`, `R` the mean residual service and `σ_k` the load of
//!   classes 0..=k; a class the higher ones leave too little for gets the leftover capacity;
//! - WFQ (finish tags on the real-time clock, see `sim::port`): a class's tags run ahead of the
//!   clock in proportion to its load over its weight's share, so the classes are served as strict
//!   priorities in the order of that ratio, and those offered more than water-filling gives them
//!   get that;
//! - DRR: each class served at its weighted share of what the others leave (water-filling), as an
//!   M/G/1 queue at that rate, scaled so that the load-weighted wait is FIFO's (Kleinrock's
//!   conservation law).
//!
//! A class offered more than its share becomes a port of that share, overloaded: its buffer
//! stays full and it drops the excess. The network corrects what this leaves out.
//!
//! Written by hand: this is the product's own modelling, not a solved problem with a crate.

use super::queueing;
use crate::net::{Policy, Scheduler};

/// Smallest share of a port a starved class is given, so that its delay stays finite.
const MIN_SHARE: f64 = 1e-3;
/// WFQ classes whose loads over weights are within this factor are served as one priority.
const PRIORITY_GROUP: f64 = 1.5;

/// How one class of a port is seen: a FIFO port of `share` of the link's capacity at `load`
/// (its offered traffic, and for a class that waits on others the equivalent extra, over that
/// share).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassPort {
    pub share: f64,
    pub load: f64,
}

/// Every class of a scheduled port, given each class's offered load (of the link's capacity), its
/// queue size in packets and the packet sizes' c². A class without traffic gets a port at its own
/// share and no load.
pub fn class_ports(scheduler: &Scheduler, loads: &[f64], queues: &[u32], c2: f64) -> Vec<ClassPort> {
    let total: f64 = loads.iter().sum();
    // Mean residual service an arrival sees, in transmission times (the server is busy at most
    // all the time).
    let residual = total.min(1.0) * (1.0 + c2) / 2.0;
    let waits = match scheduler.policy {
        Policy::StrictPriority => priority_waits(loads, queues, residual, c2),
        Policy::Wfq | Policy::Drr | Policy::Fifo => {
            let weights: Vec<f64> = scheduler.classes.iter().map(|c| c.weight).collect();
            weighted_waits(scheduler.policy, loads, &weights, residual, c2)
        }
    };
    loads
        .iter()
        .zip(waits)
        .map(|(&rho, wait)| match wait {
            // A FIFO port at load q waits q / (1 − q) (1 + c²) / 2: the q that waits `w`.
            Wait::Finite(w) => {
                let x = 2.0 * w / (1.0 + c2);
                ClassPort { share: 1.0, load: (x / (1.0 + x)).max(rho) }
            }
            Wait::Overloaded(share) => ClassPort { share, load: rho / share },
        })
        .collect()
}

/// A class's mean wait in transmission times, or the share of the port left to a class offered
/// more than that.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wait {
    Finite(f64),
    Overloaded(f64),
}

fn priority_waits(loads: &[f64], queues: &[u32], residual: f64, c2: f64) -> Vec<Wait> {
    let mut above = 0.0;
    loads
        .iter()
        .enumerate()
        .map(|(class, &rho)| {
            let (before, after) = (above, above + rho);
            above = after;
            if after < 1.0 {
                Wait::Finite(residual / ((1.0 - before) * (1.0 - after)))
            } else {
                // The classes above, as one port with the buffer of the lowest of them, carry
                // what it does not drop; the rest is left, even when they ask for it all (a
                // full port still idles now and then).
                let carried = match class.checked_sub(1) {
                    Some(last) => before * (1.0 - queueing::port(before, queues[last], c2).drop),
                    None => 0.0,
                };
                Wait::Overloaded((1.0 - carried).max(MIN_SHARE))
            }
        })
        .collect()
}

fn weighted_waits(policy: Policy, loads: &[f64], weights: &[f64], residual: f64, c2: f64) -> Vec<Wait> {
    let total: f64 = loads.iter().sum();
    let rates = water_fill(loads, weights);
    let satisfied = |c: usize| rates[c] >= loads[c] * (1.0 - 1e-9);
    if policy == Policy::Wfq {
        let ratio = |c: usize| loads[c] / weights[c];
        let mut order: Vec<usize> = (0..loads.len()).filter(|&c| satisfied(c)).collect();
        order.sort_by(|&a, &b| ratio(a).total_cmp(&ratio(b)));
        let mut waits: Vec<Wait> = rates.iter().map(|&r| Wait::Overloaded(r.max(MIN_SHARE))).collect();
        // Classes within a factor of PRIORITY_GROUP in that ratio keep pace: one priority level.
        let mut above = 0.0;
        for group in order.chunk_by(|&a, &b| ratio(b) <= PRIORITY_GROUP * ratio(a)) {
            let before = above;
            above += group.iter().map(|&c| loads[c]).sum::<f64>();
            let wait = residual / ((1.0 - before) * (1.0 - above).max(MIN_SHARE));
            for &c in group {
                waits[c] = Wait::Finite(wait);
            }
        }
        return waits;
    }
    let mut waits: Vec<Wait> = (0..loads.len())
        .map(|c| {
            if !satisfied(c) {
                return Wait::Overloaded(rates[c].max(MIN_SHARE));
            }
            // Served while backlogged at the share it would get if it asked for everything: its
            // weight's share of what the others leave. An M/G/1 queue at that speed: its wait
            // and its slower service, less the one transmission time a hop counts anyway.
            let speed = greedy_rate(loads, weights, c).clamp(MIN_SHARE, 1.0);
            let u = (loads[c] / speed).min(1.0 - 1e-6);
            Wait::Finite((u / (1.0 - u) * (1.0 + c2) / 2.0 + 1.0) / speed - 1.0)
        })
        .collect();
    if total < 1.0 {
        // The conservation law: the load-weighted wait equals FIFO's.
        let fifo = residual / (1.0 - total);
        let weighted: f64 = loads
            .iter()
            .zip(&waits)
            .map(|(&rho, w)| match w {
                Wait::Finite(x) => rho * x,
                Wait::Overloaded(_) => 0.0,
            })
            .sum();
        if weighted > 0.0 {
            let scale = total * fifo / weighted;
            for w in &mut waits {
                if let Wait::Finite(x) = w {
                    *x *= scale;
                }
            }
        }
    }
    waits
}

/// The share of the port class `c` gets while backlogged: water-filling with it asking for all.
fn greedy_rate(loads: &[f64], weights: &[f64], c: usize) -> f64 {
    let mut asking = loads.to_vec();
    asking[c] = f64::INFINITY;
    water_fill(&asking, weights)[c]
}

/// Each class's service rate (share of the port) under a work-conserving weighted scheduler with
/// fluid traffic: classes asking less than their weighted share get what they ask, and what they
/// leave is shared among the others by weight.
fn water_fill(loads: &[f64], weights: &[f64]) -> Vec<f64> {
    let mut rates = vec![0.0; loads.len()];
    let mut open: Vec<usize> = (0..loads.len()).filter(|&c| loads[c] > 0.0).collect();
    let mut left = 1.0;
    while !open.is_empty() {
        let weight: f64 = open.iter().map(|&c| weights[c]).sum();
        let satisfied: Vec<usize> =
            open.iter().copied().filter(|&c| loads[c] <= left * weights[c] / weight).collect();
        if satisfied.is_empty() {
            for &c in &open {
                rates[c] = left * weights[c] / weight;
            }
            break;
        }
        for &c in &satisfied {
            rates[c] = loads[c];
            left -= loads[c];
        }
        open.retain(|c| !satisfied.contains(c));
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The waiting time of the FIFO port a class is given (M/G/1, in transmission times).
    fn fifo_wait(port: ClassPort, c2: f64) -> f64 {
        port.load / (1.0 - port.load) * (1.0 + c2) / 2.0
    }

    #[test]
    fn strict_priority_classes_wait_as_cobham_says() {
        // Two classes of M/M/1 (c² = 1) at 0.3 each: Cobham gives W = 0.6/0.7 and 0.6/(0.7·0.4).
        let ports = class_ports(
            &Scheduler::weighted(Policy::StrictPriority, &[1.0, 1.0]),
            &[0.3, 0.3],
            &[32; 2],
            1.0,
        );
        assert!((fifo_wait(ports[0], 1.0) - 0.6 / 0.7).abs() < 1e-9);
        assert!((fifo_wait(ports[1], 1.0) - 0.6 / (0.7 * 0.4)).abs() < 1e-9);
        assert_eq!((ports[0].share, ports[1].share), (1.0, 1.0));
    }

    #[test]
    fn weighted_classes_keep_fifos_load_weighted_wait() {
        // Equal weights; each class waits longer than it would alone, so none is held at that.
        let loads = [0.3, 0.25, 0.2];
        for policy in [Policy::Wfq, Policy::Drr] {
            let ports = class_ports(&Scheduler::weighted(policy, &[1.0, 1.0, 1.0]), &loads, &[32; 3], 0.49);
            assert!(ports.iter().zip(&loads).all(|(p, &rho)| p.load > rho));
            let total: f64 = loads.iter().sum();
            let fifo = total / (1.0 - total) * 1.49 / 2.0;
            let weighted: f64 = loads.iter().zip(&ports).map(|(&r, &p)| r * fifo_wait(p, 0.49)).sum();
            assert!((weighted - total * fifo).abs() < 1e-9, "{weighted} vs {}", total * fifo);
        }
    }

    #[test]
    fn a_starved_class_gets_the_leftover_capacity_overloaded() {
        // Class 0 takes 90 % under strict priority, less what its 32 packets overflow (M/M/1/K:
        // ρ^K (1 − ρ) / (1 − ρ^(K+1)), 0.35 %); class 1 asks 30 % of the rest.
        let sp = Scheduler::weighted(Policy::StrictPriority, &[1.0, 1.0]);
        let ports = class_ports(&sp, &[0.9, 0.3], &[32; 2], 1.0);
        let overflow = 0.9f64.powi(32) * 0.1 / (1.0 - 0.9f64.powi(33));
        let left = 1.0 - 0.9 * (1.0 - overflow);
        assert!(
            (ports[1].share - left).abs() < 1e-9 && (ports[1].load - 0.3 / left).abs() < 1e-9,
            "{:?}",
            ports[1]
        );
        // Class 0 asks for the whole port: as M/M/1/K at ρ = 1 every one of its K + 1 states is
        // equally likely, so it drops 1/(K + 1) and leaves the port idle 1/(K + 1) of the time.
        let ports = class_ports(&sp, &[1.0, 0.3], &[32; 2], 1.0);
        assert!((ports[1].share - 1.0 / 33.0).abs() < 1e-9, "{:?}", ports[1]);
        let ports = class_ports(&sp, &[1.0, 0.3], &[8; 2], 1.0);
        assert!((ports[1].share - 1.0 / 9.0).abs() < 1e-9, "{:?}", ports[1]);
        // Weighted 50/50, class 0 asks 80 %, class 1 40 %: 60 / 40 after water-filling.
        assert_eq!(water_fill(&[0.8, 0.4], &[1.0, 1.0]), vec![0.6, 0.4]);
        assert_eq!(water_fill(&[0.8, 0.1], &[1.0, 1.0]), vec![0.8, 0.1]);
    }

    #[test]
    fn wfq_serves_classes_as_priorities_by_load_over_weight() {
        // Weights 60/30/10 at loads 0.3/0.3/0.2: ratios 0.5, 1, 2, so Cobham in class order.
        let loads = [0.3, 0.3, 0.2];
        let wfq = class_ports(&Scheduler::weighted(Policy::Wfq, &[60.0, 30.0, 10.0]), &loads, &[32; 3], 1.0);
        let sp = class_ports(&Scheduler::weighted(Policy::StrictPriority, &[1.0; 3]), &loads, &[32; 3], 1.0);
        assert_eq!(wfq, sp);
        // Reversed weights reverse the order.
        let reversed = class_ports(
            &Scheduler::weighted(Policy::Wfq, &[10.0, 30.0, 60.0]),
            &[0.2, 0.3, 0.3],
            &[32; 3],
            1.0,
        );
        assert!((fifo_wait(reversed[2], 1.0) - fifo_wait(sp[0], 1.0)).abs() < 1e-9);
        // Equal weights and loads: one level, FIFO's wait.
        let equal = class_ports(&Scheduler::weighted(Policy::Wfq, &[1.0, 1.0]), &[0.3, 0.3], &[32; 2], 1.0);
        assert_eq!(equal[0], equal[1]);
        assert!((fifo_wait(equal[0], 1.0) - 0.6 / 0.4).abs() < 1e-9);
    }

    #[test]
    fn on_an_overloaded_wfq_port_a_class_under_its_share_waits_as_a_top_priority() {
        // Weights 1:1, class 0 at 45 %, class 1 at 100 %: class 0 waits R / (1 − 0.45), R = 1 for
        // exponential sizes on a busy port; DRR instead serves it at its half share (M/M/1 at 0.9).
        let loads = [0.45, 1.0];
        let wfq = class_ports(&Scheduler::weighted(Policy::Wfq, &[1.0, 1.0]), &loads, &[32; 2], 1.0);
        assert!((fifo_wait(wfq[0], 1.0) - 1.0 / 0.55).abs() < 1e-9, "{:?}", wfq[0]);
        assert!((wfq[1].share - 0.55).abs() < 1e-12, "{:?}", wfq[1]);
        let drr = class_ports(&Scheduler::weighted(Policy::Drr, &[1.0, 1.0]), &loads, &[32; 2], 1.0);
        assert!(fifo_wait(drr[0], 1.0) > 2.0 * fifo_wait(wfq[0], 1.0));
    }
}
