//! The simulator against queueing theory: M/M/1, M/M/1/K, M/D/1, conservation and determinism.

use pathcast::net::{LinkParams, Node, PacketSizes, Scenario, Topology, TrafficSpec, builtin};
use pathcast::sim::{SimConfig, SimResult, simulate};

const CAPACITY: f64 = 10_000.0;
const MEAN_BITS: f64 = 1000.0;
/// Service rate in packets/s.
const MU: f64 = CAPACITY / MEAN_BITS;

/// Nodes 0 → 1 → … → hops on a chain, with `flows` as (src, dst, utilisation of one link).
fn chain(hops: usize, queue_packets: u32, propagation_s: f64, flows: &[(usize, usize, f64)]) -> Scenario {
    let mut t = Topology::new();
    for i in 0..=hops {
        t.add_node(Node::labelled(i.to_string()));
    }
    for i in 0..hops {
        t.add_link(i, i + 1, LinkParams { capacity_bps: CAPACITY, queue_packets, propagation_s }).unwrap();
    }
    let mut s = Scenario::new("chain", t);
    for &(a, b, rho) in flows {
        s.traffic.set(a, b, rho * CAPACITY).unwrap();
    }
    s
}

fn run(s: &Scenario, packets: u64, seed: u64) -> SimResult {
    let config = SimConfig {
        seed,
        packets_per_flow: packets,
        warmup_packets_per_flow: packets / 50,
        ..Default::default()
    };
    let r = simulate(s, &config).unwrap();
    assert!(r.complete);
    r
}

fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    assert!((got - want).abs() <= rel * want, "{what}: simulated {got}, theory {want} (±{}%)", rel * 100.0);
}

#[test]
fn mm1_mean_delay_within_2_percent() {
    for rho in [0.5, 0.8] {
        let s = chain(1, u32::MAX, 0.0, &[(0, 1, rho)]);
        // Run until the standard error is 0.5 %, so that 2 % is four standard errors: at ρ = 0.8
        // a fixed run would need millions of packets for that anyway.
        let config = SimConfig {
            seed: 11,
            packets_per_flow: 100_000,
            warmup_packets_per_flow: 2_000,
            target_relative_se: Some(0.005),
            max_packets_per_flow: 20_000_000,
            ..Default::default()
        };
        let r = simulate(&s, &config).unwrap();
        assert!(r.complete);
        let f = &r.flows[0];
        assert_close(&format!("M/M/1 delay at ρ={rho}"), f.mean_delay_s, 1.0 / (MU - rho * MU), 0.02);
        assert_close(&format!("utilisation at ρ={rho}"), r.links[0].utilisation, rho, 0.02);
        // Little's law on the port: N = λT.
        assert_close("Little's law", r.links[0].mean_queue_packets, rho * MU * f.mean_delay_s, 0.02);
        assert_eq!(f.dropped, 0);
        // The batch-means standard error must cover the actual error (within 4 standard errors).
        assert!(
            f.mean_delay_se_s > 0.0
                && (f.mean_delay_s - 1.0 / (MU - rho * MU)).abs() < 4.0 * f.mean_delay_se_s
        );
    }
}

#[test]
fn mm1k_loss_and_delay_match_the_formulas() {
    let k = 5i32;
    for rho in [0.8f64, 1.5] {
        let s = chain(1, k as u32, 0.0, &[(0, 1, rho)]);
        let r = run(&s, 400_000, 5);
        let p_k = rho.powi(k) * (1.0 - rho) / (1.0 - rho.powi(k + 1));
        let n = rho / (1.0 - rho) - (k + 1) as f64 * rho.powi(k + 1) / (1.0 - rho.powi(k + 1));
        let t = n / (rho * MU * (1.0 - p_k));
        let f = &r.flows[0];
        assert_close(&format!("M/M/1/K loss at ρ={rho}"), f.loss_ratio, p_k, 0.03);
        assert_close(&format!("M/M/1/K delay at ρ={rho}"), f.mean_delay_s, t, 0.02);
        assert!(r.links[0].drops > 0);
    }
}

#[test]
fn md1_delay_matches_pollaczek_khinchine() {
    let rho = 0.7;
    let mut s = chain(1, u32::MAX, 0.0, &[(0, 1, rho)]);
    s.packets = PacketSizes::Fixed { mean_bits: MEAN_BITS };
    let r = run(&s, 300_000, 3);
    let want = rho / (2.0 * MU * (1.0 - rho)) + 1.0 / MU;
    assert_close("M/D/1 delay", r.flows[0].mean_delay_s, want, 0.02);
    assert!(r.flows[0].jitter_s2 > 0.0);
}

