//! From a [`GraphBatch`] to the scale-free model's inputs: dimensionless features, the analytic
//! estimate of every port, each hop's weight in its path's delay, and the targets.
//!
//! Nothing measured in bit/s or seconds goes into the network. A link is described by its offered
//! load ρ (the rates of the flows routed over it over its capacity), its buffer, the packet-size
//! variability and the M/G/1/K estimate for those ([`queueing`]); a hop by the flow's share of the
//! link's traffic and the capacity ratio to the previous hop. Time enters only afterwards: a path's
//! queueing and transmission delay is Σ over its hops of the hop's sojourn (in units of the link's
//! τ = mean packet bits / capacity) × τ, and its propagation delay is added exactly. Scaling every
//! capacity and rate by k therefore scales every predicted delay by 1/k, and scaling the mean
//! packet size by m scales it by m.

use burn::prelude::*;

use super::class_ports::{ClassPort, class_ports};
use super::queueing;
use crate::data::GraphBatch;
use crate::net::Policy;

/// Features per link: offered and received load, buffer, packet-size c², the analytic log-sojourn
/// and drop, and the share of the link's traffic that enters the network there.
pub const LINK_FEATURES: usize = 7;
/// Features per path: packet-size c² and the logarithm of its hop count.
pub const PATH_FEATURES: usize = 2;
/// Features per hop: the flow's share of the link's traffic, the log capacity ratio to the
/// previous hop, whether it is the first hop; the port's policy (strict priority, WFQ, DRR; none
/// for FIFO), the load of the flow's class there, the load of the classes served before it
/// (strict priority), its weight's share (WFQ, DRR), and the analytic log-sojourn and drop of its
/// class ([`super::class_ports`]; the port's for FIFO).
pub const HOP_FEATURES: usize = 11;

/// Loads above this are fed to the network as this; the analytic estimate still sees the true load.
const LOAD_INPUT_CAP: f64 = 3.0;
/// Capacity ratios between consecutive hops beyond e^±this are fed as e^±this.
const RATIO_INPUT_CAP: f64 = 7.0;
/// Floor under a path's jitter (variance, relative to its squared transmission time) before the
/// logarithm: below it jitter is noise.
pub const JITTER_FLOOR: f64 = 1e-4;

/// A batch laid out for message passing without padding, on the host.
///
/// Paths are processed in order of decreasing length (`order`), so the paths that still have a
/// hop `t` are always a prefix: `active[t]` of them. Hops are listed hop-major — all first hops,
/// then all second hops — so the per-hop GRU outputs concatenate straight into the hop list.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphLayout {
    pub paths: usize,
    pub links: usize,
    /// `[links × LINK_FEATURES]`, row-major.
    pub link_features: Vec<f32>,
    /// `[paths × PATH_FEATURES]` in sorted path order.
    pub path_features: Vec<f32>,
    /// `[hops × HOP_FEATURES]`, hop-major.
    pub hop_features: Vec<f32>,
    /// Number of paths with at least `t + 1` hops, for each hop position `t`.
    pub active: Vec<usize>,
    /// The link of every hop, hop-major.
    pub hop_links: Vec<usize>,
    /// The sorted position of every hop's path, hop-major.
    pub hop_paths: Vec<usize>,
    /// Every hop's flow's share of its link's offered traffic (the weight of its message).
    pub hop_share: Vec<f32>,
    /// Every hop's τ over its path's transmission time Σ τ: its weight in the path's delay.
    pub hop_weight: Vec<f32>,
    /// The analytic estimate at every hop (of its class, at a scheduled port), hop-major, in its
    /// link's τ: mean waiting time, variance of the sojourn, and the logit of the drop probability.
    pub hop_wait: Vec<f32>,
    pub hop_variance: Vec<f32>,
    pub hop_drop_logit: Vec<f32>,
    /// Batch index of the path at each sorted position.
    pub order: Vec<usize>,
    /// Sorted position of each path in batch order.
    pub restore: Vec<usize>,
    /// Per path (sorted order): transmission time Σ τ (s), the unit of its delay, and its
    /// propagation delay Σ propagation (s).
    pub path_transmission_s: Vec<f64>,
    pub path_propagation_s: Vec<f64>,
    /// Per link: offered load ρ.
    pub link_load: Vec<f64>,
    /// `[paths × 3]` targets in sorted order: log(queueing delay / transmission time),
    /// log(jitter / transmission time² + floor), loss; NaN where the label is missing.
    pub targets: Vec<f32>,
}

