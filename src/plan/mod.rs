//! Planning on top of the model's predictions: failure sweeps over links, nodes, shared-risk link
//! groups and link pairs, with each pair's worst case; the pairs over their delay targets;
//! demand matrices in CSV and their growth year by year; capacity upgrades that meet the targets;
//! two plans compared pair by pair.

pub mod compare;
pub mod demands;
pub mod failures;
pub mod targets;
pub mod upgrades;

pub use crate::net::FailureCase;
pub use compare::{LinkChange, PairChange, PlanComparison, compare};
pub use failures::{CaseImpact, PairWorst, Sweep, SweepKind, cases, sweep};
pub use targets::{Violation, violations};
