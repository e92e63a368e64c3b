//! The topology canvas: draws nodes, links, the selected path and the legend; turns pointer input
//! into commands (select, move, add, link, re-route, pan, zoom).

use std::collections::HashMap;

use eframe::egui::{self, Color32, Pos2, Rect, Sense, Shape, Stroke, Vec2, pos2, vec2};

use crate::net::layout::positions;
use crate::net::units::{format_bps, format_seconds};
use crate::net::{NodeId, Topology};
use crate::ui::document::Edit;
use crate::ui::figures::LinkColouring;
use crate::ui::names::node_label;
use crate::ui::state::{Command, PathcastApp, Tool};
use crate::ui::{colour, panels};

const NODE_RADIUS: f32 = 9.0;
const PICK_NODE: f32 = 14.0;
const PICK_LINK: f32 = 6.0;
const LANE: f32 = 3.0;

/// World positions of every node (see [`crate::net::layout::positions`]).
pub fn layout(topology: &Topology) -> HashMap<NodeId, Pos2> {
    positions(topology).into_iter().map(|(id, [x, y])| (id, pos2(x, y))).collect()
}

/// Where a node is drawn on a canvas occupying `rect`, once the canvas has been shown.
pub fn node_screen_position(app: &PathcastApp, rect: Rect, node: NodeId) -> Option<Pos2> {
    let (focus, scale) = app.view.camera.view?;
    let world = *layout(&app.doc.design().topology).get(&node)?;
    Some(Frame { rect, focus, scale }.to_screen(world))
}

struct Frame {
    rect: Rect,
    focus: Pos2,
    scale: f32,
}

impl Frame {
    fn to_screen(&self, p: Pos2) -> Pos2 {
        self.rect.center() + (p - self.focus) * self.scale
    }

    fn to_world(&self, p: Pos2) -> Pos2 {
        self.focus + (p - self.rect.center()) / self.scale
    }
}

