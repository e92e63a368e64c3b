//! The planner's tables: links, flows, the failure sweep and the verify results, as rows built
//! from the document and its predictions, sorted and filtered as asked, and written as CSV.

use crate::net::units::{format_bps, format_seconds};
use crate::net::{NodeId, Topology};
use crate::plan::CaseImpact;
use crate::sim::SimResult;
use crate::ui::document::Document;
use crate::ui::names::{node_label, path_text};
use crate::ui::predictor::Prediction;

/// What the tables are built from.
pub struct Sources<'a> {
    pub doc: &'a Document,
    /// Predictions for the document's current revision, if there are any yet.
    pub prediction: Option<&'a Prediction>,
    pub sweep: &'a [CaseImpact],
    /// The last "Verify": the simulation and the predictions it was compared with.
    pub verification: Option<(&'a SimResult, &'a Prediction)>,
}

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableKind {
    #[default]
    Links,
    Flows,
    /// The last failure sweep, worst first.
    Sweep,
    /// Simulated against predicted delay per flow, from the last "Verify".
    Verify,
}

impl TableKind {
    /// Every table, in menu order.
    pub const ALL: [TableKind; 4] = [TableKind::Links, TableKind::Flows, TableKind::Sweep, TableKind::Verify];

    /// The table's name on screen and in file names.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Links => "links",
            TableKind::Flows => "flows",
            TableKind::Sweep => "failure sweep",
            TableKind::Verify => "verify",
        }
    }
}

/// How a table is shown: sorted by a column, filtered by text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableView {
    pub kind: TableKind,
    pub sort_column: usize,
    pub descending: bool,
    /// Rows whose text cells contain this (any case) are shown.
    pub filter: String,
}

/// One cell: text, or a number with its on-screen form.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// `value` in the column's SI unit, as CSV writes it; `shown` with a unit, for the screen.
    Number {
        value: f64,
        shown: String,
    },
}

impl Cell {
    fn number(value: f64, shown: String) -> Cell {
        Cell::Number { value, shown }
    }

    /// The cell as the screen shows it.
    pub fn shown(&self) -> &str {
        match self {
            Cell::Text(t) => t,
            Cell::Number { shown, .. } => shown,
        }
    }
}

/// What a row stands for, so that clicking it can select it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    Link(NodeId, NodeId),
    Pair(NodeId, NodeId),
}

/// A row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: RowKey,
    pub cells: Vec<Cell>,
}

/// A table: column headers (with the unit CSV values are in) and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
}

impl Table {
    /// The rows `view` shows, in its order.
    pub fn view(mut self, view: &TableView) -> Table {
        let needle = view.filter.trim().to_lowercase();
        if !needle.is_empty() {
            self.rows.retain(|row| {
                row.cells.iter().any(|c| matches!(c, Cell::Text(t) if t.to_lowercase().contains(&needle)))
            });
        }
        let column = view.sort_column.min(self.columns.len().saturating_sub(1));
        self.rows.sort_by(|a, b| {
            let order = match (&a.cells[column], &b.cells[column]) {
                (Cell::Number { value: x, .. }, Cell::Number { value: y, .. }) => x.total_cmp(y),
                (x, y) => x.shown().cmp(y.shown()),
            };
            if view.descending { order.reverse() } else { order }
        });
        self
    }

    /// The table as CSV: a header row, then numbers in SI units (bit/s, s, ratios), unrounded.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&self.columns).expect("writing to memory cannot fail");
        for row in &self.rows {
            let fields = row.cells.iter().map(|c| match c {
                Cell::Text(t) => t.clone(),
                Cell::Number { value, .. } => value.to_string(),
            });
            writer.write_record(fields).expect("writing to memory cannot fail");
        }
        String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
            .expect("CSV of UTF-8 text")
    }
}

/// The table of `kind`.
pub fn build(sources: &Sources, kind: TableKind) -> Table {
    match kind {
        TableKind::Links => links(sources),
        TableKind::Flows => flows(sources),
        TableKind::Sweep => sweep(sources),
        TableKind::Verify => verify(sources),
    }
}

fn percent(ratio: f64) -> Cell {
    Cell::number(ratio, format!("{:.1} %", ratio * 100.0))
}

fn seconds(s: f64) -> Cell {
    Cell::number(s, format_seconds(s))
}

