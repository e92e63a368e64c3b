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
    assert_eq!(file["format"], "pathcast.scenario.v2");
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

#[test]
fn simulate_generate_train_resume_eval_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();

    let scenario = path("gbn.json");
    pathcast()
        .args(["scenario", "new", "--topology", "gbn", "--max-utilization", "0.5", "-o", &scenario])
        .assert()
        .success();
    let sim = json_of(&["simulate", &scenario, "--packets", "50", "--json"]);
    assert_eq!(sim["flows"].as_array().unwrap().len(), 17 * 16);
    assert_eq!(sim["complete"], true);

    let data = path("data");
    pathcast()
        .args(["dataset", "generate", "--topology", "gbn", "--samples", "6", "--packets-per-flow", "30"])
        .args(["--target-relative-se", "0"])
        .args(["--shard-size", "2", "--out", &data])
        .assert()
        .success();
    let info = json_of(&["dataset", "info", &data, "--json"]);
    assert_eq!(info["samples"], 6);

    let run = path("run");
    let train = |steps: &str, extra: &[&str]| {
        pathcast()
            .args([
                "train",
                "--data",
                &data,
                "--out",
                &run,
                "--steps",
                steps,
                "--batch",
                "2",
                "--eval-every",
                "2",
            ])
            .args(extra)
            .assert()
            .success();
    };
    let log = path("log.jsonl");
    train("2", &["--json-log", &log]);
    let events: Vec<Value> =
        std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.iter().any(|e| e["event"] == "eval"));
    assert_eq!(events.last().unwrap()["event"], "finished");
    train("4", &["--resume"]);
    let latest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/latest.json")).unwrap()).unwrap();
    assert_eq!(latest["checkpoint"], "ckpt-00000004");

    let eval = json_of(&["eval", "--model", &run, "--data", &data, "--json"]);
    assert_eq!(eval["paths"], 6 * 17 * 16);
    assert!(eval["pearson"].as_f64().unwrap().is_finite());

    let predicted = json_of(&["predict", "--model", &run, "--scenario", &scenario, "--json"]);
    let flows = predicted["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 17 * 16);
    assert!(flows.iter().all(|f| f["delay_s"].as_f64().unwrap() > 0.0));

    let weights = dir.path().join("run/ckpt-00000004/model.mpk");
    let mut bytes = std::fs::read(&weights).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&weights, bytes).unwrap();
    let err = pathcast()
        .args(["eval", "--model", &run, "--data", &data])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("model.mpk") && err.contains("corrupt"), "{err}");
    // The intact checkpoint before the damaged one is offered, can be used by name, and resuming
    // falls back to it.
    let previous = path("run/ckpt-00000002");
    assert!(err.contains(&format!("{previous}, is intact")), "{err}");
    let eval = json_of(&["eval", "--model", &previous, "--data", &data, "--json"]);
    assert_eq!(eval["paths"], 6 * 17 * 16);
    let out = pathcast()
        .args(["train", "--data", &data, "--out", &run, "--steps", "6", "--batch", "2", "--eval-every", "2"])
        .arg("--resume")
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(&format!("resuming from {previous}, step 2")), "{stderr}");
    json_of(&["eval", "--model", &run, "--data", &data, "--json"]);
}

/// Starts `pathcast ARGS`, waits until `ready` holds, kills it with SIGKILL, and checks it was
/// still running when killed.
fn kill_when(args: &[&str], ready: impl Fn() -> bool) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pathcast"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !ready() {
        assert!(started.elapsed().as_secs() < 120, "never ready: {args:?}");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "{args:?} had already finished when killed");
}