fn fit(positions: &HashMap<NodeId, Pos2>, rect: Rect) -> (Pos2, f32) {
    let bounds = Rect::from_points(&positions.values().copied().collect::<Vec<_>>());
    if positions.is_empty() {
        return (Pos2::ZERO, 1.0);
    }
    let size = bounds.size().max(Vec2::splat(1.0));
    // Labels run to the right of their nodes: leave them room there.
    let (margin_x, margin_y, label_room) = (60.0, 100.0, (0.12 * rect.width()).min(110.0));
    let scale = ((rect.width() - margin_x - label_room) / size.x)
        .min((rect.height() - margin_y) / size.y)
        .clamp(0.01, 100.0);
    (bounds.center() + Vec2::new(label_room / 2.0 / scale, 0.0), scale)
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

/// Draws the canvas and collects its commands.
pub fn show(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    toolbar(ui, app, commands);
    let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Topology canvas"));
    let rect = response.rect;
    let topology = &app.doc.design().topology;
    let mut positions = layout(topology);
    if let Some((node, at)) = app.view.camera.dragging {
        positions.insert(node, at);
    }
    let camera = &mut app.view.camera;
    let size = (rect.width(), rect.height());
    if !camera.moved && camera.fitted_to != Some(size) {
        camera.view = None;
    }
    if camera.view.is_none() {
        camera.view = Some(fit(&positions, rect));
        (camera.fitted_to, camera.moved) = (Some(size), false);
    }
    let (mut focus, mut scale) = camera.view.expect("set above");
    let (focus_before, scale_before) = (focus, scale);

    // Zoom about the pointer, pan by dragging empty space.
    if response.hovered() {
        let zoom = ui.input(|i| i.zoom_delta() * (i.smooth_scroll_delta.y / 400.0).exp());
        if zoom != 1.0
            && let Some(pointer) = response.hover_pos()
        {
            let before = Frame { rect, focus, scale }.to_world(pointer);
            scale = (scale * zoom).clamp(0.01, 100.0);
            let after = Frame { rect, focus, scale }.to_world(pointer);
            focus += before - after;
        }
    }
    let frame = Frame { rect, focus, scale };
    let pointer = response.hover_pos().or(response.interact_pointer_pos());
    let node_at = |p: Pos2| {
        positions
            .iter()
            .map(|(&id, &w)| (id, frame.to_screen(w).distance(p)))
            .filter(|&(_, d)| d <= PICK_NODE)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    };
    let link_at = |p: Pos2| {
        topology
            .duplex_links()
            .map(|(a, b, _)| {
                (a, b, distance_to_segment(p, frame.to_screen(positions[&a]), frame.to_screen(positions[&b])))
            })
            .filter(|&(_, _, d)| d <= PICK_LINK)
            .min_by(|x, y| x.2.total_cmp(&y.2))
            .map(|(a, b, _)| (a, b))
    };
    let hovered_node = pointer.and_then(node_at);
    let hovered_link = if hovered_node.is_none() { pointer.and_then(link_at) } else { None };

    let camera = &mut app.view.camera;
    // Where the button went down, not where the drag was recognised (a fast drag is already away).
    if response.drag_started()
        && let Some(start) = ui.input(|i| i.pointer.press_origin()).or(response.interact_pointer_pos())
    {
        match (app.view.tool, node_at(start)) {
            (Tool::Link, Some(node)) => camera.linking = Some(node),
            (Tool::Select, Some(node)) => camera.dragging = Some((node, positions[&node])),
            _ => {}
        }
    }
    if response.dragged() {
        let delta = response.drag_delta() / scale;
        match camera.dragging.as_mut() {
            Some((_, at)) => *at += delta,
            None if camera.linking.is_none() => focus -= delta,
            None => {}
        }
    }
    if response.drag_stopped() {
        if let Some((node, at)) = camera.dragging.take() {
            commands.push(Command::Edit(Edit::MoveNode { node, pos: [f64::from(at.x), f64::from(at.y)] }));
        }
        if let (Some(a), Some(b)) = (camera.linking.take(), pointer.and_then(node_at))
            && a != b
        {
            commands.push(Command::Edit(Edit::AddLink { a, b }));
        }
    }
    camera.view = Some((focus, scale));
    camera.moved |= focus != focus_before || scale != scale_before;
    if response.double_clicked() && hovered_node.is_none() && hovered_link.is_none() {
        if let Some(p) = pointer {
            let w = frame.to_world(p);
            let label = format!("n{}", topology.node_bound());
            commands.push(Command::Edit(Edit::AddNode { label, pos: [f64::from(w.x), f64::from(w.y)] }));
        }
    } else if response.clicked() {
        click(app, hovered_node, hovered_link, commands);
    }
    if response.hovered()
        && ui.input(|i| i.key_pressed(egui::Key::Delete) || i.key_pressed(egui::Key::Backspace))
    {
        if let Some(node) = app.view.node {
            commands.push(Command::Edit(Edit::DeleteNode(node)));
        } else if let Some((a, b)) = app.view.link {
            commands.push(Command::Edit(Edit::DeleteLink { a, b }));
        }
    }

    paint(&painter, app, &frame, &positions, hovered_node, hovered_link);
    if let (Some(from), Some(p)) = (app.view.camera.linking, pointer) {
        painter.line_segment([frame.to_screen(positions[&from]), p], Stroke::new(2.0, Color32::LIGHT_BLUE));
    }
    legend(&painter, app, rect);
    let response = tooltip(response, app, hovered_node, hovered_link);
    context_menu(&response, app, hovered_node, hovered_link, commands);
}

fn click(
    app: &PathcastApp,
    node: Option<NodeId>,
    link: Option<(NodeId, NodeId)>,
    commands: &mut Vec<Command>,
) {
    match (app.view.tool, node) {
        (Tool::Route, Some(node)) => {
            let Some((src, dst)) = app.view.pair else { return };
            let mut draft =
                if app.view.route_draft.is_empty() { vec![src] } else { app.view.route_draft.clone() };
            if node == src {
                draft = vec![src];
            } else {
                draft.push(node);
            }
            if node == dst {
                commands.push(Command::Edit(Edit::SetRoute(draft)));
            } else {
                commands.push(Command::SelectPair(Some((src, dst))));
                commands.push(Command::SetRouteDraft(draft));
            }
        }
        (_, Some(node)) => commands.push(Command::SelectNode(Some(node))),
        (_, None) => match link {
            Some(link) => commands.push(Command::SelectLink(Some(link))),
            None => {
                commands.push(Command::SelectNode(None));
                commands.push(Command::SelectLink(None));
            }
        },
    }
}

fn toolbar(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    // Wrapped, so a long route never widens the canvas into the side panels.
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut app.view.tool, Tool::Select, "Select / move")
            .on_hover_text("Click to select, drag nodes to move them, drag empty space to pan, scroll to zoom; double-click empty space to add a node");
        ui.selectable_value(&mut app.view.tool, Tool::Link, "Add link")
            .on_hover_text("Drag from one node to another to link them");
        ui.selectable_value(&mut app.view.tool, Tool::Route, "Re-route")
            .on_hover_text("Click nodes from the selected pair's source to its destination");
        ui.separator();
        let label = ui.label("Colour links by");
        egui::ComboBox::from_id_salt("colouring")
            .selected_text(match app.view.colouring {
                LinkColouring::Utilisation => "utilisation",
                LinkColouring::DelayContribution => "predicted delay",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.view.colouring, LinkColouring::Utilisation, "utilisation");
                ui.selectable_value(&mut app.view.colouring, LinkColouring::DelayContribution, "predicted delay");
            })
            .response
            .labelled_by(label.id);
        if ui.button("Fit view").clicked() {
            app.view.camera.view = None;
        }
        if app.view.tool == Tool::Route {
            ui.separator();
            match app.view.pair {
                Some(_) if !app.view.route_draft.is_empty() => {
                    ui.label(format!("route so far: {:?}", app.view.route_draft));
                    if ui.button("Clear").clicked() {
                        commands.push(Command::SetRouteDraft(Vec::new()));
                    }
                }
                Some((src, dst)) => {
                    ui.label(format!("click nodes from {src} to {dst}"));
                }
                None => {
                    ui.colored_label(Color32::YELLOW, "pick a source and destination first");
                }
            }
        }
    });
}

