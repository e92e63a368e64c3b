//! The menu bar, status bar, discard dialog and the control panel's sections. They read the app's
//! state, edit their own form fields, and send commands.

use eframe::egui::{self, Color32, RichText};

use crate::net::units::{format_bps, format_seconds, parse_bps, parse_seconds};
use crate::net::{LinkParams, NodeId, builtin};
use crate::plan::SweepKind;
use crate::train::trainer::OptimizerKind;
use crate::ui::document::Edit;
use crate::ui::fields::{committed_text, unit_field};
use crate::ui::jobs::DialogPurpose;
use crate::ui::names::path_text;
use crate::ui::predictor::ModelSource;
use crate::ui::state::{Command, PathcastApp, Tool};
use crate::ui::{plan_panel, qos_panel};

/// File and view menus.
pub fn menu_bar(ui: &mut egui::Ui, app: &PathcastApp, commands: &mut Vec<Command>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            ui.menu_button("New from built-in", |ui| {
                for name in builtin::NAMES {
                    if ui.button(name.to_uppercase()).clicked() {
                        commands.push(Command::LoadBuiltin(name));
                    }
                }
            });
            if ui.button("Open…").clicked() {
                commands.push(Command::Pick(DialogPurpose::Open));
            }
            ui.add_enabled_ui(!app.recent.is_empty(), |ui| {
                ui.menu_button("Open recent", |ui| {
                    for path in &app.recent {
                        if ui.button(path.display().to_string()).clicked() {
                            commands.push(Command::Open(path.clone()));
                        }
                    }
                });
            });
            ui.separator();
            if ui.button("Save").clicked() {
                commands.push(Command::Save);
            }
            if ui.button("Save scenario as…").clicked() {
                commands.push(Command::Pick(DialogPurpose::SaveScenario));
            }
            if ui.button("Export topology (GML)…").clicked() {
                commands.push(Command::Pick(DialogPurpose::SaveTopology));
            }
            ui.separator();
            if ui.button("Import demands (CSV)…").clicked() {
                commands.push(Command::Pick(DialogPurpose::ImportDemands));
            }
            if ui.button("Export demands (CSV)…").clicked() {
                commands.push(Command::Pick(DialogPurpose::ExportDemands));
            }
            ui.separator();
            if ui.button("Compare with another plan…").clicked() {
                commands.push(Command::Pick(DialogPurpose::ComparePlan));
            }
            if ui.button("Export report (HTML)…").clicked() {
                commands.push(Command::Pick(DialogPurpose::ExportReport));
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                commands.push(Command::Close);
            }
        });
        ui.menu_button("Edit", |ui| {
            let undo = ui.add_enabled(app.doc.can_undo(), egui::Button::new("Undo").shortcut_text("Ctrl+Z"));
            if undo.clicked() {
                commands.push(Command::Undo);
            }
            let redo =
                ui.add_enabled(app.doc.can_redo(), egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z"));
            if redo.clicked() {
                commands.push(Command::Redo);
            }
        });
        history_shortcuts(ui, commands);
        ui.separator();
        let name = &app.doc.design().name;
        let file = app.doc.path.as_ref().map_or("unsaved".into(), |p| p.display().to_string());
        ui.label(format!("{name} — {file}{}", if app.doc.dirty { " •" } else { "" }));
    });
}

/// Ctrl+Z undoes and Ctrl+Shift+Z (or Ctrl+Y) redoes, unless a text field has the keyboard: there
/// they act on its text.
fn history_shortcuts(ui: &egui::Ui, commands: &mut Vec<Command>) {
    if ui.ctx().memory(|m| m.focused().is_some()) {
        return;
    }
    let (ctrl, ctrl_shift) = (egui::Modifiers::COMMAND, egui::Modifiers::COMMAND | egui::Modifiers::SHIFT);
    let redo = [
        egui::KeyboardShortcut::new(ctrl_shift, egui::Key::Z),
        egui::KeyboardShortcut::new(ctrl, egui::Key::Y),
    ];
    // The longer shortcut first: Ctrl+Z would also match Ctrl+Shift+Z.
    if redo.iter().any(|s| ui.input_mut(|i| i.consume_shortcut(s))) {
        commands.push(Command::Redo);
    } else if ui.input_mut(|i| i.consume_shortcut(&egui::KeyboardShortcut::new(ctrl, egui::Key::Z))) {
        commands.push(Command::Undo);
    }
}

