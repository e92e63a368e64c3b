//! Mutation fuzzing of the release binary over every input format: GML files, scenario JSON,
//! dataset directories and checkpoint directories. Each mutated input runs through the commands a
//! user would give it; the only acceptable outcomes are success and exit 2 with one line, never a
//! panic, an abort, a hang over 10 s, or success on a damaged checksummed file.
//!
//! It runs for a set time, so `cargo test` leaves it out:
//! `PATHCAST_FUZZ_SECONDS=600 cargo test --release --test fuzz -- --ignored --nocapture`.
//! Failing inputs are kept under `target/fuzz-failures/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

/// How long one command may run before it counts as a hang.
const HANG: Duration = Duration::from_secs(10);

/// Text that has broken parsers and validators before, spliced in place of numbers.
const EXTREMES: [&str; 14] = [
    "0",
    "-1",
    "1e308",
    "1e-308",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    "-0",
    "4294967296",
    "1e30",
    "100000",
    "\u{1b}[31m",
    "\"\"",
];

/// One input format: a seed file or directory, the file in it to mutate, and the commands to run
/// (`{}` stands for the mutated input's path).
struct Format {
    name: &'static str,
    seed: PathBuf,
    /// The files to mutate, relative to the seed (empty: the seed is the file), each with whether
    /// damage to it must be refused (the file is checksummed).
    targets: Vec<(&'static str, bool)>,
    commands: Vec<Vec<&'static str>>,
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    succeeded: usize,
    refused: usize,
    failed: usize,
    failures: Vec<String>,
}

fn formats(root: &Path) -> Vec<Format> {
    vec![
        Format {
            name: "gml",
            seed: root.join("topologies/samples/partial.gml"),
            targets: vec![("", false)],
            commands: vec![
                vec!["topo", "info", "{}", "--json"],
                vec!["predict", "--scenario", "{}", "--json"],
            ],
        },
        Format {
            name: "gml (GEANT2)",
            seed: root.join("topologies/geant2.gml"),
            targets: vec![("", false)],
            commands: vec![vec!["topo", "convert", "{}", "{}.json"]],
        },
        Format {
            name: "scenario",
            seed: PathBuf::new(),
            targets: vec![("", false)],
            commands: vec![
                vec!["simulate", "{}", "--packets", "20", "--max-events", "3000000", "--json"],
                vec!["predict", "--scenario", "{}", "--json"],
                vec!["routes", "{}", "--k", "2", "--json"],
            ],
        },
        Format {
            name: "dataset",
            seed: root.join("data/nsfnet"),
            targets: vec![("manifest.json", false), ("shard-00000.pcs", true), ("shard-00003.pcs", true)],
            commands: vec![vec!["dataset", "info", "{}", "--json"], vec!["eval", "--data", "{}", "--json"]],
        },
        Format {
            name: "checkpoint",
            seed: root.join("assets/routenet"),
            targets: vec![("checkpoint.json", false), ("average.mpk", true)],
            commands: vec![vec!["predict", "--model", "{}", "--scenario", "nsfnet", "--json"]],
        },
    ]
}

/// A damaged copy of `bytes`: a few bytes flipped, inserted or removed, or (in text) a number
/// replaced by an extreme value.
fn mutate(bytes: &[u8], rng: &mut Pcg64) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let text = std::str::from_utf8(bytes).is_ok();
    if text && rng.random_bool(0.6) {
        let starts: Vec<usize> = (0..out.len())
            .filter(|&i| out[i].is_ascii_digit() && (i == 0 || !out[i - 1].is_ascii_alphanumeric()))
            .collect();
        if let Some(&start) = starts.get(rng.random_range(0..starts.len().max(1))) {
            let end = (start..out.len())
                .find(|&i| !(out[i].is_ascii_digit() || b".eE+-".contains(&out[i])))
                .unwrap_or(out.len());
            let value = EXTREMES[rng.random_range(0..EXTREMES.len())];
            out.splice(start..end, value.bytes());
            return out;
        }
    }
    for _ in 0..rng.random_range(1..=4) {
        if out.is_empty() {
            out.push(rng.random());
            continue;
        }
        let at = rng.random_range(0..out.len());
        match rng.random_range(0..4) {
            0 => out[at] ^= 1 << rng.random_range(0..8),
            1 => out[at] = rng.random(),
            2 => out.insert(at, rng.random()),
            _ => {
                out.remove(at);
            }
        }
    }
    if out == bytes {
        out.push(b' ');
    }
    out
}

