//! The report's pictures as inline SVG: the topology with links coloured by load, and the
//! source×destination delay heatmap.

use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::model::Prediction;
use crate::net::layout::{bounds, positions};
use crate::net::units::{format_bps, format_seconds};
use crate::net::{NodeId, Scenario};

/// A CSS colour for `t` in [0, 1] on a sequential scale (light to dark red).
pub fn sequential(t: f64) -> String {
    let c = colorous::YELLOW_ORANGE_RED.eval_continuous(t.clamp(0.0, 1.0));
    format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
}

/// A CSS background showing the sequential scale, for a legend.
pub fn gradient() -> String {
    format!(
        "background: linear-gradient(to right, {}, {}, {})",
        sequential(0.0),
        sequential(0.5),
        sequential(1.0)
    )
}

/// The topology: nodes where the canvas draws them, each duplex link coloured by the higher of
/// its two directions' offered load (red at 100 % and above), overloaded links thicker.
pub fn topology(scenario: &Scenario, prediction: &Prediction) -> Markup {
    let (width, height, margin) = (960.0_f32, 540.0_f32, 40.0_f32);
    let topology = &scenario.topology;
    let at = positions(topology);
    let (lo, hi) = bounds(at.values()).unwrap_or(([0.0, 0.0], [1.0, 1.0]));
    let span = [(hi[0] - lo[0]).max(1e-6), (hi[1] - lo[1]).max(1e-6)];
    let scale = ((width - 2.0 * margin) / span[0]).min((height - 2.0 * margin) / span[1]);
    let offset =
        [(width - span[0] * scale) / 2.0 - lo[0] * scale, (height - span[1] * scale) / 2.0 - lo[1] * scale];
    let point =
        |id: NodeId| at.get(&id).map_or([0.0, 0.0], |p| [p[0] * scale + offset[0], p[1] * scale + offset[1]]);
    let load: BTreeMap<(NodeId, NodeId), f64> =
        prediction.links.iter().map(|l| ((l.from as NodeId, l.to as NodeId), l.load)).collect();
    html! {
        svg.topology xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {width} {height}")) role="img"
            aria-label="topology, links coloured by offered load" {
            @for (a, b, params) in topology.duplex_links() {
                @let (p, q) = (point(a), point(b));
                @let worst = load.get(&(a, b)).copied().unwrap_or(0.0).max(load.get(&(b, a)).copied().unwrap_or(0.0));
                line x1=(p[0]) y1=(p[1]) x2=(q[0]) y2=(q[1]) stroke=(sequential(worst))
                    stroke-width=(if worst >= 1.0 { 6 } else { 3 }) stroke-linecap="round" {
                    title {
                        (topology.node_name(a)) " — " (topology.node_name(b)) ": " (format_bps(params.capacity_bps))
                        ", load " (format!("{:.0} %", worst * 100.0))
                    }
                }
            }
            @for id in topology.node_ids() {
                @let p = point(id);
                circle cx=(p[0]) cy=(p[1]) r="6" fill="#1f4e79" stroke="#ffffff" stroke-width="1.5" {}
                text x=(p[0] + 8.0) y=(p[1] - 8.0) class="node" { (topology.node_name(id)) }
            }
        }
    }
}

/// The per-pair delay heatmap: row = source, column = destination; grey where a pair has no
/// flow; a ring on extrapolated predictions and a square on pairs over their delay target.
pub fn heatmap(scenario: &Scenario, prediction: &Prediction) -> Markup {
    let topology = &scenario.topology;
    let nodes: Vec<NodeId> = topology.node_ids().collect();
    let n = nodes.len().max(1);
    let index: BTreeMap<NodeId, usize> = nodes.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let cell = (640.0 / n as f64).clamp(4.0, 24.0);
    let labelled = cell >= 10.0;
    let gutter = if labelled { 120.0 } else { 10.0 };
    let side = cell * n as f64;
    let max = prediction.flows.iter().map(|f| f.delay_s).fold(0.0, f64::max).max(1e-12);
    let min = prediction.flows.iter().map(|f| f.delay_s).fold(f64::INFINITY, f64::min).min(max);
    let name = |id: NodeId| topology.node_name(id);
    let font = (cell * 0.7).min(11.0);
    html! {
        svg.heatmap xmlns="http://www.w3.org/2000/svg" role="img" aria-label="per-pair delay heatmap"
            viewBox=(format!("0 0 {} {}", gutter + side + 10.0, gutter + side + 10.0))
            width=(gutter + side + 10.0) {
            rect x=(gutter) y=(gutter) width=(side) height=(side) fill="#d0d0d0" {}
            @for f in &prediction.flows {
                @if let (Some(&r), Some(&c)) = (index.get(&(f.src as NodeId)), index.get(&(f.dst as NodeId))) {
                    @let (x, y) = (gutter + c as f64 * cell, gutter + r as f64 * cell);
                    @let t = (f.delay_s - min) / (max - min).max(1e-12);
                    rect x=(x) y=(y) width=(cell) height=(cell) fill=(sequential(t)) {
                        title { (name(f.src as NodeId)) " → " (name(f.dst as NodeId)) ": " (format_seconds(f.delay_s)) }
                    }
                    @if !f.extrapolated.is_empty() {
                        circle cx=(x + cell / 2.0) cy=(y + cell / 2.0) r=(cell * 0.25) fill="none" stroke="#1f77b4" stroke-width="1.5" {}
                    }
                    @if scenario.targets.of(f.src as NodeId, f.dst as NodeId).is_some_and(|t| f.delay_s > t) {
                        rect x=(x + cell * 0.15) y=(y + cell * 0.15) width=(cell * 0.7) height=(cell * 0.7)
                            fill="none" stroke="#c000c0" stroke-width="1.5" {}
                    }
                }
            }
            @if labelled {
                @for (i, &id) in nodes.iter().enumerate() {
                    @let mid = gutter + (i as f64 + 0.5) * cell;
                    text x=(gutter - 4.0) y=(mid + font / 3.0) text-anchor="end" font-size=(font) { (short(&name(id))) }
                    text transform=(format!("translate({} {}) rotate(-90)", mid + font / 3.0, gutter - 4.0))
                        font-size=(font) { (short(&name(id))) }
                }
            }
        }
        div.legend {
            span { (format_seconds(min)) }
            span.bar style=(gradient()) {}
            span { (format_seconds(max)) }
            span.key { "○ extrapolated  □ over its delay target" }
        }
    }
}

/// A node name cut to fit a heatmap tick.
fn short(name: &str) -> String {
    const MAX: usize = 16;
    if name.chars().count() <= MAX {
        name.to_owned()
    } else {
        name.chars().take(MAX - 1).collect::<String>() + "…"
    }
}
