//! GNNetworking Challenge 2020 and 2021: a directory with `graphs/` (directed GML: nodes with
//! `queueSizes`, `schedulingPolicy` and `schedulingWeights` for all their output ports, edges
//! with `bandwidth` in bit/s), `routings/` (one path per line, `src;…;dst`) and `*.tar.gz`
//! result archives. Line i of an archive's
//! `input_files.txt` names sample i's graph and routing; `stability.txt` says whether the
//! simulation reached a steady state (`;OK;`); `traffic.txt` holds `maxAvgLambda|` then, per
//! (src, dst) in row-major order, the flow's time and size distributions and ToS (its class:
//! ToS k joins queue k, queue 0 is the highest priority and takes the first weight);
//! `simulationResults.txt` holds global figures `|` then per pair: bandwidth (kbit/s), packets and
//! drops per second, mean delay, mean log delay, p10, p20, p50, p80, p90 and delay variance.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::{ImportError, number, read_archive, result_archives};
use crate::data::record::{FlowRecord, LinkRecord, Record};
use crate::net::gml::parse::{self, Entry, Value};
use crate::net::{ClassQueue, PacketSizes, Policy, Scheduler};

/// A parsed `graphs/` file.
#[derive(Debug)]
struct Graph {
    nodes: u32,
    links: Vec<LinkRecord>,
    index: HashMap<(u32, u32), u32>,
    /// Schedulers of the links whose node is not FIFO.
    schedulers: BTreeMap<u32, Scheduler>,
    /// The link leaving each (node, output port).
    ports: HashMap<(u32, u32), u32>,
}

/// Reads every labelled steady-state sample of a Challenge directory into `sink`; returns the
/// dataset name (`edition`) and the samples left out (with why).
pub(super) fn read(
    edition: &str,
    source: &Path,
    sink: &mut dyn FnMut(Record) -> Result<bool, ImportError>,
) -> Result<(String, Vec<String>), ImportError> {
    let mut graphs: HashMap<String, Graph> = HashMap::new();
    let mut routings: HashMap<String, Vec<Vec<u32>>> = HashMap::new();
    let mut skipped = Vec::new();
    for archive in result_archives(source)? {
        let name = archive.display().to_string();
        let wanted = ["simulationResults.txt", "traffic.txt", "stability.txt", "input_files.txt"];
        let files = read_archive(&archive, &wanted)?;
        let lines = |wanted: &str| -> Result<Vec<&str>, ImportError> {
            let text = files
                .iter()
                .find(|(n, _)| n == wanted)
                .map(|(_, t)| t.as_str())
                .ok_or_else(|| ImportError::format(&name, format!("has no {wanted}")))?;
            Ok(text.lines().collect())
        };
        let (results, traffic, stability, inputs) =
            (lines(wanted[0])?, lines(wanted[1])?, lines(wanted[2])?, lines(wanted[3])?);
        for (i, result) in results.iter().enumerate() {
            if result.trim().is_empty() {
                continue;
            }
            let place = format!("{name}: sample {i}");
            let (Some(traffic), Some(status), Some(input)) =
                (traffic.get(i), stability.get(i), inputs.get(i))
            else {
                return Err(ImportError::format(
                    &name,
                    format!("sample {i} is missing from a file of the archive"),
                ));
            };
            if !status.contains(";OK;") {
                skipped.push(format!("{place}: not in a steady state ({})", status.trim()));
                continue;
            }
            let used: Vec<&str> = input.trim().split(';').collect();
            let (Some(graph_file), Some(routing_file)) = (used.get(1), used.get(2)) else {
                return Err(ImportError::format(
                    &place,
                    format!("input_files line {input:?} names no graph and routing"),
                ));
            };
            if used.len() > 3 {
                skipped.push(format!("{place}: link speeds changed by {} (not supported)", used[3]));
                continue;
            }
            if !graphs.contains_key(*graph_file) {
                let path = source.join("graphs").join(graph_file);
                let text = crate::fsutil::read(&path).map_err(|e| ImportError::Io(path.clone(), e))?;
                match parse_graph(&path.display().to_string(), &text)? {
                    Ok(graph) => graphs.insert(graph_file.to_string(), graph),
                    Err(why) => {
                        skipped.push(format!("{place}: {why}"));
                        continue;
                    }
                };
            }
            let graph = &graphs[*graph_file];
            if !routings.contains_key(*routing_file) {
                let path = source.join("routings").join(routing_file);
                let text = std::fs::read_to_string(&path).map_err(|e| ImportError::Io(path.clone(), e))?;
                routings.insert(
                    routing_file.to_string(),
                    parse_routing(&path.display().to_string(), &text, graph)?,
                );
            }
            let routing = &routings[*routing_file];
            let stem = network_name(graph_file.trim_end_matches(".txt"));
            match sample(&place, stem, result, traffic, graph, routing)? {
                Ok(record) => {
                    if !sink(record)? {
                        return Ok((edition.to_owned(), skipped));
                    }
                }
                Err(why) => skipped.push(format!("{place}: {why}")),
            }
        }
    }
    Ok((edition.to_owned(), skipped))
}

