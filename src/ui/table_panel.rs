//! The tables section: links, flows, the failure sweep and verify results, sortable by any column,
//! filtered by text, exported as CSV; the shown links' capacities can be scaled in one edit.

use std::collections::BTreeSet;

use eframe::egui;
use egui_extras::{Column, TableBuilder};

use crate::ui::document::Edit;
use crate::ui::jobs::DialogPurpose;
use crate::ui::state::{Command, PathcastApp};
use crate::ui::tables::{self, RowKey, TableKind};

/// Draws the table chosen in the app's form, and the controls above it.
pub fn show(ui: &mut egui::Ui, app: &mut PathcastApp, commands: &mut Vec<Command>) {
    let view = &mut app.forms.table;
    ui.horizontal(|ui| {
        for kind in TableKind::ALL {
            if ui.selectable_label(view.kind == kind, kind.name()).clicked() && view.kind != kind {
                view.kind = kind;
                view.sort_column = 0;
                view.descending = false;
            }
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        ui.add(egui::TextEdit::singleline(&mut view.filter).desired_width(160.0)).labelled_by(label.id);
        if ui.button("Export CSV…").clicked() {
            commands.push(Command::Pick(DialogPurpose::ExportCsv(view.kind)));
        }
    });
    let view = app.forms.table.clone();
    let table = tables::build(&app.table_sources(), view.kind).view(&view);
    if view.kind == TableKind::Links {
        let shown: BTreeSet<_> = table
            .rows
            .iter()
            .filter_map(|r| match r.key {
                RowKey::Link(a, b) => Some((a.min(b), a.max(b))),
                RowKey::Pair(..) => None,
            })
            .collect();
        ui.horizontal(|ui| {
            ui.label(format!("Scale the capacity of the {} shown links by", shown.len()));
            ui.add(
                egui::DragValue::new(&mut app.forms.capacity_factor)
                    .speed(0.05)
                    .range(0.01..=1000.0)
                    .prefix("× "),
            );
            if ui.add_enabled(!shown.is_empty(), egui::Button::new("Apply")).clicked() {
                let links = shown.into_iter().collect();
                commands
                    .push(Command::Edit(Edit::ScaleCapacities { links, factor: app.forms.capacity_factor }));
            }
        });
    }
    if table.rows.is_empty() {
        ui.label(match view.kind {
            TableKind::Sweep => "Run \"Sweep every single-link failure\" to fill this table.",
            TableKind::Verify => "Run \"Simulate and compare\" to fill this table.",
            _ => "No rows (check the filter).",
        });
        return;
    }
    // The table scrolls sideways rather than widening the panel over the canvas.
    egui::ScrollArea::horizontal().id_salt("table scroll").show(ui, |ui| {
        let mut builder = TableBuilder::new(ui)
            .id_salt(("table", view.kind.name()))
            .striped(true)
            .resizable(true)
            .max_scroll_height(260.0)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
        for _ in &table.columns {
            builder = builder.column(Column::auto().at_least(48.0).clip(true));
        }
        builder
            .header(20.0, |mut header| {
                for (i, name) in table.columns.iter().enumerate() {
                    header.col(|ui| {
                        let arrow = match (view.sort_column == i, view.descending) {
                            (true, false) => " ^",
                            (true, true) => " v",
                            _ => "",
                        };
                        if ui.button(format!("{name}{arrow}")).clicked() {
                            let form = &mut app.forms.table;
                            form.descending = form.sort_column == i && !form.descending;
                            form.sort_column = i;
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(18.0, table.rows.len(), |mut row| {
                    let r = &table.rows[row.index()];
                    for (i, cell) in r.cells.iter().enumerate() {
                        row.col(|ui| {
                            if i > 0 {
                                ui.label(cell.shown());
                            } else if ui.link(cell.shown()).on_hover_text("Select it").clicked() {
                                commands.push(match r.key {
                                    RowKey::Link(a, b) => Command::SelectLink(Some((a, b))),
                                    RowKey::Pair(s, d) => Command::SelectPair(Some((s, d))),
                                });
                            }
                        });
                    }
                });
            });
    });
}
