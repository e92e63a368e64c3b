//! The analysis panel: the source×destination delay heatmap (or its change since the last edit),
//! live training curves, and predicted-vs-simulated "Verify".

use eframe::egui::{self, Color32};
use egui_plot::{AxisHints, GridInput, GridMark, Heatmap, Legend, Line, Plot, PlotPoint, PlotPoints, Points};

use crate::net::units::format_seconds;
use crate::ui::colour::{OVER_TARGET, WARNING};
use crate::ui::names::{node_label, tick_labels};
use crate::ui::state::{Command, HeatmapMode, PathcastApp, Section};
use crate::ui::{colour, plan_panel, qos_panel, table_panel, tables};

/// Draws the analysis panel.
pub fn show(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    if ui.input(|i| i.pointer.any_pressed() || i.smooth_scroll_delta != egui::Vec2::ZERO) {
        app.view.reveal = None;
    }
    let reveal = app.view.reveal;
    // Whether the panel was scrolled to its end last frame: a heading there can go no higher.
    let at_end_id = egui::Id::unique("analysis scrolled to the end");
    let at_end = ui.data(|d| d.get_temp::<bool>(at_end_id)).unwrap_or(false);
    // Scrolls a section's heading to the top while it is to be revealed, and only while it is
    // not there yet, so that the frame loop comes to rest.
    let keep_in_view = move |ui: &egui::Ui, heading: egui::Response, section: Section| {
        let below_top = heading.rect.top() - ui.clip_rect().top() > 1.0;
        if reveal == Some(section) && below_top && !at_end {
            heading.scroll_to_me(Some(egui::Align::TOP));
        }
    };
    let output = egui::ScrollArea::vertical().show(ui, |ui| {
        summary(ui, app, commands);
        ui.horizontal(|ui| {
            ui.heading("Per-path delay");
            let mode = &mut app.view.heatmap_mode;
            ui.selectable_value(mode, HeatmapMode::Predicted, "predicted");
            ui.add_enabled_ui(app.baseline.is_some(), |ui| {
                ui.selectable_value(mode, HeatmapMode::SinceLastEdit, "change since last edit")
            });
            if app.comparison.as_ref().is_some_and(|c| c.result.is_some()) {
                ui.selectable_value(mode, HeatmapMode::VersusPlan, "compared plan − this");
            }
        });
        qos_panel::class_filter(ui, app);
        heatmap(ui, app, commands);
        ui.separator();
        let tables = egui::CollapsingHeader::new("Tables: links, flows, failure sweep, verify")
            .id_salt("tables")
            .open((reveal == Some(Section::Tables)).then_some(true))
            .show(ui, |ui| table_panel::show(ui, app, commands));
        keep_in_view(ui, tables.header_response, Section::Tables);
        let compare = egui::CollapsingHeader::new("Compare plans")
            .id_salt("compare")
            .open((reveal == Some(Section::Compare)).then_some(true))
            .show(ui, |ui| plan_panel::comparison(ui, app, commands));
        keep_in_view(ui, compare.header_response, Section::Compare);
        ui.separator();
        let heading = ui.heading("Training");
        keep_in_view(ui, heading, Section::Training);
        curves(ui, app);
        ui.separator();
        ui.horizontal(|ui| {
            let heading = ui.heading("Verify");
            keep_in_view(ui, heading, Section::Verify);
            let busy = app.verifying.is_some();
            let label = if busy { "Simulating…" } else { "Simulate and compare" };
            if ui.add_enabled(!busy && app.predictions_current(), egui::Button::new(label)).clicked() {
                commands.push(Command::Verify);
            }
            let packets = egui::DragValue::new(&mut app.forms.verify_packets).range(100..=1_000_000);
            ui.add(packets).on_hover_text("Packets per flow to simulate");
            ui.label("packets per flow");
        });
        if let Some(run) = &app.verify_run {
            ui.horizontal(|ui| {
                let seconds = run.started.elapsed().as_secs_f64();
                let bar = egui::ProgressBar::new(run.progress() as f32)
                    .desired_width(240.0)
                    .text(format!("{:.0} % of the flows done · {seconds:.0} s", run.progress() * 100.0));
                ui.add(bar);
                if ui.button("Cancel").clicked() {
                    commands.push(Command::CancelVerify);
                }
            });
        }
        verify(ui, app);
    });
    let end = (output.content_size.y - output.inner_rect.height()).max(0.0);
    ui.data_mut(|d| d.insert_temp(at_end_id, output.state.clamped_offset().y >= end - 1.0));
}