/// Graph files number the variants of one network (`graph-geant2-wfq-12`): the network is the
/// name without that number.
fn network_name(stem: &str) -> &str {
    match stem.rsplit_once('-') {
        Some((network, number)) if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
            network
        }
        _ => stem,
    }
}

fn field<'a>(items: &'a [Entry], key: &str) -> Option<&'a Value> {
    items.iter().find(|e| e.key == key).map(|e| &e.value)
}

/// The graph, or why its samples cannot be imported (a scheduling policy pathcast lacks).
fn parse_graph(file: &str, text: &[u8]) -> Result<Result<Graph, String>, ImportError> {
    let doc = parse::parse(text).map_err(|e| ImportError::format(file, e.to_string()))?;
    let Some(Value::List(graph)) = field(&doc, "graph") else {
        return Err(ImportError::format(file, "no 'graph [ ... ]'"));
    };
    let mut queues: HashMap<u32, u32> = HashMap::new();
    let mut node_schedulers: HashMap<u32, Scheduler> = HashMap::new();
    for entry in graph.iter().filter(|e| e.key == "node") {
        let Value::List(node) = &entry.value else { continue };
        let at = |m: String| ImportError::format(format!("{file}: {}", entry.position), m);
        let id =
            field(node, "id").and_then(Value::as_f64).ok_or_else(|| at("node without an id".into()))? as u32;
        let text = |key: &str| field(node, key).and_then(Value::as_text);
        // One size per class queue, comma-separated; FIFO has one.
        let sizes = text("queueSizes").unwrap_or_else(|| "32".into());
        let sizes: Vec<u32> = sizes
            .split(',')
            .map(|q| q.trim().parse::<f64>().ok().filter(|&q| q >= 1.0 && q <= f64::from(u32::MAX)))
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| at(format!("node {id}: queueSizes {sizes:?} is not a list of packet counts")))?
            .into_iter()
            .map(|q| q as u32)
            .collect();
        let policy = match text("schedulingPolicy").as_deref().unwrap_or("FIFO") {
            "FIFO" => Policy::Fifo,
            "SP" => Policy::StrictPriority,
            "WFQ" => Policy::Wfq,
            "DRR" => Policy::Drr,
            other => {
                return Ok(Err(format!("node {id} schedules by {other}, which pathcast does not model")));
            }
        };
        if policy != Policy::Fifo {
            let weights: Vec<f64> = match text("schedulingWeights").as_deref() {
                None | Some("-") => vec![1.0; sizes.len()],
                Some(list) => list
                    .split(',')
                    .map(|w| w.trim().parse::<f64>().ok())
                    .collect::<Option<Vec<f64>>>()
                    .ok_or_else(|| {
                        at(format!("node {id}: schedulingWeights {list:?} is not a list of numbers"))
                    })?,
            };
            if weights.len() != sizes.len() {
                return Err(at(format!(
                    "node {id}: {} scheduling weights for {} queues",
                    weights.len(),
                    sizes.len()
                )));
            }
            let classes = weights
                .iter()
                .zip(&sizes)
                .map(|(&weight, &queue)| ClassQueue { weight, queue_packets: Some(queue) })
                .collect();
            let scheduler = Scheduler { policy, classes };
            scheduler.validate().map_err(|e| at(format!("node {id}: {e}")))?;
            node_schedulers.insert(id, scheduler);
        }
        queues.insert(id, sizes[0]);
    }
    let nodes = queues.len() as u32;
    if (0..nodes).any(|i| !queues.contains_key(&i)) {
        return Err(ImportError::format(file, "node ids are not 0..n"));
    }
    let mut links = Vec::new();
    let mut index = HashMap::new();
    let mut schedulers = BTreeMap::new();
    let mut ports = HashMap::new();
    for entry in graph.iter().filter(|e| e.key == "edge") {
        let Value::List(edge) = &entry.value else { continue };
        let at = |m: String| ImportError::format(format!("{file}: {}", entry.position), m);
        let end = |key: &str| field(edge, key).and_then(Value::as_f64).map(|x| x as u32);
        let (Some(from), Some(to)) = (end("source"), end("target")) else {
            return Err(at("edge without source and target".into()));
        };
        // 2020's graphs quote their bandwidths.
        let capacity_bps = field(edge, "bandwidth")
            .and_then(|v| v.as_f64().or_else(|| v.as_text()?.trim().parse().ok()))
            .unwrap_or(0.0);
        if from >= nodes || to >= nodes || from == to || !(capacity_bps > 0.0 && capacity_bps.is_finite()) {
            return Err(at(format!(
                "edge {from} -> {to} with bandwidth {capacity_bps} is not a usable link"
            )));
        }
        if index.insert((from, to), links.len() as u32).is_some() {
            return Err(at(format!("edge {from} -> {to} appears twice")));
        }
        if let Some(port) = end("port")
            && ports.insert((from, port), links.len() as u32).is_some()
        {
            return Err(at(format!("node {from} has two edges on port {port}")));
        }
        if let Some(scheduler) = node_schedulers.get(&from) {
            schedulers.insert(links.len() as u32, scheduler.clone());
        }
        links.push(LinkRecord {
            from,
            to,
            capacity_bps,
            queue_packets: queues[&from],
            propagation_s: 0.0,
            utilisation: f32::NAN,
        });
    }
    Ok(Ok(Graph { nodes, links, index, schedulers, ports }))
}

