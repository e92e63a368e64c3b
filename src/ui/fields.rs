//! Fields that change the document once, when the planner presses Enter or leaves the field, not
//! at every keystroke: names, and numbers with units (`10G`, `2.5 Mbit/s`, `12 ms`).

use eframe::egui;

/// A label and a text field showing `shown`. While the field has the keyboard its text is kept in
/// egui's memory; when it loses the keyboard (Enter, Tab, a click elsewhere) with changed text,
/// that text is returned.
pub fn committed_text(
    ui: &mut egui::Ui,
    label: &str,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    shown: String,
) -> Option<String> {
    let id = ui.make_persistent_id(id_salt);
    // (text being typed, text the field showed when typing began)
    let mut editing: (String, String) =
        ui.data_mut(|d| d.get_temp(id)).unwrap_or_else(|| (shown.clone(), shown));
    let label = ui.label(label);
    let field = egui::TextEdit::singleline(&mut editing.0).id(id).desired_width(110.0);
    let response = ui.add(field).labelled_by(label.id);
    if response.lost_focus() {
        ui.data_mut(|d| d.remove::<(String, String)>(id));
        let (text, started_from) = editing;
        return (text.trim() != started_from.trim()).then_some(text);
    }
    if response.has_focus() {
        ui.data_mut(|d| d.insert_temp(id, editing));
    }
    None
}

/// A [`committed_text`] field for a number shown through `format` and read back through `parse`
/// (`Some(Err)` for text that is not a value).
pub fn unit_field(
    ui: &mut egui::Ui,
    label: &str,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    value: f64,
    format: impl Fn(f64) -> String,
    parse: impl Fn(&str) -> Result<f64, String>,
) -> Option<Result<f64, String>> {
    committed_text(ui, label, id_salt, format(value)).map(|text| parse(&text))
}