fn summary(ui: &mut egui::Ui, app: &PathcastApp, commands: &mut Vec<Command>) {
    let Some(p) = app.prediction.as_ref() else {
        ui.label("Waiting for the first predictions…");
        return;
    };
    let delays: Vec<f64> = p.flows.values().map(|f| f.delay_s).collect();
    let mean = delays.iter().sum::<f64>() / delays.len().max(1) as f64;
    let worst = p.worst_delay().unwrap_or(0.0);
    let stale = if app.predictions_current() { "" } else { " (updating…)" };
    ui.label(format!(
        "{} flows: mean delay {}, worst {}{stale}",
        delays.len(),
        format_seconds(mean),
        format_seconds(worst)
    ));
    let overloaded = p.overloaded();
    if let Some(&(from, to)) = overloaded.first() {
        let load = p.links.get(&(from, to)).map_or(0.0, |l| l.load);
        ui.colored_label(
            WARNING,
            format!(
                "{} link(s) overloaded, e.g. {from} -> {to} offered {:.0} % of its capacity: they drop the excess",
                overloaded.len(),
                load * 100.0
            ),
        );
    }
    let design = app.doc.design();
    let over: Vec<_> = p
        .flows
        .iter()
        .filter(|&(&(s, d), f)| design.targets.of(s, d).is_some_and(|t| f.delay_s > t))
        .map(|(pair, _)| *pair)
        .collect();
    if let Some(&(s, d)) = over.first() {
        let topology = &design.topology;
        ui.colored_label(
            OVER_TARGET,
            format!(
                "{} pair(s) over their delay target (squared on the heatmap), e.g. {} -> {}",
                over.len(),
                node_label(topology, s),
                node_label(topology, d)
            ),
        );
    }
    let extrapolated = p.extrapolated();
    if extrapolated > 0 {
        let reason = p.flows.values().find_map(|f| f.extrapolated.first()).expect("counted");
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(
                WARNING,
                format!(
                    "{extrapolated} of {} predictions are extrapolations (marked on the heatmap), e.g. {reason}.",
                    p.flows.len()
                ),
            );
            let idle = app.verifying.is_none() && app.predictions_current();
            if ui.add_enabled(idle, egui::Button::new("Verify with the simulator")).clicked() {
                commands.push(Command::Verify);
            }
        });
    }
}

/// A change in ms, signed, in the unit that suits it.
fn signed_ms(ms: f64) -> String {
    let sign = if ms > 0.0 {
        "+"
    } else if ms < 0.0 {
        "−"
    } else {
        ""
    };
    format!("{sign}{}", format_seconds(ms.abs() / 1e3))
}

/// The heatmap's colour scale, from `lo` to `hi` ms, with five labelled ticks.
fn colour_bar(ui: &mut egui::Ui, lo: f64, hi: f64, map: &dyn Fn(f64) -> Color32) {
    const STEPS: usize = 64;
    let width = ui.available_width().min(420.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 30.0), egui::Sense::hover());
    let bar = egui::Rect::from_min_size(rect.min, egui::vec2(width, 12.0));
    let painter = ui.painter_at(rect);
    for i in 0..STEPS {
        let t = (i as f64 + 0.5) / STEPS as f64;
        let x0 = bar.left() + bar.width() * i as f32 / STEPS as f32;
        let x1 = bar.left() + bar.width() * (i + 1) as f32 / STEPS as f32;
        let cell = egui::Rect::from_x_y_ranges(x0..=x1 + 0.5, bar.y_range());
        painter.rect_filled(cell, 0.0, map(lo + (hi - lo) * t));
    }
    let text = ui.visuals().text_color();
    for k in 0..=4 {
        let t = k as f64 / 4.0;
        let x = bar.left() + bar.width() * t as f32;
        painter.line_segment([egui::pos2(x, bar.bottom()), egui::pos2(x, bar.bottom() + 3.0)], (1.0, text));
        let align = match k {
            0 => egui::Align2::LEFT_TOP,
            4 => egui::Align2::RIGHT_TOP,
            _ => egui::Align2::CENTER_TOP,
        };
        let value = lo + (hi - lo) * t;
        let label = if lo < 0.0 { signed_ms(value) } else { format_seconds(value / 1e3) };
        painter.text(egui::pos2(x, bar.bottom() + 4.0), align, label, egui::FontId::proportional(11.0), text);
    }
}