/// Every pair's path as link indices, row-major over (src, dst); empty on the diagonal. 2021's
/// files list paths (`0;3;7`), 2020's give each node's output port towards each destination
/// (row: node, column: destination, -1 on the diagonal).
fn parse_routing(file: &str, text: &str, graph: &Graph) -> Result<Vec<Vec<u32>>, ImportError> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    if first.contains(',') && !first.contains(';') {
        return parse_port_table(file, text, graph);
    }
    let n = graph.nodes as usize;
    let mut paths = vec![Vec::new(); n * n];
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = |m: String| ImportError::format(format!("{file}: line {}", i + 1), m);
        let nodes: Vec<u32> = line
            .trim()
            .split(';')
            .map(|v| v.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| at(format!("{:?} is not a ;-separated node list", line.trim())))?;
        let (Some(&src), Some(&dst)) = (nodes.first(), nodes.last()) else { continue };
        if nodes.len() < 2 || src as usize >= n || dst as usize >= n {
            return Err(at(format!("path {nodes:?} does not join two of the {n} nodes")));
        }
        if nodes.iter().enumerate().any(|(i, v)| nodes[..i].contains(v)) {
            return Err(at(format!("path {nodes:?} visits a node twice")));
        }
        let links = nodes
            .windows(2)
            .map(|w| graph.index.get(&(w[0], w[1])).copied())
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| at(format!("path {nodes:?} uses a link the graph does not have")))?;
        paths[src as usize * n + dst as usize] = links;
    }
    Ok(paths)
}

