//! The analytic part of the scale-free model: one output port as a single-server queue with
//! Poisson arrivals, a general packet-size distribution and a finite buffer (M/G/1/K), in
//! dimensionless units.
//!
//! Time is in units of the link's own mean transmission time τ = mean packet bits / capacity, so
//! the queue depends only on its offered load ρ, its buffer K (packets, the one in transmission
//! included) and the squared coefficient of variation c² of the packet size. The model's network
//! corrects this estimate hop by hop; the estimate keeps every prediction physical: finite for any
//! load, bounded by the buffer in overload, and exact for exponential packets (M/M/1/K).
//!
//! The number in the system is taken as geometric, `p_n ∝ r^n` for `n = 1..=K`, with `p_0` set by
//! flow balance (the server is busy `ρ (1 − P_K)` of the time). Below saturation the ratio `r`
//! makes the infinite-buffer mean equal to Pollaczek–Khinchine's, and tends to 1 at saturation
//! whatever c² (a driftless queue spreads evenly over its buffer). Above saturation `r = ρ`, as in
//! M/M/1/K: the buffer is mostly full, the server always busy, and the drop probability tends to
//! `1 − 1/ρ` for any packet sizes. For exponential sizes (c² = 1) `r = ρ` everywhere and the
//! distribution is exactly M/M/1/K's.

/// The analytic estimate for one port, in units of its τ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortEstimate {
    /// Mean sojourn (waiting plus own transmission) of accepted packets, in τ (≥ 1).
    pub sojourn: f64,
    /// Variance of the sojourn, in τ².
    pub variance: f64,
    /// Probability that an arriving packet finds the buffer full and is dropped.
    pub drop: f64,
}

/// M/G/1/K estimate for offered load `rho` (≥ 0), buffer `k` (≥ 1 packets, the one in
/// transmission included) and packet-size squared coefficient of variation `c2` (0 fixed,
/// 0.49 bimodal 0.3/1.7, 1 exponential).
pub fn port(rho: f64, k: u32, c2: f64) -> PortEstimate {
    let c2 = c2.clamp(0.0, 1.0);
    if rho.is_nan() || rho <= 0.0 || k == 0 {
        return PortEstimate { sojourn: 1.0, variance: c2, drop: 0.0 };
    }
    let rho = rho.min(MAX_LOAD);
    let r = if rho < 1.0 { rho * (1.0 + c2) / (2.0 * (1.0 - rho) + rho * (1.0 + c2)) } else { rho };
    // Weights w_n ∝ r^n, scaled so that the largest is 1: r^n for r ≤ 1, r^(n − K) above.
    // Terms below 1e-18 of the largest change nothing in f64 and are skipped.
    let (mut sum, mut first_moment, mut top) = (0.0, 0.0, 0.0);
    if r <= 1.0 {
        let mut w = 1.0;
        for n in 1..=k {
            w *= r;
            if w < 1e-18 {
                break;
            }
            sum += w;
            first_moment += f64::from(n) * w;
            top = if n == k { w } else { 0.0 };
        }
    } else {
        let q = 1.0 / r;
        let mut w = 1.0;
        for n in (1..=k).rev() {
            if w < 1e-18 {
                break;
            }
            sum += w;
            first_moment += f64::from(n) * w;
            w *= q;
        }
        top = 1.0;
    }
    // p_n = C w_n with C from flow balance: Σ_{n≥1} p_n = ρ (1 − p_K).
    let scale = rho / (sum + rho * top);
    let drop = (scale * top).clamp(0.0, 1.0);
    let busy = (scale * sum).clamp(f64::MIN_POSITIVE, 1.0);
    let number = scale * first_moment;
    let sojourn = (number / (rho * (1.0 - drop))).max(1.0);
    let wait = sojourn - 1.0;
    let variance = c2 + wait * wait * (2.0 - busy) / busy;
    PortEstimate { sojourn, variance, drop }
}

