//! The discrete-event loop.
//!
//! Hand-written rather than built on a simulation crate: one binary heap of small events, a packet
//! slab and per-link FIFO rings are what make it fast (general-purpose engines measured 6–80× slower
//! for this workload). Each flow draws from its own random stream, so a flow's arrivals and sizes do
//! not depend on how events interleave.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::results::{FlowResult, LinkResult, SimResult};
use crate::net::{PacketSizes, RouteError, Scenario};

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
}

const GENERATE: u32 = 0;
const TX_END: u32 = 1;
const ARRIVE: u32 = 2;

/// An event: `kind` with the index of a flow, link or packet.
#[derive(Debug, Clone, Copy)]
struct Event {
    time: f64,
    seq: u64,
    kind: u32,
    index: u32,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed so that `BinaryHeap` pops the earliest event; ties go to the first scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        other.time.total_cmp(&self.time).then(other.seq.cmp(&self.seq))
    }
}

struct Packet {
    flow: u32,
    hop: u32,
    size_bits: f64,
    born: f64,
}

struct FlowState {
    packets_per_s: f64,
    /// Dense link indices along the path.
    links: Vec<u32>,
    rng: Pcg64Mcg,
    delays: Vec<f32>,
    sum: f64,
    sum_sq: f64,
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
    limit: usize,
    /// Packets at the port; the front one is in transmission.
    queue: VecDeque<u32>,
    busy_time: f64,
    queue_area: f64,
    last_change: f64,
    drops: u64,
}

impl LinkState {
    fn account(&mut self, now: f64) {
        let dt = now - self.last_change;
        if !self.queue.is_empty() {
            self.busy_time += dt;
            self.queue_area += dt * self.queue.len() as f64;
        }
        self.last_change = now;
    }
}

struct Sim {
    now: f64,
    seq: u64,
    events: BinaryHeap<Event>,
    packets: Vec<Packet>,
    free: Vec<u32>,
    flows: Vec<FlowState>,
    links: Vec<LinkState>,
    sizes: PacketSizes,
    warmup_s: f64,
    target_se: Option<f64>,
    max_packets: u64,
    flows_done: usize,
    generated: u64,
    delivered: u64,
    dropped: u64,
}

/// Simulates a scenario and returns per-flow and per-link results.
pub fn simulate(scenario: &Scenario, config: &SimConfig) -> Result<SimResult, SimError> {
    if config.packets_per_flow == 0 {
        return Err(SimError::NoPackets);
    }
    let topology = &scenario.topology;
    let mut dense = vec![u32::MAX; topology.link_bound()];
    let mut link_ends = Vec::new();
    let mut links = Vec::new();
    for l in topology.directed_links() {
        dense[l.id.index()] = links.len() as u32;
        link_ends.push((l.from, l.to));
        links.push(LinkState {
            capacity_bps: l.params.capacity_bps,
            propagation_s: l.params.propagation_s,
            limit: l.params.queue_packets as usize,
            queue: VecDeque::new(),
            busy_time: 0.0,
            queue_area: 0.0,
            last_change: 0.0,
            drops: 0,
        });
    }
    let mean_bits = scenario.packets.mean_bits();
    let mut flows = Vec::new();
    let mut pairs = Vec::new();
    for (i, flow) in scenario.flows()?.into_iter().enumerate().filter(|(_, f)| f.rate_bps > 0.0) {
        let path_links = flow
            .path
            .windows(2)
            .map(|h| dense[topology.link(h[0], h[1]).expect("validated path").id.index()])
            .collect();
        let stream =
            config.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        flows.push(FlowState {
            packets_per_s: flow.rate_bps / mean_bits,
            links: path_links,
            rng: Pcg64Mcg::seed_from_u64(stream),
            delays: Vec::new(),
            sum: 0.0,
            sum_sq: 0.0,
            sent: 0,
            delivered: 0,
            dropped: 0,
            next_check: config.packets_per_flow,
            done: false,
        });
        pairs.push((flow.src, flow.dst));
    }
    if flows.is_empty() {
        return Err(SimError::NoTraffic);
    }
    let mean_rate = flows.iter().map(|f| f.packets_per_s).sum::<f64>() / flows.len() as f64;
    let mut sim = Sim {
        now: 0.0,
        seq: 0,
        events: BinaryHeap::with_capacity(4 * (flows.len() + links.len())),
        packets: Vec::new(),
        free: Vec::new(),
        flows,
        links,
        sizes: scenario.packets,
        warmup_s: config.warmup_packets_per_flow as f64 / mean_rate,
        target_se: config.target_relative_se,
        max_packets: config.max_packets_per_flow.max(config.packets_per_flow),
        flows_done: 0,
        generated: 0,
        delivered: 0,
        dropped: 0,
    };
    for f in 0..sim.flows.len() {
        let gap = sim.interarrival(f);
        sim.schedule(gap, GENERATE, f as u32);
    }
    let mut processed = 0u64;
    let mut warm = false;
    while sim.flows_done < sim.flows.len() && processed < config.max_events {
        let Some(event) = sim.events.pop() else { break };
        if !warm && event.time >= sim.warmup_s {
            sim.start_measuring();
            warm = true;
        }
        sim.now = event.time;
        processed += 1;
        match event.kind {
            GENERATE => sim.generate(event.index),
            TX_END => sim.transmission_end(event.index),
            _ => sim.arrive(event.index),
        }
    }
    Ok(sim.finish(processed, &pairs, &link_ends, warm))
}

