//! `--devices`: which devices get a model replica, and their burn [`Dispatch`] devices.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use burn::prelude::*;
use burn::{Dispatch, DispatchDevice};
use serde::{Deserialize, Serialize};

use super::collective::local_rank;

/// Where the replicas run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Devices {
    /// N replicas on CPU worker threads (burn's flex backend).
    Cpu(usize),
    /// One replica per listed adapter through wgpu.
    Wgpu(Vec<WgpuAdapter>),
    /// One replica per listed GPU through CUDA.
    Cuda(Vec<usize>),
}

/// A wgpu adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WgpuAdapter {
    /// The N-th discrete GPU: `wgpu:N`.
    Discrete(usize),
    /// The N-th integrated GPU: `wgpu:iN`.
    Integrated(usize),
    /// A software adapter such as Mesa's lavapipe: `wgpu:cpu`. It runs the GPU code path, slowly,
    /// on a machine without a GPU.
    Software,
}

impl fmt::Display for WgpuAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WgpuAdapter::Discrete(i) => write!(f, "{i}"),
            WgpuAdapter::Integrated(i) => write!(f, "i{i}"),
            WgpuAdapter::Software => f.write_str("cpu"),
        }
    }
}

impl FromStr for WgpuAdapter {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "cpu" => Ok(WgpuAdapter::Software),
            _ => match s.strip_prefix('i') {
                Some(i) => i.parse().map(WgpuAdapter::Integrated).map_err(|_| ()),
                None => s.parse().map(WgpuAdapter::Discrete).map_err(|_| ()),
            },
        }
    }
}

impl Default for Devices {
    fn default() -> Self {
        Devices::Cpu(1)
    }
}

impl Devices {
    /// Number of replicas.
    pub fn count(&self) -> usize {
        match self {
            Devices::Cpu(n) => *n,
            Devices::Wgpu(adapters) => adapters.len(),
            Devices::Cuda(ids) => ids.len(),
        }
    }
}

/// Why a device list cannot train in this build or on this machine.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("devices {devices}: this build has no {feature} support (rebuild with --features {feature})")]
    NotBuilt { devices: String, feature: &'static str },
    #[error(
        "devices {devices}: no NVIDIA driver is loaded on this machine (/proc/driver/nvidia/version is missing)"
    )]
    NoDriver { devices: String },
    #[error("devices {devices}: this machine has {found} NVIDIA GPU(s), so there is no cuda:{index}")]
    NoSuchGpu { devices: String, index: usize, found: usize },
    #[error(
        "devices {devices}: the CUDA toolkit headers are missing (NVRTC compiles kernels against \
         them at run time); set CUDA_PATH or install the toolkit under /usr/local/cuda"
    )]
    NoToolkit { devices: String },
    #[error("devices {devices}: {device} does not work: {reason}")]
    Unusable { devices: String, device: String, reason: String },
}

impl Devices {
    /// One autodiff [`Dispatch`] device per replica, each checked by a round trip of a small
    /// tensor, so that a missing driver or GPU is an error here rather than a panic mid-run.
    pub fn dispatch_devices(&self) -> Result<Vec<DispatchDevice>, DeviceError> {
        let labelled: Vec<(String, DispatchDevice)> = match self {
            Devices::Cpu(n) => vec![("cpu".to_owned(), self.cpu()?); *n],
            Devices::Wgpu(adapters) => adapters
                .iter()
                .map(|&a| Ok((format!("wgpu:{a}"), self.wgpu(a)?)))
                .collect::<Result<_, _>>()?,
            Devices::Cuda(ids) => {
                self.check_cuda_installation(ids)?;
                ids.iter().map(|&i| Ok((format!("cuda:{i}"), self.cuda(i)?))).collect::<Result<_, _>>()?
            }
        };
        for (i, (label, device)) in labelled.iter().enumerate() {
            if !labelled[..i].iter().any(|(_, seen)| seen == device) {
                self.probe(label, device)?;
            }
        }
        Ok(labelled.into_iter().map(|(_, device)| device).collect())
    }

