//! Topology Zoo GML import and export.
//!
//! Import rules: every `edge` is a duplex link whatever `directed` says; parallel edges between
//! the same two nodes are merged into one link whose capacity is their sum; self-loops are skipped.
//! A link's capacity comes from, in this order: `LinkSpeedRaw` (bit/s); `LinkSpeed` ×
//! `LinkSpeedUnits`; its `LinkLabel` ("45 Mbps DS-3", "OC192/STM64", see [`speed`]). A link with
//! none of these gets an assumed capacity by [`MissingSpeed`] (the median of the file's speeds by
//! default; 1 Gbit/s on every link when the file gives none), and every link records where its
//! capacity came from ([`CapacitySource`]). A link without a `PropagationDelay` whose two ends
//! have coordinates gets the great-circle distance over the speed of light in fibre, unless
//! [`ImportOptions::geographic_propagation`] is off. GML ids become node ids `0..n` in increasing
//! GML-id order. Each adjustment is reported as a note.

pub mod parse;
pub mod speed;

pub use parse::{GmlError, Position};

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use parse::{Entry, Value, encode_string};

use super::geo;
use super::topology::{CapacitySource, LinkParams, Node, NodeId, Topology};
use super::units::{format_bps, parse_bps};

/// Choices made while importing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportOptions {
    /// Set the propagation delay of links between nodes with coordinates from their distance.
    pub geographic_propagation: bool,
    /// The capacity of links whose speed the file does not state.
    pub missing_speed: MissingSpeed,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { geographic_propagation: true, missing_speed: MissingSpeed::Median }
    }
}

/// The capacity given to links whose speed the file does not state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum MissingSpeed {
    /// The median of the speeds the file does state.
    #[default]
    Median,
    /// The lowest speed the file states.
    Min,
    /// This many bit/s.
    Bits(f64),
}

/// Every link's capacity when a file states no speed at all (and no `--missing-speed` is given).
pub const NO_SPEEDS_BPS: f64 = 1e9;

impl std::str::FromStr for MissingSpeed {
    type Err = String;

    /// `median`, `min`, or a bit rate (`10G`, `2.5M`, `1e9`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "median" => Ok(MissingSpeed::Median),
            "min" => Ok(MissingSpeed::Min),
            other => parse_bps(other).map(MissingSpeed::Bits),
        }
    }
}

/// How an import's links got their capacities.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpeedSummary {
    /// Duplex links.
    pub links: usize,
    /// Links per source name (raw, units, label, assumed).
    pub sources: BTreeMap<&'static str, usize>,
    /// The capacity given to links without a stated speed (when there are any), and why.
    pub assumed: Option<(f64, String)>,
}

impl SpeedSummary {
    /// Links whose capacity was assumed (now, or by the import that wrote the file).
    pub fn assumed_links(&self) -> usize {
        self.sources.get("assumed").copied().unwrap_or(0)
    }

    /// One line for the user when this import assumed capacities, e.g. "22 of 61 link speeds
    /// assumed (10 Gbit/s, the median of the file's speeds)".
    pub fn warning(&self) -> Option<String> {
        let (bps, why) = self.assumed.as_ref()?;
        Some(format!(
            "{} of {} link speeds assumed ({}, {why})",
            self.assumed_links(),
            self.links,
            format_bps(*bps)
        ))
    }
}

/// A topology read from GML, with what was adjusted on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub topology: Topology,
    /// The graph's `label` or `Network` name, if it has one.
    pub name: Option<String>,
    /// Human-readable notes on merged, skipped or defaulted items.
    pub notes: Vec<String>,
    /// Where the links' capacities came from.
    pub speeds: SpeedSummary,
}

/// Reads a GML document into a topology with the default options.
pub fn import(bytes: &[u8]) -> Result<Imported, GmlError> {
    import_with(bytes, ImportOptions::default())
}