/// The plot's smallest grid spacing, and the room a destination (x) and a source (y) tick
/// needs, in points.
const TICK_GRID_PX: f32 = 10.0;
const X_TICK_PX: f32 = 56.0;
const Y_TICK_PX: f32 = 20.0;

/// Ticks on every `step`-th of `n` heatmap tiles, `step` the fewest tiles that give a tick
/// `room` points; `from_top` counts from the last tile (the y axis shows source 0 on top).
fn tile_ticks(input: GridInput, n: usize, room: f32, from_top: bool) -> Vec<GridMark> {
    let points_per_tile = f64::from(TICK_GRID_PX) / input.base_step_size.max(1e-9);
    let step = (f64::from(room) / points_per_tile).ceil().max(1.0) as usize;
    (0..n)
        .step_by(step)
        .map(|k| GridMark {
            value: if from_top { (n - 1 - k) as f64 } else { k as f64 },
            step_size: step as f64,
        })
        .collect()
}

/// The plot positions of the tiles flagged in row-major `flags` of an `n` × `n` heatmap.
fn tile_centres(flags: &[bool], n: usize) -> Vec<[f64; 2]> {
    (0..n * n).filter(|&i| flags[i]).map(|i| [(i % n) as f64, (n - 1 - i / n) as f64]).collect()
}