/// Messages, prediction latency and frame time.
pub fn status_bar(ui: &mut egui::Ui, app: &PathcastApp) {
    ui.horizontal(|ui| {
        let colour =
            if app.status.error { Color32::from_rgb(255, 110, 110) } else { ui.visuals().text_color() };
        ui.label(RichText::new(&app.status.message).color(colour));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some(p99) = app.frames.quantile(0.99) {
                ui.label(format!("frame p99 {:.1} ms", p99 * 1e3));
            }
            ui.separator();
            match &app.prediction {
                Some(p) if app.predictions_current() => ui.label(format!(
                    "{} flows predicted in {:.1} ms ({})",
                    p.flows.len(),
                    p.elapsed.as_secs_f64() * 1e3,
                    app.model_name
                )),
                _ => ui.label("predicting…"),
            };
        });
    });
}

/// "Discard unsaved changes?" before an action that would lose them.
pub fn discard_dialog(ctx: &egui::Context, app: &PathcastApp, commands: &mut Vec<Command>) {
    // Hidden while the planner picks where to save, or the save runs.
    if app.pending.is_none() || app.file_prompt.is_some() || app.continue_after_save {
        return;
    }
    egui::Modal::new(egui::Id::unique("pathcast-discard")).show(ctx, |ui| {
        ui.heading("Unsaved changes");
        ui.label("The scenario has changes that are not saved. Discard them?");
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                commands.push(Command::SaveAndContinue);
            }
            if ui.button("Discard").clicked() {
                commands.push(Command::ConfirmDiscard);
            }
            if ui.button("Keep editing").clicked() {
                commands.push(Command::CancelDiscard);
            }
        });
    });
}

/// The built-in file prompt: type a path, or browse with the desktop's dialog where it has one.
pub fn file_prompt(ctx: &egui::Context, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let Some(prompt) = app.file_prompt.as_mut() else { return };
    let (title, action) = match prompt.purpose {
        DialogPurpose::Open => ("Open a topology (GML) or scenario (JSON)", "Open"),
        DialogPurpose::SaveScenario => ("Save the scenario as (JSON)", "Save"),
        DialogPurpose::SaveTopology => ("Export the topology as (GML)", "Export"),
        DialogPurpose::TrainingData => ("Add a dataset directory", "Add"),
        DialogPurpose::DatasetOut => ("Generate the dataset into", "Choose"),
        DialogPurpose::ExportCsv(_) => ("Export the table as (CSV)", "Export"),
        DialogPurpose::ImportDemands => ("Import demands from (CSV: src,dst,rate)", "Import"),
        DialogPurpose::ExportDemands => ("Export the demands as (CSV)", "Export"),
        DialogPurpose::ComparePlan => ("Compare with the plan in (scenario JSON, or GML)", "Compare"),
        DialogPurpose::ExportReport => ("Write the planning report as (HTML)", "Export"),
    };
    let purpose = prompt.purpose;
    egui::Modal::new(egui::Id::unique("pathcast-file-prompt")).show(ctx, |ui| {
        ui.heading(title);
        let label = ui.label("Path");
        let field =
            ui.add(egui::TextEdit::singleline(&mut prompt.path).desired_width(480.0)).labelled_by(label.id);
        let typed = prompt.path.trim().to_owned();
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.horizontal(|ui| {
            let ok = ui.add_enabled(!typed.is_empty(), egui::Button::new(action)).clicked();
            if (ok || entered) && !typed.is_empty() {
                commands.push(Command::ChoosePath(purpose, typed.clone().into()));
            }
            if ui.button("Browse…").on_hover_text("The desktop's file dialog, where it has one").clicked() {
                commands.push(Command::Browse(purpose));
            }
            if ui.button("Cancel").clicked() {
                commands.push(Command::CancelPrompt);
            }
        });
    });
}

