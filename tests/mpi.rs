//! Training and dataset generation across processes: `mpirun -np 2` on this machine against one
//! process. Needs the `mpi` feature and Open MPI's `mpirun` (Debian: openmpi-bin):
//! `cargo test --features mpi --test mpi`.
#![cfg(feature = "mpi")]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn pathcast() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("pathcast")
}

/// `mpirun -np N pathcast ARGS`, on this machine whatever its core count.
fn mpirun(n: usize, args: &[&str]) -> Command {
    let mut command = Command::new("mpirun");
    command
        .args(["-np", &n.to_string(), "--oversubscribe"])
        .arg(pathcast())
        .args(args)
        // CI machines and containers often run as root, which Open MPI refuses unless told.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    command
}

fn succeeded(output: Output) -> Output {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

/// Training arguments: NSFNet's shipped data, batches of 4, checkpoints every 3 steps.
fn train_args<'a>(out: &'a str, log: &'a str, steps: &'a str) -> Vec<&'a str> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/nsfnet");
    vec![
        "train",
        "--data",
        data,
        "--steps",
        steps,
        "--eval-every",
        "3",
        "--batch",
        "4",
        "--optimizer",
        "lamb",
        "--lr",
        "1e-2",
        "--out",
        out,
        "--json-log",
        log,
    ]
}

/// A curve: (step, value) points.
type Curve = Vec<(u64, f64)>;

/// The `(step, loss)` and `(step, validation MSE)` lines of a JSON training log.
fn curves(log: &Path) -> (Curve, Curve) {
    let (mut losses, mut mse) = (Vec::new(), Vec::new());
    for line in std::fs::read_to_string(log).unwrap().lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        let step = event["step"].as_u64().unwrap_or(0);
        match event["event"].as_str() {
            Some("step") => losses.push((step, event["loss"].as_f64().unwrap())),
            Some("eval") => mse.push((step, event["metrics"]["mse"].as_f64().unwrap())),
            _ => {}
        }
    }
    (losses, mse)
}

fn checkpoint_file(run: &Path, step: u64, file: &str) -> Vec<u8> {
    std::fs::read(run.join(format!("ckpt-{step:08}")).join(file)).unwrap()
}

#[test]
fn two_ranks_train_exactly_as_one_process_with_both_devices_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (one, two, resumed) = (path("one"), path("two"), path("resumed"));
    let (one_log, two_log, resumed_log) = (path("one.log"), path("two.log"), path("resumed.log"));

    let mut single = train_args(&one, &one_log, "6");
    single.extend(["--devices", "cpu:2"]);
    succeeded(Command::new(pathcast()).args(&single).output().unwrap());
    let mut ranks = train_args(&two, &two_log, "6");
    ranks.extend(["--devices", "cpu:1", "--distributed", "mpi"]);
    succeeded(mpirun(2, &ranks).output().unwrap());

    // The same split of each batch and the sums in the same order: the same bits, not just close.
    let (one_curves, two_curves) = (curves(Path::new(&one_log)), curves(Path::new(&two_log)));
    assert_eq!(one_curves.0.len(), 6);
    assert_eq!(one_curves, two_curves, "loss and validation MSE at every step");
    for file in ["model.mpk", "optimizer.mpk"] {
        assert!(
            checkpoint_file(Path::new(&one), 6, file) == checkpoint_file(Path::new(&two), 6, file),
            "{file}"
        );
    }

    // Stopped at 3 and resumed to 6 over MPI: the same as running to 6.
    let mut first = train_args(&resumed, &resumed_log, "3");
    first.extend(["--devices", "cpu:1", "--distributed", "mpi"]);
    succeeded(mpirun(2, &first).output().unwrap());
    let mut rest = train_args(&resumed, &resumed_log, "6");
    rest.extend(["--devices", "cpu:1", "--distributed", "mpi", "--resume"]);
    succeeded(mpirun(2, &rest).output().unwrap());
    let (losses, _) = curves(Path::new(&resumed_log));
    assert_eq!(losses, two_curves.0[3..], "the resumed run's log holds steps 4 to 6");
    assert!(
        checkpoint_file(Path::new(&resumed), 6, "model.mpk")
            == checkpoint_file(Path::new(&two), 6, "model.mpk")
    );
}

#[test]
fn a_killed_rank_ends_the_job_with_an_error_and_nothing_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let (out, log) = (dir.path().join("run"), dir.path().join("run.log"));
    let (out, log) = (out.display().to_string(), log.display().to_string());
    let mut args = train_args(&out, &log, "1000000");
    args.extend(["--devices", "cpu:1", "--distributed", "mpi"]);
    let mut job = mpirun(2, &args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Wait until the ranks train (rank 0 logs its steps), then kill the newest rank.
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_to_string(&log).map_or(true, |text| !text.contains("\"step\":2,")) {
        assert!(Instant::now() < deadline, "the job never started training");
        std::thread::sleep(Duration::from_millis(100));
    }
    let killed =
        Command::new("pkill").args(["-9", "-n", "-f", &format!("train --data .* --out {out}")]).status();
    assert!(killed.unwrap().success(), "a rank to kill");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = job.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the job hangs after a rank died");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(job.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("signal 9"), "mpirun names the dead rank: {stderr}");
}

#[test]
fn two_ranks_generate_the_same_bytes_as_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |out: &Path| {
        let out = out.display().to_string();
        [
            "dataset",
            "generate",
            "--topology",
            "nsfnet",
            "--samples",
            "7",
            "--shard-size",
            "2",
            "--seed",
            "3",
            "--packets-per-flow",
            "200",
            "--jobs",
            "1",
            "--out",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([out])
        .collect::<Vec<_>>()
    };
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    succeeded(Command::new(pathcast()).args(generate(&one)).output().unwrap());
    let mut ranks = generate(&two);
    ranks.extend(["--distributed".into(), "mpi".into()]);
    let ranks: Vec<&str> = ranks.iter().map(String::as_str).collect();
    succeeded(mpirun(2, &ranks).output().unwrap());
    let files = |d: &Path| {
        let mut names: Vec<_> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };
    assert_eq!(
        files(&one),
        [
            "manifest.json",
            "shard-00000.pcs",
            "shard-00001.pcs",
            "shard-00002.pcs",
            "shard-00003.pcs",
            "topology.gml"
        ]
    );
    assert_eq!(files(&one), files(&two));
    for name in files(&one) {
        assert!(
            std::fs::read(one.join(&name)).unwrap() == std::fs::read(two.join(&name)).unwrap(),
            "{name} differs"
        );
    }
    // The dataset opens, with every sample.
    let info =
        succeeded(Command::new(pathcast()).args(["dataset", "info", "--json"]).arg(&two).output().unwrap());
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["samples"], 7, "{info}");
}

#[test]
fn each_process_of_a_machine_takes_its_own_gpu_with_local() {
    // This build has no wgpu backend, so each rank's error names the GPU it was given.
    let dir = tempfile::tempdir().unwrap();
    let (out, log) =
        (dir.path().join("run").display().to_string(), dir.path().join("log").display().to_string());
    let mut args = train_args(&out, &log, "1");
    args.extend(["--devices", "wgpu:local", "--distributed", "mpi"]);
    let output = mpirun(2, &args).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("devices wgpu:0:") && stderr.contains("devices wgpu:1:"), "{stderr}");
}
