//! The headless command line: `pathcast <subcommand>`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::data::loader::split_shards;
use crate::data::{self, Dataset, GenerateRequest, Split};
use crate::model::{DefaultBackend, RouteNetConfig, checkpoint};
use crate::net::files::{self, save};
use crate::net::gml::{ImportOptions, MissingSpeed};
use crate::net::routing::{self, Metric};
use crate::net::units;
use crate::net::{PacketSizes, Scenario, TrafficSpec};
use crate::sim::{self, DiverseConfig, GeneratorConfig, Networks, SimConfig};
use crate::train::devices::Devices;
use crate::train::trainer::OptimizerKind;
use crate::train::{TrainConfig, TrainEvent};

/// Writes a line to standard output; a closed pipe (`pathcast … | head`) ends the command quietly
/// instead of panicking as `println!` does.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err(anyhow::Error::from)?;
    }};
}

mod planning;

/// Whether an error is standard output closed by its reader: the command's output simply ends.
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Text from files and arguments, safe to print: control characters (terminal escapes) are shown
/// as `\u{..}` instead of being sent to the terminal.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What-if per-path delay prediction for network planners.
#[derive(Debug, Parser)]
#[command(name = "pathcast", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub import: GmlArgs,
}

/// How GML files are read, for every command that reads one.
#[derive(Debug, Args, Default)]
pub struct GmlArgs {
    /// Leave link propagation delays at 0 instead of computing them from the nodes' coordinates
    /// (great-circle distance at 2×10⁸ m/s).
    #[arg(long, global = true)]
    pub no_geo_propagation: bool,
    /// Capacity of links whose speed a GML file does not state: `median` (of the file's speeds),
    /// `min`, or a rate such as `10G`. A file that states none gets 1 Gbit/s on every link.
    #[arg(long, global = true, default_value = "median", value_name = "BITS|median|min")]
    pub missing_speed: MissingSpeed,
}

impl GmlArgs {
    /// The import options these flags ask for.
    pub fn options(&self) -> ImportOptions {
        ImportOptions { geographic_propagation: !self.no_geo_propagation, missing_speed: self.missing_speed }
    }
}

/// Headless subcommands; without one, pathcast opens the desktop app.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the desktop app (the default without a subcommand).
    Gui(GuiArgs),
    /// Inspect and convert topologies.
    #[command(subcommand)]
    Topo(TopoCommand),
    /// Create scenarios.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Print the path of every source→destination pair (and k-shortest alternatives).
    Routes(RoutesArgs),
    /// Run the packet-level simulator on one scenario: per-flow delay, jitter, loss; per-link load.
    Simulate(SimulateArgs),
    /// Generate and inspect labelled datasets.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Train RouteNet on one or more dataset directories (checkpoints in RUN_DIR).
    Train(TrainArgs),
    /// Evaluate a trained model on a dataset: MSE, Pearson ρ, MAPE.
    Eval(EvalArgs),
    /// Predict per-flow delay, jitter and loss for a scenario.
    Predict(PredictArgs),
    /// Fail every link, node, SRLG or pair of links in turn and predict each case: the cases
    /// ranked, and each pair's worst case with the failure that causes it.
    Sweep(SweepArgs),
    /// Suggest the cheapest capacity upgrades that meet every delay target, also under a
    /// failure sweep, and check the plan with the simulator.
    Upgrade(UpgradeArgs),
    /// Predict two plans and compare them: per-pair delay change, links and demands changed.
    Compare(planning::CompareArgs),
    /// Write a self-contained HTML planning report: topology, delays, loads, failure sweep,
    /// targets, upgrades, model flags, and the simulator's check with --verify.
    Report(planning::ReportArgs),
    /// Demand matrices: CSV export and import, growth projections.
    #[command(subcommand)]
    Demands(DemandsCommand),
    /// Measurements that take minutes: the reference table.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// Options of the desktop app.
#[derive(Debug, Args, Default)]
pub struct GuiArgs {
    /// A topology (GML, or nsfnet, geant2, gbn) or scenario (JSON) to open instead of NSFNet.
    pub open: Option<String>,
    /// Save a PNG of the window after `--frames` frames, then quit (for CI and docs).
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
    #[arg(long, default_value_t = 60, requires = "screenshot")]
    pub frames: u64,
    /// Window size in logical pixels, e.g. 1280x720.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<[f32; 2]>,
    /// Open on this part of the analysis panel; `training` starts a run on the Train form's
    /// dataset and `verify` a simulation (a screenshot waits for it to finish).
    #[arg(long, value_enum, default_value_t = ShownSection::Heatmap)]
    pub show: ShownSection,
    /// Compare the opened plan with this scenario file: both plans' figures, the changed links,
    /// and the heatmap of the per-pair difference.
    #[arg(long, value_name = "SCENARIO")]
    pub compare: Option<PathBuf>,
}

/// The `--show` sections of the desktop app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ShownSection {
    #[default]
    Heatmap,
    Tables,
    Training,
    Verify,
}

/// Reads a window size: `1280x720`, each side 400 to 10 000.
fn parse_size(text: &str) -> Result<[f32; 2], String> {
    let bad = || format!("{text:?} is not a window size such as 1280x720");
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let side =
        |s: &str| s.trim().parse::<f32>().ok().filter(|v| (400.0..=10_000.0).contains(v)).ok_or_else(bad);
    Ok([side(w)?, side(h)?])
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Baseline (1 device, Adam) against the framework (N replicas, LAMB, weight averaging) on the
    /// same data and steps; prints the reference poster's Table 1 as Markdown.
    Train(BenchTrainArgs),
    /// The model against the simulator on networks it was not trained on: Topology Zoo files at
    /// their own link speeds and random 50–100-node graphs; MAPE, ρ and p95 error per network.
    Generalization(BenchGeneralizationArgs),
}

