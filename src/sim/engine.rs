//! The discrete-event loop.
//!
//! Hand-written rather than built on a simulation crate: one timer per event source (see
//! [`Timers`]), a packet slab and per-link FIFO rings are what make it fast (general-purpose
//! engines measured 6–80× slower for this workload).
//!
//! The flows' independent Poisson arrivals are generated as one Poisson process of their summed
//! rate, each packet going to a flow with probability proportional to its rate (superposition:
//! the same process, with one timer instead of one per flow). Each flow draws its packet sizes
//! from its own random stream.
//!
//! Event sources, in timer order: the next packet, every link's transmission end, and, when links
//! have propagation delay, every link's propagation line (packets leave a link in the order they
//! entered it, all after the same delay, so only the first one on the line needs a timer).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;

use super::port::Port;
use super::results::{FlowResult, LinkResult, SimResult};
use super::timers::Timers;
use crate::net::{NodeId, PacketSizes, QosError, RouteError, Scenario};

/// How long to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// Stop once every flow has this many measured packets delivered or dropped (and, with
    /// `target_relative_se`, a precise enough mean delay).
    pub packets_per_flow: u64,
    /// Keep a flow going past `packets_per_flow` until the standard error of its mean delay is at
    /// most this fraction of the mean, or it reaches `max_packets_per_flow`.
    pub target_relative_se: Option<f64>,
    pub max_packets_per_flow: u64,
    /// Packets per flow (at the mean flow rate) that are simulated before measuring starts.
    pub warmup_packets_per_flow: u64,
    /// Hard stop, in events; the result is then marked incomplete.
    pub max_events: u64,
    /// Packets that may exist at once (queued or on the wire); beyond it the scenario cannot be
    /// simulated in bounded memory (an absurd propagation delay or load) and the run fails.
    pub max_in_flight: u64,
    /// Record a delivered packet's delay as at most this (s), as OMNeT++'s Challenge 2020 labels
    /// do at 20 s: the mean, variance and percentiles are then those of the capped delays. The
    /// packets themselves are not touched. `None` records delays as they are.
    pub delay_cap_s: Option<f64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            packets_per_flow: 1000,
            target_relative_se: None,
            max_packets_per_flow: 50_000,
            warmup_packets_per_flow: 100,
            max_events: 2_000_000_000,
            max_in_flight: 10_000_000,
            delay_cap_s: None,
        }
    }
}

/// Why a scenario cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Route(#[from] RouteError),
    #[error("the scenario has no traffic to simulate")]
    NoTraffic,
    #[error("packets_per_flow must be at least 1")]
    NoPackets,
    #[error("the flow rates cannot be simulated together: {0}")]
    Rates(String),
    #[error(
        "more than {0} packets would be in the network at once (queued or on the wire): \
         a propagation delay or load too large to simulate"
    )]
    InFlight(u64),
    #[error(
        "flow {src}->{dst} carries so small a share of the traffic that its packets alone need about \
         {events:.1e} events, more than the budget of {budget}: its rate is too far below the others'"
    )]
    Budget { src: NodeId, dst: NodeId, events: f64, budget: u64 },
    #[error("the simulation was cancelled")]
    Cancelled,
    #[error(transparent)]
    Qos(#[from] QosError),
}

/// A DRR port's quantum for its smallest weight, in mean packet sizes: at least one packet of
/// any bimodal or fixed size per round.
const DRR_QUANTUM_MEANS: f64 = 2.0;

struct Packet {
    flow: u32,
    hop: u32,
    size_bits: f64,
    born: f64,
}