#[test]
fn flows_sharing_a_link_see_the_same_queueing_delay() {
    // Two flows cross the 0→1 port; the second goes on to a third node over a very fast link.
    let mut t = chain(1, u32::MAX, 0.0, &[]).topology;
    let far = t.add_node(Node::labelled("far"));
    t.add_link(1, far, LinkParams { capacity_bps: 1e9, queue_packets: u32::MAX, propagation_s: 0.0 })
        .unwrap();
    let mut s = Scenario::new("shared", t);
    s.traffic.set(0, 1, 0.3 * CAPACITY).unwrap();
    s.traffic.set(0, far, 0.4 * CAPACITY).unwrap();
    let r = run(&s, 300_000, 9);
    let (a, b) = (&r.flows[0], &r.flows[1]);
    let want = 1.0 / (MU - 0.7 * MU);
    assert_close("flow 0→1", a.mean_delay_s, want, 0.03);
    // The second flow also crosses a 1 Gbit/s link: 1 µs per packet more.
    assert_close("flows see the same delay", b.mean_delay_s - 1e-6, a.mean_delay_s, 0.02);
}

#[test]
fn propagation_adds_exactly_and_sizes_persist_across_hops() {
    // The two flows use opposite directions, so they never share a port.
    let r0 = run(&chain(3, 64, 0.0, &[(0, 3, 0.5), (3, 2, 0.2)]), 20_000, 2);
    let r1 = run(&chain(3, 64, 0.01, &[(0, 3, 0.5), (3, 2, 0.2)]), 20_000, 2);
    // Same random streams: each packet is 3 × 10 ms later on the 3-hop flow and 10 ms on the 1-hop one.
    assert!((r1.flows[0].mean_delay_s - r0.flows[0].mean_delay_s - 0.03).abs() < 1e-9);
    assert!((r1.flows[1].mean_delay_s - r0.flows[1].mean_delay_s - 0.01).abs() < 1e-9);
}

#[test]
fn packets_keep_their_size_across_hops() {
    // Three equal links, one flow at ρ = 0.5. Were sizes redrawn at each hop, Jackson's theorem would
    // give exactly 3 × M/M/1 = 0.6 s. Kept sizes make small packets bunch behind large ones at every
    // hop, which shows up as clearly more delay (about 10 %), and never less than the first hop's
    // M/M/1 sojourn plus two more transmissions.
    let r = run(&chain(3, u32::MAX, 0.0, &[(0, 3, 0.5)]), 200_000, 6);
    let d = r.flows[0].mean_delay_s;
    let jackson = 3.0 / (MU - 0.5 * MU);
    assert!(d > 1.05 * jackson, "{d} vs Jackson {jackson}");
    assert!(d >= 1.0 / (MU - 0.5 * MU) + 2.0 / MU);

    // Fixed sizes on equal links: no packet ever waits after the first hop, so the delay is
    // M/D/1 (Pollaczek–Khinchine) plus two transmissions, exactly in expectation.
    let mut fixed = chain(3, u32::MAX, 0.0, &[(0, 3, 0.5)]);
    fixed.packets = PacketSizes::Fixed { mean_bits: MEAN_BITS };
    let r = run(&fixed, 200_000, 6);
    assert_close("tandem M/D/1", r.flows[0].mean_delay_s, 0.5 / (2.0 * MU * 0.5) + 3.0 / MU, 0.02);
}

#[test]
fn packets_are_conserved() {
    let s = chain(4, 4, 0.002, &[(0, 4, 0.6), (1, 3, 0.5), (4, 0, 0.9), (2, 3, 0.3)]);
    let r = run(&s, 5_000, 4);
    assert!(r.dropped_total > 0 && r.in_flight > 0);
    assert_eq!(r.generated_total, r.delivered_total + r.dropped_total + r.in_flight);
    for f in &r.flows {
        assert!(f.sent >= f.delivered + f.dropped);
        assert!(f.p50_delay_s <= f.p90_delay_s);
    }
}

#[test]
fn same_seed_same_result_other_seed_other_result() {
    let s = chain(2, 16, 0.0, &[(0, 2, 0.6), (2, 0, 0.4)]);
    assert_eq!(run(&s, 3_000, 8), run(&s, 3_000, 8));
    assert_ne!(run(&s, 3_000, 8).flows[0].mean_delay_s, run(&s, 3_000, 9).flows[0].mean_delay_s);
}

#[test]
fn event_budget_stops_an_unfinishable_run() {
    let s = chain(1, 8, 0.0, &[(0, 1, 0.5)]);
    let config = SimConfig { max_events: 1_000, ..Default::default() };
    let r = simulate(&s, &config).unwrap();
    assert!(!r.complete);
    assert_eq!(r.events, 1_000);
}

