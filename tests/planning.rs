//! Failure sweeps on graphs whose answers are known: a ring, where every failure's effect on
//! routes can be counted by hand, and the CLI on GEANT2's 666 double-link failures.

use assert_cmd::Command;
use pathcast::model::pretrained;
use pathcast::net::{LinkParams, Metric, Node, Scenario, Srlg, Topology};
use pathcast::plan::{SweepKind, sweep};

/// The JSON a successful `pathcast ARGS` prints.
fn json_of(args: &[&str]) -> serde_json::Value {
    let out =
        Command::cargo_bin("pathcast").unwrap().args(args).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

/// A ring 0-1-2-3-0 of 10 kbit/s links with light traffic between every ordered pair.
fn ring() -> Scenario {
    let mut t = Topology::new();
    for i in 0..4 {
        t.add_node(Node::labelled(i.to_string()));
    }
    for i in 0..4 {
        t.add_link(i, (i + 1) % 4, LinkParams { capacity_bps: 1e4, ..LinkParams::default() }).unwrap();
    }
    let mut s = Scenario::new("ring", t);
    for src in 0..4 {
        for dst in (0..4).filter(|&d| d != src) {
            s.traffic.set(src, dst, 300.0).unwrap();
        }
    }
    s
}

#[test]
fn a_link_failure_is_each_neighbours_worst_case_and_cuts_no_ring_pair() {
    let model = pretrained::trained();
    let result = sweep(&model, &ring(), SweepKind::Links, Metric::Hops).unwrap();
    assert_eq!(result.cases.len(), 4);
    assert!(result.cases.iter().all(|c| c.disconnected == 0), "a ring survives any one link");
    // Neighbours lose their direct link and go the long way round: their worst case is their own link.
    let pair = result.pairs.iter().find(|p| (p.src, p.dst) == (0, 1)).unwrap();
    let case = &result.cases[pair.case.unwrap()].case;
    assert_eq!(case.links, [(0, 1)]);
    assert!(pair.worst_delay_s > 2.0 * pair.intact_delay_s, "three hops instead of one: {pair:?}");
}

#[test]
fn a_node_failure_ends_its_own_traffic_without_counting_it_as_cut_off() {
    let model = pretrained::trained();
    let result = sweep(&model, &ring(), SweepKind::Nodes, Metric::Hops).unwrap();
    assert_eq!(result.cases.len(), 4);
    let node1 = result.cases.iter().find(|c| c.case.nodes == [1]).unwrap();
    assert_eq!(node1.case.links, [(0, 1), (1, 2)]);
    assert_eq!(node1.disconnected, 0, "0 and 2 still meet through 3");
}

#[test]
fn double_failures_and_srlgs_cut_the_ring_in_two() {
    let model = pretrained::trained();
    let result = sweep(&model, &ring(), SweepKind::DoubleLinks, Metric::Hops).unwrap();
    assert_eq!(result.cases.len(), 6, "4 choose 2");
    // Failing 0-1 and 2-3 leaves {1, 2} and {3, 0}: 2 x 2 pairs each way are cut off.
    let split = result.cases.iter().find(|c| c.case.links == [(0, 1), (2, 3)]).unwrap();
    assert_eq!(split.disconnected, 8);
    let cut = result.pairs.iter().filter(|p| p.worst_delay_s.is_infinite()).count();
    assert_eq!(cut, 12, "on a ring, some double failure cuts off every pair");

    let mut s = ring();
    s.srlgs.push(Srlg { name: "conduit".into(), links: vec![(0, 1), (2, 3)] });
    let result = sweep(&model, &s, SweepKind::Srlgs, Metric::Hops).unwrap();
    assert_eq!(result.cases.len(), 1);
    assert_eq!((result.cases[0].case.name.as_str(), result.cases[0].disconnected), ("SRLG conduit", 8));
    // SRLGs are saved with the scenario.
    assert_eq!(Scenario::from_json(s.to_json().as_bytes()).unwrap().srlgs, s.srlgs);
}

#[test]
fn the_cli_sweeps_geant2s_double_link_failures() {
    let json = json_of(&["sweep", "geant2", "--kind", "double-links", "--json"]);
    assert_eq!(json["cases"].as_array().unwrap().len(), 666);
    assert_eq!(json["pairs"].as_array().unwrap().len(), 24 * 23);
    let err =
        Command::cargo_bin("pathcast").unwrap().args(["sweep", "nsfnet", "--kind", "srlgs"]).assert().code(2);
    let text = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(text.contains("defines no SRLGs"), "{text}");
}

#[test]
fn delay_targets_mark_the_pairs_and_failures_that_break_them() {
    let model = pretrained::trained();
    let mut s = ring();
    let intact = model.predict(&s).unwrap();
    let neighbour = intact.flows.iter().find(|f| (f.src, f.dst) == (0, 1)).unwrap().delay_s;
    let across = intact.flows.iter().find(|f| (f.src, f.dst) == (0, 2)).unwrap().delay_s;
    // Every pair meets a target just above the two-hop delay; 0 -> 1 gets a tighter one of its own.
    s.targets.global_s = Some(across * 1.01);
    s.targets.pairs.insert((0, 1), neighbour * 0.99);
    let violations = pathcast::plan::violations(&s, &intact);
    assert_eq!(violations.len(), 1);
    assert_eq!((violations[0].src, violations[0].dst), (0, 1));
    // Failing a link sends its neighbours three hops round: over the two-hop target.
    let result = sweep(&model, &s, SweepKind::Links, Metric::Hops).unwrap();
    let case = result.cases.iter().find(|c| c.case.links == [(2, 3)]).unwrap();
    assert!(case.targets_broken >= 2, "2 -> 3 and 3 -> 2 go the long way: {case:?}");
    assert!(result.pairs.iter().find(|p| (p.src, p.dst) == (2, 3)).unwrap().breaks_target());
    // Targets are saved with the scenario.
    assert_eq!(Scenario::from_json(s.to_json().as_bytes()).unwrap().targets, s.targets);
}

#[test]
fn the_cli_lists_target_violations() {
    let json = json_of(&["predict", "--scenario", "nsfnet", "--target", "600ms", "--json"]);
    let violations = json["target_violations"].as_array().unwrap();
    assert!(!violations.is_empty());
    assert!(violations.iter().all(|v| v["delay_s"].as_f64() > v["target_s"].as_f64()));
    assert!(violations.iter().all(|v| v["target_s"] == 0.6));
}

fn nsfnet() -> Scenario {
    let topology = pathcast::net::builtin::load("nsfnet").unwrap().topology;
    let spec = pathcast::net::TrafficSpec { seed: 4, max_avg_lambda: None, max_utilization: Some(0.6) };
    Scenario::generate("nsfnet", topology, spec).unwrap()
}

#[test]
fn demands_round_trip_through_csv_by_name_and_bad_rows_name_their_line() {
    use pathcast::plan::demands::{from_csv, to_csv};
    let s = nsfnet();
    let text = to_csv(&s);
    assert!(text.starts_with("src,dst,rate\nSeattle,Palo Alto,"), "{text}");
    assert_eq!(from_csv(&s, &text).unwrap(), s.traffic);
    // Ids, units and zero rates are read too.
    let m = from_csv(&s, "src,dst,rate\n0,13,2.5k\nHouston,Atlanta,1 kbit/s\n1,2,0\n").unwrap();
    assert_eq!((m.get(0, 13), m.get(5, 12), m.len()), (2500.0, 1000.0, 2));
    let err = |text: &str| from_csv(&s, text).unwrap_err().to_string();
    assert_eq!(err("src,dst,rate\n0,1,1k\nGotham,1,1k\n"), "line 3: \"Gotham\" is not a node's label or id");
    assert_eq!(err("src,dst,rate\n0,1,1k\n0,1,2k\n"), "line 3: 0 -> 1 is given twice (first on line 2)");
    assert!(err("src,dst,rate\n0,1,fast\n").starts_with("line 2: \"fast\" is not a bit rate"));
    assert!(err("from,to,bps\n").contains("src,dst,rate"));
}

#[test]
fn growth_finds_the_year_each_pair_first_breaks_its_target() {
    let model = pretrained::trained();
    let mut s = nsfnet();
    s.targets.global_s = Some(0.5);
    let growth = pathcast::plan::demands::growth(&model, &s, 1.15, 4).unwrap();
    assert_eq!(growth.years.len(), 5);
    assert!((growth.years[4].scale - 1.15f64.powi(4)).abs() < 1e-12);
    assert!(growth.years.windows(2).all(|w| w[1].mean_delay_s > w[0].mean_delay_s), "{growth:?}");
    assert!(growth.years.windows(2).all(|w| w[1].over_target >= w[0].over_target));
    // A pair first over its target in year y is over it then and was not the year before.
    for &(src, dst, year) in &growth.first_breaks {
        let mut grown = s.clone();
        grown.traffic.scale(1.15f64.powi(year as i32));
        let delay = |g: &Scenario| {
            model
                .predict(g)
                .unwrap()
                .flows
                .iter()
                .find(|f| (f.src as usize, f.dst as usize) == (src, dst))
                .unwrap()
                .delay_s
        };
        assert!(delay(&grown) > 0.5);
        if year > 0 {
            let mut before = s.clone();
            before.traffic.scale(1.15f64.powi(year as i32 - 1));
            assert!(delay(&before) <= 0.5);
        }
    }
    assert_eq!(growth.first_breaks.len(), growth.years[4].over_target, "targets stay broken as rates grow");
}

#[test]
fn the_cli_exports_and_imports_demands() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, out) = (dir.path().join("d.csv"), dir.path().join("s.json"));
    let run = |args: &[&str]| Command::cargo_bin("pathcast").unwrap().args(args).assert().success();
    std::fs::write(&csv, "src,dst,rate\nSeattle,Houston,3k\nHouston,Seattle,1.5 kbit/s\n").unwrap();
    run(&["demands", "import", "nsfnet", csv.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let s = Scenario::from_json(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!((s.traffic.len(), s.traffic.get(0, 5), s.traffic.get(5, 0)), (2, 3000.0, 1500.0));
    run(&["demands", "export", out.to_str().unwrap(), "-o", csv.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "src,dst,rate\nSeattle,Houston,3000 bit/s\nHouston,Seattle,1500 bit/s\n"
    );
}

#[test]
fn upgrades_meet_every_target_and_the_plan_is_the_scenario_with_them() {
    use pathcast::plan::upgrades::{UpgradeRules, suggest};
    let model = pretrained::trained();
    let mut s = ring();
    // Heavier traffic from 0 to 1: its link is the bottleneck of the target 0 -> 1 misses.
    s.traffic.set(0, 1, 6000.0).unwrap();
    let delay = |s: &Scenario| {
        model.predict(s).unwrap().flows.iter().find(|f| (f.src, f.dst) == (0, 1)).unwrap().delay_s
    };
    let before = delay(&s);
    s.targets.pairs.insert((0, 1), before * 0.7);
    let rules = UpgradeRules { step_factor: 2.0, cost_per_step: 1.0, max_steps: 10, failures: None };
    let (plan, upgraded) = suggest(&model, &s, rules, Metric::Hops).unwrap();
    assert_eq!(plan.initial_violations, 1);
    assert_eq!(plan.remaining_violations, 0);
    assert_eq!(plan.upgrades.len(), 1, "{plan:?}");
    assert_eq!((plan.upgrades[0].a, plan.upgrades[0].b), (0, 1));
    assert_eq!(plan.upgrades[0].to_bps, 2e4);
    assert!(delay(&upgraded) <= before * 0.7);
    assert_eq!(plan.total_cost, 1.0);
    // Nothing to fix: nothing bought.
    s.targets.pairs.insert((0, 1), before * 2.0);
    let (plan, _) = suggest(&model, &s, rules, Metric::Hops).unwrap();
    assert!(plan.upgrades.is_empty() && plan.total_cost == 0.0);
}

#[test]
fn the_cli_suggests_upgrades_the_simulator_confirms() {
    let json = json_of(&["upgrade", "nsfnet", "--target", "500ms", "--json"]);
    assert!(json["plan"]["initial_violations"].as_u64().unwrap() > 0);
    assert_eq!(json["plan"]["remaining_violations"], 0);
    assert!(!json["plan"]["upgrades"].as_array().unwrap().is_empty());
    assert_eq!(json["simulated_over_target"], 0, "the simulator agrees the targets are met");
}

#[test]
fn saved_failure_scenarios_are_swept_by_name_and_kept_in_the_file() {
    use pathcast::net::FailureCase;
    let model = pretrained::trained();
    let mut s = ring();
    s.failures.push(FailureCase { name: "cut in two".into(), links: vec![(0, 1), (2, 3)], nodes: vec![] });
    s.failures.push(FailureCase { name: "lose node 1".into(), links: vec![], nodes: vec![1] });
    let result = sweep(&model, &s, SweepKind::Saved, Metric::Hops).unwrap();
    let names: Vec<&str> = result.cases.iter().map(|c| c.case.name.as_str()).collect();
    assert_eq!(names, ["cut in two", "lose node 1"]);
    assert_eq!(result.cases[0].disconnected, 8, "the same split as the double-link case");
    // A saved node failure takes the node's links down with it.
    assert_eq!(result.cases[1].case.links, [(0, 1), (1, 2)]);
    assert_eq!(result.cases[1].disconnected, 0);
    let saved = Scenario::from_json(s.to_json().as_bytes()).unwrap();
    assert_eq!(saved.failures, s.failures);
    // A saved scenario over a link that is not there names itself.
    let bad = s
        .to_json()
        .replace("[\n          0,\n          1\n        ]", "[\n          0,\n          2\n        ]");
    assert_ne!(bad, s.to_json(), "the edit applied");
    let err = Scenario::from_json(bad.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("failures[0]") && err.contains("no link 0 - 2"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ring.json");
    std::fs::write(&file, s.to_json()).unwrap();
    let json = json_of(&["sweep", file.to_str().unwrap(), "--kind", "saved", "--json"]);
    assert_eq!(json["cases"][0]["case"]["name"], "cut in two");
    let err =
        Command::cargo_bin("pathcast").unwrap().args(["sweep", "nsfnet", "--kind", "saved"]).assert().code(2);
    assert!(String::from_utf8_lossy(&err.get_output().stderr).contains("saves no failure scenarios"));
}

#[test]
fn comparing_two_plans_lists_the_changed_links_and_each_pairs_change() {
    let model = pretrained::trained();
    let a = ring();
    let mut b = ring();
    b.topology.set_link(0, 1, LinkParams { capacity_bps: 4e4, ..LinkParams::default() }).unwrap();
    b.topology.add_link(0, 2, LinkParams { capacity_bps: 1e4, ..LinkParams::default() }).unwrap();
    b.routing = pathcast::net::Routing::shortest(&b.topology, Metric::Hops);
    b.traffic.set(0, 1, 600.0).unwrap();
    let c = pathcast::plan::compare(&model, &a, &b).unwrap();
    let links = serde_json::to_value(&c.links).unwrap();
    assert_eq!(links.as_array().unwrap().len(), 2, "{links}");
    assert_eq!(links[0]["change"], "changed");
    assert_eq!(
        (links[0]["from"]["capacity_bps"].as_f64(), links[0]["to"]["capacity_bps"].as_f64()),
        (Some(1e4), Some(4e4))
    );
    assert_eq!(
        (links[1]["change"].as_str(), links[1]["a"].as_str(), links[1]["b"].as_str()),
        (Some("added"), Some("0"), Some("2"))
    );
    assert_eq!(c.demands_changed, 1);
    // Independent truth: each plan predicted on its own.
    let delay = |s: &Scenario, pair: (u32, u32)| {
        model.predict(s).unwrap().flows.iter().find(|f| (f.src, f.dst) == pair).unwrap().delay_s
    };
    let pair = c.pairs.iter().find(|p| (p.src.as_str(), p.dst.as_str()) == ("0", "2")).unwrap();
    assert_eq!((pair.a_delay_s, pair.b_delay_s), (Some(delay(&a, (0, 2))), Some(delay(&b, (0, 2)))));
    assert!(pair.change_s().unwrap() < 0.0, "a direct link is faster than two hops");
    assert!(c.pairs.windows(2).all(|w| w[0].change_s().unwrap().abs() >= w[1].change_s().unwrap().abs()));

    let dir = tempfile::tempdir().unwrap();
    let (fa, fb) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&fa, a.to_json()).unwrap();
    std::fs::write(&fb, b.to_json()).unwrap();
    let json = json_of(&["compare", fa.to_str().unwrap(), fb.to_str().unwrap(), "--json"]);
    assert_eq!(json["links"].as_array().unwrap().len(), 2);
    assert_eq!(json["pairs"].as_array().unwrap().len(), 12);
}

#[test]
fn an_upgrade_plan_has_no_step_to_spare() {
    use pathcast::plan::upgrades::{UpgradeRules, suggest};
    let model = pretrained::trained();
    let mut s = nsfnet();
    s.targets.global_s = Some(0.45);
    let rules = UpgradeRules { step_factor: 2.0, cost_per_step: 1.0, max_steps: 40, failures: None };
    let (plan, upgraded) = suggest(&model, &s, rules, Metric::Hops).unwrap();
    assert_eq!(plan.remaining_violations, 0, "{plan:?}");
    assert!(plan.upgrades.len() >= 2, "a plan of several links: {plan:?}");
    let over =
        |scenario: &Scenario| pathcast::plan::violations(scenario, &model.predict(scenario).unwrap()).len();
    assert_eq!(over(&upgraded), 0);
    // Independent check: one step less on any upgraded link breaks a target again.
    for u in &plan.upgrades {
        let mut fewer = upgraded.clone();
        let params = fewer.topology.link(u.a, u.b).unwrap().params;
        let capacity_bps = u.from_bps * 2f64.powi(u.steps as i32 - 1);
        fewer.topology.set_link(u.a, u.b, LinkParams { capacity_bps, ..params }).unwrap();
        assert!(over(&fewer) > 0, "{} - {} needs all its {} steps", u.a, u.b, u.steps);
    }
    assert_eq!(plan.total_cost, plan.upgrades.iter().map(|u| f64::from(u.steps)).sum::<f64>());
}