struct FlowState {
    /// Dense link indices along the path.
    links: Vec<u32>,
    /// The class queue its packets join at ports with a scheduler.
    class: usize,
    rng: Pcg64Mcg,
    /// Seconds a packet spends in transmission per bit of its size, summed over the path.
    transmission_s_per_bit: f64,
    /// The expected transmission time of a packet over the whole path (s), known exactly.
    mean_transmission_s: f64,
    delays: Vec<f32>,
    sum: f64,
    sum_sq: f64,
    /// Each delivered packet's delay less its own transmission time.
    residuals: Vec<f32>,
    /// Sum and sum of squares of the path transmission times of the measured sent packets.
    sent_transmission_sum: f64,
    sent_transmission_sq: f64,
    sent: u64,
    delivered: u64,
    dropped: u64,
    /// Measured packets at which the precision is checked next.
    next_check: u64,
    done: bool,
}

struct LinkState {
    capacity_bps: f64,
    propagation_s: f64,
    /// Packets at the output port, one of them in transmission while the link is busy.
    port: Port,
    /// Packets on the wire: (arrival time at the far end, packet), in order.
    line: VecDeque<(f64, u32)>,
    busy_time: f64,
    queue_area: f64,
    last_change: f64,
    drops: u64,
}

impl FlowState {
    /// The mean delay of delivered packets and its standard error (s).
    ///
    /// The sample mean is corrected by the luck of the draw in packet sizes: every measured packet
    /// spends `size × Σ 1/capacity` in transmission along the path, and the mean of that time is
    /// known exactly. Subtracting how far the flow's sent packets strayed from it is a control
    /// variate (unbiased whatever is lost) that removes the size noise, most of the variance
    /// below saturation. The error combines the batch-means error of delay less own transmission
    /// over delivered packets with the spread of the sizes of the packets not delivered.
    fn mean_delay(&self) -> (f64, f64) {
        let (delivered, sent) = (self.delivered as f64, self.sent as f64);
        let sent_mean = self.sent_transmission_sum / sent;
        let mean = self.sum / delivered - (sent_mean - self.mean_transmission_s);
        let size_variance = (self.sent_transmission_sq / sent - sent_mean * sent_mean).max(0.0);
        let undelivered = size_variance * (1.0 / delivered - 1.0 / sent).max(0.0);
        (mean, (batch_means_standard_error(&self.residuals).powi(2) + undelivered).sqrt())
    }
}

impl LinkState {
    fn account(&mut self, now: f64) {
        let dt = now - self.last_change;
        let held = self.port.len();
        if held > 0 {
            self.busy_time += dt;
            self.queue_area += dt * held as f64;
        }
        self.last_change = now;
    }
}

/// The timer of the next packet; link `l`'s transmission is timer `1 + l`, its line `1 + L + l`.
const NEXT_PACKET: usize = 0;

struct Sim {
    now: f64,
    timers: Timers,
    /// The stream of arrival times and of the flow each packet belongs to.
    arrivals: Pcg64Mcg,
    /// All flows together (packets/s).
    packets_per_s: f64,
    /// Draws a packet's flow in proportion to the flow rates.
    pick_flow: WeightedAliasIndex<f64>,
    packets: Vec<Packet>,
    free: Vec<u32>,
    flows: Vec<FlowState>,
    links: Vec<LinkState>,
    sizes: PacketSizes,
    warmup_s: f64,
    target_se: Option<f64>,
    max_packets: u64,
    delay_cap_s: f64,
    flows_done: usize,
    generated: u64,
    delivered: u64,
    dropped: u64,
}

/// What a caller can see of, and do to, a simulation while it runs (the app's "Verify").
pub struct Watch<'a> {
    /// Raised to stop the run, which then ends with [`SimError::Cancelled`].
    pub cancel: &'a AtomicBool,
    /// Called every [`WATCH_EVERY`] events with the share of flows that have all their packets.
    pub progress: &'a dyn Fn(f64),
}

/// Events between two looks at a [`Watch`].
pub const WATCH_EVERY: u64 = 1 << 16;

/// Simulates a scenario and returns per-flow and per-link results.
pub fn simulate(scenario: &Scenario, config: &SimConfig) -> Result<SimResult, SimError> {
    simulate_watched(scenario, config, None)
}

