//! Planning controls: named failure scenarios, capacity-upgrade suggestions applied as one edit,
//! and another plan compared with the open one.

use eframe::egui::{self, RichText};

use crate::net::units::{format_bps, format_seconds};
use crate::plan::{self, SweepKind};
use crate::ui::colour::{OVER_TARGET, WARNING};
use crate::ui::document::Edit;
use crate::ui::jobs::DialogPurpose;
use crate::ui::names::node_label;
use crate::ui::state::{Command, PathcastApp};

/// Save the links failed now under a name; fail or delete each saved scenario.
pub fn saved_failures(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let label = ui.label("Save failed links as");
        ui.add(
            egui::TextEdit::singleline(&mut app.forms.failure_name).hint_text("name").desired_width(120.0),
        )
        .labelled_by(label.id);
        let can = !app.doc.failed().is_empty() && !app.forms.failure_name.trim().is_empty();
        let save = ui.add_enabled(can, egui::Button::new("Save failure scenario"));
        if save.on_disabled_hover_text("Fail some links and give the scenario a name").clicked() {
            commands.push(Command::Edit(Edit::SaveFailure(app.forms.failure_name.clone())));
        }
    });
    let design = app.doc.design();
    if design.failures.is_empty() {
        return;
    }
    // The links each saved scenario takes down, nodes' links included, as the sweep counts them.
    let cases = plan::cases(design, SweepKind::Saved);
    egui::Grid::new("saved failures").num_columns(3).show(ui, |ui| {
        for case in &cases {
            ui.label(&case.name);
            ui.label(format!("{} links", case.links.len()));
            ui.horizontal(|ui| {
                if ui.small_button("Fail").on_hover_text("Fail these links now").clicked() {
                    commands.push(Command::Edit(Edit::FailExactly(case.links.clone())));
                }
                if ui.small_button("Delete").clicked() {
                    commands.push(Command::Edit(Edit::DeleteFailure(case.name.clone())));
                }
            });
            ui.end_row();
        }
    });
}

/// The upgrade search's settings, its suggestion as a diff, and "Apply" as one undoable edit.
pub fn upgrades(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let forms = &mut app.forms;
    ui.horizontal(|ui| {
        let label = ui.label("Step ×");
        ui.add(egui::DragValue::new(&mut forms.upgrade_step).range(1.1..=10.0).speed(0.1))
            .labelled_by(label.id)
            .on_hover_text("Each step multiplies a link's capacity by this; one step costs 1");
        let label = ui.label("at most (steps)");
        ui.add(egui::DragValue::new(&mut forms.upgrade_max_steps).range(1..=500)).labelled_by(label.id);
    });
    let kinds = [
        (None, "with nothing failed"),
        (Some(SweepKind::Links), "under every link failure"),
        (Some(SweepKind::Nodes), "under every node failure"),
        (Some(SweepKind::Srlgs), "under every SRLG failure"),
        (Some(SweepKind::Saved), "under the saved failures"),
    ];
    let shown = kinds.iter().find(|(k, _)| *k == forms.upgrade_failures).map_or("", |(_, name)| name);
    egui::ComboBox::new("upgrade failures", "Targets hold").selected_text(shown).show_ui(ui, |ui| {
        for (kind, name) in kinds {
            ui.selectable_value(&mut forms.upgrade_failures, kind, name);
        }
    });
    let design = app.doc.design();
    let has_targets = !design.targets.is_empty();
    let label = if app.suggesting { "Searching…" } else { "Suggest upgrades" };
    let button = ui.add_enabled(has_targets && !app.suggesting, egui::Button::new(label));
    if button.on_disabled_hover_text("Set a delay target first (Traffic panel)").clicked() {
        commands.push(Command::SuggestUpgrades);
    }
    let Some((revision, plan)) = &app.upgrades else { return };
    let stale = *revision != app.doc.revision();
    if stale {
        ui.label(RichText::new("(for an earlier version of the scenario)").italics());
    }
    let steps: u32 = plan.upgrades.iter().map(|u| u.steps).sum();
    let left = plan.remaining_violations;
    let colour = if left == 0 { egui::Color32::from_rgb(80, 200, 120) } else { OVER_TARGET };
    ui.colored_label(
        colour,
        format!(
            "{steps} steps (cost {}): {left} of {} target violations left{}",
            plan.total_cost,
            plan.initial_violations,
            if plan.cases > 0 {
                format!(", checked under {} failure cases", plan.cases)
            } else {
                String::new()
            }
        ),
    );
    if plan.cut_off_pairs > 0 {
        ui.colored_label(
            WARNING,
            format!("{} pair-and-failure cases are cut off: no capacity helps", plan.cut_off_pairs),
        );
    }
    if plan.upgrades.is_empty() {
        return;
    }
    let topology = &design.topology;
    egui::Grid::new("upgrade diff").striped(true).num_columns(3).show(ui, |ui| {
        ui.strong("link");
        ui.strong("capacity");
        ui.strong("steps");
        ui.end_row();
        for u in &plan.upgrades {
            ui.label(format!("{} — {}", node_label(topology, u.a), node_label(topology, u.b)));
            ui.label(format!("{} -> {}", format_bps(u.from_bps), format_bps(u.to_bps)));
            ui.label(u.steps.to_string());
            ui.end_row();
        }
    });
    let apply = ui.add_enabled(!stale, egui::Button::new("Apply upgrades"));
    if apply.on_hover_text("One edit: undo takes every upgrade back").clicked() {
        let links = plan.upgrades.iter().map(|u| (u.a, u.b, u.to_bps)).collect();
        commands.push(Command::Edit(Edit::SetCapacities(links)));
    }
}