#[derive(Debug, Args)]
pub struct BenchGeneralizationArgs {
    /// Topology Zoo GML files, or directories of them.
    zoo: Vec<PathBuf>,
    /// Random 50–100-node graphs to add.
    #[arg(long, default_value_t = 3)]
    random: usize,
    /// Run directory of a trained model (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Relative standard error the simulator reaches on every flow's mean delay.
    #[arg(long, default_value_t = 0.01)]
    target_relative_se: f64,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct BenchTrainArgs {
    #[arg(long, value_delimiter = ',', required = true)]
    data: Vec<PathBuf>,
    /// Run directories go under here (baseline/ and framework/).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 1000)]
    steps: u64,
    #[arg(long, default_value_t = 8)]
    batch: usize,
    #[arg(long, default_value_t = 100)]
    eval_every: u64,
    /// Replicas of the framework run, e.g. cpu:2 or cuda:0,cuda:1.
    #[arg(long, default_value = "cpu:2")]
    devices: Devices,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Dataset directories, comma-separated (one per region or site; never merged).
    #[arg(long, value_delimiter = ',', required = true)]
    data: Vec<PathBuf>,
    /// Run directory for checkpoints.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 2000)]
    steps: u64,
    /// Samples per batch.
    #[arg(long, default_value_t = 8)]
    batch: usize,
    #[arg(long, default_value_t = 200)]
    eval_every: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Continue from the newest checkpoint in --out.
    #[arg(long)]
    resume: bool,
    /// Model replicas: cpu:N, or wgpu:0,wgpu:1 (discrete GPUs; wgpu:i0 an integrated one, wgpu:cpu
    /// a software adapter), or cuda:0,cuda:1.
    #[arg(long, default_value = "cpu:1")]
    devices: Devices,
    #[arg(long, value_enum, default_value = "adam")]
    optimizer: OptimizerKind,
    /// Linear learning-rate warm-up steps.
    #[arg(long, default_value_t = 0)]
    warmup: u64,
    /// Cosine learning-rate decay to a tenth at the last step.
    #[arg(long)]
    decay: bool,
    /// Clip gradients to this global L2 norm.
    #[arg(long)]
    clip: Option<f64>,
    /// Evaluate, checkpoint and predict with a moving average of the weights of this decay per
    /// step, e.g. 0.99 (Polyak averaging).
    #[arg(long)]
    average: Option<f64>,
    /// Also write every training event as a JSON line to this file.
    #[arg(long)]
    json_log: Option<PathBuf>,
    /// Train together with the other processes of an MPI job (`mpirun -np N pathcast train
    /// --distributed mpi ...`): gradients are summed across them; rank 0 reports and checkpoints.
    #[arg(long, value_enum)]
    distributed: Option<crate::train::Distributed>,
    /// Model sizes: path and link state, message-passing iterations, readout width.
    #[arg(long, default_value_t = RouteNetConfig::default().path_state)]
    path_state: usize,
    #[arg(long, default_value_t = RouteNetConfig::default().link_state)]
    link_state: usize,
    #[arg(long, default_value_t = RouteNetConfig::default().iterations)]
    iterations: usize,
    #[arg(long, default_value_t = RouteNetConfig::default().readout_hidden)]
    readout_hidden: usize,
    /// Readout dropout rate.
    #[arg(long, default_value_t = RouteNetConfig::default().dropout)]
    dropout: f64,
    /// Fraction of each dataset's shards held out for validation (the last ones).
    #[arg(long, default_value_t = TrainConfig::default().validation_fraction)]
    validation_fraction: f64,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Run directory of a trained model (default: the model shipped with pathcast).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Dataset directories, comma-separated; every shard is evaluated.
    #[arg(long, value_delimiter = ',', required = true)]
    data: Vec<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Run directory of a trained model (default: the model shipped with pathcast).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Scenario JSON.
    #[arg(long)]
    scenario: String,
    /// A delay target for every pair (e.g. 150ms), in place of the scenario's global one.
    #[arg(long, value_parser = crate::net::units::parse_seconds)]
    target: Option<f64>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Scenario JSON, GML or built-in name (generated traffic when it has none).
    scenario: String,
    /// A delay target for every pair (e.g. 150ms), in place of the scenario's global one.
    #[arg(long, value_parser = crate::net::units::parse_seconds)]
    target: Option<f64>,
    /// Failures the targets must also hold under: links, nodes, srlgs, double-links, saved.
    #[arg(long, value_enum)]
    failures: Option<crate::plan::SweepKind>,
    /// Each step multiplies a link's capacity by this.
    #[arg(long, default_value_t = 2.0)]
    step: f64,
    /// The cost of one step on one link.
    #[arg(long, default_value_t = 1.0)]
    cost: f64,
    #[arg(long, default_value_t = 30)]
    max_steps: u32,
    /// Write the upgraded scenario here.
    #[arg(short, long)]
    out: Option<PathBuf>,
    #[arg(long)]
    model: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DemandsCommand {
    /// Write a scenario's demands as CSV (src,dst,rate; nodes by name, rates in bit/s).
    Export {
        scenario: String,
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Replace a scenario's demands with a CSV file's and save the scenario.
    Import {
        scenario: String,
        csv: PathBuf,
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Grow every rate by a factor per year and predict each year: delays, pairs over their
    /// delay target, and the year each pair first goes over it.
    Grow {
        scenario: String,
        /// Yearly growth factor, e.g. 1.3 for +30 % a year.
        #[arg(long)]
        factor: f64,
        #[arg(long, default_value_t = 5)]
        years: u32,
        /// A delay target for every pair (e.g. 150ms), in place of the scenario's global one.
        #[arg(long, value_parser = crate::net::units::parse_seconds)]
        target: Option<f64>,
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario JSON, GML or built-in name (generated traffic when it has none).
    scenario: String,
    /// Which failures: links, nodes, srlgs, double-links, saved (the scenario's named ones).
    #[arg(long, value_enum, default_value_t = crate::plan::SweepKind::Links)]
    kind: crate::plan::SweepKind,
    /// Run directory of a trained model (default: the model shipped with pathcast).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Cases and pairs to print (the JSON has them all).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// A delay target for every pair (e.g. 150ms), in place of the scenario's global one.
    #[arg(long, value_parser = crate::net::units::parse_seconds)]
    target: Option<f64>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Simulate random scenarios of a topology into sharded dataset files (resumes if re-run).
    Generate(GenerateArgs),
    /// Convert a public OMNeT++-labelled dataset (KDN v0, GNNetworking Challenge 2020 or 2021) into
    /// pathcast shards, so that `dataset info`, `train` and `eval` run on its labels.
    Import(ImportArgs),
    /// Samples, topologies and label statistics of a dataset directory.
    Info {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(long, value_enum)]
    format: crate::data::import::ImportFormat,
    /// The dataset directory: for kdn-v0 the one with the .ned file and results_*.tar.gz; for
    /// challenge-2021 the one with graphs/, routings/ and results_*.tar.gz.
    source: PathBuf,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 50)]
    shard_size: u32,
    /// Import at most this many samples.
    #[arg(long)]
    limit: Option<u64>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// GML file, scenario JSON, or nsfnet | geant2 | gbn: every sample on this topology, traffic
    /// between every pair. Or `diverse`: every sample on a network of its own (random graphs and
    /// the built-ins, link speeds over several decades, buffers, packet sizes, loads to overload).
    #[arg(long)]
    topology: String,
    #[arg(long)]
    samples: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
    /// Samples per shard file.
    #[arg(long, default_value_t = 50)]
    shard_size: u32,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Split the shards over the processes of an MPI job (`mpirun -np N pathcast dataset
    /// generate --distributed mpi ...`); rank 0 writes the manifest. The output is the same bytes
    /// as a single process's.
    #[arg(long, value_enum)]
    distributed: Option<crate::train::Distributed>,
    /// Measured packets per flow in each simulation (the minimum when a precision target is set).
    #[arg(long, default_value_t = 1000)]
    packets_per_flow: u64,
    /// Simulate each flow until the standard error of its mean delay is at most this fraction of
    /// the mean (up to 50 × --packets-per-flow); 0 turns it off.
    #[arg(long, default_value_t = 0.02)]
    target_relative_se: f64,
    /// Lowest and highest peak link utilisation drawn per sample.
    #[arg(long, default_value_t = 0.1)]
    min_utilization: f64,
    #[arg(long, default_value_t = 0.95)]
    max_utilization: f64,
    /// Each pair may be moved to one of its k loopless shortest paths.
    #[arg(long, default_value_t = 3)]
    routing_alternatives: usize,
    /// Draw link capacities from {10, 25, 40} kbit/s per sample (on one topology).
    #[arg(long)]
    random_capacities: bool,
    /// Packet sizes (on one topology; diverse samples draw theirs).
    #[arg(long, value_enum, default_value = "exponential")]
    packets: PacketKind,
    #[arg(long, default_value_t = 1000.0)]
    mean_bits: f64,
    /// Diverse: smallest and largest random network, in nodes.
    #[arg(long, value_delimiter = ',', num_args = 2, default_values_t = [10, 100])]
    nodes: Vec<usize>,
    /// Diverse: most pairs with traffic per sample.
    #[arg(long, default_value_t = 240)]
    max_flows: usize,
    /// Diverse: fraction of samples with traffic classes and SP, WFQ, DRR or FIFO ports.
    #[arg(long, default_value_t = 0.0)]
    qos_fraction: f64,
}

#[derive(Debug, Subcommand)]
pub enum TopoCommand {
    /// Size, connectivity and capacities of a topology (GML, scenario JSON or a built-in name).
    Info {
        file: String,
        #[arg(long)]
        json: bool,
    },
    /// Convert between GML and scenario JSON (by extension).
    Convert { input: String, output: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// A scenario with shortest-path routing and RouteNet-style random traffic.
    New(NewScenarioArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PacketKind {
    Exponential,
    Bimodal,
    Fixed,
}

#[derive(Debug, Args)]
pub struct NewScenarioArgs {
    /// GML file, scenario JSON, or nsfnet | geant2 | gbn.
    #[arg(long)]
    topology: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// RouteNet maxAvgLambda in bit/s (each pair gets maxAvgLambda × U(0.1, 1)); drawn from 400–2000 if absent.
    #[arg(long)]
    max_avg_lambda: Option<f64>,
    /// Rescale traffic so the busiest link runs at this utilisation (0–1 and beyond).
    #[arg(long)]
    max_utilization: Option<f64>,
    #[arg(long, value_enum, default_value = "exponential")]
    packets: PacketKind,
    #[arg(long, default_value_t = 1000.0)]
    mean_bits: f64,
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// Scenario JSON, GML file or built-in name.
    scenario: String,
    /// Also list up to K loopless shortest alternatives per pair.
    #[arg(long, default_value_t = 1)]
    k: usize,
    /// Metric for the alternatives.
    #[arg(long, value_enum, default_value = "hops")]
    metric: Metric,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario JSON, GML file or built-in name.
    #[arg(required_unless_present = "compare")]
    scenario: Option<String>,
    /// Instead: simulate the samples of this dataset (e.g. an imported OMNeT++ one) and compare
    /// with its labels: MAPE, ρ and p95 error of the mean delay per topology, jitter, loss.
    #[arg(long, value_name = "DATASET_DIR", conflicts_with = "scenario")]
    compare: Option<PathBuf>,
    /// With --compare: at most this many samples.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Measured packets (delivered or dropped) per flow before stopping.
    #[arg(long, default_value_t = 2000)]
    packets: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop after this many events (about 13 million a second); the figures reached so far are
    /// printed, with a warning that they are short of the packet count.
    #[arg(long, default_value_t = 300_000_000)]
    max_events: u64,
    #[arg(long)]
    json: bool,
}

/// Runs a headless subcommand, reading GML files with `import`.
pub fn run(command: Command, import: &ImportOptions) -> Result<()> {
    match command {
        Command::Gui(args) => gui(args),
        Command::Topo(TopoCommand::Info { file, json }) => topo_info(&file, json, import),
        Command::Topo(TopoCommand::Convert { input, output }) => {
            save(&output, &load(&input, import)?.scenario)?;
            Ok(())
        }
        Command::Scenario(ScenarioCommand::New(args)) => new_scenario(args, import),
        Command::Routes(args) => routes(args, import),
        Command::Simulate(args) => simulate(args, import),
        Command::Dataset(DatasetCommand::Generate(args)) => generate_dataset(args, import),
        Command::Dataset(DatasetCommand::Import(args)) => import_dataset(args),
        Command::Dataset(DatasetCommand::Info { dir, json }) => dataset_info(&dir, json),
        Command::Train(args) => train(args),
        Command::Eval(args) => eval(args),
        Command::Predict(args) => predict(args, import),
        Command::Sweep(args) => sweep(args, import),
        Command::Demands(command) => demands(command, import),
        Command::Upgrade(args) => upgrade(args, import),
        Command::Compare(args) => planning::compare(args, import),
        Command::Report(args) => planning::report(args, import),
        Command::Bench(BenchCommand::Train(args)) => bench_train(args),
        Command::Bench(BenchCommand::Generalization(args)) => bench_generalization(args),
    }
}

fn gui(args: GuiArgs) -> Result<()> {
    let options = crate::ui::AppOptions {
        open: args.open,
        screenshot: args.screenshot,
        screenshot_frames: args.frames,
        size: args.size,
        show: match args.show {
            ShownSection::Heatmap => crate::ui::Section::Heatmap,
            ShownSection::Tables => crate::ui::Section::Tables,
            ShownSection::Training => crate::ui::Section::Training,
            ShownSection::Verify => crate::ui::Section::Verify,
        },
        compare: args.compare,
    };
    crate::ui::run(options).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the desktop app: {e} (no display? the subcommands run headless: pathcast --help)"
        )
    })
}

/// Loads a file, printing its import notes and, when link speeds were assumed, one warning line.
fn load(spec: &str, import: &ImportOptions) -> Result<files::Loaded> {
    let loaded = files::load(spec, import)?;
    for note in &loaded.notes {
        eprintln!("note: {spec}: {note}");
    }
    if let Some(warning) = &loaded.speed_warning {
        eprintln!("warning: {spec}: {warning}; review them, or set them with --missing-speed");
    }
    Ok(loaded)
}

fn topo_info(file: &str, as_json: bool, import: &ImportOptions) -> Result<()> {
    let files::Loaded { scenario, notes, speed_warning } = load(file, import)?;
    let t = &scenario.topology;
    let caps: Vec<f64> = t.directed_links().map(|l| l.params.capacity_bps).collect();
    let min = caps.iter().copied().fold(f64::INFINITY, f64::min);
    let max = caps.iter().copied().fold(0.0, f64::max);
    let sources = t.capacity_source_counts();
    if as_json {
        let info = json!({
            "name": scenario.name,
            "nodes": t.node_count(),
            "links": t.link_count(),
            "directed_links": t.directed_link_count(),
            "connected": t.is_connected(),
            "capacity_bps": if caps.is_empty() { json!(null) } else { json!({"min": min, "max": max}) },
            "capacity_sources": sources,
            "speed_warning": speed_warning,
            "notes": notes,
        });
        outln!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        outln!("{}", printable(&scenario.name));
        outln!("nodes           {}", t.node_count());
        outln!("links (duplex)  {}", t.link_count());
        outln!("directed links  {}", t.directed_link_count());
        outln!("connected       {}", if t.is_connected() { "yes" } else { "no" });
        if !caps.is_empty() {
            outln!("capacity        {} – {}", units::format_bps(min), units::format_bps(max));
            let sources: Vec<String> = sources.iter().map(|(k, n)| format!("{n} {k}")).collect();
            outln!("speeds from     {}", sources.join(", "));
        }
    }
    Ok(())
}

fn new_scenario(args: NewScenarioArgs, import: &ImportOptions) -> Result<()> {
    if !(args.mean_bits.is_finite() && args.mean_bits > 0.0) {
        bail!("--mean-bits must be positive, got {}", args.mean_bits);
    }
    if let Some(u) = args.max_utilization.filter(|u| !(u.is_finite() && *u > 0.0)) {
        bail!("--max-utilization must be positive, got {u}");
    }
    if let Some(l) = args.max_avg_lambda.filter(|l| !(l.is_finite() && *l > 0.0)) {
        bail!("--max-avg-lambda must be positive, got {l}");
    }
    let base = load(&args.topology, import)?.scenario;
    let spec = TrafficSpec {
        seed: args.seed,
        max_avg_lambda: args.max_avg_lambda,
        max_utilization: args.max_utilization,
    };
    let mut scenario = Scenario::generate(base.name, base.topology, spec)
        .with_context(|| format!("{}: cannot route traffic", args.topology))?;
    scenario.packets = packet_sizes(args.packets, args.mean_bits);
    save(&args.output, &scenario)?;
    let peak = scenario.link_utilisation()?.into_iter().fold(0.0, f64::max);
    eprintln!(
        "wrote {}: {} flows, peak link utilisation {:.1}%",
        args.output.display(),
        scenario.traffic.len(),
        peak * 100.0
    );
    Ok(())
}

fn packet_sizes(kind: PacketKind, mean_bits: f64) -> PacketSizes {
    match kind {
        PacketKind::Exponential => PacketSizes::Exponential { mean_bits },
        PacketKind::Bimodal => PacketSizes::Bimodal { mean_bits },
        PacketKind::Fixed => PacketSizes::Fixed { mean_bits },
    }
}

fn routes(args: RoutesArgs, import: &ImportOptions) -> Result<()> {
    let scenario = load(&args.scenario, import)?.scenario;
    let t = &scenario.topology;
    let mut rows = Vec::new();
    for (src, dst, path) in scenario.routing.iter() {
        let alternatives: Vec<_> = if args.k > 1 {
            routing::k_shortest_paths(t, args.metric, src, dst, args.k)
                .into_iter()
                .map(|p| json!({"path": p, "cost": routing::path_cost(t, args.metric, &p)}))
                .collect()
        } else {
            Vec::new()
        };
        if args.json {
            rows.push(json!({"src": src, "dst": dst, "path": path, "hops": path.len() - 1, "alternatives": alternatives}));
        } else {
            outln!("{src} → {dst}: {}", join(path));
            for alt in &alternatives {
                let p: Vec<usize> = serde_json::from_value(alt["path"].clone())?;
                outln!("    alternative (cost {}): {}", alt["cost"], join(&p));
            }
        }
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(())
}

fn join(path: &[usize]) -> String {
    path.iter().map(usize::to_string).collect::<Vec<_>>().join(" ")
}

fn simulate(args: SimulateArgs, import: &ImportOptions) -> Result<()> {
    if let Some(dir) = &args.compare {
        return compare_with_labels(dir, &args);
    }
    let spec = args.scenario.clone().expect("clap requires a scenario without --compare");
    let scenario = load(&spec, import)?.scenario;
    let config = SimConfig {
        seed: args.seed,
        packets_per_flow: args.packets,
        warmup_packets_per_flow: (args.packets / 10).max(1),
        max_events: args.max_events,
        ..SimConfig::default()
    };
    let result = sim::simulate(&scenario, &config).with_context(|| format!("{spec}: cannot simulate"))?;
    if !result.complete {
        eprintln!(
            "warning: the event budget (--max-events {}) ran out before every flow reached {} packets: \
             the figures rest on fewer packets",
            args.max_events, args.packets
        );
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(());
    }
    outln!("{:>4} {:>4} {:>10} {:>10} {:>12} {:>8}", "src", "dst", "delay", "p90", "jitter (std)", "loss");
    for f in &result.flows {
        outln!(
            "{:>4} {:>4} {:>10} {:>10} {:>12} {:>7.2}%",
            f.src,
            f.dst,
            units::format_seconds(f.mean_delay_s),
            units::format_seconds(f.p90_delay_s),
            units::format_seconds(f.jitter_s2.max(0.0).sqrt()),
            f.loss_ratio * 100.0
        );
    }
    eprintln!("{} events, {:.1} s simulated", result.events, result.end_s);
    Ok(())
}

fn compare_with_labels(dir: &std::path::Path, args: &SimulateArgs) -> Result<()> {
    let dataset = Dataset::open(dir)?;
    let config = SimConfig {
        seed: args.seed,
        packets_per_flow: args.packets,
        target_relative_se: Some(0.01),
        max_packets_per_flow: 20 * args.packets,
        warmup_packets_per_flow: (args.packets / 10).max(1),
        max_events: args.max_events.saturating_mul(10),
        ..SimConfig::default()
    };
    let c = data::compare::compare(&dataset, &config, args.limit)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&c)?);
        return Ok(());
    }
    let row = |a: &data::stats::Accuracy| {
        format!("MAPE {:.2} %  ρ {:.4}  p95 {:.2} %  bias {:+.2} %", a.mape, a.pearson, a.p95, a.bias)
    };
    outln!(
        "{}: {} samples, {} flows, pathcast's simulator against the labels",
        dir.display(),
        c.samples,
        c.flows
    );
    outln!("mean delay   {}", row(&c.delay));
    for (topology, a) in &c.per_topology {
        outln!("  {}: {}", printable(topology), row(a));
    }
    if c.per_class.len() > 1 {
        for (class, a) in &c.per_class {
            outln!("  class {class}: {}", row(a));
        }
    }
    for (what, part) in [("no overloaded link", &c.not_overloaded), ("an overloaded link", &c.overloaded)] {
        if let Some((samples, a)) = part {
            outln!("  {samples} samples with {what}: {}", row(a));
        }
    }
    outln!("jitter       {}", row(&c.jitter));
    outln!("loss         mean |difference| {:.3} percentage points", c.loss_abs_diff_pp);
    for why in &c.skipped {
        eprintln!("skipped: {}", printable(why));
    }
    Ok(())
}

fn generate_dataset(args: GenerateArgs, import: &ImportOptions) -> Result<()> {
    let (lo, hi) = (args.min_utilization, args.max_utilization);
    if !(lo > 0.0 && lo <= hi && hi.is_finite()) {
        bail!("utilisation range {lo}..{hi} must satisfy 0 < min <= max");
    }
    if args.samples == 0 || args.packets_per_flow == 0 || args.shard_size == 0 {
        bail!("--samples, --packets-per-flow and --shard-size must be at least 1");
    }
    if !(args.mean_bits.is_finite() && args.mean_bits > 0.0) {
        bail!("--mean-bits must be positive, got {}", args.mean_bits);
    }
    let (name, topology, networks) = if args.topology == "diverse" {
        let (min_nodes, max_nodes) = (args.nodes[0], args.nodes[1]);
        if !(2 <= min_nodes && min_nodes <= max_nodes && max_nodes <= 1000) || args.max_flows == 0 {
            bail!("--nodes must be 2 <= MIN <= MAX <= 1000 and --max-flows at least 1");
        }
        if !(0.0..=1.0).contains(&args.qos_fraction) {
            bail!("--qos-fraction must be between 0 and 1, got {}", args.qos_fraction);
        }
        let diverse = DiverseConfig {
            nodes: (min_nodes, max_nodes),
            max_flows: args.max_flows,
            qos_fraction: args.qos_fraction,
            ..DiverseConfig::default()
        };
        ("diverse".to_owned(), crate::net::Topology::new(), Networks::Diverse(diverse))
    } else {
        let base = load(&args.topology, import)?.scenario;
        (base.name, base.topology, Networks::Fixed { random_capacities: args.random_capacities })
    };
    let request = GenerateRequest {
        dir: args.out.clone(),
        name,
        topology,
        generator: GeneratorConfig {
            seed: args.seed,
            packets_per_flow: args.packets_per_flow,
            target_relative_se: (args.target_relative_se > 0.0).then_some(args.target_relative_se),
            utilisation: (lo, hi),
            routing_alternatives: args.routing_alternatives.max(1),
            packets: packet_sizes(args.packets, args.mean_bits),
            networks,
            ..GeneratorConfig::default()
        },
        samples: args.samples,
        shard_size: args.shard_size,
        jobs: args.jobs.unwrap_or(0),
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed))
        .context("cannot install the Ctrl-C handler")?;
    let bar = indicatif::ProgressBar::new(args.samples);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} samples  {per_sec}  eta {eta}")
            .expect("valid template"),
    );
    let started = std::time::Instant::now();
    let outcome = match args.distributed {
        None => data::generate(&request, &stop, &|n| bar.inc(n))?,
        Some(crate::train::Distributed::Mpi) => match generate_over_mpi(&request, &stop, &bar)? {
            Some(outcome) => outcome,
            None => return Ok(()),
        },
        Some(crate::train::Distributed::Nccl) => {
            bail!("dataset generation runs on CPUs: use --distributed mpi")
        }
    };
    bar.finish_and_clear();
    let made = outcome.manifest.samples();
    if outcome.interrupted {
        eprintln!(
            "interrupted: {made} samples in finished shards kept in {}; run again to resume",
            args.out.display()
        );
    } else {
        eprintln!(
            "{made} samples in {} shards in {} ({} shards resumed, {:.1} s)",
            outcome.manifest.shards.len(),
            args.out.display(),
            outcome.resumed_shards,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// This process's shards of an MPI job's dataset; rank 0 then writes the manifest and gets the
/// outcome, the others `None`.
#[cfg(feature = "mpi")]
fn generate_over_mpi(
    request: &GenerateRequest,
    stop: &std::sync::atomic::AtomicBool,
    bar: &indicatif::ProgressBar,
) -> Result<Option<data::dataset::GenerateOutcome>> {
    use crate::train::collective::{Collective, Mpi};
    let world = Mpi::join()?;
    let share = data::Share { rank: world.rank(), size: world.size() };
    if share.rank != 0 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    data::generate_share(request, share, stop, &|n| bar.inc(n * share.size as u64))?;
    world.barrier();
    Ok(if share.rank == 0 { Some(data::finish_shared(request)?) } else { None })
}

#[cfg(not(feature = "mpi"))]
fn generate_over_mpi(
    _: &GenerateRequest,
    _: &std::sync::atomic::AtomicBool,
    _: &indicatif::ProgressBar,
) -> Result<Option<data::dataset::GenerateOutcome>> {
    bail!("this build has no MPI: rebuild pathcast with `--features mpi`")
}

fn import_dataset(args: ImportArgs) -> Result<()> {
    let outcome = data::import::import(args.format, &args.source, &args.out, args.shard_size, args.limit)?;
    for why in outcome.skipped.iter().take(5) {
        eprintln!("skipped: {why}");
    }
    if outcome.skipped.len() > 5 {
        eprintln!("skipped: … {} more (listed in the manifest)", outcome.skipped.len() - 5);
    }
    eprintln!(
        "{} samples in {} shards in {} ({} skipped)",
        outcome.manifest.samples(),
        outcome.manifest.shards.len(),
        args.out.display(),
        outcome.skipped.len()
    );
    Ok(())
}

fn dataset_info(dir: &std::path::Path, as_json: bool) -> Result<()> {
    let dataset = Dataset::open(dir)?;
    let info = data::stats::dataset_info(&dataset)?;
    if as_json {
        outln!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(());
    }
    outln!(
        "{}: {} samples in {} shards ({} requested)",
        dir.display(),
        info.samples,
        info.shards,
        info.samples_requested
    );
    for (name, n) in &info.topologies {
        outln!("  {}: {n} samples", printable(name));
    }
    outln!("flows            {}", info.flows);
    let squared_seconds = |x: f64| format!("{x:.3e} s²");
    let ratio = |x: f64| format!("{:.2} %", 100.0 * x);
    let number = |x: f64| format!("{x:.2}");
    let rows: [(&str, _, &dyn Fn(f64) -> String); 8] = [
        ("delay", info.delay_s, &units::format_seconds),
        ("jitter", info.jitter_s2, &squared_seconds),
        ("loss", info.loss, &ratio),
        ("peak load", info.peak_load, &ratio),
        ("speed decades", info.capacity_decades, &number),
        ("nodes", info.nodes, &number),
        ("path hops", info.path_hops, &number),
        ("buffer (packets)", info.queue_packets, &number),
    ];
    for (what, s, show) in rows {
        outln!(
            "{what:<16} mean {}  std {}  min {}  max {}",
            show(s.mean),
            show(s.std),
            show(s.min),
            show(s.max)
        );
    }
    let kinds: Vec<String> = info.packets.iter().map(|(k, n)| format!("{k} {n}")).collect();
    outln!("packet sizes     {}", kinds.join(", "));
    if info.relative_se_median.is_finite() {
        outln!(
            "delay std. error  median {:.2}%  p95 {:.2}% of the mean",
            info.relative_se_median * 100.0,
            info.relative_se_p95 * 100.0
        );
    } else {
        outln!("delay std. error  not recorded (imported labels)");
    }
    Ok(())
}

fn train(args: TrainArgs) -> Result<()> {
    let model = RouteNetConfig {
        path_state: args.path_state,
        link_state: args.link_state,
        iterations: args.iterations,
        readout_hidden: args.readout_hidden,
        dropout: args.dropout,
    };
    model.validate().map_err(|e| anyhow::anyhow!("model sizes: {e}"))?;
    if !(0.0..1.0).contains(&args.validation_fraction) {
        bail!("--validation-fraction must be in [0, 1), got {}", args.validation_fraction);
    }
    let config = TrainConfig {
        model,
        validation_fraction: args.validation_fraction,
        data: args.data,
        out: args.out.clone(),
        steps: args.steps,
        batch_samples: args.batch,
        eval_every: args.eval_every,
        seed: args.seed,
        learning_rate: args.lr,
        resume: args.resume,
        devices: args.devices,
        optimizer: args.optimizer,
        warmup_steps: args.warmup,
        decay: args.decay,
        clip_norm: args.clip,
        average_decay: args.average,
        distributed: args.distributed,
        ..TrainConfig::default()
    };
    // In an MPI job only rank 0 reports, so only it writes the log.
    let lead = args.distributed.is_none() || crate::train::collective::launcher_rank().unwrap_or(0) == 0;
    let mut log = match &args.json_log {
        Some(path) if lead => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
            }
            Some(std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
            ))
        }
        _ => None,
    };
    let handle = crate::train::spawn(config);
    let stop = handle.stop_flag();
    ctrlc::set_handler(move || stop.store(true, std::sync::atomic::Ordering::Relaxed))
        .context("cannot install the Ctrl-C handler")?;
    let bar = indicatif::ProgressBar::new(args.steps);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps  {msg}  eta {eta}")
            .expect("valid template"),
    );
    for event in handle.events.iter() {
        if let Some(log) = log.as_mut() {
            use std::io::Write;
            writeln!(log, "{}", serde_json::to_string(&event)?)?;
        }
        match &event {
            TrainEvent::Started { step, .. } => bar.set_position(*step),
            TrainEvent::Step { step, loss, samples_per_s, .. } => {
                bar.set_position(*step);
                bar.set_message(format!("loss {loss:.4}  {samples_per_s:.1} samples/s"));
            }
            TrainEvent::Eval { step, metrics, train } => bar.suspend(|| {
                let m = &metrics.overall;
                eprintln!(
                    "step {step}: validation MSE {:.5}  ρ {:.4}  MAPE {:.2}%  ({} paths); training shard ρ {:.4}",
                    m.mse, m.pearson, m.mape, m.paths, train.pearson
                )
            }),
            TrainEvent::Checkpoint { .. } => {}
            TrainEvent::Warning { message } => bar.suspend(|| eprintln!("warning: {message}")),
            TrainEvent::Skipped { step, loss, gradient_norm } => bar.suspend(|| {
                eprintln!(
                    "warning: step {step} skipped: loss {loss} and gradient norm {gradient_norm} are not both finite"
                )
            }),
            TrainEvent::Finished { step, stopped } => {
                bar.finish_and_clear();
                let how = if *stopped { "stopped" } else { "finished" };
                eprintln!("{how} at step {step}; checkpoint in {}", args.out.display());
            }
        }
    }
    handle.join()?;
    Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
    let datasets = args.data.iter().map(|d| Dataset::open(d)).collect::<Result<Vec<_>, _>>()?;
    let shards = split_shards(&datasets, Split::All, 0.0);
    let first = shards.first().map(|s| data::shard::read(s)).transpose()?.unwrap_or_default();
    if first.iter().any(|r| !r.schedulers.is_empty()) {
        // Delays compare as the labels record them (OMNeT++'s Challenge 2020 labels cap at 20 s).
        let delay_cap_s = datasets
            .iter()
            .filter_map(|d| d.manifest.imported.as_ref().and_then(data::dataset::ImportSource::delay_cap_s))
            .reduce(f64::max);
        return eval_scheduled(&args, first, &shards[1..], delay_cap_s);
    }
    let device = Default::default();
    let model = match &args.model {
        Some(dir) => checkpoint::load_model::<DefaultBackend>(dir, &device)?.0,
        None => crate::model::pretrained::load::<DefaultBackend>(&device).0,
    };
    let metrics = crate::train::evaluate(&model, &shards, 16, &device)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&metrics)?);
    } else {
        let m = &metrics.overall;
        outln!("MSE {:.5}  ρ {:.4}  MAPE {:.2}%  over {} paths", m.mse, m.pearson, m.mape, m.paths);
        for (topology, m) in &metrics.per_topology {
            outln!(
                "  {topology}: MSE {:.5}  ρ {:.4}  MAPE {:.2}%  ({} paths)",
                m.mse,
                m.pearson,
                m.mape,
                m.paths
            );
        }
    }
    Ok(())
}