impl GraphLayout {
    /// Computes the features and targets of a batch.
    pub fn new(batch: &GraphBatch) -> Self {
        let (paths, links) = (batch.n_paths(), batch.n_links());
        let link_sample = batch.link_samples();
        let scv = |l: usize| batch.packets[link_sample[l] as usize].scv();
        let tau = |l: usize| batch.packets[link_sample[l] as usize].mean_bits() / batch.link_capacity_bps[l];

        // Offered traffic on every link, and the part of it entering the network there.
        let mut offered = vec![0.0f64; links];
        let mut fresh = vec![0.0f64; links];
        for p in 0..paths {
            let path = batch.path(p);
            for &l in path {
                offered[l as usize] += batch.path_rate_bps[p];
            }
            fresh[path[0] as usize] += batch.path_rate_bps[p];
        }
        let link_load: Vec<f64> = (0..links).map(|l| offered[l] / batch.link_capacity_bps[l]).collect();
        let received = received_loads(batch, &link_load, &scv);

        let mut link_features = Vec::with_capacity(links * LINK_FEATURES);
        let mut link_estimates = Vec::with_capacity(links);
        for l in 0..links {
            let queue = batch.link_queue_packets[l];
            let estimate = queueing::port(received[l], queue, scv(l));
            link_estimates.push(estimate);
            let fresh_share = if offered[l] > 0.0 { fresh[l] / offered[l] } else { 0.0 };
            link_features.extend(
                [
                    link_load[l].min(LOAD_INPUT_CAP),
                    received[l].min(LOAD_INPUT_CAP),
                    ((f64::from(queue)).ln() - 32f64.ln()) / 2.0,
                    scv(l),
                    estimate.sojourn.ln() / 2.0,
                    estimate.drop,
                    fresh_share,
                ]
                .map(|x| x as f32),
            );
        }
        // The estimate and scheduling features every class meets at every link (FIFO: one class).
        let classes = ClassLoads::new(batch, &link_load, &received);
        let class_estimates: Vec<Vec<ClassEstimate>> = (0..links)
            .map(|l| {
                let count = classes.ports[l].as_ref().map_or(1, |p| p.loads.len());
                (0..count)
                    .map(|class| {
                        let (estimate, share) = match classes.port(l, class) {
                            Some((port, queue)) => (queueing::port(port.load, queue, scv(l)), port.share),
                            None => (link_estimates[l], 1.0),
                        };
                        // In the link's τ: a share s of the link serves s times slower.
                        let sojourn = estimate.sojourn / share;
                        ClassEstimate {
                            wait: (sojourn - 1.0).max(0.0) as f32,
                            variance: (estimate.variance / (share * share)) as f32,
                            drop_logit: logit(estimate.drop) as f32,
                            features: classes.features(l, class, received[l], sojourn, estimate.drop),
                        }
                    })
                    .collect()
            })
            .collect();

        // Longest paths first (ties in batch order), so active paths form a prefix at every hop.
        let mut order: Vec<usize> = (0..paths).collect();
        order.sort_by_key(|&p| std::cmp::Reverse(batch.path(p).len()));
        let mut restore = vec![0; paths];
        for (position, &p) in order.iter().enumerate() {
            restore[p] = position;
        }
        // Lengths decrease along `order`, so the paths longer than t are a prefix.
        let mut active = vec![0; batch.max_path_len()];
        for &p in &order {
            for a in &mut active[..batch.path(p).len()] {
                *a += 1;
            }
        }

        let path_transmission_s: Vec<f64> =
            order.iter().map(|&p| batch.path(p).iter().map(|&l| tau(l as usize)).sum()).collect();
        let path_propagation_s: Vec<f64> = order
            .iter()
            .map(|&p| batch.path(p).iter().map(|&l| batch.link_propagation_s[l as usize]).sum())
            .collect();
        let path_features = order
            .iter()
            .flat_map(|&p| {
                let first = batch.path(p)[0] as usize;
                [scv(first) as f32, (batch.path(p).len() as f32).ln()]
            })
            .collect();

        let hops: usize = active.iter().sum();
        let mut hop_links = Vec::with_capacity(hops);
        let mut hop_paths = Vec::with_capacity(hops);
        let mut hop_share = Vec::with_capacity(hops);
        let mut hop_weight = Vec::with_capacity(hops);
        let mut hop_features = Vec::with_capacity(hops * HOP_FEATURES);
        let (mut hop_wait, mut hop_variance, mut hop_drop_logit) =
            (Vec::with_capacity(hops), Vec::with_capacity(hops), Vec::with_capacity(hops));
        for (t, &n) in active.iter().enumerate() {
            for (position, &p) in order[..n].iter().enumerate() {
                let path = batch.path(p);
                let l = path[t] as usize;
                let share = batch.path_rate_bps[p] / offered[l];
                let ratio = if t == 0 {
                    0.0
                } else {
                    let previous = batch.link_capacity_bps[path[t - 1] as usize];
                    (batch.link_capacity_bps[l] / previous).ln().clamp(-RATIO_INPUT_CAP, RATIO_INPUT_CAP)
                };
                hop_links.push(l);
                hop_paths.push(position);
                hop_share.push(share as f32);
                hop_weight.push((tau(l) / path_transmission_s[position]) as f32);
                hop_features.extend([share, ratio / 3.0, f64::from(u8::from(t == 0))].map(|x| x as f32));
                let per_class = &class_estimates[l];
                let e = &per_class[usize::from(batch.path_class[p]).min(per_class.len() - 1)];
                hop_wait.push(e.wait);
                hop_variance.push(e.variance);
                hop_drop_logit.push(e.drop_logit);
                hop_features.extend(e.features);
            }
        }

        let mut targets = Vec::with_capacity(paths * 3);
        for (position, &p) in order.iter().enumerate() {
            let reference = path_transmission_s[position];
            let queueing_s = f64::from(batch.delay_s[p]) - path_propagation_s[position];
            // Delivered packets spend at least about their own transmission time in the network.
            // A flow that delivered nothing has no delay label: NaN (`max` would turn it into 0.5).
            let delay = if queueing_s.is_nan() { f64::NAN } else { (queueing_s / reference).max(0.5).ln() };
            let jitter = (f64::from(batch.jitter_s2[p]) / (reference * reference) + JITTER_FLOOR).ln();
            targets.extend([delay as f32, jitter as f32, batch.loss[p]]);
        }

        GraphLayout {
            paths,
            links,
            link_features,
            path_features,
            hop_features,
            active,
            hop_links,
            hop_paths,
            hop_share,
            hop_weight,
            hop_wait,
            hop_variance,
            hop_drop_logit,
            order,
            restore,
            path_transmission_s,
            path_propagation_s,
            link_load,
            targets,
        }
    }