fn heatmap(ui: &mut egui::Ui, app: &PathcastApp, commands: &mut Vec<Command>) {
    let Some((_, cells)) = &app.heatmap else {
        ui.label("No predictions yet.");
        return;
    };
    let n = cells.nodes.len();
    if n == 0 {
        return;
    }
    let (lo, hi) = cells.range();
    let diff = cells.diff;
    // The plot's y axis points up: put the first source on the top row.
    let flipped: Vec<f64> = cells.values.chunks(n).rev().flatten().copied().collect();
    let map = move |v: f64| {
        if v.is_nan() {
            Color32::from_gray(60)
        } else if diff {
            colour::diverging(v / hi)
        } else {
            colour::sequential((v - lo) / (hi - lo).max(1e-12))
        }
    };
    // Ticks name the nodes, cut short so neighbouring ticks stay apart; the tooltip has the full names.
    let topology = &app.doc.design().topology;
    let labels: Vec<String> = cells.nodes.iter().map(|&id| node_label(topology, id)).collect();
    let tick = |max: usize| {
        let names = tick_labels(&labels, max);
        move |index: f64| {
            if index.fract() == 0.0 && index >= 0.0 {
                names.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    let (column, row) = (tick(6), tick(10));
    // Extrapolated cells get a ring, at the same tile centres as the heatmap.
    let marks = tile_centres(&cells.extrapolated, n);
    // Pairs over their delay target get a square, also at the tile centres.
    let over = tile_centres(&cells.over_target, n);
    let response = Plot::new("heatmap")
        .height(300.0)
        .data_aspect(1.0)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .show_grid(false)
        // Tiles are centred on whole numbers: column c shows destination c, row r (from the
        // bottom) source n-1-r. Every tile gets a tick where its name fits, else every k-th.
        .grid_spacing(egui::Rangef::new(TICK_GRID_PX, 300.0))
        .x_grid_spacer(move |input| tile_ticks(input, n, X_TICK_PX, false))
        .y_grid_spacer(move |input| tile_ticks(input, n, Y_TICK_PX, true))
        .custom_x_axes(vec![
            AxisHints::new_x()
                .label("destination")
                .label_spacing(egui::Rangef::new(X_TICK_PX - 2.0, X_TICK_PX))
                .formatter(move |mark, _| column(mark.value)),
        ])
        .custom_y_axes(vec![
            AxisHints::new_y()
                .label("source")
                .label_spacing(egui::Rangef::new(Y_TICK_PX - 2.0, Y_TICK_PX))
                .formatter(move |mark, _| row(n as f64 - 1.0 - mark.value)),
        ])
        .show(ui, |plot| {
            plot.heatmap(
                Heatmap::new(flipped, n)
                    .at(PlotPoint::new(-0.5, -0.5))
                    .custom_mapping(Box::new(map))
                    .show_labels(false)
                    .name("delay"),
            );
            if !over.is_empty() {
                plot.points(
                    Points::new("over target", PlotPoints::from(over))
                        .shape(egui_plot::MarkerShape::Square)
                        .filled(false)
                        .radius(4.5)
                        .color(OVER_TARGET),
                );
            }
            if !marks.is_empty() {
                plot.points(
                    Points::new("extrapolated", PlotPoints::from(marks))
                        .shape(egui_plot::MarkerShape::Circle)
                        .filled(false)
                        .radius(3.0)
                        .color(WARNING),
                );
            }
            plot.pointer_coordinate()
        });
    colour_bar(ui, lo, hi, &map);
    if diff {
        let (least, most) = cells
            .values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        if least.is_finite() {
            ui.label(format!("change {} … {}", signed_ms(least), signed_ms(most)));
        }
    } else {
        ui.label(format!("delay {} … {}", format_seconds(lo / 1e3), format_seconds(hi / 1e3)));
    }
    let Some(PlotPoint { x, y }) = response.inner else { return };
    let (x, y) = ((x + 0.5).floor(), (y + 0.5).floor());
    if !(0.0..n as f64).contains(&x) || !(0.0..n as f64).contains(&y) {
        return;
    }
    let (col, row) = (x as usize, n - 1 - y as usize);
    let (src, dst) = (cells.nodes[row], cells.nodes[col]);
    let value = cells.values[row * n + col];
    let reasons =
        app.prediction.as_ref().and_then(|p| p.flows.get(&(src, dst))).map(|f| f.extrapolated.clone());
    let topology = &app.doc.design().topology;
    let pair = format!("{} -> {}", node_label(topology, src), node_label(topology, dst));
    response.response.clone().on_hover_ui_at_pointer(|ui| {
        if value.is_nan() {
            ui.label(format!("{pair}: no flow"));
        } else if app.view.heatmap_mode == HeatmapMode::VersusPlan {
            ui.label(format!("{pair}: {} in the compared plan", signed_ms(value)));
        } else if diff {
            ui.label(format!("{pair}: {} since the last edit", signed_ms(value)));
        } else {
            ui.label(format!("{pair}: {}", format_seconds(value / 1e3)));
        }
        for reason in reasons.iter().flatten() {
            ui.colored_label(WARNING, format!("extrapolated: {reason}"));
        }
    });
    if response.response.clicked() && src != dst {
        commands.push(Command::SelectPair(Some((src, dst))));
    }
}

/// The weight of each new step in the smoothed training loss.
const LOSS_SMOOTHING: f64 = 0.05;

/// An exponential moving average of `points`' y values, each new one weighted `alpha`, with the
/// start-up bias removed (so the first points are not pulled towards zero).
fn smoothed(points: &[[f64; 2]], alpha: f64) -> Vec<[f64; 2]> {
    let (mut average, mut weight) = (0.0, 0.0);
    points
        .iter()
        .map(|&[x, y]| {
            average = (1.0 - alpha) * average + alpha * y;
            weight = (1.0 - alpha) * weight + alpha;
            [x, average / weight]
        })
        .collect()
}

fn curves(ui: &mut egui::Ui, app: &PathcastApp) {
    let t = &app.training;
    if t.loss.is_empty() && t.val_mse.is_empty() {
        ui.label("Start a run in the Train section: loss and validation curves appear here.");
        return;
    }
    let log = |points: &[[f64; 2]]| -> Vec<[f64; 2]> {
        points.iter().filter(|p| p[1] > 0.0).map(|p| [p[0], p[1].log10()]).collect()
    };
    let ui_text_colour = ui.visuals().weak_text_color();
    // Wheel and drag stay with the panel's scrolling; the two curves share the step axis.
    Plot::new("loss")
        .height(160.0)
        .allow_scroll(false)
        .link_axis(egui::Id::unique("training steps"), [true, false])
        .legend(Legend::default())
        .y_axis_label("log10 MSE")
        .x_axis_label("step")
        .show(ui, |plot| {
            let loss = log(&t.loss);
            let faint = ui_text_colour.gamma_multiply(0.35);
            plot.line(
                Line::new("training loss", PlotPoints::from(smoothed(&loss, LOSS_SMOOTHING))).width(1.5),
            );
            plot.line(Line::new("training loss (each step)", PlotPoints::from(loss)).color(faint));
            plot.line(Line::new("validation MSE", PlotPoints::from(log(&t.val_mse))).width(2.0));
            // A single evaluation is a point, which a line does not draw.
            plot.points(Points::new("validation MSE", PlotPoints::from(log(&t.val_mse))).radius(3.0));
        });
    Plot::new("pearson")
        .height(120.0)
        .allow_scroll(false)
        .link_axis(egui::Id::unique("training steps"), [true, false])
        .legend(Legend::default())
        .y_axis_label("Pearson ρ")
        .x_axis_label("step")
        .include_y(1.0)
        .show(ui, |plot| {
            plot.line(Line::new("training ρ", PlotPoints::from(t.train_pearson.clone())));
            plot.line(Line::new("validation ρ", PlotPoints::from(t.val_pearson.clone())).width(2.0));
            plot.points(Points::new("validation ρ", PlotPoints::from(t.val_pearson.clone())).radius(3.0));
        });
    if let (Some(mse), Some(rho)) = (t.val_mse.last(), t.val_pearson.last()) {
        ui.label(format!("validation at step {}: MSE {:.4}, ρ {:.4}", mse[0], mse[1], rho[1]));
    }
}

/// Predicted and simulated mean delay (ms) per flow of a verification, and their MAPE (%).
pub fn verification_points(app: &PathcastApp) -> Option<(Vec<[f64; 2]>, f64)> {
    let v = app.verification.as_ref()?;
    Some(points_and_mape(&tables::compared_flows(&v.result, &v.prediction)))
}

/// The scatter's points (simulated, predicted, in ms) and the MAPE (%) of compared flows.
fn points_and_mape(flows: &[tables::ComparedFlow]) -> (Vec<[f64; 2]>, f64) {
    let points: Vec<[f64; 2]> = flows.iter().map(|f| [f.simulated_s * 1e3, f.predicted_s * 1e3]).collect();
    let mape =
        points.iter().map(|[sim, pred]| ((pred - sim) / sim).abs()).sum::<f64>() / points.len().max(1) as f64;
    (points, mape * 100.0)
}

fn verify(ui: &mut egui::Ui, app: &PathcastApp) {
    let Some(v) = app.verification.as_ref() else {
        ui.label("Runs the packet simulator on the scenario as shown and compares it with the predictions.");
        return;
    };
    let flows = tables::compared_flows(&v.result, &v.prediction);
    let (points, mape) = points_and_mape(&flows);
    let top = points.iter().flat_map(|p| p.iter().copied()).fold(0.0, f64::max);
    let stale = if v.revision == app.doc.revision() { "" } else { " — the scenario has changed since" };
    ui.label(format!(
        "MAPE {mape:.1} % over {} flows (simulated in {:.1} s){stale}",
        points.len(),
        v.seconds
    ));
    let response = Plot::new("verify")
        .height(220.0)
        .allow_scroll(false)
        .data_aspect(1.0)
        .x_axis_label("simulated delay (ms)")
        .y_axis_label("predicted (ms)")
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.line(
                Line::new("y = x", PlotPoints::from(vec![[0.0, 0.0], [top, top]])).color(Color32::GRAY),
            );
            plot.points(Points::new("flows", PlotPoints::from(points.clone())).radius(2.5));
            plot.pointer_coordinate()
        });
    // The flow under the pointer, if one is within 3 % of the plot's span.
    let Some(PlotPoint { x, y }) = response.inner else { return };
    let nearest = flows
        .iter()
        .map(|f| ((f.simulated_s * 1e3 - x).hypot(f.predicted_s * 1e3 - y), f))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(distance, _)| *distance <= 0.03 * top.max(1e-9));
    if let Some((_, f)) = nearest {
        let topology = &app.doc.design().topology;
        response.response.on_hover_ui_at_pointer(|ui| {
            ui.label(format!("{} -> {}", node_label(topology, f.src), node_label(topology, f.dst)));
            ui.label(format!(
                "simulated {}, predicted {} ({:+.1} %)",
                format_seconds(f.simulated_s),
                format_seconds(f.predicted_s),
                (f.predicted_s - f.simulated_s) / f.simulated_s * 100.0
            ));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::smoothed;

    #[test]
    fn smoothing_keeps_a_constant_and_follows_a_step_geometrically() {
        let constant: Vec<[f64; 2]> = (0..5).map(|i| [i as f64, -2.0]).collect();
        assert!(smoothed(&constant, 0.1).iter().all(|p| (p[1] + 2.0).abs() < 1e-12));
        // After a step from 0 to 1 the average closes (1 - alpha) of the gap each step.
        let step: Vec<[f64; 2]> = (0..40).map(|i| [i as f64, if i < 20 { 0.0 } else { 1.0 }]).collect();
        let out = smoothed(&step, 0.1);
        assert_eq!(out[19][1], 0.0);
        assert!((out[20][1] - 0.1 / (1.0 - 0.9f64.powi(21))).abs() < 1e-12);
        assert!(out[39][1] > 0.8 && out[39][1] < 1.0);
        assert_eq!(out[39][0], 39.0);
    }
}