/// `eval` on samples with scheduled ports (`first`, the first shard's, already read): each sample
/// through the frozen predictor; the mean delay's accuracy overall, per class, and for samples
/// with and without an overloaded link.
fn eval_scheduled(
    args: &EvalArgs,
    first: Vec<data::Record>,
    rest: &[PathBuf],
    delay_cap_s: Option<f64>,
) -> Result<()> {
    use crate::data::stats::accuracy;
    let model = trained_model(args.model.as_deref())?;
    type Pairs = (Vec<f64>, Vec<f64>);
    let mut groups: std::collections::BTreeMap<String, Pairs> = Default::default();
    let mut samples = 0;
    let records = std::iter::once(Ok(first)).chain(rest.iter().map(|shard| data::shard::read(shard)));
    for shard in records {
        for record in shard? {
            let prediction =
                model.predict_record(&record).with_context(|| format!("sample {}", record.index))?;
            let overloaded = prediction.links.iter().any(|l| l.overloaded);
            samples += 1;
            for (p, f) in prediction.flows.iter().zip(&record.flows) {
                let truth = f64::from(f.delay_s);
                if !(truth.is_finite() && truth > 0.0) {
                    continue;
                }
                let split = if overloaded { "an overloaded link" } else { "no overloaded link" };
                for group in [
                    "all".to_owned(),
                    format!("class {}", f.class),
                    split.to_owned(),
                    format!("{split}, class {}", f.class),
                ] {
                    let (estimate, labels) = groups.entry(group).or_default();
                    estimate.push(p.delay_s.min(delay_cap_s.unwrap_or(f64::INFINITY)));
                    labels.push(truth);
                }
            }
        }
    }
    let table: std::collections::BTreeMap<&String, _> =
        groups.iter().map(|(group, (e, t))| (group, (t.len(), accuracy(e, t)))).collect();
    if args.json {
        let out: serde_json::Map<String, serde_json::Value> = table
            .iter()
            .map(|(group, (n, a))| {
                (
                    (*group).clone(),
                    json!({"paths": n, "mape": a.mape, "pearson": a.pearson, "p95": a.p95, "bias": a.bias}),
                )
            })
            .collect();
        let json = json!({"samples": samples, "delay_cap_s": delay_cap_s, "delay": out});
        outln!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    outln!("{samples} samples with scheduled ports, mean delay per flow:");
    if let Some(cap) = delay_cap_s {
        outln!("  (predictions capped at {} as the labels are)", units::format_seconds(cap));
    }
    for (group, (n, a)) in &table {
        outln!(
            "  {group}: MAPE {:.2}%  ρ {:.4}  p95 {:.1}%  bias {:+.2}%  ({n} paths)",
            a.mape,
            a.pearson,
            a.p95,
            a.bias
        );
    }
    Ok(())
}

fn upgrade(args: UpgradeArgs, import: &ImportOptions) -> Result<()> {
    use crate::net::units::{format_bps, format_seconds};
    use crate::plan::upgrades::{UpgradeRules, suggest};
    if !(args.step.is_finite() && args.step > 1.0 && args.cost.is_finite() && args.cost > 0.0) {
        bail!("--step must be above 1 and --cost positive");
    }
    let model = trained_model(args.model.as_deref())?;
    let scenario = scenario_with_target(&args.scenario, import, args.target)?;
    if scenario.targets.is_empty() {
        bail!("{} has no delay targets: give --target (e.g. 150ms)", args.scenario);
    }
    let rules = UpgradeRules {
        step_factor: args.step,
        cost_per_step: args.cost,
        max_steps: args.max_steps,
        failures: args.failures,
    };
    let (plan, upgraded) = suggest(&model, &scenario, rules, Metric::Hops)
        .with_context(|| format!("{}: cannot predict", args.scenario))?;
    // The simulator checks the plan with nothing failed.
    let simulated =
        crate::sim::simulate(&upgraded, &check_config()).context("cannot simulate the upgraded scenario")?;
    let over_simulated: Vec<_> = simulated
        .flows
        .iter()
        .filter(|f| upgraded.targets.of(f.src, f.dst).is_some_and(|t| f.mean_delay_s > t))
        .collect();
    if let Some(out) = &args.out {
        save(out, &upgraded)?;
    }
    if args.json {
        let out = json!({ "plan": plan, "simulated_over_target": over_simulated.len() });
        outln!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let node = |id: usize| upgraded.topology.node_name(id);
    outln!(
        "{} upgrade steps, cost {}: {} of {} target violations left (checked with nothing failed{})",
        plan.upgrades.iter().map(|u| u.steps).sum::<u32>(),
        plan.total_cost,
        plan.remaining_violations,
        plan.initial_violations,
        if plan.cases > 0 { format!(" and under {} failure cases", plan.cases) } else { String::new() }
    );
    for u in &plan.upgrades {
        outln!(
            "  {} - {}: {} -> {} ({} step{})",
            printable(&node(u.a)),
            printable(&node(u.b)),
            format_bps(u.from_bps),
            format_bps(u.to_bps),
            u.steps,
            if u.steps == 1 { "" } else { "s" }
        );
    }
    if plan.cut_off_pairs > 0 {
        outln!("{} pair-and-failure combinations are cut off: no capacity fixes those", plan.cut_off_pairs);
    }
    outln!(
        "simulator, upgraded network with nothing failed: {} pairs over their target{}",
        over_simulated.len(),
        over_simulated
            .first()
            .map(|f| format!(
                " (e.g. {} -> {}: {})",
                printable(&node(f.src)),
                printable(&node(f.dst)),
                format_seconds(f.mean_delay_s)
            ))
            .unwrap_or_default()
    );
    Ok(())
}

fn demands(command: DemandsCommand, import: &ImportOptions) -> Result<()> {
    use crate::net::units::format_seconds;
    use crate::plan::demands;
    match command {
        DemandsCommand::Export { scenario, out } => {
            let scenario = load(&scenario, import)?.scenario;
            crate::fsutil::write_atomic(&out, demands::to_csv(&scenario).as_bytes())
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("{} demands written to {}", scenario.traffic.len(), out.display());
        }
        DemandsCommand::Import { scenario: spec, csv, out } => {
            let mut scenario = load(&spec, import)?.scenario;
            let text =
                std::fs::read_to_string(&csv).with_context(|| format!("cannot read {}", csv.display()))?;
            scenario.traffic =
                demands::from_csv(&scenario, &text).with_context(|| csv.display().to_string())?;
            save(&out, &scenario)?;
            eprintln!("{} demands from {} in {}", scenario.traffic.len(), csv.display(), out.display());
        }
        DemandsCommand::Grow { scenario: spec, factor, years, target, model, json } => {
            if !(factor.is_finite() && factor > 0.0) || years > 100 {
                bail!("--factor must be positive and --years at most 100");
            }
            let model = trained_model(model.as_deref())?;
            let scenario = scenario_with_target(&spec, import, target)?;
            let growth = demands::growth(&model, &scenario, factor, years)
                .with_context(|| format!("{spec}: cannot predict"))?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&growth)?);
                return Ok(());
            }
            outln!(
                "{:>4} {:>7} {:>10} {:>10} {:>11} {:>12}",
                "year",
                "rates",
                "mean",
                "worst",
                "over target",
                "extrapolated"
            );
            for y in &growth.years {
                outln!(
                    "{:>4} {:>6.2}x {:>10} {:>10} {:>11} {:>12}",
                    y.year,
                    y.scale,
                    format_seconds(y.mean_delay_s),
                    format_seconds(y.worst_delay_s),
                    y.over_target,
                    y.extrapolated
                );
            }
            for (src, dst, year) in growth.first_breaks.iter().take(10) {
                outln!("  {src} -> {dst} first goes over its target in year {year}");
            }
        }
    }
    Ok(())
}