impl Sim {
    fn schedule(&mut self, delay: f64, kind: u32, index: u32) {
        self.seq += 1;
        self.events.push(Event { time: self.now + delay, seq: self.seq, kind, index });
    }

    fn interarrival(&mut self, flow: usize) -> f64 {
        let f = &mut self.flows[flow];
        -(1.0 - f.rng.random::<f64>()).ln() / f.packets_per_s
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

    fn generate(&mut self, flow: u32) {
        let measured = self.measuring(self.now);
        let f = &mut self.flows[flow as usize];
        let size_bits = self.sizes.sample(&mut f.rng);
        let packet = Packet { flow, hop: 0, size_bits, born: self.now };
        f.sent += u64::from(measured);
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
        let gap = self.interarrival(flow as usize);
        self.schedule(gap, GENERATE, flow);
    }

    /// Puts a packet on the output port of its current hop, or drops it if the port is full.
    fn enqueue(&mut self, id: u32) {
        let p = &self.packets[id as usize];
        let link_index = self.flows[p.flow as usize].links[p.hop as usize];
        let link = &mut self.links[link_index as usize];
        if link.queue.len() >= link.limit {
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
        link.account(self.now);
        link.queue.push_back(id);
        if link.queue.len() == 1 {
            let service = p.size_bits / link.capacity_bps;
            self.schedule(service, TX_END, link_index);
        }
    }

    fn transmission_end(&mut self, link_index: u32) {
        let link = &mut self.links[link_index as usize];
        link.account(self.now);
        let id = link.queue.pop_front().expect("a transmitting port holds a packet");
        let propagation = link.propagation_s;
        if let Some(&next) = link.queue.front() {
            let service = self.packets[next as usize].size_bits / link.capacity_bps;
            self.schedule(service, TX_END, link_index);
        }
        if propagation > 0.0 {
            self.schedule(propagation, ARRIVE, id);
        } else {
            self.arrive(id);
        }
    }

    /// A packet reaches the far end of a link: delivered, or queued for its next hop.
    fn arrive(&mut self, id: u32) {
        let p = &mut self.packets[id as usize];
        p.hop += 1;
        let (flow, born) = (p.flow, p.born);
        if (p.hop as usize) < self.flows[flow as usize].links.len() {
            self.enqueue(id);
            return;
        }
        self.delivered += 1;
        self.free.push(id);
        if self.measuring(born) {
            let delay = self.now - born;
            let f = &mut self.flows[flow as usize];
            f.delivered += 1;
            f.sum += delay;
            f.sum_sq += delay * delay;
            f.delays.push(delay as f32);
            self.resolved(flow);
        }
    }

    /// A measured packet of `flow` was delivered or dropped: is the flow finished?
    ///
    /// The precision check reruns the batch-means estimate over all the flow's delays, at packet
    /// counts growing by 25 % each time, so its total cost stays linear in the packets.
    fn resolved(&mut self, flow: u32) {
        let (target_se, max_packets) = (self.target_se, self.max_packets);
        let f = &mut self.flows[flow as usize];
        let resolved = f.delivered + f.dropped;
        if f.done || resolved < f.next_check {
            return;
        }
        let precise = match target_se {
            None => true,
            Some(target) => {
                let mean = f.sum / f.delivered as f64;
                // A flow that delivers nothing cannot get more precise: it is done at the cap.
                batch_means_standard_error(&f.delays) <= target * mean
            }
        };
        if precise || resolved >= max_packets {
            f.done = true;
            self.flows_done += 1;
        } else {
            f.next_check = (resolved + resolved / 4).min(max_packets);
        }
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
                let mean = f.sum / n;
                let jitter = (f.sum_sq / n - mean * mean).max(0.0);
                let se = batch_means_standard_error(&f.delays);
                f.delays.sort_unstable_by(f32::total_cmp);
                let quantile = |q: f64| match f.delays.len() {
                    0 => f64::NAN,
                    len => f.delays[((q * len as f64) as usize).min(len - 1)] as f64,
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