/// Every file under `dir` (relative path and bytes), leaving out temporary files.
fn files_of(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| e != "tmp") {
                let name = path.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn a_killed_dataset_generation_reruns_to_exactly_the_uninterrupted_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |out: &str| -> Vec<String> {
        ["dataset", "generate", "--topology", "gbn", "--samples", "24", "--shard-size", "2", "--jobs", "1"]
            .into_iter()
            .chain(["--packets-per-flow", "200", "--target-relative-se", "0", "--seed", "4", "--out", out])
            .map(str::to_owned)
            .collect()
    };
    let (whole, killed) = (dir.path().join("whole"), dir.path().join("killed"));
    let args = generate(killed.to_str().unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let shards = |d: &std::path::Path| {
        std::fs::read_dir(d).map_or(0, |es| {
            es.filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "pcs")).count()
        })
    };
    kill_when(&args, || shards(&killed) >= 2);
    pathcast().args(&args).assert().success();
    let args = generate(whole.to_str().unwrap());
    pathcast().args(&args).assert().success();
    let (a, b) = (files_of(&whole), files_of(&killed));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        if name != "manifest.json" {
            assert!(bytes == &b[name], "{name} differs after the kill and rerun");
        }
    }
    assert_eq!(json_of(&["dataset", "info", killed.to_str().unwrap(), "--json"])["samples"], 24);
}

#[test]
fn a_killed_training_run_resumes_to_exactly_the_uninterrupted_weights() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let data = path("data");
    pathcast()
        .args(["dataset", "generate", "--topology", "gbn", "--samples", "8", "--packets-per-flow", "30"])
        .args(["--target-relative-se", "0", "--shard-size", "2", "--out", &data])
        .assert()
        .success();
    let train = |run: &str| -> Vec<String> {
        ["train", "--data", &data, "--out", run, "--steps", "300", "--batch", "2", "--eval-every", "10"]
            .into_iter()
            .chain([
                "--devices",
                "cpu:2",
                "--optimizer",
                "lamb",
                "--lr",
                "1e-2",
                "--decay",
                "--average",
                "0.9",
            ])
            .map(str::to_owned)
            .collect()
    };
    let (whole, killed) = (path("whole"), path("killed"));
    let args = train(&killed);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let latest = dir.path().join("killed/latest.json");
    kill_when(&args, || latest.exists());
    pathcast().args(&args).arg("--resume").assert().success();
    let args = train(&whole);
    pathcast().args(&args).assert().success();
    let final_checkpoint = "ckpt-00000300";
    for file in ["model.mpk", "average.mpk", "optimizer.mpk"] {
        let read = |run: &str| std::fs::read(dir.path().join(run).join(final_checkpoint).join(file)).unwrap();
        assert!(read("whole") == read("killed"), "{file} differs after the kill and resume");
    }
}

#[test]
fn dataset_info_describes_the_shipped_data() {
    for (dir, name, samples) in [
        ("data/nsfnet", Some("NSFNet"), 200),
        ("data/geant2", Some("GEANT2"), 100),
        ("data/diverse", None, 150),
    ] {
        let info = json_of(&["dataset", "info", dir, "--json"]);
        assert_eq!(info["samples"], samples, "{dir}");
        assert_eq!(info["samples_requested"], samples, "{dir}");
        if let Some(name) = name {
            assert_eq!(info["topologies"][name], samples, "{dir}");
        }
        // Generated with the default precision target: every flow's standard error ≤ 2 %.
        assert!(info["relative_se_median"].as_f64().unwrap() < 0.01, "{dir}");
        assert!(info["relative_se_p95"].as_f64().unwrap() <= 0.02, "{dir}");
    }
    // The held-out diverse samples span what the generator promises.
    let info = json_of(&["dataset", "info", "data/diverse", "--json"]);
    assert!(info["capacity_decades"]["min"].as_f64().unwrap() >= 3.99, "{}", info["capacity_decades"]);
    assert!(info["peak_load"]["max"].as_f64().unwrap() > 1.0, "some samples overload a link");
    assert!(
        info["queue_packets"]["min"].as_f64().unwrap() >= 8.0
            && info["queue_packets"]["max"].as_f64().unwrap() <= 256.0
    );
    assert_eq!(info["packets"].as_object().unwrap().len(), 3, "{}", info["packets"]);
    assert!(info["topologies"].as_object().unwrap().len() >= 4, "{}", info["topologies"]);

    // The text form gives every figure its unit.
    let out = pathcast().args(["dataset", "info", "data/nsfnet"]).assert().success().get_output().clone();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |start: &str| text.lines().find(|l| l.starts_with(start)).unwrap().to_owned();
    assert!(line("delay ").matches(" ms").count() >= 2, "{text}");
    assert!(line("jitter ").matches(" s²").count() == 4, "{text}");
    assert!(line("loss ").matches(" %").count() == 4, "{text}");
}

