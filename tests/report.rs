//! The HTML planning report: what it holds, that the planner's own names are escaped, and that a
//! real browser (headless Chromium, from Debian's packages) renders it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pathcast::model::pretrained;
use pathcast::net::{FailureCase, Metric, Scenario, TrafficSpec, builtin};
use pathcast::plan::SweepKind;
use pathcast::plan::upgrades::UpgradeRules;
use pathcast::report::{ReportOptions, build, render};
use pathcast::sim::SimConfig;

fn nsfnet() -> Scenario {
    let topology = builtin::load("nsfnet").unwrap().topology;
    let spec = TrafficSpec { seed: 3, max_avg_lambda: None, max_utilization: Some(0.7) };
    Scenario::generate("nsfnet", topology, spec).unwrap()
}

#[test]
fn the_report_holds_every_section_with_the_models_figures() {
    let model = pretrained::trained();
    let mut s = nsfnet();
    // The median predicted delay as the target: about half the pairs go over it.
    let mut delays: Vec<f64> = model.predict(&s).unwrap().flows.iter().map(|f| f.delay_s).collect();
    delays.sort_by(f64::total_cmp);
    s.targets.global_s = Some(delays[delays.len() / 2]);
    s.topology.node_mut(0).unwrap().label = "<script>alert(1)</script>".into();
    let options = ReportOptions {
        sweep: Some(SweepKind::Links),
        upgrades: Some(UpgradeRules { step_factor: 2.0, cost_per_step: 1.0, max_steps: 10, failures: None }),
        verify: Some(SimConfig { packets_per_flow: 300, ..SimConfig::default() }),
    };
    let report = build(&model, "the shipped model", &s, &options, Metric::Hops).unwrap();
    let html = render(&report);
    for heading in [
        "Topology",
        "Per-pair delay",
        "Link loads",
        "Delay targets",
        "Failure sweep",
        "Suggested upgrades",
        "Model and extrapolation",
        "Verified with the simulator",
    ] {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "no {heading} section");
    }
    assert!(!html.contains("<script"), "a node name is text, not markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // One heatmap cell and one table row per flow, each with the model's delay.
    let prediction = model.predict(&s).unwrap();
    assert_eq!(html.matches(" → ").count(), prediction.flows.len());
    let violations = pathcast::plan::violations(&s, &prediction);
    assert_eq!(report.violations, violations);
    assert!(violations.len() > 50, "{}", violations.len());
    assert!(html.contains(&format!("{} pairs are over their target", violations.len())));
    let verified = report.verification.as_ref().unwrap();
    assert_eq!(verified.pairs.len(), prediction.flows.len());
    assert!(verified.mape_percent.is_finite() && verified.mape_percent < 25.0, "{}", verified.mape_percent);
}

/// Headless Chromium, when installed. CI installs it, so there a missing browser fails the test.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium to check the report");
        eprintln!("chromium is not installed: the report is not rendered");
    }
    found
}

fn screenshot(browser: &Path, html: &Path, png: &Path) {
    // Bounded, so that a browser that hangs fails the test instead of stalling it.
    let status = std::process::Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2000"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "chromium failed on {}", html.display());
}

#[test]
fn the_cli_writes_a_report_chromium_renders() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = nsfnet();
    let links = s.topology.duplex_links().take(2).map(|(a, b, _)| (a, b)).collect();
    s.failures.push(FailureCase { name: "east coast".into(), links, nodes: vec![] });
    let (scenario, html) = (dir.path().join("nsfnet.json"), dir.path().join("report.html"));
    std::fs::write(&scenario, s.to_json()).unwrap();
    Command::cargo_bin("pathcast")
        .unwrap()
        .args(["report", scenario.to_str().unwrap(), "--sweep", "saved", "--target", "400ms", "-o"])
        .arg(&html)
        .assert()
        .success();
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>") && text.contains("east coast"));
    assert!(!text.contains("src=") && !text.contains("<link"), "self-contained: nothing loaded from outside");

    let Some(browser) = chromium() else { return };
    let png = dir.path().join("report.png");
    screenshot(&browser, &html, &png);
    let image = image::open(&png).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (1280, 2000));
    // The page is drawn, not blank: dark text, the heatmap's reds and the topology's nodes.
    let pixels: Vec<_> = image.pixels().collect();
    let dark = pixels.iter().filter(|p| p.0.iter().all(|&c| c < 80)).count();
    let red = pixels.iter().filter(|p| p.0[0] > 180 && p.0[1] < 120 && p.0[2] < 100).count();
    let node_blue = pixels.iter().filter(|p| p.0 == [0x1f, 0x4e, 0x79]).count();
    assert!(dark > 2_000, "text: {dark} dark pixels");
    assert!(red > 2_000, "heatmap or loaded links: {red} red pixels");
    assert!(node_blue > 14 * 20, "14 node markers: {node_blue} pixels");
}
