//! Planning on top of the model's predictions: failure sweeps over links, nodes, shared-risk link
//! groups and link pairs, with each pair's worst case; the pairs over their delay targets;
//! demand matrices in CSV and their growth year by year; capacity upgrades that meet the targets.

pub mod demands;
pub mod failures;
pub mod targets;
pub mod upgrades;

pub use failures::{CaseImpact, FailureCase, PairWorst, Sweep, SweepKind, cases, sweep};
pub use targets::{Violation, violations};