/// [`simulate`], reporting progress to `watch` and stopping when it says so.
pub fn simulate_watched(
    scenario: &Scenario,
    config: &SimConfig,
    watch: Option<&Watch>,
) -> Result<SimResult, SimError> {
    if config.packets_per_flow == 0 {
        return Err(SimError::NoPackets);
    }
    scenario.check_qos()?;
    let topology = &scenario.topology;
    let mean_bits = scenario.packets.mean_bits();
    let mut dense = vec![u32::MAX; topology.link_bound()];
    let mut link_ends = Vec::new();
    let mut links = Vec::new();
    for l in topology.directed_links() {
        dense[l.id.index()] = links.len() as u32;
        link_ends.push((l.from, l.to));
        let limit = l.params.queue_packets as usize;
        let port = match scenario.qos.port(l.from, l.to) {
            Some(scheduler) => {
                Port::new(scheduler, limit, l.params.capacity_bps, DRR_QUANTUM_MEANS * mean_bits)
            }
            None => Port::fifo(limit),
        };
        links.push(LinkState {
            capacity_bps: l.params.capacity_bps,
            propagation_s: l.params.propagation_s,
            port,
            line: VecDeque::new(),
            busy_time: 0.0,
            queue_area: 0.0,
            last_change: 0.0,
            drops: 0,
        });
    }
    let mut flows = Vec::new();
    let mut rates = Vec::new();
    let mut pairs = Vec::new();
    for (i, flow) in scenario.flows()?.into_iter().enumerate().filter(|(_, f)| f.rate_bps > 0.0) {
        let path_links: Vec<u32> = flow
            .path
            .windows(2)
            .map(|h| dense[topology.link(h[0], h[1]).expect("validated path").id.index()])
            .collect();
        let transmission_s_per_bit: f64 =
            path_links.iter().map(|&l| 1.0 / links[l as usize].capacity_bps).sum();
        let stream =
            config.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        flows.push(FlowState {
            links: path_links,
            class: usize::from(flow.class),
            rng: Pcg64Mcg::seed_from_u64(stream),
            transmission_s_per_bit,
            mean_transmission_s: transmission_s_per_bit * mean_bits,
            delays: Vec::new(),
            sum: 0.0,
            sum_sq: 0.0,
            residuals: Vec::new(),
            sent_transmission_sum: 0.0,
            sent_transmission_sq: 0.0,
            sent: 0,
            delivered: 0,
            dropped: 0,
            next_check: config.packets_per_flow,
            done: false,
        });
        pairs.push((flow.src, flow.dst));
        rates.push(flow.rate_bps / mean_bits);
    }
    if flows.is_empty() {
        return Err(SimError::NoTraffic);
    }
    let n_flows = flows.len();
    let total_rate = rates.iter().sum::<f64>();
    // Every flow needs its packets, and the slowest one gets a share of all packets in proportion
    // to its rate: when that alone takes ten times the event budget (rates decades apart), the
    // run could never finish, so say so now. Closer to the budget, the run ends at the budget and
    // the result says it is incomplete.
    let (slowest, &min_rate) =
        rates.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).expect("at least one flow");
    let mean_hops = flows.iter().map(|f| f.links.len() as f64).sum::<f64>() / n_flows as f64;
    let needed = config.packets_per_flow as f64 * (total_rate / min_rate) * (1.0 + 2.0 * mean_hops);
    if needed.is_nan() || needed > 10.0 * config.max_events as f64 {
        let (src, dst) = pairs[slowest];
        return Err(SimError::Budget { src, dst, events: needed, budget: config.max_events });
    }
    let pick_flow = WeightedAliasIndex::new(rates).map_err(|e| SimError::Rates(e.to_string()))?;
    let propagation = links.iter().any(|l| l.propagation_s > 0.0);
    let mut sim = Sim {
        now: 0.0,
        timers: Timers::new(1 + links.len() * if propagation { 2 } else { 1 }),
        arrivals: Pcg64Mcg::seed_from_u64(config.seed ^ 0xA076_1D64_78BD_642F),
        packets_per_s: total_rate,
        pick_flow,
        packets: Vec::new(),
        free: Vec::new(),
        flows,
        links,
        sizes: scenario.packets,
        warmup_s: config.warmup_packets_per_flow as f64 * n_flows as f64 / total_rate,
        target_se: config.target_relative_se,
        max_packets: config.max_packets_per_flow.max(config.packets_per_flow),
        delay_cap_s: config.delay_cap_s.unwrap_or(f64::INFINITY),
        flows_done: 0,
        generated: 0,
        delivered: 0,
        dropped: 0,
    };
    sim.schedule_next_packet();
    let n_links = sim.links.len();
    let mut processed = 0u64;
    let mut warm = false;
    while processed < config.max_events {
        if sim.flows_done == n_flows && sim.all_still_finished() {
            break;
        }
        if (sim.packets.len() - sim.free.len()) as u64 > config.max_in_flight {
            return Err(SimError::InFlight(config.max_in_flight));
        }
        let (source, time) = sim.timers.earliest();
        if time == f64::INFINITY {
            break;
        }
        if !warm && time >= sim.warmup_s {
            sim.start_measuring();
            warm = true;
        }
        sim.now = time;
        processed += 1;
        if processed.is_multiple_of(WATCH_EVERY)
            && let Some(watch) = watch
        {
            if watch.cancel.load(Ordering::Relaxed) {
                return Err(SimError::Cancelled);
            }
            (watch.progress)(sim.flows_done as f64 / n_flows as f64);
        }
        if source == NEXT_PACKET {
            sim.generate();
        } else if source <= n_links {
            sim.transmission_end(source - 1);
        } else {
            sim.leave_line(source - 1 - n_links);
        }
    }
    Ok(sim.finish(processed, &pairs, &link_ends, warm))
}