/// Reads a GML document into a topology.
pub fn import_with(bytes: &[u8], options: ImportOptions) -> Result<Imported, GmlError> {
    let doc = parse::parse(bytes)?;
    let graph = doc
        .iter()
        .find_map(|e| match (&e.key[..], &e.value) {
            ("graph", Value::List(items)) => Some(items),
            _ => None,
        })
        .ok_or_else(|| GmlError::at(Position { line: 1, column: 1 }, "no 'graph [ ... ]' in the document"))?;

    let name = ["label", "Network"].iter().find_map(|k| field(graph, k).and_then(|e| e.value.as_text()));
    let mut nodes = BTreeMap::new();
    for entry in graph.iter().filter(|e| e.key == "node") {
        let (gml_id, node) = read_node(entry)?;
        if nodes.insert(gml_id, node).is_some() {
            return Err(GmlError::at(entry.position, format!("node id {gml_id} is used twice")));
        }
    }
    let ids: HashMap<i64, NodeId> = nodes.keys().enumerate().map(|(i, &gml)| (gml, i)).collect();
    let mut topology = Topology::new();
    for node in nodes.into_values() {
        topology.add_node(node);
    }

    let mut notes = Vec::new();
    // Per link: its parameters, the summed stated speed, the edges without one, and the source.
    let mut links: BTreeMap<(NodeId, NodeId), (LinkParams, f64, usize, CapacitySource)> = BTreeMap::new();
    let (mut merged, mut loops, mut geographic) = (0, 0, 0);
    for entry in graph.iter().filter(|e| e.key == "edge") {
        let mut edge = read_edge(entry, &ids)?;
        if edge.a == edge.b {
            loops += 1;
            continue;
        }
        if !edge.propagation_given && options.geographic_propagation {
            let place = |n: NodeId| topology.node(n).and_then(|n| n.lat.zip(n.lon));
            if let (Some((lat_a, lon_a)), Some((lat_b, lon_b))) = (place(edge.a), place(edge.b)) {
                edge.params.propagation_s = geo::propagation_s(lat_a, lon_a, lat_b, lon_b);
                geographic += 1;
            }
        }
        let key = (edge.a.min(edge.b), edge.a.max(edge.b));
        let (stated, missing) = match edge.speed {
            Some(bps) => (bps, 0),
            None => (0.0, 1),
        };
        match links.get_mut(&key) {
            Some((_, sum, unknown, source)) => {
                merged += 1;
                *sum += stated;
                *unknown += missing;
                *source = std::mem::take(source).weakest(edge.source);
                if !sum.is_finite() {
                    return Err(GmlError::at(
                        entry.position,
                        "parallel edges add up to a capacity that is not a finite number",
                    ));
                }
            }
            None => {
                links.insert(key, (edge.params, stated, missing, edge.source));
            }
        }
    }
    // Links whose every edge states a speed set the assumed one.
    let mut stated: Vec<f64> = links.values().filter(|l| l.2 == 0).map(|l| l.1).collect();
    stated.sort_by(f64::total_cmp);
    let assumed = match (options.missing_speed, stated.is_empty()) {
        (MissingSpeed::Bits(bps), _) => (bps, "as --missing-speed asks".to_owned()),
        (_, true) => (NO_SPEEDS_BPS, "the file states no speeds; the same on every link".to_owned()),
        (MissingSpeed::Median, false) => {
            (stated[stated.len() / 2], "the median of the file's speeds".to_owned())
        }
        (MissingSpeed::Min, false) => (stated[0], "the lowest of the file's speeds".to_owned()),
    };
    let mut speeds = SpeedSummary { links: links.len(), ..SpeedSummary::default() };
    // Edges without any speed now (links marked assumed by an earlier export keep their figure).
    let assumed_now: usize = links.values().map(|l| l.2).sum();
    for ((a, b), (mut params, sum, unknown, source)) in links {
        params.capacity_bps = sum + unknown as f64 * assumed.0;
        if !params.capacity_bps.is_finite() {
            return Err(GmlError::at(
                Position::default(),
                format!("link {a} - {b}: capacity is not a finite number"),
            ));
        }
        *speeds.sources.entry(source.name()).or_insert(0) += 1;
        topology.add_link(a, b, params).expect("endpoints exist, distinct, validated and unique");
        topology.set_capacity_source(a, b, source).expect("the link was just added");
    }
    if assumed_now > 0 {
        speeds.assumed = Some(assumed);
    }
    if loops > 0 {
        notes.push(format!("{loops} self-loop edge(s) skipped"));
    }
    if merged > 0 {
        notes.push(format!("{merged} parallel edge(s) merged into existing links (capacities added)"));
    }
    if geographic > 0 {
        notes.push(format!(
            "{geographic} edge(s) given a propagation delay from the great-circle distance between their ends"
        ));
    }
    if let Some(warning) = speeds.warning() {
        notes.push(warning);
    }
    Ok(Imported { topology, name, notes, speeds })
}