fn name(topology: &Topology, id: NodeId) -> Cell {
    Cell::Text(node_label(topology, id))
}

/// Every directed link: capacity and where it came from, and the predicted load, port delay and
/// drops.
fn links(sources: &Sources) -> Table {
    let (doc, prediction) = (sources.doc, sources.prediction);
    let topology = &doc.design().topology;
    let mut rows = Vec::new();
    for (a, b, params) in topology.duplex_links() {
        for (from, to) in [(a, b), (b, a)] {
            let link = prediction.and_then(|p| p.links.get(&(from, to)));
            let missing = || Cell::number(f64::NAN, "—".into());
            let state = if doc.is_failed(from, to) {
                "failed"
            } else if link.is_some_and(|l| l.overloaded) {
                "overloaded"
            } else {
                ""
            };
            rows.push(Row {
                key: RowKey::Link(from, to),
                cells: vec![
                    name(topology, from),
                    name(topology, to),
                    Cell::number(params.capacity_bps, format_bps(params.capacity_bps)),
                    Cell::Text(topology.capacity_source(a, b).name().to_owned()),
                    link.map_or_else(missing, |l| percent(l.load)),
                    link.map_or_else(missing, |l| seconds(l.sojourn_s)),
                    link.map_or_else(missing, |l| percent(l.drop)),
                    Cell::Text(state.to_owned()),
                ],
            });
        }
    }
    let columns =
        vec!["from", "to", "capacity (bit/s)", "capacity source", "load", "port delay (s)", "drops", "state"];
    Table { columns, rows }
}

/// Every flow: its path, rate and predicted delay, jitter and loss, and why a prediction is an
/// extrapolation.
fn flows(sources: &Sources) -> Table {
    let effective = sources.doc.effective();
    let topology = &effective.topology;
    let prediction = sources.prediction;
    let rows = effective
        .traffic
        .iter()
        .map(|(src, dst, rate)| {
            let path = effective
                .routing
                .path(src, dst)
                .map_or_else(|| "no route".into(), |p| path_text(topology, p));
            let flow = prediction.and_then(|p| p.flows.get(&(src, dst)));
            let missing = || Cell::number(f64::NAN, "—".into());
            let reasons = flow.map_or(String::new(), |f| {
                f.extrapolated.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            });
            let target = sources.doc.design().targets.of(src, dst);
            let over = flow.zip(target).is_some_and(|(f, t)| f.delay_s > t);
            Row {
                key: RowKey::Pair(src, dst),
                cells: vec![
                    name(topology, src),
                    name(topology, dst),
                    Cell::Text(path),
                    Cell::number(rate, format_bps(rate)),
                    flow.map_or_else(missing, |f| seconds(f.delay_s)),
                    flow.map_or_else(missing, |f| seconds(f.jitter_s2.max(0.0).sqrt())),
                    flow.map_or_else(missing, |f| percent(f.loss)),
                    target.map_or_else(missing, seconds),
                    Cell::Text(if over { "over".into() } else { String::new() }),
                    Cell::Text(reasons),
                ],
            }
        })
        .collect();
    let columns = vec![
        "source",
        "destination",
        "path",
        "rate (bit/s)",
        "delay (s)",
        "jitter (s, std)",
        "loss",
        "delay target (s)",
        "target",
        "extrapolated",
    ];
    Table { columns, rows }
}

/// The failure sweep: each failure, the worst and mean predicted delay, pairs cut off, and flows
/// whose prediction is an extrapolation.
fn sweep(sources: &Sources) -> Table {
    let rows = sources
        .sweep
        .iter()
        .map(|impact| {
            let (a, b) = impact.case.links.first().copied().unwrap_or_default();
            Row {
                key: RowKey::Link(a, b),
                cells: vec![
                    Cell::Text(impact.case.name.clone()),
                    seconds(impact.worst_delay_s),
                    seconds(impact.mean_delay_s),
                    Cell::number(impact.disconnected as f64, impact.disconnected.to_string()),
                    Cell::number(impact.targets_broken as f64, impact.targets_broken.to_string()),
                    Cell::number(impact.extrapolated as f64, impact.extrapolated.to_string()),
                ],
            }
        })
        .collect();
    Table {
        columns: vec![
            "failure",
            "worst delay (s)",
            "mean delay (s)",
            "pairs cut off",
            "pairs over target",
            "extrapolated flows",
        ],
        rows,
    }
}