/// Paths from a table of output ports: row `v`, column `d` is the port node `v` sends towards `d`.
fn parse_port_table(file: &str, text: &str, graph: &Graph) -> Result<Vec<Vec<u32>>, ImportError> {
    let n = graph.nodes as usize;
    let rows: Vec<Vec<i64>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            line.trim()
                .trim_end_matches(',')
                .split(',')
                .map(|v| v.trim().parse::<i64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    ImportError::format(format!("{file}: line {}", i + 1), "is not a row of port numbers")
                })
        })
        .collect::<Result<_, _>>()?;
    if rows.len() != n || rows.iter().any(|r| r.len() != n) {
        return Err(ImportError::format(file, format!("is not a {n} x {n} table of output ports")));
    }
    let mut paths = vec![Vec::new(); n * n];
    for src in 0..n {
        for dst in (0..n).filter(|&d| d != src) {
            let (mut at, mut path) = (src, Vec::new());
            while at != dst {
                let port = rows[at][dst];
                let link = u32::try_from(port)
                    .ok()
                    .and_then(|p| graph.ports.get(&(at as u32, p)))
                    .copied()
                    .ok_or_else(|| {
                    ImportError::format(file, format!("node {at} has no port {port} towards {dst}"))
                })?;
                path.push(link);
                at = graph.links[link as usize].to as usize;
                if path.len() > n {
                    return Err(ImportError::format(file, format!("the ports from {src} to {dst} loop")));
                }
            }
            paths[src * n + dst] = path;
        }
    }
    Ok(paths)
}

