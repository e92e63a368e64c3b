//! The CUDA path on the machine at hand: `cargo test --features cuda --test cuda`. Without an NVIDIA
//! driver (CI), asking for CUDA must be a clear error, from the library and from the CLI, never a
//! panic; with one, a GPU index the machine lacks must be, and training runs on the GPUs it has.
//! Not part of the default test run, which builds no GPU backend.
#![cfg(feature = "cuda")]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use assert_cmd::Command;
use burn::backend::Flex;
use crossbeam_channel::unbounded;
use pathcast::model::checkpoint;
use pathcast::train::devices::{DeviceError, Devices};
use pathcast::train::trainer::{OptimizerKind, train_on_devices};
use pathcast::train::{TrainConfig, TrainEvent};

/// The GPUs the NVIDIA driver reports, or `None` without a driver.
fn nvidia_gpus() -> Option<usize> {
    Path::new("/proc/driver/nvidia/version")
        .exists()
        .then(|| std::fs::read_dir("/proc/driver/nvidia/gpus").map_or(0, |dir| dir.count()))
}

fn small_dataset(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    common::small_gbn_dataset(&data, 8, 30);
    data
}

#[test]
fn cuda_devices_are_checked_before_anything_runs_on_them() {
    match nvidia_gpus() {
        None => {
            let err = Devices::Cuda(vec![0, 1]).dispatch_devices().unwrap_err();
            assert!(matches!(err, DeviceError::NoDriver { .. }), "{err:?}");
            assert_eq!(
                err.to_string(),
                "devices cuda:0,cuda:1: no NVIDIA driver is loaded on this machine \
                 (/proc/driver/nvidia/version is missing)"
            );
        }
        Some(found) => {
            let err = Devices::Cuda(vec![0, found]).dispatch_devices().unwrap_err();
            assert!(
                matches!(err, DeviceError::NoSuchGpu { index, found: f, .. } if index == found && f == found),
                "{err:?}"
            );
        }
    }
}

#[test]
fn the_cli_reports_a_missing_cuda_device_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_dataset(dir.path());
    let (devices, expected) = match nvidia_gpus() {
        None => ("cuda:0".to_owned(), "no NVIDIA driver is loaded".to_owned()),
        Some(found) => (format!("cuda:{found}"), format!("so there is no cuda:{found}")),
    };
    let out = Command::cargo_bin("pathcast")
        .unwrap()
        .args(["train", "--steps", "2", "--devices", &devices, "--data"])
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "training on {devices} succeeded: {stderr}");
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Runs only where the driver reports a GPU: training on every GPU (two at most) through Dispatch.
#[test]
fn training_runs_on_the_machines_gpus() {
    let Some(found @ 1..) = nvidia_gpus() else {
        eprintln!("no NVIDIA GPU here: nothing to train on");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = TrainConfig {
        data: vec![small_dataset(dir.path())],
        out: dir.path().join("run"),
        steps: 4,
        batch_samples: 2,
        eval_every: 4,
        devices: Devices::Cuda((0..found.min(2)).collect()),
        optimizer: OptimizerKind::Lamb,
        learning_rate: 1e-2,
        clip_norm: Some(1.0),
        ..TrainConfig::default()
    };
    let (tx, rx) = unbounded();
    train_on_devices(&config, &tx, &AtomicBool::new(false)).unwrap();
    drop(tx);
    let losses: Vec<f64> = rx
        .iter()
        .filter_map(|e| if let TrainEvent::Step { loss, .. } = e { Some(loss) } else { None })
        .collect();
    assert_eq!(losses.len(), 4);
    assert!(losses.iter().all(|l| l.is_finite() && *l > 0.0), "{losses:?}");
    assert!(checkpoint::load_model::<Flex>(&config.out, &Default::default()).is_ok());
}