/// The control panel: selection, routing, traffic, what-if, training, dataset.
pub fn controls(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::CollapsingHeader::new("Selection")
            .default_open(true)
            .show(ui, |ui| selection(ui, app, commands));
        egui::CollapsingHeader::new("Routing").default_open(true).show(ui, |ui| route(ui, app, commands));
        egui::CollapsingHeader::new("Traffic").default_open(true).show(ui, |ui| traffic(ui, app, commands));
        egui::CollapsingHeader::new("What-if: link failures")
            .default_open(true)
            .show(ui, |ui| failures(ui, app, commands));
        egui::CollapsingHeader::new("Capacity upgrades")
            .show(ui, |ui| plan_panel::upgrades(ui, app, commands));
        egui::CollapsingHeader::new("Train").default_open(true).show(ui, |ui| train(ui, app, commands));
        egui::CollapsingHeader::new("Generate dataset").show(ui, |ui| dataset(ui, app, commands));
    });
}

fn node_name(app: &PathcastApp, id: NodeId) -> String {
    match app.doc.design().topology.node(id) {
        Some(n) if !n.label.is_empty() => format!("{id} {}", n.label),
        _ => id.to_string(),
    }
}

/// Route from / route to / delete buttons for a node (selection panel and canvas menu).
pub fn node_actions(ui: &mut egui::Ui, app: &PathcastApp, id: NodeId, commands: &mut Vec<Command>) {
    if ui.button("Route from here").clicked() {
        let dst = app.view.pair.map_or(id, |(_, d)| d);
        commands.push(Command::SelectPair(Some((id, dst)).filter(|(s, d)| s != d)));
    }
    if ui.button("Route to here").clicked() {
        let src = app.view.pair.map_or(id, |(s, _)| s);
        commands.push(Command::SelectPair(Some((src, id)).filter(|(s, d)| s != d)));
    }
    if ui.button("Delete node").clicked() {
        commands.push(Command::Edit(Edit::DeleteNode(id)));
    }
}

/// Fail or restore, and delete, buttons for a link (link editor and canvas menu).
pub fn link_actions(ui: &mut egui::Ui, app: &PathcastApp, a: NodeId, b: NodeId, commands: &mut Vec<Command>) {
    if app.doc.is_failed(a, b) {
        if ui.button("Restore link").clicked() {
            commands.push(Command::Edit(Edit::RestoreLink { a, b }));
        }
    } else if ui.button("Fail link").clicked() {
        commands.push(Command::Edit(Edit::FailLink { a, b }));
    }
    if ui.button("Delete link").clicked() {
        commands.push(Command::Edit(Edit::DeleteLink { a, b }));
    }
}

fn selection(ui: &mut egui::Ui, app: &PathcastApp, commands: &mut Vec<Command>) {
    let topology = &app.doc.design().topology;
    if let Some(id) = app.view.node.filter(|&id| topology.node(id).is_some()) {
        ui.label(format!("Node {id}"));
        ui.horizontal(|ui| {
            let label = topology.node(id).map_or(String::new(), |n| n.label.clone());
            if let Some(label) = committed_text(ui, "Name", ("name", id), label) {
                commands.push(Command::Edit(Edit::RenameNode { node: id, label: label.trim().to_owned() }));
            }
        });
        ui.horizontal(|ui| node_actions(ui, app, id, commands));
    } else if let Some((a, b)) = app.view.link.filter(|&(a, b)| topology.are_linked(a, b)) {
        link_editor(ui, app, a, b, commands);
    } else {
        ui.label("Click a node or link on the canvas.");
    }
}

