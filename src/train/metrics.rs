//! Evaluation metrics: MSE on the model's delay target (the log of queueing delay over
//! transmission time), Pearson ρ and MAPE on delay in seconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Metrics over a set of paths.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean squared error of the log delay ratio, the target the model is trained on: about the
    /// mean squared relative error of the queueing delay.
    pub mse: f64,
    /// Pearson correlation between predicted and simulated delay.
    pub pearson: f64,
    /// Mean absolute percentage error of the delay, in percent.
    pub mape: f64,
    pub paths: u64,
}

/// Metrics overall and per topology.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalMetrics {
    #[serde(flatten)]
    pub overall: Metrics,
    pub per_topology: BTreeMap<String, Metrics>,
    /// Wall time of the evaluation pass (s).
    pub seconds: f64,
}

/// Streaming accumulator for [`Metrics`].
#[derive(Debug, Clone, Default)]
pub struct MetricsAccumulator {
    n: f64,
    sq_err: f64,
    ape: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

impl MetricsAccumulator {
    /// Adds one path: predicted and target log delay ratio, predicted and true delay (s).
    pub fn add(&mut self, pred_norm: f64, target_norm: f64, pred: f64, truth: f64) {
        self.n += 1.0;
        self.sq_err += (pred_norm - target_norm).powi(2);
        self.ape += ((pred - truth) / truth).abs();
        self.sx += pred;
        self.sy += truth;
        self.sxx += pred * pred;
        self.syy += truth * truth;
        self.sxy += pred * truth;
    }

    pub fn finish(&self) -> Metrics {
        let n = self.n;
        if n == 0.0 {
            return Metrics { mse: f64::NAN, pearson: f64::NAN, mape: f64::NAN, paths: 0 };
        }
        let cov = self.sxy / n - (self.sx / n) * (self.sy / n);
        let vx = self.sxx / n - (self.sx / n).powi(2);
        let vy = self.syy / n - (self.sy / n).powi(2);
        Metrics {
            mse: self.sq_err / n,
            pearson: cov / (vx * vy).sqrt(),
            mape: 100.0 * self.ape / n,
            paths: n as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let mut m = MetricsAccumulator::default();
        // Predictions 2x+1 of the truth: ρ = 1 exactly; MAPE from (2x+1-x)/x.
        for x in [1.0, 2.0, 4.0] {
            m.add(0.5, 0.0, 2.0 * x + 1.0, x);
        }
        let r = m.finish();
        assert!((r.pearson - 1.0).abs() < 1e-12);
        assert!((r.mse - 0.25).abs() < 1e-12);
        let mape = 100.0 * ((2.0 / 1.0) + (3.0 / 2.0) + (5.0 / 4.0)) / 3.0;
        assert!((r.mape - mape).abs() < 1e-9);

        let mut anti = MetricsAccumulator::default();
        for x in [1.0, 2.0, 3.0] {
            anti.add(0.0, 0.0, 10.0 - x, x);
        }
        assert!((anti.finish().pearson + 1.0).abs() < 1e-12);
    }
}
