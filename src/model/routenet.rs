//! The scale-free RouteNet: path and link states refined by message passing over dimensionless
//! inputs, then a readout per hop that corrects the analytic estimate of that hop's port.
//!
//! Each of T iterations runs a GRU along every path over the states of its links (with the hop's
//! own features), averages at every link the per-hop outputs of the paths crossing it (weighted by
//! their share of its traffic) and updates the link state with a second GRU from that average.
//! After the last iteration each per-hop output goes through the readout, which gives three
//! bounded corrections to the hop's M/G/1/K estimate ([`super::queueing`]): a factor on the
//! waiting time, a factor on the sojourn variance and a shift of the drop logit. The path's
//! delay, jitter and loss are then assembled from its hops (see [`RouteNet::forward`]).

use burn::module::{ModuleMapper, Param, ParamId};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::{log_sigmoid, sigmoid, tanh};

use super::dropout;
use super::features::{GraphInputs, HOP_FEATURES, Indexing, JITTER_FLOOR, LINK_FEATURES, PATH_FEATURES};
pub use super::weights::RouteNetConfig;
use super::weights::{CORRECTION_BOUNDS, Dense, GruWeights, OUTPUTS, RouteNetWeights};

/// A gated recurrent unit cell (Cho et al.), written out so that steps over paths of different
/// lengths can run on prefixes.
#[derive(Module, Debug)]
pub struct GruCell<B: Backend> {
    input: Linear<B>,
    hidden: Linear<B>,
    size: usize,
}

impl<B: Backend> GruCell<B> {
    fn new(input: usize, size: usize, device: &B::Device) -> Self {
        GruCell {
            input: LinearConfig::new(input, 3 * size).init(device),
            hidden: LinearConfig::new(size, 3 * size).init(device),
            size,
        }
    }

    /// The input half of the gates, `[n, 3 × size]`: computed for many steps in one product.
    pub fn project(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.input.forward(x)
    }

    /// One step from projected inputs `gi` (`[n, 3 × size]`) and states `h` (`[n, size]`).
    pub fn step(&self, gi: Tensor<B, 2>, h: Tensor<B, 2>) -> Tensor<B, 2> {
        let [ir, iz, i_n] = split3(gi);
        let [hr, hz, h_n] = split3(self.hidden.forward(h.clone()));
        let r = sigmoid(ir + hr);
        let z = sigmoid(iz + hz);
        let n = tanh(i_n + r * h_n);
        n.clone() + z * (h - n)
    }

    /// One step from raw inputs `x` (`[n, input]`).
    pub fn forward(&self, x: Tensor<B, 2>, h: Tensor<B, 2>) -> Tensor<B, 2> {
        self.step(self.project(x), h)
    }

    fn weights(&self) -> GruWeights {
        GruWeights { input: dense(&self.input), hidden: dense(&self.hidden) }
    }
}

/// The reset, update and candidate parts of a `[n, 3 × size]` gate tensor.
fn split3<B: Backend>(gates: Tensor<B, 2>) -> [Tensor<B, 2>; 3] {
    let mut parts = gates.chunk(3, 1).into_iter();
    std::array::from_fn(|_| parts.next().expect("three chunks"))
}

/// The model.
#[derive(Module, Debug)]
pub struct RouteNet<B: Backend> {
    path_gru: GruCell<B>,
    hop_input: Linear<B>,
    link_gru: GruCell<B>,
    readout_1: Linear<B>,
    readout_2: Linear<B>,
    head: Linear<B>,
    /// Readout dropout rate, applied when the inputs carry dropout keys.
    dropout: f64,
    path_state: usize,
    link_state: usize,
    iterations: usize,
}