    /// Number of hops over all paths.
    pub fn hops(&self) -> usize {
        self.hop_links.len()
    }

    /// Readout dropout keys per hop (hop-major) from keys per path in batch order: each hop's key
    /// depends only on its path's key and its place on the path.
    pub fn hop_dropout_keys(&self, path_keys: &[u64]) -> Vec<u64> {
        assert_eq!(path_keys.len(), self.paths, "one dropout key per path");
        let mut keys = Vec::with_capacity(self.hops());
        for (t, &n) in self.active.iter().enumerate() {
            keys.extend(self.order[..n].iter().map(|&p| path_keys[p] ^ ((t as u64 + 1) << 48)));
        }
        keys
    }
}

/// A class's analytic estimate at a link, in the link's τ, and its scheduling features.
struct ClassEstimate {
    wait: f32,
    variance: f32,
    drop_logit: f32,
    features: [f32; 8],
}

/// The classes of every scheduled port: their loads and the FIFO ports they are seen as.
struct ClassLoads {
    /// Per link: `None` for FIFO, else each class's received load and policy, weights.
    ports: Vec<Option<ScheduledPort>>,
}

struct ScheduledPort {
    policy: Policy,
    loads: Vec<f64>,
    /// Each class's queue, in packets.
    queues: Vec<u32>,
    weight_shares: Vec<f64>,
    seen: Vec<ClassPort>,
}