/// Loads beyond this are treated as this (a port 1000× overloaded is as full as one 100×).
const MAX_LOAD: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact M/M/1/K (`k` including the one in service): (sojourn in τ, drop). Above saturation
    /// in terms of 1/ρ, so that large buffers do not overflow.
    fn mm1k(rho: f64, k: u32) -> (f64, f64) {
        let k = f64::from(k);
        if (rho - 1.0).abs() < 1e-12 {
            let drop = 1.0 / (k + 1.0);
            return ((k / 2.0) / (rho * (1.0 - drop)), drop);
        }
        let (drop, n) = if rho < 1.0 {
            let tail = rho.powf(k + 1.0);
            (rho.powf(k) * (1.0 - rho) / (1.0 - tail), rho / (1.0 - rho) - (k + 1.0) * tail / (1.0 - tail))
        } else {
            let q_tail = (1.0 / rho).powf(k + 1.0);
            ((1.0 - 1.0 / rho) / (1.0 - q_tail), rho / (1.0 - rho) + (k + 1.0) / (1.0 - q_tail))
        };
        (n / (rho * (1.0 - drop)), drop)
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn exponential_packets_give_exact_mm1k() {
        for &k in &[1, 2, 8, 32, 256] {
            for &rho in &[0.01, 0.3, 0.7, 0.95, 0.999, 1.001, 1.2, 3.0, 6.0, 50.0] {
                let e = port(rho, k, 1.0);
                let (sojourn, drop) = mm1k(rho, k);
                assert!(close(e.sojourn, sojourn, 1e-9), "ρ {rho} K {k}: {} vs {sojourn}", e.sojourn);
                assert!(close(e.drop, drop, 1e-9) || (e.drop - drop).abs() < 1e-15, "ρ {rho} K {k}");
            }
        }
    }

    #[test]
    fn large_buffers_give_pollaczek_khinchine() {
        for &c2 in &[0.0, 0.49, 1.0] {
            for &rho in &[0.1, 0.5, 0.8, 0.9] {
                let e = port(rho, 100_000, c2);
                let pk = 1.0 + rho * (1.0 + c2) / (2.0 * (1.0 - rho));
                assert!(close(e.sojourn, pk, 1e-9), "c² {c2} ρ {rho}: {} vs {pk}", e.sojourn);
                assert!(e.drop < 1e-12);
            }
        }
    }

    #[test]
    fn mm1_variance_is_exact() {
        for &rho in &[0.2, 0.6, 0.9] {
            let e = port(rho, 100_000, 1.0);
            assert!(close(e.variance, 1.0 / (1.0 - rho).powi(2), 1e-9));
        }
    }

    #[test]
    fn overload_fills_the_buffer_and_drops_the_excess() {
        for &c2 in &[0.0, 0.49, 1.0] {
            let e = port(6.0, 32, c2);
            assert!((e.drop - (1.0 - 1.0 / 6.0)).abs() < 0.01, "{e:?}");
            assert!(e.sojourn > 30.0 && e.sojourn <= 32.0, "{e:?}");
            let huge = port(1e300, 32, c2);
            assert!(huge.sojourn.is_finite() && huge.variance.is_finite() && huge.drop < 1.0);
        }
    }

    #[test]
    fn estimates_are_finite_monotone_and_ordered_by_variability() {
        for &k in &[1, 8, 64, 256] {
            let mut last = [0.0; 3];
            for i in 0..=400 {
                let rho = i as f64 * 0.005;
                let e = [port(rho, k, 0.0), port(rho, k, 0.49), port(rho, k, 1.0)];
                for (j, x) in e.iter().enumerate() {
                    assert!(x.sojourn.is_finite() && x.variance.is_finite() && x.drop.is_finite());
                    assert!(x.sojourn >= 1.0 && x.sojourn <= f64::from(k) + 1e-9, "ρ {rho} K {k}: {x:?}");
                    assert!(x.sojourn >= last[j] - 1e-12, "sojourn falls at ρ {rho}, K {k}");
                    last[j] = x.sojourn;
                }
                if rho > 0.0 && rho < 0.9 && k >= 64 {
                    assert!(e[0].sojourn < e[1].sojourn && e[1].sojourn < e[2].sojourn, "ρ {rho}");
                }
            }
        }
        assert_eq!(port(0.0, 32, 1.0), PortEstimate { sojourn: 1.0, variance: 1.0, drop: 0.0 });
    }
}
