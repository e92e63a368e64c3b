//! Readout dropout whose masks come from keys rather than from the backend's generator.
//!
//! burn's `Dropout` draws from the backend's one global generator, which replicas on worker
//! threads reach in whatever order the scheduler gives them: two runs of one seed would differ,
//! a resumed run would differ from an uninterrupted one, and N replicas from one device. Here
//! each path's masks are drawn from (seed, step, the path's place in the global batch), so none
//! of that changes a training run.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The key of one training step: the `step`-th draw of the run's seed stream.
pub fn step_key(seed: u64, step: u64) -> u64 {
    let mut stream = Pcg64Mcg::seed_from_u64(seed);
    stream.advance(u128::from(step));
    stream.random()
}

/// One key per path, for the paths at the given positions of the step's global batch.
pub fn path_keys(step_key: u64, positions: impl IntoIterator<Item = usize>) -> Vec<u64> {
    positions.into_iter().map(|p| step_key ^ ((p as u64) << 8)).collect()
}

/// `[keys × width]` row-major mask of readout layer `layer` (below 256): each entry is 0 with
/// probability `rate`, else `1 / (1 − rate)`, so the expected activation is unchanged.
pub fn mask(keys: &[u64], layer: u8, width: usize, rate: f64) -> Vec<f32> {
    let kept = (1.0 / (1.0 - rate)) as f32;
    let mut out = Vec::with_capacity(keys.len() * width);
    for &key in keys {
        let mut rng = Pcg64Mcg::seed_from_u64(key ^ u64::from(layer));
        out.extend((0..width).map(|_| if rng.random_bool(rate) { 0.0 } else { kept }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_drop_at_the_rate_and_keep_the_expected_value() {
        let keys = path_keys(step_key(1, 0), 0..400);
        let m = mask(&keys, 0, 256, 0.1);
        let dropped = m.iter().filter(|&&v| v == 0.0).count() as f64 / m.len() as f64;
        assert!((dropped - 0.1).abs() < 0.005, "{dropped}");
        let mean = m.iter().map(|&v| v as f64).sum::<f64>() / m.len() as f64;
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
    }

    #[test]
    fn a_path_mask_depends_on_its_key_only() {
        let step = step_key(7, 42);
        let all = mask(&path_keys(step, 0..10), 1, 32, 0.5);
        let fifth = mask(&path_keys(step, [5]), 1, 32, 0.5);
        assert_eq!(&all[5 * 32..6 * 32], fifth.as_slice());
        assert_ne!(all[..32], all[32..64], "paths get different masks");
        assert_ne!(mask(&path_keys(step, [5]), 0, 32, 0.5), fifth, "layers get different masks");
        assert_ne!(step_key(7, 42), step_key(7, 43));
        assert_ne!(step_key(7, 42), step_key(8, 42));
    }
}