fn paint(
    painter: &egui::Painter,
    app: &PathcastApp,
    frame: &Frame,
    positions: &HashMap<NodeId, Pos2>,
    hovered_node: Option<NodeId>,
    hovered_link: Option<(NodeId, NodeId)>,
) {
    let topology = &app.doc.design().topology;
    let colouring = app.view.colouring;
    let top =
        app.figures.max(colouring).max(if colouring == LinkColouring::Utilisation { 1.0 } else { 1e-9 });
    for (a, b, _) in topology.duplex_links() {
        let (pa, pb) = (frame.to_screen(positions[&a]), frame.to_screen(positions[&b]));
        let normal = (pb - pa).normalized().rot90() * LANE;
        if app.doc.is_failed(a, b) {
            painter.extend(Shape::dashed_line(
                &[pa, pb],
                Stroke::new(2.0, Color32::from_rgb(200, 60, 60)),
                6.0,
                4.0,
            ));
            continue;
        }
        let selected = app.view.link.is_some_and(|(x, y)| (x, y) == (a, b) || (y, x) == (a, b));
        let width = if selected || hovered_link == Some((a, b)) { 5.0 } else { 3.0 };
        for (from, to, offset) in [(a, b, normal), (b, a, -normal)] {
            let colour = if app.figures.overloaded(from, to) {
                OVERLOADED
            } else {
                app.figures.value(colouring, from, to).map_or(Color32::GRAY, |v| colour::sequential(v / top))
            };
            let (p, q) = if from == a { (pa, pb) } else { (pb, pa) };
            painter.line_segment([p + offset, q + offset], Stroke::new(width, colour));
            if app.figures.extrapolated.contains_key(&(from, to)) {
                // A warning-coloured dotted line beside the link: some prediction over it is an
                // extrapolation.
                painter.extend(Shape::dotted_line(
                    &[p + offset * 2.2, q + offset * 2.2],
                    crate::ui::colour::WARNING,
                    5.0,
                    1.3,
                ));
            }
        }
        if selected {
            painter.line_segment([pa, pb], Stroke::new(1.0, Color32::WHITE));
        }
        // Capacities the file did not state are marked along the link's middle: dashed when
        // assumed, dotted when read from a label.
        match topology.capacity_source(a, b) {
            crate::net::CapacitySource::Assumed => {
                painter.extend(Shape::dashed_line(&[pa, pb], Stroke::new(1.5, Color32::WHITE), 4.0, 4.0));
            }
            crate::net::CapacitySource::Label { .. } => {
                painter.extend(Shape::dotted_line(&[pa, pb], Color32::LIGHT_BLUE, 6.0, 1.2));
            }
            _ => {}
        }
    }
    // The selected pair's path (as routed after failures), and a route being drawn.
    if let Some((src, dst)) = app.view.pair
        && let Some(path) = app.doc.effective().routing.path(src, dst)
    {
        let points: Vec<Pos2> = path.iter().map(|n| frame.to_screen(positions[n])).collect();
        painter.add(Shape::line(
            points.clone(),
            Stroke::new(7.0, Color32::from_rgba_unmultiplied(255, 230, 0, 110)),
        ));
        if let [.., p, q] = points[..] {
            painter.arrow(p, (q - p) * 0.8, Stroke::new(2.5, Color32::from_rgb(255, 230, 0)));
        }
    }
    if app.view.tool == Tool::Route && app.view.route_draft.len() > 1 {
        let points = app.view.route_draft.iter().map(|n| frame.to_screen(positions[n])).collect();
        painter.add(Shape::line(points, Stroke::new(4.0, Color32::from_rgb(0, 200, 255))));
    }
    let visuals = &painter.ctx().global_style().visuals;
    let text = visuals.text_color();
    // Labels sit on a plate of the canvas colour so that links under them do not cross the text.
    let plate = visuals.panel_fill.gamma_multiply(0.85);
    let font = egui::FontId::proportional(12.0);
    let mut labels = Vec::new();
    for (id, node) in topology.nodes() {
        let p = frame.to_screen(positions[&id]);
        let in_pair = app.view.pair.is_some_and(|(s, d)| s == id || d == id);
        let fill = if in_pair { Color32::from_rgb(255, 200, 0) } else { Color32::from_rgb(70, 130, 200) };
        painter.circle_filled(p, NODE_RADIUS, fill);
        // Nodes with pairs over their delay target: a ring in the heatmap's over-target colour
        // and the number of such pairs.
        if let Some(&over) = app.figures.over_target.get(&id) {
            painter.circle_stroke(p, NODE_RADIUS + 1.5, Stroke::new(2.5, crate::ui::colour::OVER_TARGET));
            painter.text(
                p + vec2(-NODE_RADIUS, -NODE_RADIUS),
                egui::Align2::RIGHT_BOTTOM,
                over.to_string(),
                egui::FontId::proportional(11.0),
                crate::ui::colour::OVER_TARGET,
            );
        }
        let marked = app.view.node == Some(id) || hovered_node == Some(id);
        if marked {
            painter.circle_stroke(p, NODE_RADIUS + 3.0, Stroke::new(2.0, Color32::WHITE));
        }
        let label = if node.label.is_empty() { id.to_string() } else { format!("{id} {}", node.label) };
        let galley = painter.layout_no_wrap(label, font.clone(), text);
        labels.push((p, galley, marked || in_pair));
    }
    let wanted: Vec<(Pos2, Vec2, bool)> = labels.iter().map(|(p, g, must)| (*p, g.size(), *must)).collect();
    for ((_, galley, _), place) in labels.into_iter().zip(place_labels(&wanted, frame.rect)) {
        if let Some(at) = place {
            painter.rect_filled(at.expand(1.0), 3.0, plate);
            painter.galley(at.min, galley, text);
        }
    }
}