/// Writes a topology as GML that [`import`] reads back to the same topology (ids compacted).
pub fn export(topology: &Topology, name: &str) -> String {
    let index: HashMap<NodeId, usize> = topology.node_ids().enumerate().map(|(i, id)| (id, i)).collect();
    let mut out = String::from("graph [\n  directed 0\n");
    let _ = writeln!(out, "  label {}", encode_string(name));
    for (id, node) in topology.nodes() {
        let _ = writeln!(out, "  node [\n    id {}\n    label {}", index[&id], encode_string(&node.label));
        if let Some(lat) = node.lat {
            let _ = writeln!(out, "    Latitude {lat:?}");
        }
        if let Some(lon) = node.lon {
            let _ = writeln!(out, "    Longitude {lon:?}");
        }
        if let Some([x, y]) = node.pos {
            let _ = writeln!(out, "    graphics [\n      x {x:?}\n      y {y:?}\n    ]");
        }
        out.push_str("  ]\n");
    }
    for (a, b, p) in topology.duplex_links() {
        let source = topology.capacity_source(a, b);
        let _ = writeln!(
            out,
            "  edge [\n    source {}\n    target {}\n    LinkSpeedRaw {:?}\n    CapacitySource {}\n    QueuePackets {}\n    PropagationDelay {:?}",
            index[&a],
            index[&b],
            p.capacity_bps,
            encode_string(source.name()),
            p.queue_packets,
            p.propagation_s
        );
        if let CapacitySource::Label { text, .. } = source {
            let _ = writeln!(out, "    LinkLabel {}", encode_string(text));
        }
        out.push_str("  ]\n");
    }
    out.push_str("]\n");
    out
}

fn field<'a>(items: &'a [Entry], key: &str) -> Option<&'a Entry> {
    items.iter().find(|e| e.key == key)
}

fn list<'a>(entry: &'a Entry, what: &str) -> Result<&'a [Entry], GmlError> {
    match &entry.value {
        Value::List(items) => Ok(items),
        _ => Err(GmlError::at(entry.position, format!("'{what}' must be a list [ ... ]"))),
    }
}

fn number(entry: &Entry) -> Result<f64, GmlError> {
    entry
        .value
        .as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| GmlError::at(entry.position, format!("'{}' must be a finite number", entry.key)))
}

fn integer(entry: &Entry) -> Result<i64, GmlError> {
    match entry.value {
        Value::Int(i) => Ok(i),
        _ => Err(GmlError::at(entry.position, format!("'{}' must be an integer", entry.key))),
    }
}

fn read_node(entry: &Entry) -> Result<(i64, Node), GmlError> {
    let items = list(entry, "node")?;
    let id_entry = field(items, "id").ok_or_else(|| GmlError::at(entry.position, "node has no 'id'"))?;
    let id = integer(id_entry)?;
    let label = field(items, "label").and_then(|e| e.value.as_text()).unwrap_or_else(|| id.to_string());
    let coordinate = |key: &str, limit: f64| -> Result<Option<f64>, GmlError> {
        let Some(e) = field(items, key) else { return Ok(None) };
        let x = number(e)?;
        if x.abs() > limit {
            return Err(GmlError::at(e.position, format!("{key} {x:?} is outside ±{limit} degrees")));
        }
        Ok(Some(x))
    };
    let lat = coordinate("Latitude", 90.0)?;
    let lon = coordinate("Longitude", 180.0)?;
    let pos = match field(items, "graphics") {
        Some(g) => {
            let g = list(g, "graphics")?;
            match (field(g, "x"), field(g, "y")) {
                (Some(x), Some(y)) => Some([number(x)?, number(y)?]),
                _ => None,
            }
        }
        None => None,
    };
    Ok((id, Node { label, lat, lon, pos }))
}

