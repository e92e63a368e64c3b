//! GML import/export: round trips, robustness against arbitrary input, and the Topology Zoo corpus.

use pathcast::net::gml::{export, import};
use pathcast::net::{LinkParams, Node, Topology};
use proptest::prelude::*;

fn arb_topology() -> impl Strategy<Value = Topology> {
    let node = (
        "[ -~éü&\"]{0,12}",
        prop::option::of(-90.0f64..90.0),
        prop::option::of(-180.0f64..180.0),
        prop::option::of((-1e4f64..1e4, -1e4f64..1e4)),
    );
    let link = (0usize..12, 0usize..12, 1.0f64..1e11, 1u32..500, prop::option::of(0.0f64..0.1));
    (prop::collection::vec(node, 1..12), prop::collection::vec(link, 0..30)).prop_map(|(nodes, links)| {
        let mut t = Topology::new();
        let n = nodes.len();
        for (label, lat, lon, pos) in nodes {
            t.add_node(Node { label, lat, lon, pos: pos.map(|(x, y)| [x, y]) });
        }
        for (a, b, capacity_bps, queue_packets, prop) in links {
            let params = LinkParams { capacity_bps, queue_packets, propagation_s: prop.unwrap_or(0.0) };
            let _ = t.add_link(a % n, b % n, params);
        }
        t
    })
}

proptest! {
    #[test]
    fn export_then_import_is_identity(t in arb_topology()) {
        let imported = import(export(&t, "random \"net\" & co").as_bytes()).unwrap();
        prop_assert_eq!(&imported.topology, &t);
        prop_assert_eq!(imported.name.as_deref(), Some("random \"net\" & co"));
        prop_assert!(imported.notes.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = import(&bytes);
    }

    #[test]
    fn gml_shaped_noise_never_panics(
        tokens in prop::collection::vec(
            prop::sample::select(vec![
                "graph", "node", "edge", "[", "]", "id", "source", "target", "0", "1", "-3", "1e400",
                "LinkSpeedRaw", "\"x\"", "label", "Latitude", "graphics", "x", "99999999999999999999",
                "QueuePackets", "PropagationDelay", "&quot;", "#", "\n", "\"",
            ]),
            0..80,
        )
    ) {
        let _ = import(tokens.join(" ").as_bytes());
    }
}

/// Set PATHCAST_ZOO_DIR to a directory of Internet Topology Zoo `.gml` files to run this on the corpus.
#[test]
fn topology_zoo_corpus_imports_or_is_refused_clearly() {
    let Ok(dir) = std::env::var("PATHCAST_ZOO_DIR") else {
        eprintln!("PATHCAST_ZOO_DIR not set: corpus check skipped");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "gml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .gml files in {dir}");
    let (mut ok, mut refused) = (0, Vec::new());
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        match import(&bytes) {
            Ok(imp) => {
                ok += 1;
                let again = import(export(&imp.topology, "x").as_bytes()).unwrap();
                assert_eq!(again.topology, imp.topology, "{}", path.display());
            }
            Err(e) => refused.push(format!("{}: {e}", path.display())),
        }
    }
    eprintln!("{ok} of {} imported; refused:\n{}", files.len(), refused.join("\n"));
}