impl RouteNetConfig {
    /// A freshly initialised model on `device`, its weights drawn now. The head starts at zero, so
    /// an untrained model predicts exactly the analytic estimate.
    ///
    /// burn draws parameters lazily on first use, and clones taken before that draw their own
    /// values; data-parallel replicas and checkpoints clone the model, so it is materialised here.
    /// Panics on sizes that [`RouteNetConfig::validate`] refuses.
    pub fn init<B: Backend>(&self, device: &B::Device) -> RouteNet<B> {
        if let Err(e) = self.validate() {
            panic!("invalid model configuration: {e}");
        }
        let (ps, ls, hidden) = (self.path_state, self.link_state, self.readout_hidden);
        let model = RouteNet {
            path_gru: GruCell::new(ls, ps, device),
            hop_input: LinearConfig::new(HOP_FEATURES, 3 * ps).with_bias(false).init(device),
            link_gru: GruCell::new(ps, ls, device),
            readout_1: LinearConfig::new(ps, hidden).init(device),
            readout_2: LinearConfig::new(hidden, hidden).init(device),
            head: LinearConfig::new(hidden, OUTPUTS).with_initializer(Initializer::Zeros).init(device),
            dropout: self.dropout,
            path_state: ps,
            link_state: ls,
            iterations: self.iterations,
        };
        model.map(&mut NumberParams::default())
    }
}

/// Draws every lazily initialised parameter now and numbers the parameters in visiting order:
/// burn gives each parameter a random id, which checkpoints record, so without this two runs with
/// one seed would write the same weights under different names.
#[derive(Default)]
struct NumberParams {
    next: u64,
}

impl<B: Backend> ModuleMapper<B> for NumberParams {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (_, value, mapper) = param.consume();
        self.next += 1;
        Param::from_mapped_value(ParamId::from(self.next), value, mapper)
    }
}

impl<B: Backend> RouteNet<B> {
    /// Per-path outputs `[paths, 3]` in sorted order, in the units of the targets: log of the
    /// queueing delay over the transmission time, log of the jitter over the squared transmission
    /// time plus [`JITTER_FLOOR`], and the loss ratio.
    ///
    /// A hop's sojourn is `1 + wait × e^c₀` (in its τ), its variance `variance × e^c₁` and its
    /// drop probability `σ(logit + c₂)`, from the analytic estimate and the bounded corrections c.
    /// A path's delay is Σ weight × sojourn, its jitter Σ weight² × variance (independent hops)
    /// and its loss 1 − Π (1 − drop).
    pub fn forward(&self, g: &GraphInputs<B>) -> Tensor<B, 2> {
        let c = self.corrections(self.hop_states(g), g.dropout_keys.as_deref());
        let [c_wait, c_variance, c_drop] = split_columns(c);
        let sojourn = g.hop_wait.clone() * c_wait.exp() + 1.0;
        let variance = g.hop_variance.clone() * c_variance.exp();
        let log_survival = log_sigmoid(-(g.hop_drop_logit.clone() + c_drop));
        let weight = g.hop_weight.clone();
        let per_hop =
            Tensor::cat(vec![weight.clone() * sojourn, weight.powf_scalar(2.0) * variance, log_survival], 1);
        let per_path = sum_rows(g.indexing, per_hop, g.paths, &g.hop_paths);
        let [delay, jitter, survival] = split_columns(per_path);
        Tensor::cat(vec![delay.log(), (jitter + JITTER_FLOOR).log(), -survival.exp() + 1.0], 1)
    }

    /// The bounded corrections `[hops, 3]` from the per-hop states, dropping hidden units by the
    /// hops' `dropout_keys` if given.
    pub fn corrections(&self, hop_states: Tensor<B, 2>, dropout_keys: Option<&[u64]>) -> Tensor<B, 2> {
        let x = self.drop(selu(self.readout_1.forward(hop_states)), dropout_keys, 0);
        let x = self.drop(selu(self.readout_2.forward(x)), dropout_keys, 1);
        let raw = self.head.forward(x);
        let device = raw.device();
        let bounds =
            Tensor::<B, 2>::from_data(TensorData::new(CORRECTION_BOUNDS.to_vec(), [1, OUTPUTS]), &device);
        tanh(raw / bounds.clone()) * bounds
    }

    fn drop(&self, x: Tensor<B, 2>, keys: Option<&[u64]>, layer: u8) -> Tensor<B, 2> {
        match keys {
            Some(keys) if self.dropout > 0.0 => {
                let [rows, width] = x.dims();
                assert_eq!(rows, keys.len(), "one dropout key per hop");
                let mask = dropout::mask(keys, layer, width, self.dropout);
                let mask = Tensor::<B, 2>::from_data(TensorData::new(mask, [rows, width]), &x.device());
                x * mask
            }
            _ => x,
        }
    }