fn link_editor(ui: &mut egui::Ui, app: &PathcastApp, a: NodeId, b: NodeId, commands: &mut Vec<Command>) {
    let current = app.doc.design().topology.link(a, b).map_or_else(LinkParams::default, |l| l.params);
    ui.label(format!("Link {} — {}", node_name(app, a), node_name(app, b)));
    // A typed value goes to the document, which validates it, when the field is left (a refused
    // value shows in the status line).
    let mut params = current;
    let mut refused = None;
    egui::Grid::new("link").num_columns(2).show(ui, |ui| {
        match unit_field(ui, "Capacity", ("capacity", a, b), current.capacity_bps, format_bps, parse_bps) {
            Some(Ok(bps)) => params.capacity_bps = bps,
            Some(Err(why)) => refused = Some(why),
            None => {}
        }
        ui.end_row();
        field(
            ui,
            "Queue (packets)",
            egui::DragValue::new(&mut params.queue_packets).range(1..=100_000).update_while_editing(false),
        );
        ui.end_row();
        match unit_field(
            ui,
            "Propagation",
            ("propagation", a, b),
            current.propagation_s,
            format_seconds,
            parse_seconds,
        ) {
            Some(Ok(s)) => params.propagation_s = s,
            Some(Err(why)) => refused = Some(why),
            None => {}
        }
        ui.end_row();
    });
    if let Some(why) = refused {
        commands.push(Command::Refuse(why));
    }
    let source = app.doc.design().topology.capacity_source(a, b);
    let from = match source {
        crate::net::CapacitySource::Label { text, range } => {
            format!("the label {text:?}{}", if *range { " (lower figure of a range)" } else { "" })
        }
        crate::net::CapacitySource::Assumed => "assumed: the file states none".to_owned(),
        other => other.name().to_owned(),
    };
    ui.label(format!("{} ({from})", crate::net::units::format_bps(current.capacity_bps)));
    if params != current {
        commands.push(Command::Edit(Edit::SetLink { a, b, params }));
    }
    qos_panel::port_rows(ui, app, a, b, commands);
    qos_panel::srlg_rows(ui, app, a, b, commands);
    ui.horizontal(|ui| link_actions(ui, app, a, b, commands));
}

fn node_combo(ui: &mut egui::Ui, app: &PathcastApp, label: &str, value: NodeId) -> Option<NodeId> {
    let mut chosen = None;
    egui::ComboBox::from_label(label).selected_text(node_name(app, value)).show_ui(ui, |ui| {
        for id in app.doc.design().topology.node_ids() {
            if ui.selectable_label(id == value, node_name(app, id)).clicked() {
                chosen = Some(id);
            }
        }
    });
    chosen
}

fn route(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let ids: Vec<NodeId> = app.doc.design().topology.node_ids().collect();
    if ids.len() < 2 {
        ui.label("Add at least two nodes.");
        return;
    }
    let (src, dst) = app.view.pair.unwrap_or((ids[0], ids[1]));
    ui.horizontal(|ui| {
        if let Some(s) = node_combo(ui, app, "source", src) {
            commands.push(Command::SelectPair(Some((s, if s == dst { src } else { dst }))));
        }
        if let Some(d) = node_combo(ui, app, "destination", dst) {
            commands.push(Command::SelectPair(Some((if d == src { dst } else { src }, d))));
        }
    });
    let effective = app.doc.effective();
    match effective.routing.path(src, dst) {
        Some(path) => {
            let hand = if app.doc.is_overridden(src, dst) { " (hand-routed)" } else { "" };
            ui.label(format!("Path {}{hand}", path_text(&effective.topology, path)));
        }
        None => {
            ui.colored_label(Color32::YELLOW, "No route: the pair is disconnected");
        }
    }
    if let Some(p) = app.prediction.as_ref().filter(|_| app.predictions_current())
        && let Some(f) = p.flows.get(&(src, dst))
    {
        ui.label(format!(
            "Predicted delay {}, jitter (std) {}, loss {:.2} %",
            format_seconds(f.delay_s),
            format_seconds(f.jitter_s2.max(0.0).sqrt()),
            f.loss * 100.0
        ));
        if let Some(reason) = f.extrapolated.first() {
            ui.colored_label(crate::ui::colour::WARNING, format!("extrapolated: {reason}"));
        }
    }
    qos_panel::class_field(ui, app, src, dst, commands);
    ui.label("Alternatives (k shortest):");
    let current = app.doc.design().routing.path(src, dst);
    let alternatives = app.alternatives.iter().filter(|(_, pair, _)| *pair == (src, dst));
    for path in alternatives.flat_map(|(_, _, paths)| paths.iter().cloned()) {
        let chosen = current == Some(&path);
        let text = path_text(&app.doc.design().topology, &path);
        if ui.radio(chosen, text).clicked() && !chosen {
            commands.push(Command::Edit(Edit::SetRoute(path)));
        }
    }
    ui.horizontal(|ui| {
        if ui.button("Re-route on canvas").on_hover_text("Click the node sequence on the canvas").clicked() {
            app.view.tool = Tool::Route;
            commands.push(Command::SetRouteDraft(vec![src]));
        }
        if ui.add_enabled(app.doc.is_overridden(src, dst), egui::Button::new("Reset to shortest")).clicked() {
            commands.push(Command::Edit(Edit::ResetRoute { src, dst }));
        }
    });
}