/// Where each node's label goes: beside its node (right or left, above or below) where it covers
/// no other label or node and stays on the canvas; `None` where there is no such place (the
/// label shows on hover). Labels marked `must` (the selected and routed nodes) are placed first,
/// and always.
fn place_labels(nodes: &[(Pos2, Vec2, bool)], canvas: Rect) -> Vec<Option<Rect>> {
    let gap = NODE_RADIUS + 3.0;
    let mut taken: Vec<Rect> =
        nodes.iter().map(|(p, _, _)| Rect::from_center_size(*p, Vec2::splat(2.0 * NODE_RADIUS))).collect();
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| !nodes[i].2);
    let mut placed = vec![None; nodes.len()];
    for i in order {
        let (p, size, must) = nodes[i];
        let candidates = [
            Rect::from_min_size(p + vec2(gap, -gap - size.y), size),
            Rect::from_min_size(p + vec2(gap, gap), size),
            Rect::from_min_size(p + vec2(-gap - size.x, -gap - size.y), size),
            Rect::from_min_size(p + vec2(-gap - size.x, gap), size),
        ];
        let own = Rect::from_center_size(p, Vec2::splat(2.0 * NODE_RADIUS));
        let free = candidates.iter().copied().find(|c| {
            canvas.contains_rect(*c) && taken.iter().all(|t| *t == own || !t.intersects(c.shrink(1.0)))
        });
        if let Some(at) = free.or(must.then_some(candidates[0])) {
            taken.push(at);
            placed[i] = Some(at);
        }
    }
    placed
}