struct Edge {
    a: NodeId,
    b: NodeId,
    params: LinkParams,
    /// The stated speed (bit/s), if the edge states one, and where it came from.
    speed: Option<f64>,
    source: CapacitySource,
    propagation_given: bool,
}

/// An edge's stated speed and its source: `LinkSpeedRaw`, then `LinkSpeed` × `LinkSpeedUnits`,
/// then the `LinkLabel`; pathcast's own export adds `CapacitySource`, which wins.
fn edge_speed(items: &[Entry]) -> Result<(Option<f64>, CapacitySource), GmlError> {
    let label = field(items, "LinkLabel").and_then(|e| e.value.as_text());
    let from_label = |text: &str| {
        speed::parse_label(text)
            .map(|s| (s.bps, CapacitySource::Label { text: text.to_owned(), range: s.range }))
    };
    if let Some(e) = field(items, "LinkSpeedRaw") {
        let bps = number(e)?;
        if bps <= 0.0 {
            return Err(GmlError::at(e.position, format!("LinkSpeedRaw {bps} must be positive")));
        }
        let source = match field(items, "CapacitySource").and_then(|e| e.value.as_text()).as_deref() {
            Some("assumed") => CapacitySource::Assumed,
            Some("user") => CapacitySource::User,
            Some("units") => CapacitySource::Units,
            Some("label") => label.as_deref().and_then(from_label).map_or(CapacitySource::Raw, |(_, s)| s),
            _ => CapacitySource::Raw,
        };
        return Ok((Some(bps), source));
    }
    let text = |key: &str| {
        field(items, key).and_then(|e| e.value.as_text().or_else(|| e.value.as_f64().map(|x| x.to_string())))
    };
    if let (Some(value), Some(units)) = (text("LinkSpeed"), text("LinkSpeedUnits"))
        && let Some(bps) = speed::from_units(&value, &units)
    {
        return Ok((Some(bps), CapacitySource::Units));
    }
    Ok(match label.as_deref().and_then(from_label) {
        Some((bps, source)) => (Some(bps), source),
        None => (None, CapacitySource::Assumed),
    })
}