fn traffic(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let forms = &mut app.forms;
    egui::Grid::new("traffic").num_columns(2).show(ui, |ui| {
        field(ui, "Traffic seed", egui::DragValue::new(&mut forms.traffic_seed));
        ui.end_row();
        field(
            ui,
            "Peak utilisation",
            egui::Slider::new(&mut forms.peak_utilisation, 0.05..=1.2).fixed_decimals(2),
        );
        ui.end_row();
    });
    if ui.button("Generate traffic").clicked() {
        commands.push(Command::Edit(Edit::GenerateTraffic {
            seed: forms.traffic_seed,
            peak_utilisation: forms.peak_utilisation,
        }));
    }
    ui.horizontal(|ui| {
        field(
            ui,
            "Scale factor",
            egui::DragValue::new(&mut forms.scale).speed(0.01).range(0.0..=100.0).prefix("× "),
        );
        if ui.button("Scale all rates").clicked() {
            commands.push(Command::Edit(Edit::ScaleTraffic(forms.scale)));
        }
    });
    if let Some((src, dst)) = app.view.pair {
        let current = app.doc.design().traffic.get(src, dst);
        ui.horizontal(|ui| {
            let label = format!("Rate {} -> {}", node_name(app, src), node_name(app, dst));
            let typed = unit_field(ui, &label, ("rate", src, dst), current, format_bps, |t| {
                if t.trim() == "0" { Ok(0.0) } else { parse_bps(t) }
            });
            match typed {
                Some(Ok(rate_bps)) => commands.push(Command::Edit(Edit::SetRate { src, dst, rate_bps })),
                Some(Err(why)) => commands.push(Command::Refuse(why)),
                None => {}
            }
        });
    }
    qos_panel::target_fields(ui, app, commands);
    let design = app.doc.design();
    let total: f64 = design.traffic.iter().map(|(_, _, r)| r).sum();
    ui.label(format!("{} pairs, {} offered in total", design.traffic.len(), format_bps(total)));
    ui.label("Load or save traffic with File > Open / Save (scenario JSON).");
}

fn failures(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    if app.doc.failed().is_empty() {
        ui.label("No link failed. Fail one from the link editor or the canvas's right-click menu.");
    } else {
        for &(a, b) in app.doc.failed() {
            ui.horizontal(|ui| {
                ui.label(format!("{a} — {b} failed"));
                if ui.small_button("Restore").clicked() {
                    commands.push(Command::Edit(Edit::RestoreLink { a, b }));
                }
            });
        }
        if !app.doc.disconnected().is_empty() {
            ui.colored_label(
                Color32::YELLOW,
                format!("{} pairs disconnected (their traffic is left out)", app.doc.disconnected().len()),
            );
        }
        if ui.button("Restore all").clicked() {
            commands.push(Command::Edit(Edit::RestoreAllLinks));
        }
    }
    plan_panel::saved_failures(ui, app, commands);
    ui.separator();
    ui.horizontal(|ui| {
        let kinds = [
            (SweepKind::Links, "every link"),
            (SweepKind::Nodes, "every node"),
            (SweepKind::Srlgs, "every SRLG"),
            (SweepKind::DoubleLinks, "every pair of links"),
            (SweepKind::Saved, "each saved scenario"),
        ];
        let shown = kinds.iter().find(|(k, _)| *k == app.forms.sweep_kind).map_or("", |(_, name)| name);
        egui::ComboBox::new("sweep kind", "fails").selected_text(shown).show_ui(ui, |ui| {
            for (kind, name) in kinds {
                ui.selectable_value(&mut app.forms.sweep_kind, kind, name);
            }
        });
        let no_groups = app.forms.sweep_kind.nothing_to_fail(app.doc.design()).is_some();
        let label = if app.sweeping { "Sweeping…" } else { "Sweep failures" };
        let button = ui.add_enabled(!app.sweeping && !no_groups, egui::Button::new(label));
        let why = "Nothing to fail: add links to an SRLG in the link editor, or save a failure scenario";
        if button.on_disabled_hover_text(why).clicked() {
            commands.push(Command::Sweep);
        }
    });
    let Some((revision, impacts)) = &app.sweep else { return };
    if *revision != app.doc.revision() {
        ui.label(RichText::new("(for an earlier version of the scenario)").italics());
    }
    egui::Grid::new("sweep").striped(true).num_columns(4).show(ui, |ui| {
        ui.strong("failure");
        ui.strong("worst");
        ui.strong("mean");
        ui.strong("cut pairs");
        ui.end_row();
        for impact in impacts.iter().take(12) {
            if ui.link(&impact.case.name).on_hover_text("Fail this").clicked() {
                commands.push(Command::Edit(Edit::FailLinks(impact.case.links.clone())));
            }
            ui.label(format_seconds(impact.worst_delay_s));
            ui.label(format_seconds(impact.mean_delay_s));
            ui.label(impact.disconnected.to_string());
            ui.end_row();
        }
    });
}