    /// Message passing: the per-hop outputs `[hops, path_state]` of the path GRU in the last
    /// iteration, hop-major.
    pub fn hop_states(&self, g: &GraphInputs<B>) -> Tensor<B, 2> {
        let device = g.path_features.device();
        let (paths, links) = (g.paths, g.links);
        let mut path_h = Tensor::cat(
            vec![g.path_features.clone(), Tensor::zeros([paths, self.path_state - PATH_FEATURES], &device)],
            1,
        );
        let mut link_h = Tensor::cat(
            vec![g.link_features.clone(), Tensor::zeros([links, self.link_state - LINK_FEATURES], &device)],
            1,
        );
        let hop_rows = HopRows::new(g, 3 * self.path_state, self.path_state);
        // The hops' own features do not change between iterations: projected once.
        let hop_projected = self.hop_input.forward(g.hop_features.clone());
        let mut per_hop = Vec::with_capacity(g.active.len());
        for iteration in 0..self.iterations {
            // The link state's projection is linear, so it is applied per link and gathered per hop.
            let projected = hop_rows.gather(self.path_gru.project(link_h.clone())) + hop_projected.clone();
            per_hop.clear();
            let mut offset = 0;
            for &n in &g.active {
                let gi = projected.clone().slice(s![offset..offset + n, ..]);
                let stepped = self.path_gru.step(gi, path_h.clone().slice(s![0..n, ..]));
                path_h = if n == paths {
                    stepped.clone()
                } else {
                    Tensor::cat(vec![stepped.clone(), path_h.slice(s![n..paths, ..])], 0)
                };
                per_hop.push(stepped);
                offset += n;
            }
            if iteration + 1 < self.iterations {
                let messages = Tensor::cat(per_hop.clone(), 0) * g.hop_share.clone();
                let averaged = hop_rows.sum_onto_links(messages, links);
                link_h = self.link_gru.forward(averaged, link_h);
            }
        }
        Tensor::cat(per_hop, 0)
    }

    /// Sum of squared readout weights (the L2 regulariser).
    pub fn readout_l2(&self) -> Tensor<B, 1> {
        [&self.readout_1, &self.readout_2, &self.head]
            .into_iter()
            .map(|l| l.weight.val().powf_scalar(2.0).sum())
            .reduce(|a, b| a + b)
            .expect("three layers")
    }

    /// The weights as plain arrays, for the frozen CPU predictor.
    pub fn weights(&self) -> RouteNetWeights {
        RouteNetWeights {
            path_gru: self.path_gru.weights(),
            hop_input: dense(&self.hop_input),
            link_gru: self.link_gru.weights(),
            readout_1: dense(&self.readout_1),
            readout_2: dense(&self.readout_2),
            head: dense(&self.head),
            iterations: self.iterations,
        }
    }
}

/// The columns of a `[n, 3]` tensor, each `[n, 1]`.
fn split_columns<B: Backend>(x: Tensor<B, 2>) -> [Tensor<B, 2>; 3] {
    let mut parts = x.chunk(3, 1).into_iter();
    std::array::from_fn(|_| parts.next().expect("three columns"))
}

/// Moves rows between links and hops (hop-major) with the batch's [`Indexing`].
struct HopRows<B: Backend> {
    hop_links: Tensor<B, 1, Int>,
    /// With [`Indexing::Elements`]: the hop links expanded to the gathered and the summed widths.
    expanded: Option<(Tensor<B, 2, Int>, Tensor<B, 2, Int>)>,
}

impl<B: Backend> HopRows<B> {
    fn new(g: &GraphInputs<B>, gather_width: usize, sum_width: usize) -> Self {
        let expanded = (g.indexing == Indexing::Elements).then(|| {
            let column = g.hop_links.clone().unsqueeze_dim::<2>(1);
            (column.clone().repeat_dim(1, gather_width), column.repeat_dim(1, sum_width))
        });
        HopRows { hop_links: g.hop_links.clone(), expanded }
    }

