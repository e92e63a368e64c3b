//! The command line as a user runs it: exit codes, JSON output, one-line errors.

use assert_cmd::Command;
use serde_json::Value;

fn pathcast() -> Command {
    Command::cargo_bin("pathcast").unwrap()
}

fn json_of(args: &[&str]) -> Value {
    let out = pathcast().args(args).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn topo_info_reports_the_built_in_sizes() {
    for (name, nodes, links) in [("nsfnet", 14, 21), ("geant2", 24, 37), ("gbn", 17, 26)] {
        let info = json_of(&["topo", "info", name, "--json"]);
        assert_eq!(info["nodes"], nodes, "{name}");
        assert_eq!(info["links"], links, "{name}");
        assert_eq!(info["directed_links"], 2 * links, "{name}");
        assert_eq!(info["connected"], true, "{name}");
    }
}

#[test]
fn scenario_new_writes_182_nsfnet_flows_and_converts_back_to_gml() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.json");
    pathcast()
        .args(["scenario", "new", "--topology", "nsfnet", "--seed", "4", "--max-utilization", "0.7", "-o"])
        .arg(&scenario)
        .assert()
        .success();
    let file: Value = serde_json::from_slice(&std::fs::read(&scenario).unwrap()).unwrap();
    assert_eq!(file["format"], "pathcast.scenario.v1");
    assert_eq!(file["flows"].as_array().unwrap().len(), 182);

    let gml = dir.path().join("s.gml");
    pathcast().args(["topo", "convert"]).arg(&scenario).arg(&gml).assert().success();
    let info = json_of(&["topo", "info", gml.to_str().unwrap(), "--json"]);
    assert_eq!((info["nodes"].as_u64(), info["links"].as_u64()), (Some(14), Some(21)));

    let routes = json_of(&["routes", scenario.to_str().unwrap(), "--k", "3", "--json"]);
    let rows = routes.as_array().unwrap();
    assert_eq!(rows.len(), 182);
    assert!(rows.iter().all(|r| r["alternatives"].as_array().unwrap().len() == 3));
}

#[test]
fn bad_input_exits_2_with_a_one_line_reason_naming_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.gml");
    std::fs::write(&bad, "graph [\n  node [ id 0 ]\n  edge [ source 0 target 3 ]\n]\n").unwrap();
    let out = pathcast().args(["topo", "info"]).arg(&bad).assert().code(2).get_output().stderr.clone();
    let msg = String::from_utf8(out).unwrap();
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(msg.contains("bad.gml: line 3, column 19: edge target 3 is not a node id"), "{msg}");

    let missing =
        pathcast().args(["topo", "info", "no-such.gml"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8(missing).unwrap().contains("no-such.gml"));

    let wrong = pathcast().args(["topo", "info", "Cargo.toml"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8(wrong).unwrap().contains("unknown file type"));
}