/// Links offered more than their capacity, whatever the colouring.
const OVERLOADED: Color32 = Color32::from_rgb(170, 0, 200);

fn legend(painter: &egui::Painter, app: &PathcastApp, rect: Rect) {
    let colouring = app.view.colouring;
    let (title, top) = match colouring {
        LinkColouring::Utilisation => ("link utilisation", app.figures.max(colouring).max(1.0)),
        LinkColouring::DelayContribution => ("predicted delay per hop", app.figures.max(colouring)),
    };
    let bar = Rect::from_min_size(rect.left_bottom() + vec2(12.0, -34.0), vec2(180.0, 10.0));
    let steps = 32;
    for i in 0..steps {
        let x0 = bar.left() + bar.width() * i as f32 / steps as f32;
        let cell = Rect::from_min_max(
            pos2(x0, bar.top()),
            pos2(x0 + bar.width() / steps as f32 + 0.5, bar.bottom()),
        );
        painter.rect_filled(cell, 0.0, colour::sequential(i as f64 / (steps - 1) as f64));
    }
    let text = painter.ctx().global_style().visuals.text_color();
    let font = egui::FontId::proportional(11.0);
    let fmt = |v: f64| match colouring {
        LinkColouring::Utilisation => format!("{:.0} %", v * 100.0),
        LinkColouring::DelayContribution => format_seconds(v),
    };
    painter.text(bar.left_top() - vec2(0.0, 2.0), egui::Align2::LEFT_BOTTOM, title, font.clone(), text);
    painter.text(bar.left_bottom() + vec2(0.0, 2.0), egui::Align2::LEFT_TOP, fmt(0.0), font.clone(), text);
    painter.text(bar.right_bottom() + vec2(0.0, 2.0), egui::Align2::RIGHT_TOP, fmt(top), font.clone(), text);
    let swatch = Rect::from_min_size(bar.right_top() + vec2(14.0, 0.0), vec2(18.0, 10.0));
    painter.rect_filled(swatch, 0.0, OVERLOADED);
    painter.text(swatch.right_center() + vec2(4.0, 0.0), egui::Align2::LEFT_CENTER, "overloaded", font, text);
}

fn tooltip(
    response: egui::Response,
    app: &PathcastApp,
    node: Option<NodeId>,
    link: Option<(NodeId, NodeId)>,
) -> egui::Response {
    let design = app.doc.design();
    if let Some(id) = node
        && let Some(n) = design.topology.node(id)
    {
        let out: f64 = design.traffic.iter().filter(|&(s, _, _)| s == id).map(|(_, _, r)| r).sum();
        return response.on_hover_ui_at_pointer(|ui| {
            ui.strong(format!("node {id} {}", n.label));
            ui.label(format!("{} links; sends {}", design.topology.neighbours(id).len(), format_bps(out)));
            if let Some(over) = app.figures.over_target.get(&id) {
                ui.colored_label(
                    crate::ui::colour::OVER_TARGET,
                    format!("{over} pairs from or to it are over their delay target"),
                );
            }
        });
    }
    let Some((a, b)) = link else { return response };
    let Some(forward) = design.topology.link(a, b) else { return response };
    response.on_hover_ui_at_pointer(|ui| {
        let p = forward.params;
        ui.strong(format!("link {a} — {b}{}", if app.doc.is_failed(a, b) { " (failed)" } else { "" }));
        ui.label(format!(
            "{}, queue {} packets, propagation {}",
            crate::net::units::format_bps(p.capacity_bps),
            p.queue_packets,
            crate::net::units::format_seconds(p.propagation_s)
        ));
        let source = design.topology.capacity_source(a, b);
        match source {
            crate::net::CapacitySource::Assumed => {
                ui.colored_label(crate::ui::colour::WARNING, "capacity assumed: the file states none");
            }
            crate::net::CapacitySource::Label { text, range } => {
                let range = if *range { ", the lower figure of a range" } else { "" };
                ui.label(format!("capacity read from the label {text:?}{range}"));
            }
            other => {
                ui.label(format!("capacity source: {}", other.name()));
            }
        }
        for (from, to) in [(a, b), (b, a)] {
            let util = app.figures.value(LinkColouring::Utilisation, from, to);
            let delay = app.figures.value(LinkColouring::DelayContribution, from, to);
            ui.label(format!(
                "{} -> {}: utilisation {}, predicted delay per hop {}",
                node_label(&app.doc.design().topology, from),
                node_label(&app.doc.design().topology, to),
                util.map_or("–".into(), |u| format!("{:.1} %", u * 100.0)),
                delay.map_or("–".into(), format_seconds),
            ));
            if app.figures.overloaded(from, to) {
                ui.colored_label(OVERLOADED, format!("{from} -> {to} is overloaded: it drops the excess"));
            }
            if let Some(reason) = app.figures.extrapolated.get(&(from, to)) {
                ui.colored_label(crate::ui::colour::WARNING, format!("extrapolated: {reason}"));
            }
        }
    })
}