impl Sim {
    /// Poisson arrivals: the next packet, of any flow, after an exponential gap.
    fn schedule_next_packet(&mut self) {
        let gap: f64 = Exp1.sample(&mut self.arrivals);
        self.timers.set(NEXT_PACKET, self.now + gap / self.packets_per_s);
    }

    fn transmission_timer(&self, link: usize) -> usize {
        1 + link
    }

    fn line_timer(&self, link: usize) -> usize {
        1 + self.links.len() + link
    }

    fn measuring(&self, born: f64) -> bool {
        born >= self.warmup_s
    }

    fn start_measuring(&mut self) {
        let t = self.warmup_s;
        for l in &mut self.links {
            l.account(t);
            l.busy_time = 0.0;
            l.queue_area = 0.0;
            l.drops = 0;
        }
    }

    fn generate(&mut self) {
        let flow = self.pick_flow.sample(&mut self.arrivals);
        let measured = self.measuring(self.now);
        let f = &mut self.flows[flow];
        let size_bits = self.sizes.sample(&mut f.rng);
        let packet = Packet { flow: flow as u32, hop: 0, size_bits, born: self.now };
        if measured {
            let transmission = size_bits * f.transmission_s_per_bit;
            f.sent += 1;
            f.sent_transmission_sum += transmission;
            f.sent_transmission_sq += transmission * transmission;
        }
        self.generated += 1;
        let id = match self.free.pop() {
            Some(id) => {
                self.packets[id as usize] = packet;
                id
            }
            None => {
                self.packets.push(packet);
                (self.packets.len() - 1) as u32
            }
        };
        self.enqueue(id);
        self.schedule_next_packet();
    }