impl ClassLoads {
    /// From every link's offered and received load.
    fn new(batch: &GraphBatch, offered: &[f64], received: &[f64]) -> Self {
        let mut ports: Vec<Option<ScheduledPort>> = batch
            .link_scheduler
            .iter()
            .zip(&batch.link_queue_packets)
            .map(|(s, &link_queue)| {
                s.as_ref().map(|s| ScheduledPort {
                    policy: s.policy,
                    loads: vec![0.0; s.classes.len()],
                    queues: s.classes.iter().map(|c| c.queue_packets.unwrap_or(link_queue)).collect(),
                    weight_shares: Vec::new(),
                    seen: Vec::new(),
                })
            })
            .collect();
        for p in 0..batch.n_paths() {
            for &l in batch.path(p) {
                let l = l as usize;
                if let Some(port) = &mut ports[l] {
                    let class = usize::from(batch.path_class[p]).min(port.loads.len() - 1);
                    // Upstream drops thin every class alike (the link's reduced load).
                    let thinned = if offered[l] > 0.0 { received[l] / offered[l] } else { 1.0 };
                    port.loads[class] += batch.path_rate_bps[p] * thinned / batch.link_capacity_bps[l];
                }
            }
        }
        let link_samples = batch.link_samples();
        for (l, port) in ports.iter_mut().enumerate() {
            if let (Some(port), Some(scheduler)) = (port, &batch.link_scheduler[l]) {
                let c2 = batch.packets[link_samples[l] as usize].scv();
                port.seen = class_ports(scheduler, &port.loads, &port.queues, c2);
                let active: f64 = scheduler
                    .classes
                    .iter()
                    .zip(&port.loads)
                    .filter(|&(_, &rho)| rho > 0.0)
                    .map(|(c, _)| c.weight)
                    .sum();
                port.weight_shares =
                    scheduler.classes.iter().map(|c| c.weight / active.max(f64::MIN_POSITIVE)).collect();
            }
        }
        ClassLoads { ports }
    }

    /// How class `class` (one the port has) is seen at link `l`, and its queue in packets; `None`
    /// at a FIFO port.
    fn port(&self, l: usize, class: usize) -> Option<(ClassPort, u32)> {
        let port = self.ports[l].as_ref()?;
        Some((port.seen[class], port.queues[class]))
    }

    /// The hop's scheduling features (see [`HOP_FEATURES`]), given the link's received load and
    /// the class's analytic sojourn (in τ) and drop probability.
    fn features(&self, l: usize, class: usize, link_load: f64, sojourn: f64, drop: f64) -> [f32; 8] {
        let estimate = [sojourn.ln() / 2.0, drop];
        let scheduling = match &self.ports[l] {
            None => [0.0, 0.0, 0.0, link_load.min(LOAD_INPUT_CAP), 0.0, 0.0],
            Some(port) => {
                let ahead: f64 = port.loads[..class].iter().sum();
                let policy = |p: Policy| f64::from(u8::from(port.policy == p));
                let strict = port.policy == Policy::StrictPriority;
                [
                    policy(Policy::StrictPriority),
                    policy(Policy::Wfq),
                    policy(Policy::Drr),
                    port.loads[class].min(LOAD_INPUT_CAP),
                    if strict { ahead.min(LOAD_INPUT_CAP) } else { 0.0 },
                    if strict { 0.0 } else { port.weight_shares[class].min(1.0) },
                ]
            }
        };
        let mut out = [0.0f32; 8];
        for (o, x) in out.iter_mut().zip(scheduling.iter().chain(&estimate)) {
            *o = *x as f32;
        }
        out
    }
}

/// Rounds of the reduced-load fixed point.
const REDUCED_LOAD_ROUNDS: usize = 8;

/// The load each link receives when ports upstream drop packets: the reduced-load (Erlang
/// fixed-point) approximation. A flow's rate at hop t is its rate times the survival of its
/// earlier hops, each port dropping with its M/G/1/K probability at the load it receives; the
/// rounds are damped, and converge for the loads networks see. Without drops it is the offered
/// load.
fn received_loads(batch: &GraphBatch, offered: &[f64], scv: &dyn Fn(usize) -> f64) -> Vec<f64> {
    let mut received = offered.to_vec();
    for _ in 0..REDUCED_LOAD_ROUNDS {
        let drop: Vec<f64> = (0..offered.len())
            .map(|l| queueing::port(received[l], batch.link_queue_packets[l], scv(l)).drop)
            .collect();
        if drop.iter().all(|&p| p < 1e-9) {
            break;
        }
        let mut next = vec![0.0; offered.len()];
        for p in 0..batch.n_paths() {
            let mut rate = batch.path_rate_bps[p];
            for &l in batch.path(p) {
                let l = l as usize;
                next[l] += rate / batch.link_capacity_bps[l];
                rate *= 1.0 - drop[l];
            }
        }
        let mut change: f64 = 0.0;
        for (r, n) in received.iter_mut().zip(next) {
            let damped = 0.5 * (*r + n);
            change = change.max((damped - *r).abs() / r.max(1e-300));
            *r = damped;
        }
        if change < 1e-6 {
            break;
        }
    }
    received
}

