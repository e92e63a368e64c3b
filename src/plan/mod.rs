//! Planning on top of the model's predictions: failure sweeps over links, nodes, shared-risk link
//! groups and link pairs, with each pair's worst case.

pub mod failures;

pub use failures::{CaseImpact, FailureCase, PairWorst, Sweep, SweepKind, cases, sweep};