    /// Puts a packet on the output port of its current hop, or drops it if its queue is full.
    fn enqueue(&mut self, id: u32) {
        let p = &self.packets[id as usize];
        let flow = &self.flows[p.flow as usize];
        let link_index = flow.links[p.hop as usize] as usize;
        let link = &mut self.links[link_index];
        link.account(self.now);
        if !link.port.admit(id, flow.class, p.size_bits, self.now) {
            link.drops += 1;
            let (flow, born) = (p.flow, p.born);
            self.dropped += 1;
            self.free.push(id);
            if self.measuring(born) {
                self.flows[flow as usize].dropped += 1;
                self.resolved(flow);
            }
            return;
        }
        if let Some(end) = self.start_transmission(link_index) {
            self.timers.set(self.transmission_timer(link_index), end);
        }
    }

    /// An idle link starts sending the packet its port picks, if any: returns when it ends.
    fn start_transmission(&mut self, link_index: usize) -> Option<f64> {
        let link = &mut self.links[link_index];
        let next = link.port.start()?;
        Some(self.now + self.packets[next as usize].size_bits / link.capacity_bps)
    }

    fn transmission_end(&mut self, link_index: usize) {
        let link = &mut self.links[link_index];
        link.account(self.now);
        let id = link.port.finish();
        let next_end = self.start_transmission(link_index).unwrap_or(f64::INFINITY);
        self.timers.set(self.transmission_timer(link_index), next_end);
        let link = &mut self.links[link_index];
        if link.propagation_s > 0.0 {
            let arrival = self.now + link.propagation_s;
            link.line.push_back((arrival, id));
            if link.line.len() == 1 {
                self.timers.set(self.line_timer(link_index), arrival);
            }
        } else {
            self.arrive(id);
        }
    }

    /// The first packet on a link's propagation line reaches the far end.
    fn leave_line(&mut self, link_index: usize) {
        let line = &mut self.links[link_index].line;
        let (_, id) = line.pop_front().expect("a line with a timer holds a packet");
        let next = line.front().map_or(f64::INFINITY, |&(arrival, _)| arrival);
        self.timers.set(self.line_timer(link_index), next);
        self.arrive(id);
    }

    /// A packet reaches the far end of a link: delivered, or queued for its next hop.
    fn arrive(&mut self, id: u32) {
        let p = &mut self.packets[id as usize];
        p.hop += 1;
        let (flow, born, size_bits) = (p.flow, p.born, p.size_bits);
        if (p.hop as usize) < self.flows[flow as usize].links.len() {
            self.enqueue(id);
            return;
        }
        self.delivered += 1;
        self.free.push(id);
        if self.measuring(born) {
            let delay = (self.now - born).min(self.delay_cap_s);
            let f = &mut self.flows[flow as usize];
            let residual = delay - size_bits * f.transmission_s_per_bit;
            f.delivered += 1;
            f.sum += delay;
            f.sum_sq += delay * delay;
            f.delays.push(delay as f32);
            f.residuals.push(residual as f32);
            self.resolved(flow);
        }
    }

    /// A measured packet of `flow` was delivered or dropped: is the flow finished?
    ///
    /// The precision check reruns the batch-means estimate over all the flow's delays, at packet
    /// counts growing by 5 % each time: a flow runs at most 5 % past the count it needed, and the
    /// checks cost about 20 passes over its delays, little next to simulating them.
    fn resolved(&mut self, flow: u32) {
        let f = &self.flows[flow as usize];
        if f.done || f.delivered + f.dropped < f.next_check {
            return;
        }
        if self.finished(flow as usize) {
            self.flows[flow as usize].done = true;
            self.flows_done += 1;
        }
    }

    /// Whether a flow has its packets and, with a precision target, a precise enough mean delay
    /// (or has reached the packet cap). If not, schedules its next check 5 % later.
    fn finished(&mut self, flow: usize) -> bool {
        let (target_se, max_packets) = (self.target_se, self.max_packets);
        let f = &mut self.flows[flow];
        let resolved = f.delivered + f.dropped;
        let precise = match target_se {
            None => true,
            Some(target) => {
                // A flow that delivers nothing cannot get more precise: it is done at the cap.
                let (mean, se) = f.mean_delay();
                se <= target * mean
            }
        };
        let finished = resolved >= f.next_check && (precise || resolved >= max_packets);
        if !finished {
            f.next_check = f.next_check.max((resolved + resolved / 20).min(max_packets));
        }
        finished
    }