    /// `[links, w]` to `[hops, w]`: the row of every hop's link.
    fn gather(&self, per_link: Tensor<B, 2>) -> Tensor<B, 2> {
        match &self.expanded {
            None => per_link.select(0, self.hop_links.clone()),
            Some((index, _)) => per_link.gather(0, index.clone()),
        }
    }

    /// `[hops, w]` to `[links, w]`: every link's sum of the rows of the hops over it.
    fn sum_onto_links(&self, per_hop: Tensor<B, 2>, links: usize) -> Tensor<B, 2> {
        match &self.expanded {
            None => sum_rows(Indexing::Rows, per_hop, links, &self.hop_links),
            Some((_, index)) => {
                let [_, width] = per_hop.dims();
                let zeros = Tensor::zeros([links, width], &per_hop.device());
                zeros.scatter(0, index.clone(), per_hop, IndexingUpdateOp::Add)
            }
        }
    }
}

/// `[hops, w]` to `[rows, w]`: every row's sum of the hops whose `index` is that row.
fn sum_rows<B: Backend>(
    indexing: Indexing,
    per_hop: Tensor<B, 2>,
    rows: usize,
    index: &Tensor<B, 1, Int>,
) -> Tensor<B, 2> {
    let [_, width] = per_hop.dims();
    let zeros = Tensor::zeros([rows, width], &per_hop.device());
    match indexing {
        Indexing::Rows => zeros.select_assign(0, index.clone(), per_hop, IndexingUpdateOp::Add),
        Indexing::Elements => {
            let expanded = index.clone().unsqueeze_dim::<2>(1).repeat_dim(1, width);
            zeros.scatter(0, expanded, per_hop, IndexingUpdateOp::Add)
        }
    }
}

/// SELU whose gradient stays finite for every finite input. burn's `selu` takes `exp` of every
/// input and masks the positive side away afterwards, so for an input above about 88 its backward
/// pass multiplies 0 by ∞ and the whole step's gradients turn NaN (seen in training on diverse
/// data); here `exp` only ever sees the non-positive side.
fn selu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    const ALPHA: f64 = 1.673_263_242_354_377_3;
    const GAMMA: f64 = 1.050_700_987_355_480_5;
    let positive = x.clone().greater_elem(0.0);
    let negative = x.clone().clamp_max(0.0).exp().sub_scalar(1.0).mul_scalar(ALPHA);
    negative.mask_where(positive, x).mul_scalar(GAMMA)
}

fn dense<B: Backend>(layer: &Linear<B>) -> Dense {
    let values = |data: TensorData| data.convert::<f32>().into_vec::<f32>().expect("f32 weights");
    let [inputs, outputs] = layer.weight.dims();
    let bias = layer.bias.as_ref().map_or_else(|| vec![0.0; outputs], |b| values(b.val().into_data()));
    Dense::new(values(layer.weight.val().into_data()), bias, inputs, outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};

    #[test]
    fn selu_has_finite_exact_gradients_even_for_large_inputs() {
        type B = Autodiff<Flex>;
        let xs = [-3.0f32, -0.5, 0.25, 90.0, 1.0e4];
        let x = Tensor::<B, 1>::from_floats(xs, &Default::default()).require_grad();
        let y = selu(x.clone());
        let values: Vec<f32> = y.clone().into_data().to_vec().unwrap();
        let grads = y.sum().backward();
        let slopes: Vec<f32> = x.grad(&grads).unwrap().into_data().to_vec().unwrap();
        let (alpha, gamma) = (1.673_263_2f32, 1.050_701f32);
        for ((&x, &value), &slope) in xs.iter().zip(&values).zip(&slopes) {
            let (want_value, want_slope) = if x > 0.0 {
                (gamma * x, gamma)
            } else {
                (gamma * alpha * (x.exp() - 1.0), gamma * alpha * x.exp())
            };
            assert!((value - want_value).abs() <= 1e-5 * want_value.abs().max(1.0), "selu({x}) = {value}");
            assert!((slope - want_slope).abs() < 1e-5, "selu'({x}) = {slope}, want {want_slope}");
        }
    }
}
