//! A trained RouteNet frozen for prediction on the CPU.
//!
//! Written by hand rather than run through burn because prediction is the product's inner loop
//! (every edit on the canvas asks for one) and the model is small: burn's CPU backend launches one
//! kernel per tensor operation, so a whole scenario costs hundreds of small kernels and
//! intermediate tensors. Here the matrix products go to `gemm` and each GRU's gates, its state
//! update and the scatter of its outputs onto links are fused into one pass per row. The results
//! equal the burn model's to float rounding (tested in `tests/model.rs`).

use gemm::Parallelism;

use super::features::{GraphLayout, Normalization};
use super::routenet::{LINK_FEATURES, OUTPUTS, PATH_FEATURES};
use crate::data::{GraphBatch, Record};

/// An affine layer `y = x W + b`, with `W` row-major `[inputs, outputs]` as burn stores it.
#[derive(Debug, Clone)]
pub struct Dense {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Dense {
    /// A layer from its weight (`[inputs × outputs]`, row-major) and bias (`[outputs]`).
    pub fn new(weight: Vec<f32>, bias: Vec<f32>, inputs: usize, outputs: usize) -> Self {
        assert_eq!(weight.len(), inputs * outputs, "weight shape");
        assert_eq!(bias.len(), outputs, "bias shape");
        Dense { weight, bias, inputs, outputs }
    }

    /// `out[rows × outputs] = x[rows × inputs] W + b`.
    fn apply(&self, x: &[f32], rows: usize, out: &mut [f32]) {
        let (k, n) = (self.inputs, self.outputs);
        assert!(x.len() >= rows * k && out.len() >= rows * n, "buffer too small");
        for row in out[..rows * n].chunks_exact_mut(n) {
            row.copy_from_slice(&self.bias);
        }
        if rows == 0 {
            return;
        }
        // SAFETY: the asserts above keep every access inside `x`, `self.weight` and `out`, which
        // are row-major with the strides given; `out` does not alias the inputs (`&mut`).
        unsafe {
            gemm::gemm(
                rows,
                n,
                k,
                out.as_mut_ptr(),
                1,
                n as isize,
                true,
                x.as_ptr(),
                1,
                k as isize,
                self.weight.as_ptr(),
                1,
                n as isize,
                1.0,
                1.0,
                false,
                false,
                false,
                // One thread: waking a second one costs more than these products (measured).
                Parallelism::None,
            );
        }
    }
}

/// A GRU cell's two projections: input and hidden state, each to the three gates.
#[derive(Debug, Clone)]
pub struct FrozenGru {
    pub input: Dense,
    pub hidden: Dense,
}

impl FrozenGru {
    fn size(&self) -> usize {
        self.hidden.inputs
    }
}

/// RouteNet's weights, ready for [`FrozenRouteNet::predict`].
#[derive(Debug, Clone)]
pub struct FrozenRouteNet {
    pub path_gru: FrozenGru,
    pub link_gru: FrozenGru,
    pub readout_1: Dense,
    pub readout_2: Dense,
    pub head: Dense,
    pub iterations: usize,
}

impl FrozenRouteNet {
    /// Per-flow (delay s, jitter s², loss ratio) for one sample, in its flow order.
    pub fn predict(&self, norm: &Normalization, record: &Record) -> Vec<(f64, f64, f64)> {
        let batch = GraphBatch::from_records([record]);
        let outputs = self.forward(&GraphLayout::new(&batch, norm));
        outputs.chunks_exact(OUTPUTS).map(|o| norm.denormalise([o[0], o[1], o[2]])).collect()
    }

