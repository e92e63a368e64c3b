//! Demand matrices as CSV (`src,dst,rate`: nodes by label or id, rates with units), and growth:
//! every rate × g per year, predicted year by year, with the year each pair first goes over its
//! delay target.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{PredictError, TrainedModel};
use crate::net::units::parse_bps;
use crate::net::{NodeId, Scenario, TrafficMatrix};

/// Why a demand file cannot be used, naming the line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DemandError {
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("the header must be src,dst,rate (got {0:?})")]
    Header(String),
}

/// The scenario's demands as CSV: a header, then one row per pair with a rate, in pair order;
/// nodes by label when the label names one node, by id otherwise; rates in bit/s, exact.
pub fn to_csv(scenario: &Scenario) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["src", "dst", "rate"]).expect("writing to memory");
    for (src, dst, rate) in scenario.traffic.iter() {
        let (s, d) = (node_name(scenario, src), node_name(scenario, dst));
        out.write_record([s, d, format!("{rate} bit/s")]).expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text")
}

fn node_name(scenario: &Scenario, id: NodeId) -> String {
    let topology = &scenario.topology;
    let label = topology.node(id).map_or("", |n| n.label.as_str());
    let unique = !label.is_empty()
        && label.parse::<usize>().is_err()
        && topology.nodes().filter(|(_, n)| n.label == label).count() == 1;
    if unique { label.to_owned() } else { id.to_string() }
}

/// Reads demands written as [`to_csv`] does (rates may use any unit `parse_bps` reads, `0` for
/// none) into a traffic matrix for `scenario`'s nodes. Every pair must have a route.
pub fn from_csv(scenario: &Scenario, text: &str) -> Result<TrafficMatrix, DemandError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| DemandError::Header(e.to_string()))?.clone();
    if header.iter().map(str::to_ascii_lowercase).collect::<Vec<_>>() != ["src", "dst", "rate"] {
        return Err(DemandError::Header(header.iter().collect::<Vec<_>>().join(",")));
    }
    let by_label: BTreeMap<&str, Vec<NodeId>> =
        scenario.topology.nodes().fold(BTreeMap::new(), |mut m, (id, n)| {
            m.entry(n.label.as_str()).or_default().push(id);
            m
        });
    let mut traffic = TrafficMatrix::default();
    let mut seen = BTreeMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| DemandError::Line {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let at = |message: String| DemandError::Line { line, message };
        let node = |text: &str| -> Result<NodeId, DemandError> {
            match by_label.get(text).map(Vec::as_slice) {
                Some([id]) => Ok(*id),
                Some(_) => Err(at(format!("{text:?} names several nodes: use its id"))),
                None => text
                    .parse::<NodeId>()
                    .ok()
                    .filter(|&id| scenario.topology.node(id).is_some())
                    .ok_or_else(|| at(format!("{text:?} is not a node's label or id"))),
            }
        };
        let (src, dst) = (node(&row[0])?, node(&row[1])?);
        if src == dst {
            return Err(at(format!("{:?} sends to itself", &row[0])));
        }
        let rate = match row[2].trim() {
            "0" => 0.0,
            text => parse_bps(text).map_err(at)?,
        };
        if let Some(first) = seen.insert((src, dst), line) {
            return Err(at(format!("{} -> {} is given twice (first on line {first})", &row[0], &row[1])));
        }
        if rate > 0.0 && scenario.routing.path(src, dst).is_none() {
            return Err(at(format!("{} -> {} has no route", &row[0], &row[1])));
        }
        if rate > 0.0 {
            traffic.set(src, dst, rate).map_err(|e| at(e.to_string()))?;
        }
    }
    Ok(traffic)
}

/// One year of a growth projection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Year {
    pub year: u32,
    /// Every rate is this multiple of today's.
    pub scale: f64,
    pub mean_delay_s: f64,
    pub worst_delay_s: f64,
    /// Pairs over their delay target, and flows whose prediction is an extrapolation.
    pub over_target: usize,
    pub extrapolated: usize,
}

/// A growth projection: each year, and for each pair with a target the first year it goes over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Growth {
    pub years: Vec<Year>,
    /// (src, dst, first year over its target), in order of that year.
    pub first_breaks: Vec<(NodeId, NodeId, u32)>,
}

/// Predicts `scenario` with every rate × `factor`^y for y = 0 ..= `years`.
pub fn growth(
    model: &TrainedModel,
    scenario: &Scenario,
    factor: f64,
    years: u32,
) -> Result<Growth, PredictError> {
    let mut out = Vec::new();
    let mut first_breaks: BTreeMap<(NodeId, NodeId), u32> = BTreeMap::new();
    for year in 0..=years {
        let scale = factor.powi(year as i32);
        let mut grown = scenario.clone();
        grown.traffic.scale(scale);
        let prediction = model.predict(&grown)?;
        let (mean_delay_s, worst_delay_s) = prediction.mean_and_worst_delay();
        let violations = super::violations(&grown, &prediction);
        for v in &violations {
            first_breaks.entry((v.src, v.dst)).or_insert(year);
        }
        out.push(Year {
            year,
            scale,
            mean_delay_s,
            worst_delay_s,
            over_target: violations.len(),
            extrapolated: prediction.extrapolated_flows(),
        });
    }
    let mut first_breaks: Vec<_> = first_breaks.into_iter().map(|((s, d), y)| (s, d, y)).collect();
    first_breaks.sort_by_key(|&(s, d, y)| (y, s, d));
    Ok(Growth { years: out, first_breaks })
}