    fn not_built(&self, feature: &'static str) -> DeviceError {
        DeviceError::NotBuilt { devices: self.to_string(), feature }
    }

    fn cpu(&self) -> Result<DispatchDevice, DeviceError> {
        #[cfg(feature = "cpu")]
        return Ok(DispatchDevice::autodiff(DispatchDevice::Flex(Default::default())));
        #[cfg(not(feature = "cpu"))]
        Err(self.not_built("cpu"))
    }

    fn wgpu(&self, adapter: WgpuAdapter) -> Result<DispatchDevice, DeviceError> {
        #[cfg(feature = "wgpu")]
        {
            use burn::backend::wgpu::WgpuDevice;
            let device = match adapter {
                WgpuAdapter::Discrete(i) => WgpuDevice::DiscreteGpu(i),
                WgpuAdapter::Integrated(i) => WgpuDevice::IntegratedGpu(i),
                WgpuAdapter::Software => WgpuDevice::Cpu,
            };
            Ok(DispatchDevice::autodiff(DispatchDevice::Wgpu(device)))
        }
        #[cfg(not(feature = "wgpu"))]
        {
            let _ = adapter;
            Err(self.not_built("wgpu"))
        }
    }

    fn cuda(&self, index: usize) -> Result<DispatchDevice, DeviceError> {
        #[cfg(feature = "cuda")]
        return Ok(DispatchDevice::autodiff(DispatchDevice::Cuda(burn::backend::cuda::CudaDevice { index })));
        #[cfg(not(feature = "cuda"))]
        {
            let _ = index;
            Err(self.not_built("cuda"))
        }
    }

    /// CUDA panics deep inside burn without a driver or the toolkit headers: check both first.
    fn check_cuda_installation(&self, ids: &[usize]) -> Result<(), DeviceError> {
        if !cfg!(feature = "cuda") {
            return Err(self.not_built("cuda"));
        }
        let devices = self.to_string();
        if !Path::new("/proc/driver/nvidia/version").exists() {
            return Err(DeviceError::NoDriver { devices });
        }
        let found = std::fs::read_dir("/proc/driver/nvidia/gpus").map_or(0, |dir| dir.count());
        if let Some(&index) = ids.iter().find(|&&i| i >= found) {
            return Err(DeviceError::NoSuchGpu { devices, index, found });
        }
        if !cuda_toolkit().is_some_and(|root| root.join("include").join("cuda.h").exists()) {
            return Err(DeviceError::NoToolkit { devices });
        }
        Ok(())
    }

    /// Creates a tensor on the device and reads it back. A backend that panics, on this thread
    /// or on its own device thread, becomes an error with the first panic's message, and the
    /// panics are not printed.
    fn probe(&self, label: &str, device: &DispatchDevice) -> Result<(), DeviceError> {
        // The panic hook is global: one probe at a time, so that each restores the hook it found.
        static PROBING: Mutex<()> = Mutex::new(());
        let _probing = PROBING.lock().unwrap_or_else(|e| e.into_inner());
        let first_panic = Arc::new(Mutex::new(None::<String>));
        let record = first_panic.clone();
        let previous_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.payload_as_str().unwrap_or("the backend panicked");
            record.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(|| message.to_owned());
        }));
        let round_trip = std::panic::catch_unwind(|| {
            Tensor::<Dispatch, 1>::from_floats([1.0, 2.0], device).sum().into_scalar().elem::<f32>()
        });
        std::panic::set_hook(previous_hook);
        let reason = match round_trip {
            Ok(3.0) => return Ok(()),
            Ok(sum) => format!("1 + 2 came back as {sum}"),
            Err(_) => first_panic
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| "the backend panicked".to_owned()),
        };
        Err(DeviceError::Unusable { devices: self.to_string(), device: label.to_owned(), reason })
    }
}

/// Where cubecl-cuda looks for the CUDA toolkit, in its order.
fn cuda_toolkit() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CUDA_PATH") {
        return Some(PathBuf::from(path));
    }
    ["/usr/local/cuda", "/opt/cuda", "/usr"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.join("include/cuda.h").exists())
}