/// The last "Verify": simulated and predicted delay per flow and the relative error.
fn verify(sources: &Sources) -> Table {
    let topology = &sources.doc.design().topology;
    let rows = sources.verification.map_or_else(Vec::new, |(result, prediction)| {
        compared_flows(result, prediction)
            .into_iter()
            .map(|f| {
                let error = (f.predicted_s - f.simulated_s) / f.simulated_s;
                Row {
                    key: RowKey::Pair(f.src, f.dst),
                    cells: vec![
                        name(topology, f.src),
                        name(topology, f.dst),
                        seconds(f.simulated_s),
                        seconds(f.predicted_s),
                        Cell::number(error, format!("{:+.2} %", error * 100.0)),
                    ],
                }
            })
            .collect()
    });
    Table {
        columns: vec!["source", "destination", "simulated delay (s)", "predicted delay (s)", "error"],
        rows,
    }
}

/// One flow of a "Verify": its simulated and predicted mean delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComparedFlow {
    pub src: NodeId,
    pub dst: NodeId,
    pub simulated_s: f64,
    pub predicted_s: f64,
}

/// The flows a simulation and a prediction can be compared on: those that delivered packets and
/// have a prediction, in the simulation's order.
pub fn compared_flows(result: &SimResult, prediction: &Prediction) -> Vec<ComparedFlow> {
    result
        .flows
        .iter()
        .filter(|f| f.delivered > 0)
        .filter_map(|f| {
            let predicted_s = prediction.flows.get(&(f.src, f.dst))?.delay_s;
            Some(ComparedFlow { src: f.src, dst: f.dst, simulated_s: f.mean_delay_s, predicted_s })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::LinkParams;
    use crate::ui::document::Edit;
    use crate::ui::document::tests::nsfnet;

    fn sources(doc: &Document) -> Sources<'_> {
        Sources { doc, prediction: None, sweep: &[], verification: None }
    }

    #[test]
    fn links_sort_by_number_filter_by_name_and_round_trip_through_csv() {
        let mut doc = nsfnet();
        let params = doc.design().topology.link(0, 1).unwrap().params;
        doc.apply(Edit::SetLink { a: 0, b: 1, params: LinkParams { capacity_bps: 2.5e9, ..params } })
            .unwrap();
        let all = build(&sources(&doc), TableKind::Links);
        assert_eq!(all.rows.len(), 2 * 21);
        let view =
            TableView { kind: TableKind::Links, sort_column: 2, descending: true, filter: String::new() };
        let sorted = all.clone().view(&view);
        assert_eq!(sorted.rows[0].cells[2], Cell::Number { value: 2.5e9, shown: "2.5 Gbit/s".into() });
        assert_eq!(sorted.rows[0].cells[3], Cell::Text("user".into()));
        // 2.5 Gbit/s sorts above 10 kbit/s as a number, not as text.
        assert!(sorted.rows.windows(2).all(|w| match (&w[0].cells[2], &w[1].cells[2]) {
            (Cell::Number { value: a, .. }, Cell::Number { value: b, .. }) => a >= b,
            _ => false,
        }));
        let seattle = all.clone().view(&TableView { filter: "seATtle".into(), ..view.clone() });
        assert_eq!(seattle.rows.len(), 2 * 3, "Seattle's three links, both directions");

        let csv_text = seattle.to_csv();
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), seattle.columns);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), seattle.rows.len());
        for (record, row) in records.iter().zip(&seattle.rows) {
            let capacity: f64 = record[2].parse().unwrap();
            assert_eq!(Cell::Number { value: capacity, shown: format_bps(capacity) }, row.cells[2]);
            assert_eq!(&record[0], row.cells[0].shown());
        }
    }

    #[test]
    fn flows_list_every_pair_with_its_path_by_name() {
        let doc = nsfnet();
        let flows = build(&sources(&doc), TableKind::Flows);
        assert_eq!(flows.rows.len(), 14 * 13);
        let row = flows.rows.iter().find(|r| r.key == RowKey::Pair(0, 2)).unwrap();
        assert_eq!(row.cells[2], Cell::Text("Seattle -> San Diego".into()));
        assert!(matches!(row.cells[4], Cell::Number { value, .. } if value.is_nan()), "no prediction yet");
        assert!(build(&sources(&doc), TableKind::Sweep).rows.is_empty());
    }
}