    /// Called when every flow is done: done flows go on measuring until the end, which changes
    /// their estimates, so each is checked again on all its packets. Flows whose standard error
    /// has drifted above the target are reopened. Returns whether all flows are still done.
    fn all_still_finished(&mut self) -> bool {
        for flow in 0..self.flows.len() {
            if !self.finished(flow) {
                self.flows[flow].done = false;
                self.flows_done -= 1;
            }
        }
        self.flows_done == self.flows.len()
    }

    fn finish(
        mut self,
        events: u64,
        pairs: &[(usize, usize)],
        link_ends: &[(usize, usize)],
        warm: bool,
    ) -> SimResult {
        let end = self.now;
        let measured = (end - self.warmup_s).max(0.0);
        let links = self
            .links
            .iter_mut()
            .zip(link_ends)
            .map(|(l, &(from, to))| {
                l.account(end);
                let (utilisation, mean_queue_packets) = if warm && measured > 0.0 {
                    (l.busy_time / measured, l.queue_area / measured)
                } else {
                    (f64::NAN, f64::NAN)
                };
                LinkResult {
                    from,
                    to,
                    utilisation,
                    mean_queue_packets,
                    drops: if warm { l.drops } else { 0 },
                }
            })
            .collect();
        let flows = self
            .flows
            .iter_mut()
            .zip(pairs)
            .map(|(f, &(src, dst))| {
                let n = f.delivered as f64;
                let (mean, se) = f.mean_delay();
                let sample_mean = f.sum / n;
                let jitter = (f.sum_sq / n - sample_mean * sample_mean).max(0.0);
                let mut quantile = |q: f64| match f.delays.len() {
                    0 => f64::NAN,
                    len => {
                        let rank = ((q * len as f64) as usize).min(len - 1);
                        *f.delays.select_nth_unstable_by(rank, f32::total_cmp).1 as f64
                    }
                };
                let resolved = f.delivered + f.dropped;
                FlowResult {
                    src,
                    dst,
                    mean_delay_s: mean,
                    jitter_s2: if f.delivered > 0 { jitter } else { f64::NAN },
                    mean_delay_se_s: se,
                    p50_delay_s: quantile(0.5),
                    p90_delay_s: quantile(0.9),
                    sent: f.sent,
                    delivered: f.delivered,
                    dropped: f.dropped,
                    loss_ratio: if resolved > 0 { f.dropped as f64 / resolved as f64 } else { 0.0 },
                }
            })
            .collect();
        SimResult {
            flows,
            links,
            events,
            end_s: end,
            warmup_s: self.warmup_s,
            complete: self.flows_done == self.flows.len(),
            generated_total: self.generated,
            delivered_total: self.delivered,
            dropped_total: self.dropped,
            in_flight: (self.packets.len() - self.free.len()) as u64,
        }
    }
}

/// Standard error of the mean of autocorrelated samples, from 20 consecutive batch means.
fn batch_means_standard_error(samples: &[f32]) -> f64 {
    const BATCHES: usize = 20;
    let size = samples.len() / BATCHES;
    if size < 2 {
        return f64::NAN;
    }
    let means: Vec<f64> = samples
        .chunks_exact(size)
        .take(BATCHES)
        .map(|c| c.iter().map(|&x| x as f64).sum::<f64>() / size as f64)
        .collect();
    let grand = means.iter().sum::<f64>() / BATCHES as f64;
    let var = means.iter().map(|m| (m - grand).powi(2)).sum::<f64>() / (BATCHES - 1) as f64;
    (var / BATCHES as f64).sqrt()
}