/// The trained model in `dir`, or the shipped one.
fn trained_model(dir: Option<&std::path::Path>) -> Result<crate::model::TrainedModel> {
    Ok(match dir {
        Some(dir) => checkpoint::load_trained(dir)?.0,
        None => crate::model::pretrained::trained(),
    })
}

/// A scenario to predict: the file's, with generated traffic (said on stderr) when it has none.
fn scenario_with_traffic(spec: &str, import: &ImportOptions) -> Result<Scenario> {
    let scenario = load(spec, import)?.scenario;
    if !scenario.traffic.is_empty() {
        return Ok(scenario);
    }
    let scenario = Scenario::generate(scenario.name, scenario.topology, TrafficSpec::DEFAULT)
        .with_context(|| format!("{spec}: cannot route traffic"))?;
    eprintln!(
        "note: {spec} has no traffic; predicting for generated traffic (seed 1, 70 % peak utilisation)"
    );
    Ok(scenario)
}

/// How the simulator checks a plan (upgrades, the report's verify): 2000 packets per flow, more
/// until each flow's mean delay is within 2 %.
fn check_config() -> SimConfig {
    SimConfig { packets_per_flow: 2000, target_relative_se: Some(0.02), ..SimConfig::default() }
}

/// [`scenario_with_traffic`], with `target` (when given) as the delay target of every pair
/// without its own.
fn scenario_with_target(spec: &str, import: &ImportOptions, target: Option<f64>) -> Result<Scenario> {
    let mut scenario = scenario_with_traffic(spec, import)?;
    if target.is_some() {
        scenario.targets.global_s = target;
    }
    Ok(scenario)
}