fn context_menu(
    response: &egui::Response,
    app: &PathcastApp,
    node: Option<NodeId>,
    link: Option<(NodeId, NodeId)>,
    commands: &mut Vec<Command>,
) {
    let target_id = response.id.with("context-target");
    if response.secondary_clicked() {
        response.ctx.data_mut(|d| d.insert_temp(target_id, (node, link)));
    }
    let (node, link): (Option<NodeId>, Option<(NodeId, NodeId)>) =
        response.ctx.data(|d| d.get_temp(target_id)).unwrap_or_default();
    response.context_menu(|ui| {
        if let Some(node) = node {
            ui.label(format!("Node {node}"));
            panels::node_actions(ui, app, node, commands);
        } else if let Some((a, b)) = link {
            ui.label(format!("Link {a} - {b}"));
            panels::link_actions(ui, app, a, b, commands);
        } else if ui.button("Fit view").clicked() {
            commands.push(Command::FitView);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{LinkParams, Node};

    #[test]
    fn labels_never_overlap_and_marked_ones_always_show() {
        let canvas = Rect::from_min_size(Pos2::ZERO, vec2(400.0, 300.0));
        let size = vec2(80.0, 14.0);
        // A dense cluster, as NSFNet's east coast, and nodes at the canvas edge.
        let mut nodes: Vec<(Pos2, Vec2, bool)> =
            (0..6).map(|i| (pos2(200.0 + 6.0 * i as f32, 150.0 + 4.0 * i as f32), size, false)).collect();
        nodes.push((pos2(395.0, 150.0), size, false));
        nodes.push((pos2(203.0, 152.0), size, true));
        let placed = place_labels(&nodes, canvas);
        let rects: Vec<Rect> = placed.iter().flatten().copied().collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!a.shrink(1.0).intersects(*b), "{a:?} overlaps {b:?}");
            }
        }
        assert!(placed[7].is_some(), "the marked node keeps its label");
        assert!(placed[6].is_some_and(|r| canvas.contains_rect(r)), "the edge node's label goes left");
        assert!(placed.iter().filter(|p| p.is_none()).count() >= 1, "a dense cluster leaves some to hover");
    }

    #[test]
    fn nodes_without_coordinates_are_drawn_beside_their_neighbours() {
        let mut t = Topology::default();
        let at = |lat, lon| Node { lat: Some(lat), lon: Some(lon), ..Node::labelled("") };
        let corners = [at(50.0, 0.0), at(50.0, 10.0), at(40.0, 0.0), at(40.0, 10.0)].map(|n| t.add_node(n));
        let middle = t.add_node(Node::labelled("no coordinates"));
        let beyond = t.add_node(Node::labelled("linked to it only"));
        let alone = t.add_node(Node::labelled("linked to nothing"));
        for c in [corners[0], corners[3]] {
            t.add_link(middle, c, LinkParams::default()).unwrap();
        }
        t.add_link(beyond, middle, LinkParams::default()).unwrap();
        let positions = layout(&t);
        let area = Rect::from_points(&corners.map(|c| positions[&c]));
        assert!(
            area.expand(area.width() * 0.1).contains(positions[&middle]),
            "{:?} in {area:?}",
            positions[&middle]
        );
        assert!(positions[&beyond].distance(positions[&middle]) < area.width() * 0.2);
        assert!(positions[&alone].distance(area.center()) > area.width() * 0.5, "placed around the rest");
        assert_eq!(positions.len(), 7);
    }
}