impl fmt::Display for Devices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(kind: &str, ids: &[impl fmt::Display]) -> String {
            ids.iter().map(|i| format!("{kind}:{i}")).collect::<Vec<_>>().join(",")
        }
        match self {
            Devices::Cpu(n) => write!(f, "cpu:{n}"),
            Devices::Wgpu(adapters) => f.write_str(&list("wgpu", adapters)),
            Devices::Cuda(ids) => f.write_str(&list("cuda", ids)),
        }
    }
}

impl FromStr for Devices {
    type Err = String;

    /// `cpu:N`, or a comma-separated list of `wgpu:I` (`wgpu:iI` for integrated GPUs, `wgpu:cpu`
    /// for a software adapter) or of `cuda:I`; one kind per run. In a job started by `mpirun` or
    /// `srun`, `cuda:local` and `wgpu:local` are the GPU numbered by the process's rank on its
    /// machine, so that each process of a node takes its own GPU.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("devices {s:?}: expected cpu:N, wgpu:0,wgpu:1 or cuda:0,cuda:1");
        let mut kind = None;
        let mut values = Vec::new();
        let local = local_rank().map(|r| r.to_string());
        for part in s.split(',').map(str::trim) {
            let (k, value) = part.split_once(':').ok_or_else(bad)?;
            let value = match (value, &local) {
                ("local", Some(rank)) => rank.as_str(),
                ("local", None) => {
                    return Err(format!(
                        "devices {s:?}: {k}:local needs a launcher that numbers the processes of a machine \
                         (mpirun, srun)"
                    ));
                }
                _ => value,
            };
            if kind.is_some_and(|seen| seen != k) {
                return Err(format!("devices {s:?}: one kind of device per run"));
            }
            kind = Some(k);
            values.push(value);
        }
        let numbers =
            || values.iter().map(|v| v.parse::<usize>().map_err(|_| bad())).collect::<Result<Vec<_>, _>>();
        match kind {
            Some("cpu") => match numbers()?.as_slice() {
                [n] if *n > 0 => Ok(Devices::Cpu(*n)),
                _ => Err(bad()),
            },
            Some("wgpu") => values
                .iter()
                .map(|v| v.parse().map_err(|_| bad()))
                .collect::<Result<_, _>>()
                .map(Devices::Wgpu),
            Some("cuda") => numbers().map(Devices::Cuda),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for text in ["cpu:2", "wgpu:0,wgpu:1", "wgpu:i0", "wgpu:cpu", "cuda:0"] {
            assert_eq!(text.parse::<Devices>().unwrap().to_string(), text);
        }
        assert!("cpu:0".parse::<Devices>().is_err());
        assert!("cuda:0,wgpu:1".parse::<Devices>().is_err());
        assert!("tpu:1".parse::<Devices>().is_err());
        assert!("cpu".parse::<Devices>().is_err());
        assert!("wgpu:x".parse::<Devices>().is_err());
        assert!("cpu:1,cpu:2".parse::<Devices>().is_err());
        // Outside a launcher, "local" has no rank to stand for (tests/mpi.rs checks it inside one).
        if local_rank().is_none() {
            let err = "cuda:local".parse::<Devices>().unwrap_err();
            assert!(err.contains("cuda:local needs a launcher"), "{err}");
        }
    }

    #[test]
    fn cpu_replicas_are_autodiff_flex_devices() {
        let devices = Devices::Cpu(2).dispatch_devices().unwrap();
        assert_eq!(devices.len(), 2);
        assert!(devices.iter().all(Dispatch::ad_enabled), "{devices:?}");
        assert!(Dispatch::name(&devices[0]).contains("flex"), "{}", Dispatch::name(&devices[0]));
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn a_backend_missing_from_the_build_is_named() {
        let err = Devices::Cuda(vec![0]).dispatch_devices().unwrap_err();
        assert_eq!(
            err.to_string(),
            "devices cuda:0: this build has no cuda support (rebuild with --features cuda)"
        );
    }
}