fn read_edge(entry: &Entry, ids: &HashMap<i64, NodeId>) -> Result<Edge, GmlError> {
    let items = list(entry, "edge")?;
    let endpoint = |key: &str| -> Result<NodeId, GmlError> {
        let e =
            field(items, key).ok_or_else(|| GmlError::at(entry.position, format!("edge has no '{key}'")))?;
        let id = integer(e)?;
        ids.get(&id)
            .copied()
            .ok_or_else(|| GmlError::at(e.position, format!("edge {key} {id} is not a node id")))
    };
    let (a, b) = (endpoint("source")?, endpoint("target")?);
    let mut params = LinkParams::default();
    let (speed, source) = edge_speed(items)?;
    if let Some(e) = field(items, "QueuePackets") {
        params.queue_packets = integer(e)?
            .try_into()
            .ok()
            .filter(|&q| q > 0)
            .ok_or_else(|| GmlError::at(e.position, "QueuePackets must be between 1 and 4294967295"))?;
    }
    let propagation = field(items, "PropagationDelay");
    if let Some(e) = propagation {
        params.propagation_s = number(e)?;
        if params.propagation_s < 0.0 {
            return Err(GmlError::at(e.position, "PropagationDelay must not be negative"));
        }
    }
    Ok(Edge { a, b, params, speed, source, propagation_given: propagation.is_some() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZOO_SAMPLE: &str = r#"graph [
  Network "Tiny &amp; Co"
  node [ id 10 label "A" Latitude 1.5 Longitude -2 ]
  node [ id 11 label "B" ]
  node [ id 12 label "C" ]
  edge [ source 10 target 11 LinkSpeedRaw 1.0E9 ]
  edge [ source 11 target 10 LinkSpeedRaw 5e8 ]
  edge [ source 11 target 12 ]
  edge [ source 12 target 12 ]
]"#;

    #[test]
    fn zoo_dialect_imports_with_notes() {
        let imp = import(ZOO_SAMPLE.as_bytes()).unwrap();
        let t = &imp.topology;
        assert_eq!(imp.name.as_deref(), Some("Tiny & Co"));
        assert_eq!((t.node_count(), t.link_count()), (3, 2));
        assert_eq!(t.node(0).unwrap().lat, Some(1.5));
        assert_eq!(t.node(0).unwrap().lon, Some(-2.0));
        assert_eq!(t.link(0, 1).unwrap().params.capacity_bps, 1.5e9);
        // The edge without a speed gets the median of the stated ones (here the only one).
        assert_eq!(t.link(2, 1).unwrap().params.capacity_bps, 1.5e9);
        assert_eq!(t.capacity_source(1, 2), &CapacitySource::Assumed);
        assert_eq!(t.capacity_source(0, 1), &CapacitySource::Raw);
        assert_eq!(imp.notes.len(), 3, "{:?}", imp.notes);
        assert_eq!(
            imp.speeds.warning().unwrap(),
            "1 of 2 link speeds assumed (1.5 Gbit/s, the median of the file's speeds)"
        );
    }

    #[test]
    fn propagation_comes_from_geography_unless_given_or_turned_off() {
        let gml = br#"graph [
  node [ id 0 Latitude 48.8566 Longitude 2.3522 ]
  node [ id 1 Latitude 51.5074 Longitude -0.1278 ]
  node [ id 2 Latitude 52.52 Longitude 13.405 ]
  node [ id 3 ]
  edge [ source 0 target 1 ]
  edge [ source 1 target 2 PropagationDelay 0.5 ]
  edge [ source 2 target 3 ]
]"#;
        let imp = import(gml).unwrap();
        let t = &imp.topology;
        let paris_london = geo::propagation_s(48.8566, 2.3522, 51.5074, -0.1278);
        assert_eq!(t.link(0, 1).unwrap().params.propagation_s, paris_london);
        assert!((paris_london - 1.7175e-3).abs() < 1e-5, "{paris_london}");
        assert_eq!(t.link(1, 2).unwrap().params.propagation_s, 0.5, "an explicit delay wins");
        assert_eq!(t.link(2, 3).unwrap().params.propagation_s, 0.0, "node 3 has no coordinates");
        assert!(
            imp.notes.iter().any(|n| n.starts_with("1 edge(s) given a propagation delay")),
            "{:?}",
            imp.notes
        );
        let off =
            import_with(gml, ImportOptions { geographic_propagation: false, ..ImportOptions::default() })
                .unwrap();
        assert_eq!(off.topology.link(0, 1).unwrap().params.propagation_s, 0.0);
    }

    #[test]
    fn export_round_trips() {
        let t = import(ZOO_SAMPLE.as_bytes()).unwrap().topology;
        let again = import(export(&t, "x").as_bytes()).unwrap();
        assert_eq!(again.topology, t);
        assert!(again.notes.is_empty());
    }

    #[test]
    fn content_errors_name_the_position() {
        let err = import(b"graph [\n node [ id 0 ]\n edge [ source 0 target 7 ]\n]").unwrap_err();
        assert_eq!(err.to_string(), "line 3, column 18: edge target 7 is not a node id");
        let err =
            import(b"graph [ node [ id 0 ] node [ id 1 ]\n edge [ source 0 target 1 LinkSpeedRaw 0 ] ]")
                .unwrap_err();
        assert_eq!(err.position, Position { line: 2, column: 27 });
        let err = import(b"graph [ node [ label \"x\" ] ]").unwrap_err();
        assert!(err.message.contains("no 'id'"));
        assert!(import(b"node [ id 1 ]").unwrap_err().message.contains("no 'graph"));
    }
}