/// A widget with a label that names it for screen readers and tests.
fn field(ui: &mut egui::Ui, label: &str, widget: impl egui::Widget) -> egui::Response {
    let label = ui.label(label);
    ui.add(widget).labelled_by(label.id)
}

fn labelled_text(ui: &mut egui::Ui, label: &str, value: &mut String) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.text_edit_singleline(value).labelled_by(l.id);
    });
}

fn train(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let running = app.training_running();
    ui.add_enabled_ui(!running, |ui| {
        let forms = &mut app.forms;
        ui.horizontal(|ui| {
            labelled_text(ui, "Datasets", &mut forms.train_data);
            if ui.small_button("Add…").on_hover_text("Add a dataset directory").clicked() {
                commands.push(Command::Pick(DialogPurpose::TrainingData));
            }
        });
        labelled_text(ui, "Devices", &mut forms.train_devices);
        let mut out = forms.train.out.display().to_string();
        labelled_text(ui, "Run directory", &mut out);
        forms.train.out = out.into();
        let config = &mut forms.train;
        egui::Grid::new("train").num_columns(2).show(ui, |ui| {
            let label = ui.label("Optimizer");
            egui::ComboBox::from_id_salt("optimizer")
                .selected_text(match config.optimizer {
                    OptimizerKind::Lamb => "LAMB",
                    OptimizerKind::Adam => "Adam",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut config.optimizer, OptimizerKind::Lamb, "LAMB");
                    ui.selectable_value(&mut config.optimizer, OptimizerKind::Adam, "Adam");
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            field(ui, "Steps", egui::DragValue::new(&mut config.steps).range(1..=10_000_000));
            ui.end_row();
            field(ui, "Batch (samples)", egui::DragValue::new(&mut config.batch_samples).range(1..=1024));
            ui.end_row();
            field(
                ui,
                "Learning rate",
                egui::DragValue::new(&mut config.learning_rate).speed(1e-4).range(1e-6..=1.0),
            );
            ui.end_row();
            field(ui, "Evaluate every", egui::DragValue::new(&mut config.eval_every).range(1..=1_000_000));
            ui.end_row();
            let mut averaging = config.average_decay.is_some();
            ui.checkbox(&mut averaging, "Average weights").on_hover_text(
                "Evaluate and predict with a moving average of the weights (decay 0.99 per step)",
            );
            config.average_decay = averaging.then(|| config.average_decay.unwrap_or(0.99));
            ui.end_row();
        });
    });
    ui.horizontal(|ui| {
        if ui.add_enabled(!running, egui::Button::new("Start training")).clicked() {
            commands.push(Command::Train { resume: false });
        }
        if ui.add_enabled(!running, egui::Button::new("Resume training")).clicked() {
            commands.push(Command::Train { resume: true });
        }
        if ui.add_enabled(running, egui::Button::new("Stop training")).clicked() {
            commands.push(Command::StopTraining);
        }
    });
    let t = &app.training;
    if running || t.step > 0 {
        let fraction = if t.steps > 0 { t.step as f32 / t.steps as f32 } else { 0.0 };
        let eta = t.eta_s().map_or(String::new(), |s| format!(", ETA {:.0} s", s));
        ui.add(
            egui::ProgressBar::new(fraction)
                .text(format!("step {}/{} · {:.0} samples/s{eta}", t.step, t.steps, t.samples_per_s)),
        );
    }
    ui.horizontal(|ui| {
        let trained = app.training.out.clone().filter(|_| !running);
        if ui.add_enabled(trained.is_some(), egui::Button::new("Use trained model")).clicked()
            && let Some(out) = trained
        {
            commands.push(Command::UseModel(ModelSource::Run(out)));
        }
        if ui.button("Use shipped model").clicked() {
            commands.push(Command::UseModel(ModelSource::Shipped));
        }
    });
}

fn dataset(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let running = app.dataset.is_some();
    ui.label(format!("Topology: {} (the one on the canvas)", app.doc.design().name));
    ui.add_enabled_ui(!running, |ui| {
        let forms = &mut app.forms;
        egui::Grid::new("dataset").num_columns(2).show(ui, |ui| {
            field(ui, "Samples", egui::DragValue::new(&mut forms.dataset_samples).range(1..=1_000_000));
            ui.end_row();
            field(ui, "Dataset seed", egui::DragValue::new(&mut forms.dataset_seed));
            ui.end_row();
        });
        ui.horizontal(|ui| {
            labelled_text(ui, "Output", &mut forms.dataset_out);
            if ui.small_button("Choose…").on_hover_text("Choose the output directory").clicked() {
                commands.push(Command::Pick(DialogPurpose::DatasetOut));
            }
        });
    });
    ui.horizontal(|ui| {
        if ui.add_enabled(!running, egui::Button::new("Generate")).clicked() {
            commands.push(Command::GenerateDataset);
        }
        if ui.add_enabled(running, egui::Button::new("Cancel")).clicked() {
            commands.push(Command::CancelDataset);
        }
    });
    if let Some(run) = &app.dataset {
        let done = run.finished().min(run.total);
        let elapsed = run.started.elapsed().as_secs_f64();
        ui.add(
            egui::ProgressBar::new(done as f32 / run.total.max(1) as f32)
                .text(format!("{done}/{} samples · {elapsed:.0} s", run.total)),
        );
    }
}

/// The banner shown when the open file's link speeds were partly or wholly assumed: what was
/// assumed, the links concerned with their sources, and one action that sets them all.
pub fn speed_banner(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let Some(warning) = app.speed_warning.clone() else { return };
    let topology = &app.doc.design().topology;
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(crate::ui::colour::WARNING, format!("{warning}: review"));
        ui.label("Set all assumed speeds to");
        ui.add(egui::TextEdit::singleline(&mut app.forms.assumed_speed).desired_width(70.0))
            .on_hover_text("A bit rate: 10k, 2.5M, 10G, 100 Gbit/s");
        let parsed = crate::net::units::parse_bps(&app.forms.assumed_speed);
        if ui.add_enabled(parsed.is_ok(), egui::Button::new("Apply")).clicked()
            && let Ok(bps) = parsed
        {
            commands.push(Command::Edit(Edit::SetAssumedCapacities(bps)));
        }
        if ui.button("Dismiss").clicked() {
            commands.push(Command::DismissSpeedWarning);
        }
    });
    ui.collapsing("Links whose speed was assumed or read from a label", |ui| {
        egui::ScrollArea::vertical().max_height(120.0).show(ui, |ui| {
            egui::Grid::new("speed_sources").striped(true).show(ui, |ui| {
                ui.strong("link");
                ui.strong("capacity");
                ui.strong("source");
                ui.end_row();
                for (a, b, params) in topology.duplex_links() {
                    let source = topology.capacity_source(a, b);
                    let how = match source {
                        crate::net::CapacitySource::Assumed => "assumed".to_owned(),
                        crate::net::CapacitySource::Label { text, range } => {
                            format!(
                                "label {text:?}{}",
                                if *range { " (lower figure of a range)" } else { "" }
                            )
                        }
                        _ => continue,
                    };
                    let name = |n| topology.node(n).map_or(n.to_string(), |x| x.label.clone());
                    ui.label(format!("{} - {}", name(a), name(b)));
                    ui.label(crate::net::units::format_bps(params.capacity_bps));
                    ui.label(how);
                    ui.end_row();
                }
            });
        });
    });
}