#[test]
fn flows_run_until_their_mean_delay_is_precise() {
    // Link 1→2 carries 90 % load: its flows' delays are strongly autocorrelated.
    let s = chain(2, 64, 0.0, &[(0, 2, 0.45), (1, 2, 0.45), (0, 1, 0.3)]);
    let config = SimConfig {
        seed: 3,
        packets_per_flow: 500,
        warmup_packets_per_flow: 50,
        target_relative_se: Some(0.02),
        max_packets_per_flow: 2_000_000,
        ..Default::default()
    };
    let r = simulate(&s, &config).unwrap();
    assert!(r.complete);
    for f in &r.flows {
        assert!(f.mean_delay_se_s <= 0.02 * f.mean_delay_s, "{}→{}: {f:?}", f.src, f.dst);
    }
    // With the minimum alone, the loaded flows are not that precise.
    let loose = simulate(&s, &SimConfig { target_relative_se: None, ..config }).unwrap();
    assert!(loose.flows.iter().any(|f| f.mean_delay_se_s > 0.02 * f.mean_delay_s));
}

#[test]
fn reported_standard_errors_match_the_spread_over_independent_runs() {
    // Three hops with cross traffic, the last link at 70 % load and a finite queue: delays are
    // autocorrelated and packets keep their size, the case the batch means and the size control
    // variate must get right. The truth is the spread of the estimates over independent seeds.
    let s = chain(3, 32, 0.0, &[(0, 3, 0.3), (1, 3, 0.3), (0, 1, 0.2), (2, 3, 0.1), (1, 2, 0.1)]);
    let runs: Vec<SimResult> = (0..40).map(|seed| run(&s, 5_000, 100 + seed)).collect();
    for flow in 0..runs[0].flows.len() {
        let means: Vec<f64> = runs.iter().map(|r| r.flows[flow].mean_delay_s).collect();
        let average = means.iter().sum::<f64>() / means.len() as f64;
        let spread =
            (means.iter().map(|m| (m - average).powi(2)).sum::<f64>() / (means.len() - 1) as f64).sqrt();
        let reported = runs.iter().map(|r| r.flows[flow].mean_delay_se_s).sum::<f64>() / runs.len() as f64;
        // 40 runs pin the spread down to about ±11 %; the bounds are three times that.
        let ratio = spread / reported;
        assert!((0.7..1.4).contains(&ratio), "flow {flow}: spread {spread}, reported {reported}");
    }
}

#[test]
fn absurd_inputs_end_with_a_clear_error_not_a_hang() {
    let topology = builtin::load("nsfnet").unwrap().topology;
    let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.5) };
    let mut scenario = Scenario::generate("n", topology, spec).unwrap();
    scenario.traffic.set(0, 1, 1e30).unwrap();
    let config = SimConfig { packets_per_flow: 100, ..SimConfig::default() };
    let err = simulate(&scenario, &config).unwrap_err().to_string();
    assert!(err.contains("carries so small a share of the traffic"), "{err}");

    // A propagation delay of a day: packets pile up on the wire until the in-flight bound.
    let mut slow = Scenario::generate("n", builtin::load("nsfnet").unwrap().topology, spec).unwrap();
    let links: Vec<_> = slow.topology.duplex_links().collect();
    for (a, b, p) in links {
        slow.topology.set_link(a, b, LinkParams { propagation_s: 86_400.0, ..p }).unwrap();
    }
    let config = SimConfig { packets_per_flow: 100, max_in_flight: 200_000, ..SimConfig::default() };
    let err = simulate(&slow, &config).unwrap_err().to_string();
    assert!(err.contains("more than 200000 packets would be in the network at once"), "{err}");
}

#[test]
fn a_watched_run_reports_rising_progress_and_stops_when_cancelled() {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;
    let s = Scenario::generate(
        "nsfnet",
        builtin::load("nsfnet").unwrap().topology,
        TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) },
    )
    .unwrap();
    let config = SimConfig { packets_per_flow: 2000, ..SimConfig::default() };
    let seen = Mutex::new(Vec::new());
    let never = AtomicBool::new(false);
    let record = |share: f64| seen.lock().unwrap().push(share);
    let watched = pathcast::sim::simulate_watched(
        &s,
        &config,
        Some(&pathcast::sim::Watch { cancel: &never, progress: &record }),
    )
    .unwrap();
    assert_eq!(watched.flows, simulate(&s, &config).unwrap().flows, "watching changes nothing");
    let seen = seen.into_inner().unwrap();
    assert!(
        !seen.is_empty()
            && seen.windows(2).all(|w| w[0] <= w[1])
            && seen.iter().all(|p| (0.0..=1.0).contains(p))
    );

    let cancel = AtomicBool::new(true);
    let err = pathcast::sim::simulate_watched(
        &s,
        &config,
        Some(&pathcast::sim::Watch { cancel: &cancel, progress: &|_| {} }),
    )
    .unwrap_err();
    assert!(matches!(err, pathcast::sim::SimError::Cancelled), "{err}");
}
