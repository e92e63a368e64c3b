//! The report as one HTML page. maud escapes every text from the scenario (node names are the
//! planner's own), so a name such as `<script>` shows as text.

use std::collections::BTreeMap;

use maud::{DOCTYPE, html};

use super::{Report, svg};
use crate::net::NodeId;
use crate::net::units::{format_bps, format_seconds};

/// Rows of the long tables beyond which the rest is summarised in a line.
const MAX_ROWS: usize = 2000;

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d2330; }
h1 { margin-bottom: 0; } h2 { margin-top: 32px; border-bottom: 1px solid #ccd; }
.meta { color: #556; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid #ccd; border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.card b { display: block; font-size: 20px; }
.warn { color: #b35900; } .bad { color: #b00060; } .ok { color: #1a7f37; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 2px 10px; border-bottom: 1px solid #e4e4ee; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
thead th { background: #f2f3f8; position: sticky; top: 0; }
svg.topology { width: 100%; height: auto; border: 1px solid #ccd; border-radius: 6px; }
svg text.node { font-size: 11px; fill: #1d2330; }
.legend { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
.legend .bar { display: inline-block; width: 200px; height: 12px; border: 1px solid #999; }
.legend .key { margin-left: 16px; color: #556; }
.scroll { max-height: 480px; overflow: auto; border: 1px solid #e4e4ee; }
";

/// The report as a complete HTML document.
pub fn render(report: &Report) -> String {
    let scenario = &report.scenario;
    let topology = &scenario.topology;
    let name = |id: NodeId| topology.node_name(id);
    let p = &report.prediction;
    let (mean, worst) = p.mean_and_worst_delay();
    let offered: f64 = scenario.traffic.iter().map(|(_, _, r)| r).sum();
    let overloaded = p.overloaded_links();
    let extrapolated = p.extrapolated_flows();
    let capacity: BTreeMap<(NodeId, NodeId), f64> = topology
        .duplex_links()
        .flat_map(|(a, b, l)| [((a, b), l.capacity_bps), ((b, a), l.capacity_bps)])
        .collect();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "pathcast report: " (scenario.name) }
                style { (STYLE) }
            }
            body {
                h1 { "Planning report: " (scenario.name) }
                p.meta {
                    (topology.node_count()) " nodes, " (topology.duplex_links().count()) " links, "
                    (p.flows.len()) " flows offering " (format_bps(offered)) " in total. Predicted by "
                    (report.model_name) " with pathcast " (env!("CARGO_PKG_VERSION")) "."
                }
                div.cards {
                    div.card { "mean delay" b { (format_seconds(mean)) } }
                    div.card { "worst delay" b { (format_seconds(worst)) } }
                    div.card.(if report.violations.is_empty() { "ok" } else { "bad" }) {
                        "over their delay target" b { (report.violations.len()) " pairs" }
                    }
                    div.card.(if overloaded == 0 { "ok" } else { "warn" }) { "overloaded links" b { (overloaded) } }
                    div.card.(if extrapolated == 0 { "ok" } else { "warn" }) {
                        "extrapolated predictions" b { (extrapolated) " of " (p.flows.len()) }
                    }
                    @if let Some(v) = &report.verification {
                        div.card { "prediction vs simulator" b { (format!("{:.1} % MAPE", v.mape_percent)) } }
                    }
                }

                h2 { "Topology" }
                p.meta { "Links coloured by the higher offered load of their two directions; overloaded links are thick. Hover for figures." }
                (svg::topology(scenario, p))
                div.legend {
                    span { "0 %" }
                    span.bar style=(svg::gradient()) {}
                    span { "100 % offered load" }
                }

                h2 { "Per-pair delay" }
                (svg::heatmap(scenario, p))
                div.scroll {
                    table {
                        thead { tr { th { "source" } th { "destination" } th { "delay" } th { "jitter (std)" } th { "loss" } th { "target" } th { "note" } } }
                        tbody {
                            @for f in p.flows.iter().take(MAX_ROWS) {
                                @let target = scenario.targets.of(f.src as NodeId, f.dst as NodeId);
                                @let over = target.is_some_and(|t| f.delay_s > t);
                                tr {
                                    td { (name(f.src as NodeId)) } td { (name(f.dst as NodeId)) }
                                    td.(if over { "bad" } else { "" }) { (format_seconds(f.delay_s)) }
                                    td { (format_seconds(f.jitter_s2.max(0.0).sqrt())) }
                                    td { (format!("{:.2} %", f.loss * 100.0)) }
                                    td { (target.map_or("—".to_owned(), format_seconds)) }
                                    td.warn { @if let Some(reason) = f.extrapolated.first() { "extrapolated: " (reason) } }
                                }
                            }
                        }
                    }
                }
                @if p.flows.len() > MAX_ROWS { p.meta { "… and " (p.flows.len() - MAX_ROWS) " more pairs." } }

                h2 { "Link loads" }
                div.scroll {
                    table {
                        thead { tr { th { "from" } th { "to" } th { "capacity" } th { "offered load" } th { "time at the port" } th { "drops" } } }
                        tbody {
                            @for l in &p.links {
                                @let (from, to) = (l.from as NodeId, l.to as NodeId);
                                tr {
                                    td { (name(from)) } td { (name(to)) }
                                    td { (capacity.get(&(from, to)).map_or("—".to_owned(), |&c| format_bps(c))) }
                                    td.(if l.overloaded { "warn" } else { "" }) { (format!("{:.1} %", l.load * 100.0)) }
                                    td { (format_seconds(l.sojourn_s)) }
                                    td { (format!("{:.2} %", l.drop * 100.0)) }
                                }
                            }
                        }
                    }
                }

                h2 { "Delay targets" }
                @if scenario.targets.is_empty() {
                    p { "The scenario sets no delay target." }
                } @else if report.violations.is_empty() {
                    p.ok { "Every pair meets its delay target"
                        @if let Some(t) = scenario.targets.global_s { " (" (format_seconds(t)) " for pairs without their own)" } "." }
                } @else {
                    p.bad { (report.violations.len()) " pairs are over their target, worst overshoot first:" }
                    div.scroll { table {
                        thead { tr { th { "source" } th { "destination" } th { "delay" } th { "target" } th { "note" } } }
                        tbody {
                            @for v in report.violations.iter().take(MAX_ROWS) {
                                tr {
                                    td { (name(v.src)) } td { (name(v.dst)) }
                                    td.bad { (format_seconds(v.delay_s)) } td { (format_seconds(v.target_s)) }
                                    td.warn { @if v.extrapolated { "extrapolated: verify it" } }
                                }
                            }
                        }
                    } }
                }

                h2 { "Failure sweep" }
                @if let Some(sweep) = &report.sweep {
                    @let ranked = sweep.ranked();
                    p.meta { (ranked.len()) " cases (" (clap::ValueEnum::to_possible_value(&sweep.kind).map_or(String::new(), |v| v.get_name().to_owned())) "), the worst first." }
                    table {
                        thead { tr { th { "failure" } th { "cut pairs" } th { "worst delay" } th { "mean delay" } th { "targets broken" } th { "extrapolated" } } }
                        tbody {
                            @for case in ranked.iter().take(25) {
                                tr {
                                    td { (case.case.name) } td { (case.disconnected) }
                                    td { (format_seconds(case.worst_delay_s)) } td { (format_seconds(case.mean_delay_s)) }
                                    td.(if case.targets_broken > 0 { "bad" } else { "" }) { (case.targets_broken) }
                                    td { (case.extrapolated) }
                                }
                            }
                        }
                    }
                    h3 { "Each pair's worst case" }
                    table {
                        thead { tr { th { "source" } th { "destination" } th { "intact" } th { "worst" } th { "caused by" } th { "target" } } }
                        tbody {
                            @for pair in sweep.pairs.iter().take(25) {
                                tr {
                                    td { (name(pair.src)) } td { (name(pair.dst)) }
                                    td { (format_seconds(pair.intact_delay_s)) }
                                    td.(if pair.breaks_target() { "bad" } else { "" }) {
                                        @if pair.worst_delay_s.is_finite() { (format_seconds(pair.worst_delay_s)) } @else { "cut off" }
                                    }
                                    td { (pair.case.map_or("no failure".to_owned(), |i| sweep.cases[i].case.name.clone())) }
                                    td { (pair.target_s.map_or("—".to_owned(), format_seconds)) }
                                }
                            }
                        }
                    }
                } @else {
                    p { "No sweep was run (pathcast report --sweep links|nodes|srlgs|double-links|saved)." }
                }

                h2 { "Suggested upgrades" }
                @if let Some(plan) = &report.upgrades {
                    p {
                        (plan.upgrades.iter().map(|u| u.steps).sum::<u32>()) " steps, cost " (plan.total_cost) ": "
                        (plan.remaining_violations) " of " (plan.initial_violations) " target violations left"
                        @if plan.cases > 0 { " (checked under " (plan.cases) " failure cases too)" } "."
                    }
                    @if !plan.upgrades.is_empty() {
                        table {
                            thead { tr { th { "link" } th { "" } th { "from" } th { "to" } th { "steps" } } }
                            tbody {
                                @for u in &plan.upgrades {
                                    tr { td { (name(u.a)) } td { (name(u.b)) } td { (format_bps(u.from_bps)) } td { (format_bps(u.to_bps)) } td { (u.steps) } }
                                }
                            }
                        }
                    }
                } @else {
                    p { "No upgrade search was run (it needs delay targets)." }
                }

                h2 { "Model and extrapolation" }
                @let r = &report.ranges;
                p {
                    (report.model_name) ", trained on " (r.samples) " samples: networks of " (r.nodes.min) "–" (r.nodes.max)
                    " nodes, link loads " (format!("{:.0}–{:.0} %", r.link_load.min * 100.0, r.link_load.max * 100.0))
                    ", buffers of " (r.queue_packets.min) "–" (r.queue_packets.max) " packets, paths of "
                    (r.path_hops.min) "–" (r.path_hops.max) " hops, capacity steps up to " (format!("{:.0}×", r.hop_capacity_ratio)) "."
                }
                @if extrapolated == 0 {
                    p.ok { "Every prediction lies inside what the model was trained on." }
                } @else {
                    p.warn { (extrapolated) " of " (p.flows.len()) " predictions are extrapolations (ringed on the heatmap); verify them with the simulator." }
                    ul {
                        @for (reason, count) in reasons(report) { li { (reason) @if count > 1 { " (" (count) " flows)" } } }
                    }
                }

                h2 { "Verified with the simulator" }
                @if let Some(v) = &report.verification {
                    p {
                        "The packet-level simulator ran the same scenario: predictions are off by "
                        (format!("{:.1} %", v.mape_percent)) " MAPE over " (v.pairs.len()) " pairs; "
                        (v.over_target) " pairs are over their target in the simulation."
                        @if !v.complete { span.warn { " The simulation ran out of events before every flow reached its packet count." } }
                    }
                    div.scroll {
                        table {
                            thead { tr { th { "source" } th { "destination" } th { "predicted" } th { "simulated" } th { "error" } } }
                            tbody {
                                @for &(s, d, predicted, simulated) in v.pairs.iter().take(MAX_ROWS) {
                                    tr {
                                        td { (name(s)) } td { (name(d)) } td { (format_seconds(predicted)) } td { (format_seconds(simulated)) }
                                        td { (format!("{:+.1} %", (predicted - simulated) / simulated * 100.0)) }
                                    }
                                }
                            }
                        }
                    }
                } @else {
                    p { "Not run (pathcast report --verify)." }
                }
            }
        }
    };
    page.into_string()
}

/// Each distinct extrapolation reason's kind of input, with how many flows it flags.
fn reasons(report: &Report) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for reason in report.prediction.flows.iter().flat_map(|f| f.extrapolated.first()) {
        *counts.entry(reason.to_string()).or_default() += 1;
    }
    let mut out: Vec<(String, usize)> = counts.into_iter().collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.1));
    out.truncate(20);
    out
}
