//! Planning controls: a link's port schedulers (policy and class weights, per direction) and
//! shared-risk link groups, delay targets, a pair's traffic class, and the heatmap's class filter.

use eframe::egui;

use crate::net::units::{format_seconds, parse_seconds};
use crate::net::{MAX_CLASSES, NodeId, Policy, Scheduler};
use crate::ui::document::Edit;
use crate::ui::fields::committed_text;
use crate::ui::names::node_label;
use crate::ui::state::{Command, PathcastApp};

/// The classes a port gets when it leaves FIFO: three of equal weight.
const DEFAULT_WEIGHTS: [f64; 3] = [1.0, 1.0, 1.0];

/// One row per direction of the link `a`—`b`: its policy and its class weights.
pub fn port_rows(ui: &mut egui::Ui, app: &PathcastApp, a: NodeId, b: NodeId, commands: &mut Vec<Command>) {
    let design = app.doc.design();
    for (from, to) in [(a, b), (b, a)] {
        let current = design.qos.port(from, to).cloned().unwrap_or_default();
        let name = format!("port to {}", node_label(&design.topology, to));
        ui.horizontal(|ui| {
            let mut policy = current.policy;
            let combo = egui::ComboBox::new(("policy", from, to), name).selected_text(policy.name());
            combo.show_ui(ui, |ui| {
                for p in Policy::ALL {
                    ui.selectable_value(&mut policy, p, p.name());
                }
            });
            if policy != current.policy {
                let scheduler = match (current.policy, policy) {
                    (_, Policy::Fifo) => Scheduler::default(),
                    (Policy::Fifo, _) => Scheduler::weighted(policy, &DEFAULT_WEIGHTS),
                    _ => Scheduler { policy, ..current.clone() },
                };
                commands.push(Command::Edit(Edit::SetPort { from, to, scheduler }));
            }
            if current.policy != Policy::Fifo {
                let weights =
                    current.classes.iter().map(|c| format!("{}", c.weight)).collect::<Vec<_>>().join(", ");
                let label = if current.policy.weighted() { "weights" } else { "classes (any numbers)" };
                if let Some(text) = committed_text(ui, label, ("weights", from, to), weights) {
                    match parse_weights(&text) {
                        Ok(weights) => {
                            let mut scheduler = Scheduler::weighted(current.policy, &weights);
                            // Queue sizes stay with their classes.
                            for (new, old) in scheduler.classes.iter_mut().zip(&current.classes) {
                                new.queue_packets = old.queue_packets;
                            }
                            commands.push(Command::Edit(Edit::SetPort { from, to, scheduler }));
                        }
                        Err(why) => commands.push(Command::Refuse(why)),
                    }
                }
            }
        });
    }
}

/// The shared-risk link groups the link `a`—`b` is in, each with a remove button, and a field
/// that puts it in a group by name.
pub fn srlg_rows(ui: &mut egui::Ui, app: &PathcastApp, a: NodeId, b: NodeId, commands: &mut Vec<Command>) {
    let link = (a.min(b), a.max(b));
    for group in app.doc.design().srlgs.iter().filter(|g| g.links.contains(&link)) {
        ui.horizontal(|ui| {
            ui.label(format!("In SRLG {:?} ({} links)", group.name, group.links.len()));
            if ui.small_button("Remove").on_hover_text("Take this link out of the group").clicked() {
                commands.push(Command::Edit(Edit::RemoveFromSrlg { name: group.name.clone(), a, b }));
            }
        });
    }
    ui.horizontal(|ui| {
        if let Some(name) = committed_text(ui, "Add to SRLG", ("srlg", a, b), String::new()) {
            commands.push(Command::Edit(Edit::AddToSrlg { name, a, b }));
        }
    });
}

/// Class weights typed as `60, 30, 10` (one per class, class 0 first).
pub fn parse_weights(text: &str) -> Result<Vec<f64>, String> {
    let weights: Vec<f64> = text
        .split([',', ' ', ';'])
        .filter(|w| !w.is_empty())
        .map(|w| w.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0))
        .collect::<Option<_>>()
        .ok_or_else(|| {
            format!("{text:?} is not a list of positive weights, one per class (e.g. 60, 30, 10)")
        })?;
    if weights.is_empty() || weights.len() > MAX_CLASSES {
        return Err(format!("give 1 to {MAX_CLASSES} weights, one per class"));
    }
    Ok(weights)
}

