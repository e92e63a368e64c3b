//! pathcast: per-path delay prediction for network planners.
//!
//! Data flows one way: [`net`] (topologies, routing, traffic) → `sim` (packet-level ground truth)
//! → `data` (datasets) → `model`/`train` (RouteNet) → `plan` (failure sweeps) → `ui`.

pub mod cli;
pub mod data;
pub mod fsutil;
pub mod model;
pub mod net;
pub mod plan;
pub mod report;
pub mod sim;
pub mod train;
pub mod ui;