fn sweep(args: SweepArgs, import: &ImportOptions) -> Result<()> {
    use crate::net::units::format_seconds;
    let model = trained_model(args.model.as_deref())?;
    let scenario = scenario_with_target(&args.scenario, import, args.target)?;
    if let Some(why) = args.kind.nothing_to_fail(&scenario) {
        bail!("{} {why}", args.scenario);
    }
    let started = std::time::Instant::now();
    let sweep = crate::plan::sweep(&model, &scenario, args.kind, Metric::Hops)
        .with_context(|| format!("{}: cannot predict", args.scenario))?;
    let elapsed = started.elapsed();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&sweep)?);
        return Ok(());
    }
    let name =
        |case: Option<usize>| case.map_or("no failure".to_owned(), |i| sweep.cases[i].case.name.clone());
    let ranked = sweep.ranked();
    outln!(
        "{}: {} failure cases predicted in {:.2} s; worst first:",
        printable(&args.scenario),
        sweep.cases.len(),
        elapsed.as_secs_f64()
    );
    for c in ranked.iter().take(args.limit) {
        let cut =
            if c.disconnected > 0 { format!(", {} pairs cut off", c.disconnected) } else { String::new() };
        let flagged =
            if c.extrapolated > 0 { format!(" ({} extrapolated)", c.extrapolated) } else { String::new() };
        let broken =
            if c.targets_broken > 0 { format!(", {} over target", c.targets_broken) } else { String::new() };
        outln!(
            "  {}: worst {}, mean {}{cut}{broken}{flagged}",
            printable(&c.case.name),
            format_seconds(c.worst_delay_s),
            format_seconds(c.mean_delay_s)
        );
    }
    let node = |id: usize| scenario.topology.node_name(id);
    let broken = sweep.pairs.iter().filter(|p| p.breaks_target()).count();
    if sweep.pairs.iter().any(|p| p.target_s.is_some()) {
        outln!("{broken} pairs go over their delay target in some case");
    }
    outln!("pairs by their worst case:");
    for p in sweep.pairs.iter().take(args.limit) {
        let worst =
            if p.worst_delay_s.is_finite() { format_seconds(p.worst_delay_s) } else { "cut off".into() };
        let flag = if p.extrapolated { " (extrapolated)" } else { "" };
        let target = match p.target_s {
            Some(t) if p.breaks_target() => format!(", over its {} target", format_seconds(t)),
            _ => String::new(),
        };
        outln!(
            "  {} -> {}: {} (intact {}) under {}{target}{flag}",
            printable(&node(p.src)),
            printable(&node(p.dst)),
            worst,
            format_seconds(p.intact_delay_s),
            printable(&name(p.case))
        );
    }
    Ok(())
}