    /// Normalised outputs `[paths × 3]` in batch order, as `RouteNet::forward` gives them.
    pub fn forward(&self, g: &GraphLayout) -> Vec<f32> {
        // The gate loops vectorise as wide as the CPU allows; only the vector width differs, so
        // every variant computes the same values.
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU has AVX-512F, checked just above.
                return unsafe { self.forward_avx512(g) };
            }
            if is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { self.forward_avx2(g) };
            }
        }
        self.forward_portable(g)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn forward_avx512(&self, g: &GraphLayout) -> Vec<f32> {
        self.forward_portable(g)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn forward_avx2(&self, g: &GraphLayout) -> Vec<f32> {
        self.forward_portable(g)
    }

    #[inline(always)]
    fn forward_portable(&self, g: &GraphLayout) -> Vec<f32> {
        let (paths, links) = (g.paths, g.links);
        let (ps, ls) = (self.path_gru.size(), self.link_gru.size());
        let mut path_h = vec![0.0; paths * ps];
        for (row, &x) in path_h.chunks_exact_mut(ps).zip(&g.path_features) {
            row[0] = x;
        }
        let mut link_h = vec![0.0; links * ls];
        for (row, x) in link_h.chunks_exact_mut(ls).zip(g.link_features.chunks_exact(LINK_FEATURES)) {
            row[..LINK_FEATURES].copy_from_slice(x);
        }
        debug_assert_eq!(PATH_FEATURES, 1);

        let mut link_projected = vec![0.0; links * 3 * ps];
        let mut path_gates = vec![0.0; paths * 3 * ps];
        let mut messages = vec![0.0; links * ps];
        let mut link_input = vec![0.0; links * 3 * ls];
        let mut link_gates = vec![0.0; links * 3 * ls];
        for _ in 0..self.iterations {
            // The input projection is linear, so it is applied once per link, not once per hop.
            self.path_gru.input.apply(&link_h, links, &mut link_projected);
            messages.fill(0.0);
            let mut hops = g.hop_links.iter();
            for &n in &g.active {
                self.path_gru.hidden.apply(&path_h, n, &mut path_gates);
                for (i, &link) in hops.by_ref().take(n).enumerate() {
                    let h = &mut path_h[i * ps..(i + 1) * ps];
                    gru_update(
                        &link_projected[link * 3 * ps..(link + 1) * 3 * ps],
                        &path_gates[i * 3 * ps..(i + 1) * 3 * ps],
                        h,
                    );
                    for (m, &x) in messages[link * ps..(link + 1) * ps].iter_mut().zip(h.iter()) {
                        *m += x;
                    }
                }
            }
            self.link_gru.input.apply(&messages, links, &mut link_input);
            self.link_gru.hidden.apply(&link_h, links, &mut link_gates);
            for ((gi, gh), h) in link_input
                .chunks_exact(3 * ls)
                .zip(link_gates.chunks_exact(3 * ls))
                .zip(link_h.chunks_exact_mut(ls))
            {
                gru_update(gi, gh, h);
            }
        }

        let hidden = self.readout_1.outputs;
        let mut x1 = vec![0.0; paths * hidden];
        self.readout_1.apply(&path_h, paths, &mut x1);
        selu_in_place(&mut x1);
        let mut x2 = vec![0.0; paths * hidden];
        self.readout_2.apply(&x1, paths, &mut x2);
        selu_in_place(&mut x2);
        let mut sorted_out = vec![0.0; paths * OUTPUTS];
        self.head.apply(&x2, paths, &mut sorted_out);
        g.restore
            .iter()
            .flat_map(|&position| sorted_out[position * OUTPUTS..(position + 1) * OUTPUTS].iter().copied())
            .collect()
    }
}

/// One GRU step in place: `gi` and `gh` hold the reset, update and candidate gate inputs.
#[inline(always)]
fn gru_update(gi: &[f32], gh: &[f32], h: &mut [f32]) {
    let size = h.len();
    // Exact lengths up front: no bounds checks inside the loop, so it vectorises.
    let (ir, iz, i_n) = (&gi[..size], &gi[size..2 * size], &gi[2 * size..3 * size]);
    let (hr, hz, h_n) = (&gh[..size], &gh[size..2 * size], &gh[2 * size..3 * size]);
    for j in 0..size {
        let r = sigmoid(ir[j] + hr[j]);
        let z = sigmoid(iz[j] + hz[j]);
        let n = tanh(i_n[j] + r * h_n[j]);
        h[j] = z.mul_add(h[j] - n, n);
    }
}

const SELU_LAMBDA: f32 = 1.050_701;
const SELU_ALPHA: f32 = 1.673_263_2;

#[inline(always)]
fn selu_in_place(x: &mut [f32]) {
    for v in x {
        let negative = SELU_ALPHA * (exp(*v) - 1.0);
        *v = SELU_LAMBDA * if *v > 0.0 { *v } else { negative };
    }
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
fn tanh(x: f32) -> f32 {
    2.0 * sigmoid(2.0 * x) - 1.0
}

/// `e^x` to about one ulp, branch-free so that loops over it vectorise (Cephes' `expf`).
///
/// `mul_add` becomes one FMA instruction in the AVX2 and AVX-512 variants of the forward pass.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5 × 2^23 rounds to an integer, which then sits in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    let power = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, x));
    let p = [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 0.5]
        .into_iter()
        .fold(1.987_569_1e-4_f32, |acc, c| acc.mul_add(r, c));
    let e_r = (p * r).mul_add(r, r + 1.0);
    e_r * f32::from_bits(((power + 127) << 23) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_the_standard_library_across_the_range() {
        let mut worst: f32 = 0.0;
        for i in -87_000..=88_000 {
            let x = i as f32 / 1000.0;
            worst = worst.max(((exp(x) - x.exp()) / x.exp()).abs());
        }
        assert!(worst < 3e-7, "relative error {worst}");
        assert!((0.0..1e-37).contains(&exp(-1000.0)));
        assert!(exp(1000.0).is_finite());
    }

    #[test]
    fn tanh_and_sigmoid_match_their_definitions() {
        for i in -2000..=2000 {
            let x = i as f32 / 100.0;
            assert!((tanh(x) - x.tanh()).abs() < 2e-7, "tanh({x})");
            assert!((sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs() < 2e-7, "sigmoid({x})");
        }
    }

    #[test]
    fn dense_is_x_times_w_plus_b() {
        // [[1, 2], [3, 4], [5, 6]] × [[1, 0, 2], [0, 1, 3]] + [1, 1, 1]
        let layer = Dense::new(vec![1.0, 0.0, 2.0, 0.0, 1.0, 3.0], vec![1.0; 3], 2, 3);
        let mut out = vec![0.0; 9];
        layer.apply(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, &mut out);
        assert_eq!(out, [2.0, 3.0, 9.0, 4.0, 5.0, 19.0, 6.0, 7.0, 29.0]);
    }
}
