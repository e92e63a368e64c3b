//! `--devices`: which devices get a model replica.

use std::fmt;
use std::str::FromStr;

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
}
