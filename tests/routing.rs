//! Routing against independent truth: a hand-checked NSFNet table, Floyd–Warshall distances, and
//! brute-force enumeration of simple paths for Yen's algorithm.

use pathcast::net::routing::{RouteError, k_shortest_paths, path_cost, shortest_path, validate_path};
use pathcast::net::{LinkParams, Metric, Node, Routing, Topology, builtin};
use proptest::prelude::*;

fn nsfnet() -> Topology {
    builtin::load("nsfnet").unwrap().topology
}

/// Checked by hand on the NSFNet map: fewest hops, then the smallest node sequence.
#[test]
fn nsfnet_shortest_paths_match_the_hand_checked_table() {
    let table: &[(usize, usize, &[usize])] = &[
        (0, 4, &[0, 3, 4]),
        (0, 6, &[0, 1, 7, 6]), // tie with 0-3-4-6: the smaller sequence wins
        (0, 9, &[0, 3, 8, 9]),
        (0, 13, &[0, 2, 5, 13]),
        (1, 9, &[1, 7, 10, 9]),
        (2, 11, &[2, 5, 12, 11]),
        (3, 13, &[3, 4, 5, 13]),
        (8, 13, &[8, 9, 10, 13]), // tie with 8-11-10-13
        (6, 12, &[6, 4, 5, 12]),
        (11, 2, &[11, 12, 5, 2]),
        (13, 0, &[13, 5, 2, 0]),
        (7, 11, &[7, 10, 11]),
    ];
    let t = nsfnet();
    let routing = Routing::shortest(&t, Metric::Hops);
    for &(s, d, expected) in table {
        assert_eq!(routing.path(s, d).unwrap(), expected, "{s}→{d}");
    }
    assert_eq!(routing.len(), 14 * 13);
}

fn floyd_warshall(t: &Topology) -> Vec<Vec<f64>> {
    let n = t.node_bound();
    let mut d = vec![vec![f64::INFINITY; n]; n];
    for i in t.node_ids() {
        d[i][i] = 0.0;
    }
    for l in t.directed_links() {
        d[l.from][l.to] = 1.0;
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                d[i][j] = d[i][j].min(d[i][k] + d[k][j]);
            }
        }
    }
    d
}

#[test]
fn every_builtin_route_has_the_floyd_warshall_length() {
    for name in builtin::NAMES {
        let t = builtin::load(name).unwrap().topology;
        let d = floyd_warshall(&t);
        let routing = Routing::shortest(&t, Metric::Hops);
        for (s, dst, p) in routing.iter() {
            validate_path(&t, s, dst, p).unwrap();
            assert_eq!((p.len() - 1) as f64, d[s][dst], "{name} {s}→{dst}");
        }
    }
}

#[test]
fn manual_overrides_are_validated() {
    let t = nsfnet();
    let mut routing = Routing::shortest(&t, Metric::Hops);
    routing.set_path(&t, vec![0, 3, 4, 6]).unwrap();
    assert_eq!(routing.path(0, 6).unwrap(), &vec![0, 3, 4, 6]);
    assert!(matches!(routing.set_path(&t, vec![0, 4]), Err(RouteError::MissingLink { from: 0, to: 4, .. })));
    assert!(matches!(routing.set_path(&t, vec![0, 1, 0, 3]), Err(RouteError::Loop { node: 0, .. })));
    assert!(matches!(routing.set_path(&t, vec![0, 99]), Err(RouteError::UnknownNode { node: 99, .. })));
    assert!(matches!(routing.set_path(&t, vec![0]), Err(RouteError::WrongEndpoints { .. })));
    assert_eq!(routing.path(0, 6).unwrap(), &vec![0, 3, 4, 6], "a refused path leaves the old one");
}

#[test]
fn inverse_capacity_prefers_fast_links() {
    let t = nsfnet();
    // 3→5: 3-4-5 over two 40 kbit/s links (cost 2×2500) beats any 10 kbit/s detour.
    assert_eq!(shortest_path(&t, Metric::InverseCapacity, 3, 5).unwrap(), vec![3, 4, 5]);
    assert_eq!(path_cost(&t, Metric::InverseCapacity, &[3, 4, 5]), 5000.0);
}

/// Every simple path from `s` to `d`, sorted by (cost, node sequence).
fn all_simple_paths(t: &Topology, metric: Metric, s: usize, d: usize) -> Vec<Vec<usize>> {
    fn dfs(t: &Topology, d: usize, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        let at = *path.last().unwrap();
        if at == d {
            out.push(path.clone());
            return;
        }
        for v in t.neighbours(at) {
            if !path.contains(&v) {
                path.push(v);
                dfs(t, d, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    dfs(t, d, &mut vec![s], &mut out);
    out.sort_by(|a, b| path_cost(t, metric, a).total_cmp(&path_cost(t, metric, b)).then(a.cmp(b)));
    out
}

fn random_graph(n: usize, edges: &[(usize, usize, u8)]) -> Topology {
    let mut t = Topology::new();
    for i in 0..n {
        t.add_node(Node::labelled(i.to_string()));
    }
    for &(a, b, c) in edges {
        // Capacities 10, 20 or 40 kbit/s give exact binary costs under InverseCapacity.
        let capacity_bps = [10_000.0, 20_000.0, 40_000.0][c as usize % 3];
        let _ = t.add_link(a % n, b % n, LinkParams { capacity_bps, ..LinkParams::default() });
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn yen_equals_brute_force(
        n in 3usize..8,
        edges in prop::collection::vec((0usize..8, 0usize..8, 0u8..3), 2..18),
        k in 1usize..8,
        by_capacity in any::<bool>(),
    ) {
        let t = random_graph(n, &edges);
        let metric = if by_capacity { Metric::InverseCapacity } else { Metric::Hops };
        let (s, d) = (0, n - 1);
        let truth = all_simple_paths(&t, metric, s, d);
        let yen = k_shortest_paths(&t, metric, s, d, k);
        prop_assert_eq!(yen.len(), truth.len().min(k));
        prop_assert_eq!(&yen[..], &truth[..yen.len()]);
    }
}