#[test]
fn the_shipped_model_predicts_a_built_in_topology_out_of_the_box() {
    let out = pathcast()
        .args(["predict", "--scenario", "nsfnet", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8(out.stderr).unwrap().contains("generated traffic"));
    let predicted: Value = serde_json::from_slice(&out.stdout).unwrap();
    let flows = predicted["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 182);
    // At 70 % peak utilisation NSFNet path delays lie between a few tens of ms and a few seconds.
    assert!(flows.iter().all(|f| (0.005..5.0).contains(&f["delay_s"].as_f64().unwrap())));

    // The text form gives each figure its unit.
    let out = pathcast().args(["predict", "--scenario", "nsfnet"]).assert().success().get_output().clone();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 182);
    assert!(rows.iter().all(|r| r.matches(" ms").count() == 2 && r.contains('%')), "{}", rows[0]);
}

#[test]
fn predict_flags_overload_and_extrapolation() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("hot.json");
    pathcast()
        .args(["scenario", "new", "--topology", "nsfnet", "--seed", "3", "--max-utilization", "4", "-o"])
        .arg(&scenario)
        .assert()
        .success();
    let out = pathcast()
        .args(["predict", "--scenario", scenario.to_str().unwrap(), "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("is overloaded: offered 400 % of its capacity"), "{stderr}");
    assert!(stderr.contains("lie outside what the model was trained on"), "{stderr}");
    let predicted: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(predicted["overloaded_links"].as_u64().unwrap() >= 1);
    let links = predicted["links"].as_array().unwrap();
    let hot: Vec<usize> =
        links.iter().enumerate().filter(|(_, l)| l["overloaded"] == true).map(|(i, _)| i).collect();
    assert!(links.iter().all(|l| (l["load"].as_f64().unwrap() >= 1.0) == (l["overloaded"] == true)));
    let flows = predicted["flows"].as_array().unwrap();
    let flagged = flows.iter().filter(|f| !f["extrapolated"].as_array().unwrap().is_empty()).count();
    assert_eq!(predicted["extrapolated_flows"].as_u64().unwrap() as usize, flagged);
    assert!(flagged > 0);
    let reason = flows.iter().find_map(|f| f["extrapolated"].as_array().unwrap().first().cloned()).unwrap();
    assert!(reason.as_str().unwrap().contains("trained"), "{reason}");
    assert!(
        flows
            .iter()
            .all(|f| f["delay_s"].as_f64().unwrap().is_finite() && f["loss"].as_f64().unwrap() >= 0.0)
    );
    assert!(!hot.is_empty());
    let lossy = flows.iter().filter(|f| f["loss"].as_f64().unwrap() > 0.01).count();
    assert!(lossy > 0, "flows over links at 250 % lose packets");
}

#[test]
fn topo_info_reports_where_link_speeds_came_from_and_warns_about_assumed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partial.gml");
    std::fs::write(
        &file,
        "graph [\n node [ id 0 ]\n node [ id 1 ]\n node [ id 2 ]\n node [ id 3 ]\n \
         edge [ source 0 target 1 LinkSpeedRaw 1e10 ]\n edge [ source 1 target 2 LinkLabel \"OC192/STM64\" ]\n \
         edge [ source 2 target 3 LinkSpeed \"2.5\" LinkSpeedUnits \"G\" ]\n edge [ source 3 target 0 ]\n]\n",
    )
    .unwrap();
    let out = pathcast()
        .args(["topo", "info", file.to_str().unwrap(), "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().filter(|l| l.starts_with("warning:")).count(), 1, "{stderr}");
    assert!(
        stderr.contains("1 of 4 link speeds assumed (9.95 Gbit/s, the median of the file's speeds)"),
        "{stderr}"
    );
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = &info["capacity_sources"];
    assert_eq!((sources["raw"].as_u64(), sources["label"].as_u64()), (Some(1), Some(1)));
    assert_eq!((sources["units"].as_u64(), sources["assumed"].as_u64()), (Some(1), Some(1)));

    // The user's choice instead of the median; the assumed capacity is kept through a round trip.
    let gml = dir.path().join("again.gml");
    pathcast()
        .args(["topo", "convert", file.to_str().unwrap(), gml.to_str().unwrap(), "--missing-speed", "100M"])
        .assert()
        .success();
    let again = json_of(&["topo", "info", gml.to_str().unwrap(), "--json"]);
    assert_eq!(again["capacity_sources"]["assumed"].as_u64(), Some(1));
    assert_eq!(again["capacity_bps"]["min"].as_f64(), Some(1e8));
    assert_eq!(again["speed_warning"], Value::Null, "nothing is assumed anew");
}

/// A tiny dataset in the KDN v0 layout: three nodes in a line, two simulations.
fn kdn_dataset(dir: &std::path::Path) {
    let ned = "package netsimulator;\nnetwork  Network_line\n{\n    parameters:\n        int numNodes = 3;\n    types:\n        channel C10 extends ned.DatarateChannel\n        {\n            delay = 0ms;\n            datarate = 10kbps;\n        }\n    connections:\n      node0.port[0] <--> C10 <--> node1.port[0];\n      node1.port[1] <--> C10 <--> node2.port[0];\n}\n";
    std::fs::write(dir.join("Network_line.ned"), ned).unwrap();
    let rib = "-1,0,0,\n0,-1,1,\n0,0,-1,\n";
    let line = |scale: f64| {
        let mut v = vec![0.0; 90];
        for (pair, kbps) in [(1, 2.0), (2, 1.5), (3, 2.0), (5, 2.5), (6, 1.0), (7, 2.0)] {
            v[3 * pair] = kbps * scale;
            v[3 * pair + 1] = 1000.0;
            v[27 + 7 * pair] = 0.3 * scale;
            v[27 + 7 * pair + 3] = 0.25 * scale;
            v[27 + 7 * pair + 5] = 0.6 * scale;
            v[27 + 7 * pair + 6] = 0.05;
        }
        v.iter().map(f64::to_string).collect::<Vec<_>>().join(",") + ",\n"
    };
    let results = line(1.0) + &line(1.2);
    let file = std::fs::File::create(dir.join("results_line_9_Routing_SP_k_0.tar.gz")).unwrap();
    let mut archive = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
    for (name, text) in [("Routing.txt", rib.to_owned()), ("simulationResults.txt", results)] {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        archive
            .append_data(&mut header, format!("results_line_9_Routing_SP_k_0/{name}"), text.as_bytes())
            .unwrap();
    }
    archive.into_inner().unwrap().finish().unwrap();
}

#[test]
fn a_public_dataset_imports_and_its_labels_compare_with_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("line");
    std::fs::create_dir(&source).unwrap();
    kdn_dataset(&source);
    let out = dir.path().join("imported");
    pathcast()
        .args([
            "dataset",
            "import",
            "--format",
            "kdn-v0",
            source.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let info = json_of(&["dataset", "info", out.to_str().unwrap(), "--json"]);
    assert_eq!(info["samples"], 2);
    assert_eq!(info["flows"], 12);
    assert_eq!(info["packets"]["bimodal"], 2, "OMNeT++'s 300/1700-bit packets");
    assert_eq!(info["topologies"]["line"], 2);
    let c = json_of(&["simulate", "--compare", out.to_str().unwrap(), "--packets", "200", "--json"]);
    assert_eq!(c["samples"], 2);
    assert_eq!(c["flows"], 12);
    assert!(c["delay"]["mape"].as_f64().unwrap().is_finite());
    // The model evaluates on it too.
    let eval = json_of(&["eval", "--data", out.to_str().unwrap(), "--json"]);
    assert_eq!(eval["paths"], 12);
}

/// The sample networks in `topologies/samples/` cover each way a Zoo file states its link speeds;
/// each goes through import, traffic, prediction and a short simulation that agrees with it.
#[test]
fn sample_networks_with_stated_partial_label_and_missing_speeds_run_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    for (name, nodes, sources, warns) in [
        ("stated", 6, vec![("raw", 8)], false),
        ("partial", 6, vec![("raw", 5), ("units", 1), ("assumed", 2)], true),
        ("labels", 6, vec![("label", 6), ("assumed", 1)], true),
        ("unstated", 5, vec![("assumed", 5)], true),
    ] {
        let file = format!("topologies/samples/{name}.gml");
        let out = pathcast().args(["topo", "info", &file, "--json"]).assert().success().get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.contains("link speeds assumed"), warns, "{name}: {stderr}");
        let info: Value = serde_json::from_slice(&out.stdout).unwrap();
        let counted = info["capacity_sources"].as_object().unwrap();
        assert_eq!(counted.len(), sources.len(), "{name}: {counted:?}");
        for (source, n) in sources {
            assert_eq!(counted[source].as_u64(), Some(n), "{name}: {source}");
        }

        let scenario = dir.path().join(format!("{name}.json"));
        pathcast()
            .args(["scenario", "new", "--topology", &file, "--seed", "5", "--max-utilization", "0.6"])
            .args(["--packets", "bimodal", "--mean-bits", "8000", "-o"])
            .arg(&scenario)
            .assert()
            .success();
        let scenario = scenario.to_str().unwrap();
        let predicted = json_of(&["predict", "--scenario", scenario, "--json"]);
        let simulated = json_of(&["simulate", scenario, "--packets", "400", "--seed", "2", "--json"]);
        let (predicted, simulated) =
            (predicted["flows"].as_array().unwrap(), simulated["flows"].as_array().unwrap());
        assert_eq!(predicted.len(), nodes * (nodes - 1), "{name}");
        let mut errors: Vec<f64> = predicted
            .iter()
            .zip(simulated)
            .map(|(p, s)| {
                assert_eq!((&p["src"], &p["dst"]), (&s["src"], &s["dst"]));
                let (p, s) = (p["delay_s"].as_f64().unwrap(), s["mean_delay_s"].as_f64().unwrap());
                assert!(p.is_finite() && p > 0.0, "{name}: {p}");
                (p - s).abs() / s
            })
            .collect();
        errors.sort_by(f64::total_cmp);
        assert!(
            errors[errors.len() / 2] < 0.02,
            "{name}: median relative error {}",
            errors[errors.len() / 2]
        );
    }
}

/// The classes of input that once crashed, hung or were silently accepted (issue "Hardening"),
/// each kept as a case the release binary must refuse with exit 2 and one clean line.
#[test]
fn inputs_that_once_broke_pathcast_are_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let base = pathcast()
        .args(["scenario", "new", "--topology", "nsfnet", "--seed", "1", "-o"])
        .arg(dir.path().join("s.json"))
        .assert()
        .success();
    drop(base);
    let scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut s = scenario.clone();
        edit(&mut s);
        s.to_string()
    };
    let merged_to_infinity = "graph [ node [ id 0 ] node [ id 1 ]\n edge [ source 0 target 1 LinkSpeedRaw 1e308 ]\n \
                              edge [ source 0 target 1 LinkSpeedRaw 1e308 ] ]";
    let escape_in_id = "graph [ node [ id 0 ] node [ id 1 ] edge [ source 0 target \"\u{1b}[2J\" ] ]";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["topo".into(), "info".into(), write("inf.gml", merged_to_infinity)], "finite"),
        (vec!["topo".into(), "info".into(), write("esc.gml", escape_in_id)], "must be an integer"),
        (vec!["topo".into(), "info".into(), "no-such-\u{1b}[2J.gml".into()], "\\u{1b}"),
        (
            vec![
                "routes".into(),
                write(
                    "dup.json",
                    &edited(&|s| {
                        let first = s["flows"][0].clone();
                        s["flows"].as_array_mut().unwrap().push(first);
                    }),
                ),
            ],
            "0",
        ),
        (
            vec![
                "simulate".into(),
                write("flood.json", &edited(&|s| s["flows"][0]["rate_bps"] = 1e30.into())),
                "--packets".into(),
                "100".into(),
            ],
            "events",
        ),
        (
            vec![
                "predict".into(),
                "--scenario".into(),
                write("zero.json", &edited(&|s| s["links"][0]["capacity_bps"] = 0.0.into())),
            ],
            "capacity",
        ),
    ];
    for (args, expected) in cases {
        let out = pathcast()
            .args(&args)
            .timeout(std::time::Duration::from_secs(30))
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected) && !stderr.contains('\u{1b}') && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }

    // A reader that stops early: the command ends quietly, without "Broken pipe".
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pathcast"))
        .args(["routes", "gbn", "--k", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 141), "{:?}", out.status);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