fn predict(args: PredictArgs, import: &ImportOptions) -> Result<()> {
    let model = trained_model(args.model.as_deref())?;
    let scenario = scenario_with_target(&args.scenario, import, args.target)?;
    let prediction =
        model.predict(&scenario).with_context(|| format!("{}: cannot predict", args.scenario))?;
    let overloaded: Vec<_> = prediction.links.iter().filter(|l| l.overloaded).collect();
    if args.json {
        let flows: Vec<_> = prediction
            .flows
            .iter()
            .map(|f| {
                json!({
                    "src": f.src,
                    "dst": f.dst,
                    "delay_s": f.delay_s,
                    "propagation_s": f.propagation_s,
                    "jitter_s2": f.jitter_s2,
                    "loss": f.loss,
                    "extrapolated": f.extrapolated.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })
            })
            .collect();
        let out = json!({
            "flows": flows,
            "links": prediction.links,
            "overloaded_links": overloaded.len(),
            "extrapolated_flows": prediction.extrapolated_flows(),
            "target_violations": crate::plan::violations(&scenario, &prediction),
        });
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        outln!("{:>4} {:>4} {:>10} {:>12} {:>8}  note", "src", "dst", "delay", "jitter (std)", "loss");
        for f in &prediction.flows {
            let note = if f.extrapolated.is_empty() { "" } else { "extrapolated" };
            outln!(
                "{:>4} {:>4} {:>10} {:>12} {:>7.2}%  {note}",
                f.src,
                f.dst,
                units::format_seconds(f.delay_s),
                units::format_seconds(f.jitter_s2.max(0.0).sqrt()),
                f.loss * 100.0
            );
        }
        let violations = crate::plan::violations(&scenario, &prediction);
        if !violations.is_empty() {
            outln!("{} pairs over their delay target, worst first:", violations.len());
            let node = |id: usize| printable(&scenario.topology.node_name(id));
            for v in &violations {
                let flag = if v.extrapolated { " (extrapolated: verify it)" } else { "" };
                outln!(
                    "  {} -> {}: {} > {}{flag}",
                    node(v.src),
                    node(v.dst),
                    units::format_seconds(v.delay_s),
                    units::format_seconds(v.target_s)
                );
            }
        }
    }
    for link in &overloaded {
        eprintln!(
            "warning: link {}->{} is overloaded: offered {:.0} % of its capacity; it drops the excess",
            link.from,
            link.to,
            link.load * 100.0
        );
    }
    let extrapolated = prediction.extrapolated_flows();
    if extrapolated > 0 {
        let first = prediction.flows.iter().find(|f| !f.extrapolated.is_empty()).expect("counted");
        eprintln!(
            "warning: {extrapolated} of {} flows lie outside what the model was trained on (e.g. {}->{}: {}); \
             check them with `pathcast simulate`",
            prediction.flows.len(),
            first.src,
            first.dst,
            first.extrapolated[0]
        );
    }
    Ok(())
}

