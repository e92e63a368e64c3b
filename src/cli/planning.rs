//! `pathcast compare` and `pathcast report`: two plans side by side, and the planning report.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{check_config, printable, scenario_with_target, scenario_with_traffic, trained_model};
use crate::net::Metric;
use crate::net::gml::ImportOptions;
use crate::net::units::format_seconds;
use crate::plan::SweepKind;
use crate::plan::upgrades::UpgradeRules;
use crate::report::{ReportOptions, build, render};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Plan A: scenario JSON, GML or built-in name.
    a: String,
    /// Plan B, compared against A.
    b: String,
    /// Pairs to print (the JSON has them all).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    #[arg(long)]
    model: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scenario JSON, GML or built-in name (generated traffic when it has none).
    scenario: String,
    /// The HTML file to write.
    #[arg(short, long)]
    out: PathBuf,
    /// The failure sweep to include.
    #[arg(long, value_enum, default_value_t = SweepKind::Links)]
    sweep: SweepKind,
    /// A delay target for every pair (e.g. 150ms), in place of the scenario's global one.
    #[arg(long, value_parser = crate::net::units::parse_seconds)]
    target: Option<f64>,
    /// Upgrade search: each step multiplies a link's capacity by this (needs delay targets).
    #[arg(long, default_value_t = 2.0)]
    step: f64,
    /// Also run the packet-level simulator and set its delays beside the predictions.
    #[arg(long)]
    verify: bool,
    #[arg(long)]
    model: Option<PathBuf>,
}

pub fn compare(args: CompareArgs, import: &ImportOptions) -> Result<()> {
    let model = trained_model(args.model.as_deref())?;
    let a = scenario_with_traffic(&args.a, import)?;
    let b = scenario_with_traffic(&args.b, import)?;
    let comparison = crate::plan::compare(&model, &a, &b).context("cannot predict the plans")?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&comparison)?);
        return Ok(());
    }
    for (label, plan) in [("A", &comparison.a), ("B", &comparison.b)] {
        outln!(
            "{label} {}: {} flows, mean delay {}, worst {}, {} over target, {} extrapolated",
            printable(&plan.name),
            plan.flows,
            format_seconds(plan.mean_delay_s),
            format_seconds(plan.worst_delay_s),
            plan.over_target,
            plan.extrapolated
        );
    }
    if comparison.links.is_empty() {
        outln!("links: no change");
    } else {
        outln!("links changed ({}):", comparison.links.len());
        for change in &comparison.links {
            outln!("  {}", printable(&change.to_string()));
        }
    }
    if comparison.demands_changed > 0 {
        outln!("demands changed for {} pairs", comparison.demands_changed);
    }
    for (side, nodes) in [("A", &comparison.nodes_only_in_a), ("B", &comparison.nodes_only_in_b)] {
        if !nodes.is_empty() {
            outln!("nodes only in {side}: {}", printable(&nodes.join(", ")));
        }
    }
    outln!("largest per-pair changes (B - A):");
    for pair in comparison.pairs.iter().take(args.limit) {
        let figure = |d: Option<f64>| d.map_or("no flow".to_owned(), format_seconds);
        let change = pair.change_s().map_or(String::new(), |c| {
            format!("  {}{}", if c >= 0.0 { "+" } else { "-" }, format_seconds(c.abs()))
        });
        let flag = if pair.extrapolated { "  (extrapolated)" } else { "" };
        outln!(
            "  {} -> {}: {} -> {}{change}{flag}",
            printable(&pair.src),
            printable(&pair.dst),
            figure(pair.a_delay_s),
            figure(pair.b_delay_s)
        );
    }
    Ok(())
}

pub fn report(args: ReportArgs, import: &ImportOptions) -> Result<()> {
    if !(args.step.is_finite() && args.step > 1.0) {
        bail!("--step must be above 1");
    }
    let model = trained_model(args.model.as_deref())?;
    let model_name = match &args.model {
        Some(dir) => format!("the model of {}", dir.display()),
        None => "the shipped model".to_owned(),
    };
    let scenario = scenario_with_target(&args.scenario, import, args.target)?;
    if let Some(why) = args.sweep.nothing_to_fail(&scenario) {
        bail!("{} {why}: choose another --sweep", args.scenario);
    }
    let options = ReportOptions {
        sweep: Some(args.sweep),
        upgrades: Some(UpgradeRules {
            step_factor: args.step,
            cost_per_step: 1.0,
            max_steps: 30,
            failures: None,
        }),
        verify: args.verify.then(check_config),
    };
    let report = build(&model, &model_name, &scenario, &options, Metric::Hops)
        .with_context(|| format!("{}: cannot make the report", args.scenario))?;
    crate::fsutil::write_atomic(&args.out, render(&report).as_bytes())
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "wrote {}: {} pairs, {} over target, {} extrapolated{}",
        args.out.display(),
        report.prediction.flows.len(),
        report.violations.len(),
        report.prediction.extrapolated_flows(),
        report
            .verification
            .as_ref()
            .map_or(String::new(), |v| format!(", simulator MAPE {:.1} %", v.mape_percent))
    );
    Ok(())
}
