//! `--devices`: which devices get a model replica, and their burn [`Dispatch`] devices.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use burn::prelude::*;
use burn::{Dispatch, DispatchDevice};
use serde::{Deserialize, Serialize};

/// Where the replicas run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Devices {
    /// N replicas on CPU worker threads (burn's flex backend).
    Cpu(usize),
    /// One replica per listed GPU through wgpu.
    Wgpu(Vec<usize>),
    /// One replica per listed GPU through CUDA.
    Cuda(Vec<usize>),
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
            Devices::Wgpu(ids) | Devices::Cuda(ids) => ids.len(),
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
        let devices = match self {
            Devices::Cpu(n) => vec![self.cpu()?; *n],
            Devices::Wgpu(ids) => ids.iter().map(|&i| self.wgpu(i)).collect::<Result<_, _>>()?,
            Devices::Cuda(ids) => {
                self.check_cuda_installation(ids)?;
                ids.iter().map(|&i| self.cuda(i)).collect::<Result<_, _>>()?
            }
        };
        let distinct: Vec<&DispatchDevice> =
            devices.iter().enumerate().filter(|(i, d)| !devices[..*i].contains(d)).map(|(_, d)| d).collect();
        for device in distinct {
            self.probe(device)?;
        }
        Ok(devices)
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

    fn wgpu(&self, index: usize) -> Result<DispatchDevice, DeviceError> {
        #[cfg(feature = "wgpu")]
        return Ok(DispatchDevice::autodiff(DispatchDevice::Wgpu(
            burn::backend::wgpu::WgpuDevice::DiscreteGpu(index),
        )));
        #[cfg(not(feature = "wgpu"))]
        {
            let _ = index;
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

    /// Creates a tensor on the device and reads it back; a backend that panics becomes an error.
    fn probe(&self, device: &DispatchDevice) -> Result<(), DeviceError> {
        let round_trip = std::panic::catch_unwind(|| {
            Tensor::<Dispatch, 1>::from_floats([1.0, 2.0], device).sum().into_scalar().elem::<f32>()
        });
        match round_trip {
            Ok(3.0) => Ok(()),
            Ok(sum) => Err(self.unusable(device, format!("1 + 2 came back as {sum}"))),
            Err(panic) => {
                let reason = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "the backend panicked".to_owned());
                Err(self.unusable(device, reason))
            }
        }
    }

    fn unusable(&self, device: &DispatchDevice, reason: String) -> DeviceError {
        DeviceError::Unusable { devices: self.to_string(), device: format!("{device:?}"), reason }
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
        let list = |kind: &str, ids: &[usize]| {
            ids.iter().map(|i| format!("{kind}:{i}")).collect::<Vec<_>>().join(",")
        };
        match self {
            Devices::Cpu(n) => write!(f, "cpu:{n}"),
            Devices::Wgpu(ids) => f.write_str(&list("wgpu", ids)),
            Devices::Cuda(ids) => f.write_str(&list("cuda", ids)),
        }
    }
}

impl FromStr for Devices {
    type Err = String;

    /// `cpu:N`, or a comma-separated list of `wgpu:I` or of `cuda:I` (one kind per run).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("devices {s:?}: expected cpu:N, wgpu:0,wgpu:1 or cuda:0,cuda:1");
        let mut kind = None;
        let mut ids = Vec::new();
        for part in s.split(',').map(str::trim) {
            let (k, n) = part.split_once(':').ok_or_else(bad)?;
            let n: usize = n.parse().map_err(|_| bad())?;
            if kind.is_some_and(|seen| seen != k) {
                return Err(format!("devices {s:?}: one kind of device per run"));
            }
            kind = Some(k);
            ids.push(n);
        }
        match kind {
            Some("cpu") if ids.len() == 1 && ids[0] > 0 => Ok(Devices::Cpu(ids[0])),
            Some("wgpu") => Ok(Devices::Wgpu(ids)),
            Some("cuda") => Ok(Devices::Cuda(ids)),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for text in ["cpu:2", "wgpu:0,wgpu:1", "cuda:0"] {
            assert_eq!(text.parse::<Devices>().unwrap().to_string(), text);
        }
        assert!("cpu:0".parse::<Devices>().is_err());
        assert!("cuda:0,wgpu:1".parse::<Devices>().is_err());
        assert!("tpu:1".parse::<Devices>().is_err());
        assert!("cpu".parse::<Devices>().is_err());
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