fn bench_generalization(args: BenchGeneralizationArgs) -> Result<()> {
    use crate::model::generalization::{self, BenchConfig};
    let model = trained_model(args.model.as_deref())?;
    let mut zoo = Vec::new();
    for path in &args.zoo {
        if path.is_dir() {
            let entries =
                std::fs::read_dir(path).with_context(|| format!("{}: cannot list", path.display()))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("gml")))
                .collect();
            files.sort();
            zoo.extend(files);
        } else {
            zoo.push(path.clone());
        }
    }
    if !(args.target_relative_se > 0.0 && args.target_relative_se < 1.0) {
        bail!("--target-relative-se must be between 0 and 1");
    }
    let config = BenchConfig {
        zoo,
        random: args.random,
        seed: args.seed,
        target_relative_se: args.target_relative_se,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    eprintln!("simulating {} networks (4 cases each)…", config.zoo.len() + config.random);
    let results = generalization::run(&model, &config)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        outln!("{}", generalization::markdown(&results).trim_end());
    }
    Ok(())
}

fn bench_train(args: BenchTrainArgs) -> Result<()> {
    let base = TrainConfig {
        data: args.data,
        steps: args.steps,
        batch_samples: args.batch,
        eval_every: args.eval_every,
        seed: args.seed,
        learning_rate: args.lr,
        ..TrainConfig::default()
    };
    let baseline = TrainConfig { out: args.out.join("baseline"), ..base.clone() };
    let framework = TrainConfig {
        out: args.out.join("framework"),
        devices: args.devices,
        optimizer: OptimizerKind::Lamb,
        learning_rate: args.lr * 10.0,
        warmup_steps: (args.steps / 20).max(1),
        decay: true,
        clip_norm: Some(1.0),
        average_decay: Some(0.99),
        ..base
    };
    let mut runs = Vec::new();
    for (name, config) in [("RouteNet (baseline)", &baseline), ("pathcast framework", &framework)] {
        eprintln!("training {name} on {} for {} steps…", config.devices, config.steps);
        runs.push(crate::train::compare::run(name, config)?);
    }
    outln!("{}", crate::train::compare::markdown(&runs));
    outln!("{}", crate::train::compare::curves(&runs));
    Ok(())
}