/// One sample, or why it cannot be imported.
fn sample(
    place: &str,
    topology: &str,
    results: &str,
    traffic: &str,
    graph: &Graph,
    routing: &[Vec<u32>],
) -> Result<Result<Record, String>, ImportError> {
    let n = graph.nodes as usize;
    let per_pair = |line: &str| -> Vec<String> {
        let body = line.split_once('|').map_or(line, |(_, b)| b);
        body.trim_end_matches([';', '\n', '\r']).split(';').map(str::to_owned).collect()
    };
    let (results, traffic) = (per_pair(results), per_pair(traffic));
    if results.len() < n * n || traffic.len() < n * n {
        return Err(ImportError::format(
            place,
            format!("{} results and {} traffic entries, expected {}", results.len(), traffic.len(), n * n),
        ));
    }
    let mut packets: Option<PacketSizes> = None;
    let mut flows = Vec::new();
    for src in 0..graph.nodes {
        for dst in (0..graph.nodes).filter(|&d| d != src) {
            let pair = src as usize * n + dst as usize;
            if traffic[pair].contains(':') {
                return Ok(Err(format!(
                    "pair {src} -> {dst} has several flows; pathcast models one per pair"
                )));
            }
            let t: Vec<f64> =
                traffic[pair].split(',').map(|v| number(place, "traffic", v)).collect::<Result<_, _>>()?;
            if t.first() == Some(&-1.0) {
                continue;
            }
            // Time distribution 0 is Poisson: (0, EqLambda bit/s, packets/s, max factor).
            if t.first() != Some(&0.0) || t.len() < 6 {
                return Ok(Err(format!("pair {src} -> {dst} is not Poisson traffic")));
            }
            let sizes = match (t[4], &t[5..]) {
                (0.0, [mean, ..]) => PacketSizes::Fixed { mean_bits: *mean },
                (2.0, [mean, a, b, ..])
                    if (a - 0.3 * mean).abs() < 1e-6 * mean && (b - 1.7 * mean).abs() < 1e-6 * mean =>
                {
                    PacketSizes::Bimodal { mean_bits: *mean }
                }
                _ => {
                    return Ok(Err(format!(
                        "pair {src} -> {dst} has a packet-size distribution pathcast does not model"
                    )));
                }
            };
            if packets.is_some_and(|p| p != sizes) {
                return Ok(Err(
                    "flows differ in packet sizes; pathcast models one distribution per scenario".into(),
                ));
            }
            packets = Some(sizes);
            let rate_bps = t[1];
            if rate_bps <= 0.0 {
                continue;
            }
            let r: Vec<f64> =
                results[pair].split(',').map(|v| number(place, "result", v)).collect::<Result<_, _>>()?;
            let [_, sent, dropped, delay, _, _, _, p50, _, p90, jitter, ..] = r[..] else {
                return Err(ImportError::format(
                    place,
                    format!("pair {src} -> {dst}: {} result values, expected 11", r.len()),
                ));
            };
            if delay < 0.0 {
                return Ok(Err("has no delay labels (as in the challenge's test sets)".into()));
            }
            let tos = *t.last().expect("at least six values");
            if !(tos.fract() == 0.0 && (0.0..=255.0).contains(&tos)) {
                return Err(ImportError::format(
                    place,
                    format!("pair {src} -> {dst}: ToS {tos} is not 0-255"),
                ));
            }
            let path = routing[pair].clone();
            if path.is_empty() {
                return Err(ImportError::format(
                    place,
                    format!("the routing has no path from {src} to {dst}"),
                ));
            }
            flows.push(FlowRecord {
                src,
                dst,
                rate_bps,
                delay_s: delay as f32,
                jitter_s2: jitter as f32,
                loss: if sent > 0.0 { (dropped / sent) as f32 } else { 0.0 },
                p50_s: p50 as f32,
                p90_s: p90 as f32,
                delay_se_s: f32::NAN,
                path,
                class: tos as u8,
            });
        }
    }
    let Some(packets) = packets else { return Ok(Err("no traffic".into())) };
    Ok(Ok(Record {
        index: 0,
        topology: topology.to_owned(),
        packets,
        nodes: graph.nodes,
        links: graph.links.clone(),
        flows,
        schedulers: graph.schedulers.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAPH: &str = r#"graph [ directed 1 multigraph 1
  node [ id 0 label "0" queueSizes "32" schedulingPolicy "FIFO" levelsQoS 1 ]
  node [ id 1 label "1" queueSizes 16 schedulingPolicy "FIFO" levelsQoS 1 ]
  edge [ source 0 target 1 key 0 port 0 weight 1 bandwidth 25000.0 ]
  edge [ source 1 target 0 key 0 port 0 weight 1 bandwidth 25000.0 ]
]"#;

    #[test]
    fn variants_of_a_network_share_its_name() {
        assert_eq!(network_name("graph-geant2-wfq-12"), "graph-geant2-wfq");
        assert_eq!(network_name("graph-geant2"), "graph-geant2");
        assert_eq!(network_name("graph_nsfnet_wfq_60_30_10"), "graph_nsfnet_wfq_60_30_10");
    }

    #[test]
    fn a_sample_reads_with_its_labels() {
        let graph = parse_graph("g", GRAPH.as_bytes()).unwrap().unwrap();
        assert_eq!(graph.links.len(), 2);
        assert_eq!((graph.links[1].queue_packets, graph.links[0].capacity_bps), (16, 25000.0));
        let routing = parse_routing("r", "0;1\n1;0\n", &graph).unwrap();
        let results = "1,2,3|0,0,0,-1,-1,-1,-1,-1,-1,-1,-1;0.9,0.95,0.019,0.13,-2.2,0.02,0.05,0.12,0.19,0.24,0.007;0.5,0.5,0,0.1,-2.5,0.01,0.02,0.09,0.15,0.2,0.004;0,0,0,-1,-1,-1,-1,-1,-1,-1,-1;";
        let traffic =
            "1278.1|-1,0,-1,0,0;0,950.5,0.95,10,2,1000,300,1700,0;0,500,0.5,10,2,1000,300,1700,0;-1,0,-1,0,0";
        let r = sample("s", "g", results, traffic, &graph, &routing).unwrap().unwrap();
        assert_eq!(r.packets, PacketSizes::Bimodal { mean_bits: 1000.0 });
        assert_eq!(r.flows.len(), 2);
        let f = &r.flows[0];
        assert_eq!((f.src, f.dst, f.rate_bps, f.path.clone()), (0, 1, 950.5, vec![0]));
        assert_eq!((f.delay_s, f.jitter_s2, f.p50_s, f.p90_s), (0.13, 0.007, 0.12, 0.24));
        assert!((f.loss - 0.02).abs() < 1e-6);

        let other = GRAPH.replacen("\"FIFO\"", "\"LLQ\"", 1);
        assert!(parse_graph("g", other.as_bytes()).unwrap().unwrap_err().contains("LLQ"));
        let onoff = traffic.replace("0,950.5,0.95,10", "4,950.5,0.95,1,1,10");
        assert!(
            sample("s", "g", results, &onoff, &graph, &routing).unwrap().unwrap_err().contains("Poisson")
        );
        assert!(parse_routing("r", "0;1;0\n", &graph).unwrap_err().to_string().contains("twice"));
        assert!(parse_routing("r", "0;5\n", &graph).unwrap_err().to_string().contains("does not join"));
    }

    /// A 2020-style network: three nodes in a line, scheduled, quoted bandwidths, edge ports.
    const GRAPH_2020: &str = r#"graph [ directed 1 multigraph 1
  node [ id 0 label "0" levelsQoS 3 schedulingPolicy "WFQ" schedulingWeights "60,30,10" queueSizes "32,32,16" ]
  node [ id 1 label "1" levelsQoS 3 schedulingPolicy "SP" schedulingWeights "-" queueSizes "32,32,32" ]
  node [ id 2 label "2" levelsQoS 1 schedulingPolicy "FIFO" queueSizes "32" ]
  edge [ source 0 target 1 key 0 port 0 weight 1 bandwidth "10000" ]
  edge [ source 1 target 0 key 0 port 1 weight 1 bandwidth "10000" ]
  edge [ source 1 target 2 key 0 port 0 weight 1 bandwidth "40000" ]
  edge [ source 2 target 1 key 0 port 0 weight 1 bandwidth "40000" ]
]"#;

    #[test]
    fn a_2020_sample_keeps_its_schedulers_classes_and_port_routing() {
        let graph = parse_graph("g", GRAPH_2020.as_bytes()).unwrap().unwrap();
        assert_eq!(graph.links[2].capacity_bps, 40000.0);
        let wfq = &graph.schedulers[&0];
        assert_eq!(wfq.policy, Policy::Wfq);
        let weights: Vec<f64> = wfq.classes.iter().map(|c| c.weight).collect();
        assert_eq!(weights, [60.0, 30.0, 10.0]);
        assert_eq!(wfq.classes[2].queue_packets, Some(16));
        assert_eq!(graph.schedulers[&1].policy, Policy::StrictPriority);
        assert_eq!(graph.schedulers[&2].policy, Policy::StrictPriority, "node 1's every port");
        assert!(!graph.schedulers.contains_key(&3), "node 2 is FIFO");
        // Row: node, column: destination, the output port towards it.
        let routing = parse_routing("r", "-1,0,0,\n1,-1,0,\n0,0,-1,\n", &graph).unwrap();
        assert_eq!(routing[2], [0, 2], "0 -> 1 -> 2 over links 0 and 2");
        assert_eq!(routing[2 * 3], [3, 1]);
        let err = parse_routing("r", "-1,5,0,\n1,-1,0,\n0,0,-1,\n", &graph).unwrap_err();
        assert!(err.to_string().contains("node 0 has no port 5 towards 1"), "{err}");

        let flow = "0.5,0.5,-1,-1,-1,-1,-1,-1,-1,-1,-1";
        let diagonal = "0,0,0,-1,-1,-1,-1,-1,-1,-1,-1";
        let labelled = "0.5,0.5,0,0.21,-1.6,0.1,0.1,0.2,0.3,0.4,0.01";
        let mut results = [diagonal; 9];
        results[2] = labelled;
        let results = format!("1,0,0.2|{};", results.join(";"));
        let mut traffic = ["-1,0,-1,0,0"; 9];
        traffic[2] = "0,500,0.5,10,2,1000,300,1700,2";
        let traffic = format!("500|{}", traffic.join(";"));
        let r = sample("s", "n", &results, &traffic, &graph, &routing).unwrap().unwrap();
        assert_eq!(r.flows.len(), 1);
        assert_eq!((r.flows[0].class, r.flows[0].delay_s), (2, 0.21));
        let scenario = r.to_scenario().unwrap();
        assert_eq!(scenario.qos.class(0, 2), 2);
        assert_eq!(scenario.qos.port(0, 1).unwrap().policy, Policy::Wfq);
        // A test set's sample has no labels: left out, saying so.
        let unlabelled = results.replace(labelled, flow);
        let why = sample("s", "n", &unlabelled, &traffic, &graph, &routing).unwrap().unwrap_err();
        assert!(why.contains("no delay labels"), "{why}");
    }
}