/// The delay target fields: every pair's, and the selected pair's own. Empty text or `none`
/// removes a target.
pub fn target_fields(ui: &mut egui::Ui, app: &PathcastApp, commands: &mut Vec<Command>) {
    let targets = &app.doc.design().targets;
    ui.horizontal(|ui| {
        if let Some(typed) = target_field(ui, "Delay target, all pairs", "global target", targets.global_s) {
            match typed {
                Ok(target) => commands.push(Command::Edit(Edit::SetGlobalTarget(target))),
                Err(why) => commands.push(Command::Refuse(why)),
            }
        }
    });
    if let Some((src, dst)) = app.view.pair {
        let label = format!(
            "Target {} -> {}",
            node_label(&app.doc.design().topology, src),
            node_label(&app.doc.design().topology, dst)
        );
        ui.horizontal(|ui| {
            if let Some(typed) =
                target_field(ui, &label, ("pair target", src, dst), targets.pairs.get(&(src, dst)).copied())
            {
                match typed {
                    Ok(target_s) => commands.push(Command::Edit(Edit::SetPairTarget { src, dst, target_s })),
                    Err(why) => commands.push(Command::Refuse(why)),
                }
            }
        });
    }
}

/// A delay target typed with units (`150 ms`), or `none`.
fn target_field(
    ui: &mut egui::Ui,
    label: &str,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    current: Option<f64>,
) -> Option<Result<Option<f64>, String>> {
    let shown = current.map_or_else(|| "none".to_owned(), format_seconds);
    committed_text(ui, label, id_salt, shown).map(|text| match text.trim() {
        "" | "none" | "-" => Ok(None),
        t => parse_seconds(t).map(Some),
    })
}

/// The selected pair's traffic class.
pub fn class_field(
    ui: &mut egui::Ui,
    app: &PathcastApp,
    src: NodeId,
    dst: NodeId,
    commands: &mut Vec<Command>,
) {
    let current = app.doc.design().qos.class(src, dst);
    let mut class = current;
    ui.horizontal(|ui| {
        let label = ui.label("Traffic class");
        ui.add(egui::DragValue::new(&mut class).range(0..=MAX_CLASSES as u8 - 1).update_while_editing(false))
            .labelled_by(label.id)
            .on_hover_text(
                "Class 0 is the first queue at ports with a scheduler (strict priority serves it first)",
            );
    });
    if class != current {
        commands.push(Command::Edit(Edit::SetClass { src, dst, class }));
    }
}

/// The heatmap's class filter, shown when the flows are in more than one class: `None` shows
/// every pair.
pub fn class_filter(ui: &mut egui::Ui, app: &mut PathcastApp) {
    let design = app.doc.design();
    let highest = design.traffic.iter().map(|(s, d, _)| design.qos.class(s, d)).max().unwrap_or(0);
    if highest == 0 {
        app.view.heatmap_class = None;
        return;
    }
    ui.horizontal(|ui| {
        ui.label("Class");
        ui.selectable_value(&mut app.view.heatmap_class, None, "all");
        for class in 0..=highest {
            ui.selectable_value(&mut app.view.heatmap_class, Some(class), class.to_string());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::parse_weights;

    #[test]
    fn weights_read_as_lists_and_bad_ones_say_why() {
        assert_eq!(parse_weights("60, 30, 10").unwrap(), [60.0, 30.0, 10.0]);
        assert_eq!(parse_weights("1 2").unwrap(), [1.0, 2.0]);
        assert!(parse_weights("60, -1").unwrap_err().contains("positive weights"));
        assert!(parse_weights("").unwrap_err().contains("1 to 8"));
        assert!(parse_weights("1,1,1,1,1,1,1,1,1").unwrap_err().contains("1 to 8"));
    }
}