/// One figure of a plan's summary, as shown.
type SummaryFigure = fn(&plan::compare::PlanSummary) -> String;

/// The open plan beside another: both plans' figures, the links and demands that differ.
pub fn comparison(ui: &mut egui::Ui, app: &PathcastApp, commands: &mut Vec<Command>) {
    let Some(comparison) = &app.comparison else {
        if ui.button("Compare with another plan…").clicked() {
            commands.push(Command::Pick(DialogPurpose::ComparePlan));
        }
        return;
    };
    ui.horizontal(|ui| {
        ui.label(format!("This plan (A) against {} (B)", comparison.path.display()));
        if ui.small_button("Close").clicked() {
            commands.push(Command::CloseComparison);
        }
    });
    let Some((revision, result)) = &comparison.result else {
        ui.label("Predicting both plans…");
        return;
    };
    if *revision != app.doc.revision() {
        ui.label(RichText::new("(updating for the latest edit…)").italics());
    }
    egui::Grid::new("plans side by side").striped(true).num_columns(3).show(ui, |ui| {
        ui.label("");
        ui.strong("A (this plan)");
        ui.strong(format!("B ({})", result.b.name));
        ui.end_row();
        let rows: [(&str, SummaryFigure); 5] = [
            ("flows", |p| p.flows.to_string()),
            ("mean delay", |p| format_seconds(p.mean_delay_s)),
            ("worst delay", |p| format_seconds(p.worst_delay_s)),
            ("over target", |p| format!("{} pairs", p.over_target)),
            ("extrapolated", |p| format!("{} flows", p.extrapolated)),
        ];
        for (name, figure) in rows {
            ui.label(name);
            ui.label(figure(&result.a));
            ui.label(figure(&result.b));
            ui.end_row();
        }
    });
    ui.label("The heatmap's \"compared plan − this\" view shows each pair's change.");
    if result.links.is_empty() {
        ui.label("Links: the same.");
    } else {
        ui.label(format!("{} links differ:", result.links.len()));
        for change in result.links.iter().take(40) {
            ui.label(change.to_string());
        }
    }
    if result.demands_changed > 0 {
        ui.label(format!("Demands differ for {} pairs.", result.demands_changed));
    }
    for (side, nodes) in [("A", &result.nodes_only_in_a), ("B", &result.nodes_only_in_b)] {
        if !nodes.is_empty() {
            ui.label(format!("Only in {side}: {}", nodes.join(", ")));
        }
    }
}
