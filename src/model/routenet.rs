//! RouteNet: path and link states refined by message passing, then a readout per path.
//!
//! Each of T iterations runs a GRU along every path over the states of its links (one output per
//! hop, the last one the new path state), sums at every link the per-hop outputs of the paths
//! crossing it, and updates the link state with a second GRU from that sum.

use burn::module::{ModuleVisitor, Param};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::{selu, sigmoid, tanh};
use serde::{Deserialize, Serialize};

use super::dropout;
use super::features::{GraphInputs, Indexing};
use super::frozen::{Dense, FrozenGru, FrozenRouteNet};

/// Sizes of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RouteNetConfig {
    pub path_state: usize,
    pub link_state: usize,
    pub iterations: usize,
    pub readout_hidden: usize,
    pub dropout: f64,
}

impl Default for RouteNetConfig {
    fn default() -> Self {
        RouteNetConfig { path_state: 32, link_state: 16, iterations: 8, readout_hidden: 256, dropout: 0.1 }
    }
}

/// Outputs per path: delay, jitter and loss, each in normalised units.
pub const OUTPUTS: usize = 3;
/// Features that start a path state (normalised traffic).
pub const PATH_FEATURES: usize = 1;
/// Features that start a link state (normalised capacity and queue size).
pub const LINK_FEATURES: usize = 2;

/// A gated recurrent unit cell (Cho et al.), written out so padded steps can be masked.
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
}

/// The reset, update and candidate parts of a `[n, 3 × size]` gate tensor.
fn split3<B: Backend>(gates: Tensor<B, 2>) -> [Tensor<B, 2>; 3] {
    let mut parts = gates.chunk(3, 1).into_iter();
    std::array::from_fn(|_| parts.next().expect("three chunks"))
}

/// The RouteNet model.
#[derive(Module, Debug)]
pub struct RouteNet<B: Backend> {
    path_gru: GruCell<B>,
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
    /// A freshly initialised model on `device`, its weights drawn now.
    ///
    /// burn draws parameters lazily on first use, and clones taken before that draw their own
    /// values; data-parallel replicas and checkpoints clone the model, so it is materialised here.
    pub fn init<B: Backend>(&self, device: &B::Device) -> RouteNet<B> {
        assert!(
            self.path_state >= PATH_FEATURES && self.link_state >= LINK_FEATURES,
            "state sizes too small"
        );
        let model = RouteNet {
            path_gru: GruCell::new(self.link_state, self.path_state, device),
            link_gru: GruCell::new(self.path_state, self.link_state, device),
            readout_1: LinearConfig::new(self.path_state, self.readout_hidden).init(device),
            readout_2: LinearConfig::new(self.readout_hidden, self.readout_hidden).init(device),
            head: LinearConfig::new(self.readout_hidden, OUTPUTS).init(device),
            dropout: self.dropout,
            path_state: self.path_state,
            link_state: self.link_state,
            iterations: self.iterations,
        };
        model.visit(&mut Materialise);
        model
    }
}

/// Touches every parameter so that its lazily drawn value exists.
struct Materialise;

impl<B: Backend> ModuleVisitor<B> for Materialise {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let _ = param.val();
    }
}

impl<B: Backend> RouteNet<B> {
    /// Per-path outputs `[paths, 3]` (normalised delay, jitter, loss), with dropout in the
    /// readout when the inputs carry dropout keys.
    pub fn forward(&self, g: &GraphInputs<B>) -> Tensor<B, 2> {
        self.readout(self.path_states(g), g.dropout_keys.as_deref())
    }

    /// The readout MLP: path states `[paths, path_state]` (batch order) to outputs `[paths, 3]`,
    /// dropping hidden units by the paths' `dropout_keys` if given.
    pub fn readout(&self, path_states: Tensor<B, 2>, dropout_keys: Option<&[u64]>) -> Tensor<B, 2> {
        let x = self.drop(selu(self.readout_1.forward(path_states)), dropout_keys, 0);
        let x = self.drop(selu(self.readout_2.forward(x)), dropout_keys, 1);
        self.head.forward(x)
    }

    fn drop(&self, x: Tensor<B, 2>, keys: Option<&[u64]>, layer: u8) -> Tensor<B, 2> {
        match keys {
            Some(keys) if self.dropout > 0.0 => {
                let [rows, width] = x.dims();
                assert_eq!(rows, keys.len(), "one dropout key per path");
                let mask = dropout::mask(keys, layer, width, self.dropout);
                let mask = Tensor::<B, 2>::from_data(TensorData::new(mask, [rows, width]), &x.device());
                x * mask
            }
            _ => x,
        }
    }

    /// Message passing: the final path states `[paths, path_state]`, in batch order.
    pub fn path_states(&self, g: &GraphInputs<B>) -> Tensor<B, 2> {
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
        for _ in 0..self.iterations {
            // The input projection of the link state seen at every hop.
            // Projection is linear, so it is applied per link and then gathered per hop.
            let projected = hop_rows.gather(self.path_gru.project(link_h.clone()));
            let mut per_hop = Vec::with_capacity(g.active.len());
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
            let summed = hop_rows.sum_onto_links(Tensor::cat(per_hop, 0), links);
            link_h = self.link_gru.forward(summed, link_h);
        }
        path_h.select(0, g.restore.clone())
    }

    /// Sum of squared readout weights (the L2 regulariser).
    pub fn readout_l2(&self) -> Tensor<B, 1> {
        [&self.readout_1, &self.readout_2, &self.head]
            .into_iter()
            .map(|l| l.weight.val().powf_scalar(2.0).sum())
            .reduce(|a, b| a + b)
            .expect("three layers")
    }
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
        let [_, width] = per_hop.dims();
        let zeros = Tensor::zeros([links, width], &per_hop.device());
        match &self.expanded {
            None => zeros.select_assign(0, self.hop_links.clone(), per_hop, IndexingUpdateOp::Add),
            Some((_, index)) => zeros.scatter(0, index.clone(), per_hop, IndexingUpdateOp::Add),
        }
    }
}

impl<B: Backend> RouteNet<B> {
    /// The weights copied into a [`FrozenRouteNet`], for fast prediction on the CPU.
    pub fn freeze(&self) -> FrozenRouteNet {
        let gru = |cell: &GruCell<B>| FrozenGru { input: dense(&cell.input), hidden: dense(&cell.hidden) };
        FrozenRouteNet {
            path_gru: gru(&self.path_gru),
            link_gru: gru(&self.link_gru),
            readout_1: dense(&self.readout_1),
            readout_2: dense(&self.readout_2),
            head: dense(&self.head),
            iterations: self.iterations,
        }
    }
}

fn dense<B: Backend>(layer: &Linear<B>) -> Dense {
    let values = |data: TensorData| data.convert::<f32>().into_vec::<f32>().expect("f32 weights");
    let [inputs, outputs] = layer.weight.dims();
    let bias = layer.bias.as_ref().map_or_else(|| vec![0.0; outputs], |b| values(b.val().into_data()));
    Dense::new(values(layer.weight.val().into_data()), bias, inputs, outputs)
}
