//! The topologies shipped with pathcast (`topologies/*.gml`, compiled in).

use super::gml::{self, Imported};

/// Names accepted wherever a topology file is expected.
pub const NAMES: [&str; 3] = ["nsfnet", "geant2", "gbn"];

/// The GML text of a built-in topology.
pub fn gml_text(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "nsfnet" => Some(include_str!("../../topologies/nsfnet.gml")),
        "geant2" => Some(include_str!("../../topologies/geant2.gml")),
        "gbn" => Some(include_str!("../../topologies/gbn.gml")),
        _ => None,
    }
}

/// A built-in topology by name (case-insensitive).
pub fn load(name: &str) -> Option<Imported> {
    let text = gml_text(name)?;
    Some(gml::import(text.as_bytes()).expect("built-in topologies are valid GML"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_have_the_published_sizes() {
        for (name, nodes, links) in [("nsfnet", 14, 21), ("geant2", 24, 37), ("gbn", 17, 26)] {
            let imp = load(name).unwrap();
            assert_eq!((imp.topology.node_count(), imp.topology.link_count()), (nodes, links), "{name}");
            assert!(imp.topology.is_connected());
            assert!(imp.notes.is_empty(), "{name}: {:?}", imp.notes);
            assert!(imp.topology.nodes().all(|(_, n)| n.pos.is_some()));
        }
    }

    #[test]
    fn nsfnet_has_the_nsfnetbw_capacities() {
        let t = load("NSFNet").unwrap().topology;
        let fast: Vec<(usize, usize)> =
            t.duplex_links().filter(|l| l.2.capacity_bps == 40_000.0).map(|l| (l.0, l.1)).collect();
        assert_eq!(fast, vec![(3, 4), (4, 5), (7, 10)]);
        assert!(t.duplex_links().all(|l| [10_000.0, 40_000.0].contains(&l.2.capacity_bps)));
    }
}
