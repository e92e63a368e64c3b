//! How nodes and paths are named on screen: by their labels, ids only where a node has none.

use crate::net::{NodeId, Topology};

/// A node's label, or its id where it has none.
pub fn node_label(topology: &Topology, id: NodeId) -> String {
    topology.node_name(id)
}

/// A path by node names: `Seattle -> Palo Alto -> Houston`.
pub fn path_text(topology: &Topology, path: &[NodeId]) -> String {
    path.iter().map(|&id| node_label(topology, id)).collect::<Vec<_>>().join(" -> ")
}

/// Axis ticks for `labels`: a prefix every label shares (`GEANT2-0`, `GEANT2-1`, …) dropped, and
/// each cut to at most `max` characters.
pub fn tick_labels(labels: &[String], max: usize) -> Vec<String> {
    let Some((first, rest)) = labels.split_first() else { return Vec::new() };
    let first: Vec<char> = first.chars().collect();
    let shared = rest.iter().fold(first.len(), |n, label| {
        first.iter().zip(label.chars()).take(n).take_while(|(a, b)| **a == *b).count()
    });
    // Drop up to the shared prefix's last separator, so that `Seattle` and `San Diego` keep their S.
    let drop = if rest.is_empty() {
        0
    } else {
        first[..shared].iter().rposition(|c| !c.is_alphanumeric()).map_or(0, |i| i + 1)
    };
    labels
        .iter()
        .map(|l| {
            let kept: String = l.chars().skip(drop).collect();
            abbreviated(if kept.is_empty() { l } else { &kept }, max)
        })
        .collect()
}

/// `label` cut to at most `max` characters, with `…` when cut (for axis ticks).
fn abbreviated(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let kept: String = label.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::{abbreviated, tick_labels};

    #[test]
    fn ticks_drop_a_shared_prefix() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(tick_labels(&names(&["GEANT2-0", "GEANT2-1", "GEANT2-12"]), 6), ["0", "1", "12"]);
        assert_eq!(tick_labels(&names(&["Seattle", "San Diego"]), 6), ["Seatt…", "San D…"]);
        assert_eq!(tick_labels(&names(&["New York", "New Orleans"]), 6), ["York", "Orlea…"]);
        assert_eq!(tick_labels(&names(&["A-", "A-"]), 6), ["A-", "A-"]);
        assert_eq!(tick_labels(&names(&["Lyon"]), 6), ["Lyon"]);
        assert!(tick_labels(&[], 6).is_empty());
    }

    #[test]
    fn abbreviations_keep_short_names_and_cut_long_ones() {
        assert_eq!(abbreviated("Houston", 8), "Houston");
        assert_eq!(abbreviated("Salt Lake City", 8), "Salt La…");
        assert_eq!(abbreviated("New York", 5), "New…");
        assert_eq!(abbreviated("Zürich", 3), "Zü…");
    }
}