/// Runs one command: whether it succeeded (else it refused the input with exit 2), or what went
/// wrong.
fn run(args: &[String], must_refuse: bool) -> Result<bool, String> {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("pathcast"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap_or_default();
            return match status.code() {
                Some(0) if must_refuse => Err("exit 0 on a damaged checksummed file".into()),
                Some(0) => Ok(true),
                Some(2) if stderr.contains("panicked") => Err(format!("panic text: {stderr}")),
                Some(2) if stderr.bytes().any(|b| b == 0x1b) => Err(format!("raw escape in: {stderr:?}")),
                Some(2) => Ok(false),
                other => Err(format!("exit {other:?}: {}", stderr.lines().last().unwrap_or(""))),
            };
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {} s", HANG.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Copies a file or directory.
fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

#[test]
#[ignore = "runs for PATHCAST_FUZZ_SECONDS (default 60); see the module doc"]
fn mutated_inputs_of_every_format_exit_0_or_2_and_never_hang() {
    let seconds: u64 = std::env::var("PATHCAST_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let scenario = work.path().join("seed-scenario.json");
    let made = Command::new(assert_cmd::cargo::cargo_bin("pathcast"))
        .args(["scenario", "new", "--topology", "nsfnet", "--seed", "1", "--max-utilization", "0.8", "-o"])
        .arg(&scenario)
        .status()
        .unwrap();
    assert!(made.success());
    let mut formats = formats(root);
    formats[2].seed = scenario;
    let failures_dir = root.join("target/fuzz-failures");
    let mut rng = Pcg64::seed_from_u64(
        std::env::var("PATHCAST_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1),
    );
    let mut tallies: Vec<Tally> = formats.iter().map(|_| Tally::default()).collect();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut n = 0usize;
    while Instant::now() < deadline {
        let f = n % formats.len();
        let format = &formats[f];
        n += 1;
        let (file, checksummed) = format.targets[rng.random_range(0..format.targets.len())];
        let case = work.path().join(format!("case-{n}"));
        let input = case.join(format.seed.file_name().unwrap());
        std::fs::create_dir_all(&case).unwrap();
        copy(&format.seed, &input);
        let target = if file.is_empty() { input.clone() } else { input.join(file) };
        let original = std::fs::read(&target).unwrap();
        std::fs::write(&target, mutate(&original, &mut rng)).unwrap();
        let tally = &mut tallies[f];
        tally.inputs += 1;
        let (mut all_succeeded, mut failed) = (true, false);
        for command in &format.commands {
            let args: Vec<String> =
                command.iter().map(|a| a.replace("{}", input.to_str().unwrap())).collect();
            match run(&args, checksummed) {
                Ok(succeeded) => all_succeeded &= succeeded,
                Err(why) => {
                    let kept = failures_dir.join(format!("{}-{n}", format.name.replace([' ', '(', ')'], "")));
                    let _ = std::fs::remove_dir_all(&kept);
                    std::fs::create_dir_all(&kept).unwrap();
                    copy(&input, &kept.join(input.file_name().unwrap()));
                    tally.failures.push(format!("{}: {why}", args.join(" ")));
                    failed = true;
                }
            }
        }
        match (failed, all_succeeded) {
            (true, _) => tally.failed += 1,
            (false, true) => tally.succeeded += 1,
            (false, false) => tally.refused += 1,
        }
        std::fs::remove_dir_all(&case).unwrap();
    }
    println!("| format | mutated inputs | every command succeeded | refused with exit 2 | failed |");
    println!("|---|---|---|---|---|");
    for (format, tally) in formats.iter().zip(&tallies) {
        println!(
            "| {} | {} | {} | {} | {} |",
            format.name, tally.inputs, tally.succeeded, tally.refused, tally.failed
        );
    }
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    assert!(
        failures.is_empty(),
        "{} failures (inputs in {}):\n{failures:#?}",
        failures.len(),
        failures_dir.display()
    );
}