/// log(p / (1 − p)), with p kept inside [1e-12, 1 − 1e-12].
fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

/// How message passing moves rows between links and hops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexing {
    /// `select` gathers link rows per hop and `select_assign` sums hop rows onto links: fastest
    /// on CPU backends, where both are plain row loops.
    Rows,
    /// `gather` and `scatter` with the index expanded to every column: one element-parallel kernel
    /// each (atomic adds for the scatter) on GPU backends, where `select_assign` runs serially
    /// over rows.
    Elements,
}

impl Indexing {
    /// Rows on burn's CPU backend (flex), elements on every other backend.
    pub fn preferred<B: Backend>(device: &B::Device) -> Self {
        if B::name(device).contains("flex") { Indexing::Rows } else { Indexing::Elements }
    }
}

/// A [`GraphLayout`] as tensors on one device.
#[derive(Debug, Clone)]
pub struct GraphInputs<B: Backend> {
    pub paths: usize,
    pub links: usize,
    /// `[links, LINK_FEATURES]`.
    pub link_features: Tensor<B, 2>,
    /// `[paths, PATH_FEATURES]`, sorted order.
    pub path_features: Tensor<B, 2>,
    /// `[hops, HOP_FEATURES]`, hop-major.
    pub hop_features: Tensor<B, 2>,
    /// Number of paths with at least `t + 1` hops, for each hop position `t`.
    pub active: Vec<usize>,
    /// The link of every hop, hop-major.
    pub hop_links: Tensor<B, 1, Int>,
    /// The sorted path position of every hop.
    pub hop_paths: Tensor<B, 1, Int>,
    /// `[hops, 1]` message weights and delay weights.
    pub hop_share: Tensor<B, 2>,
    pub hop_weight: Tensor<B, 2>,
    /// `[hops, 1]` the analytic estimate at every hop's link.
    pub hop_wait: Tensor<B, 2>,
    pub hop_variance: Tensor<B, 2>,
    pub hop_drop_logit: Tensor<B, 2>,
    /// `[paths, 3]` targets in sorted order, and `[paths, 3]` 1 where labelled, 0 where not
    /// (those targets are 0).
    pub targets: Tensor<B, 2>,
    pub labelled: Tensor<B, 2>,
    /// Which indexing operations the model uses on this device.
    pub indexing: Indexing,
    /// One key per hop (hop-major) drawing its readout dropout masks ([`super::dropout`]);
    /// `None`, the default: no dropout, as in evaluation and prediction.
    pub dropout_keys: Option<Vec<u64>>,
}

impl<B: Backend> GraphInputs<B> {
    /// Builds the tensors of a batch.
    pub fn new(batch: &GraphBatch, device: &B::Device) -> Self {
        Self::from_layout(&GraphLayout::new(batch), device)
    }

    /// Moves a layout onto `device`.
    pub fn from_layout(g: &GraphLayout, device: &B::Device) -> Self {
        let floats = |v: &[f32], width: usize| {
            let rows = v.len() / width;
            Tensor::<B, 2>::from_data(TensorData::new(v.to_vec(), [rows, width]), device)
        };
        let ints = |v: &[usize]| {
            let n = v.len();
            let v: Vec<i64> = v.iter().map(|&i| i as i64).collect();
            Tensor::<B, 1, Int>::from_data(TensorData::new(v, [n]), device)
        };
        let labelled: Vec<f32> = g.targets.iter().map(|t| f32::from(u8::from(t.is_finite()))).collect();
        let targets: Vec<f32> = g.targets.iter().map(|&t| if t.is_finite() { t } else { 0.0 }).collect();
        GraphInputs {
            paths: g.paths,
            links: g.links,
            link_features: floats(&g.link_features, LINK_FEATURES),
            path_features: floats(&g.path_features, PATH_FEATURES),
            hop_features: floats(&g.hop_features, HOP_FEATURES),
            active: g.active.clone(),
            hop_links: ints(&g.hop_links),
            hop_paths: ints(&g.hop_paths),
            hop_share: floats(&g.hop_share, 1),
            hop_weight: floats(&g.hop_weight, 1),
            hop_wait: floats(&g.hop_wait, 1),
            hop_variance: floats(&g.hop_variance, 1),
            hop_drop_logit: floats(&g.hop_drop_logit, 1),
            targets: floats(&targets, 3),
            labelled: floats(&labelled, 3),
            indexing: Indexing::preferred::<B>(device),
            dropout_keys: None,
        }
    }
}
