//! One labelled sample as stored in a shard: links, flows with their paths, and labels.

use std::collections::BTreeMap;

use crate::net::{LinkParams, Node, PacketSizes, RouteError, Scenario, Scheduler, Topology};
use crate::sim::Sample;

/// A directed link of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkRecord {
    pub from: u32,
    pub to: u32,
    pub capacity_bps: f64,
    pub queue_packets: u32,
    pub propagation_s: f64,
    /// Simulated utilisation.
    pub utilisation: f32,
}

/// A flow of a sample: its traffic, path (as link indices) and simulated labels.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRecord {
    pub src: u32,
    pub dst: u32,
    pub rate_bps: f64,
    pub delay_s: f32,
    pub jitter_s2: f32,
    pub loss: f32,
    pub p50_s: f32,
    pub p90_s: f32,
    pub delay_se_s: f32,
    /// Indices into the sample's `links`, in path order.
    pub path: Vec<u32>,
    /// Traffic class (0 = first); matters at links with a scheduler.
    pub class: u8,
}

/// A stored sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub index: u64,
    pub topology: String,
    pub packets: PacketSizes,
    pub nodes: u32,
    pub links: Vec<LinkRecord>,
    pub flows: Vec<FlowRecord>,
    /// Schedulers of the links (by index into `links`) whose port is not FIFO.
    pub schedulers: BTreeMap<u32, Scheduler>,
}

impl Record {
    /// Flattens a simulated sample (flows with positive rate, in pair order) with its labels.
    pub fn from_sample(sample: &Sample) -> Self {
        let mut record =
            Record::from_scenario(&sample.scenario).expect("a simulated scenario routes every flow");
        record.index = sample.index;
        for (l, r) in record.links.iter_mut().zip(&sample.result.links) {
            l.utilisation = r.utilisation as f32;
        }
        for (f, r) in record.flows.iter_mut().zip(&sample.result.flows) {
            f.delay_s = r.mean_delay_s as f32;
            f.jitter_s2 = r.jitter_s2 as f32;
            f.loss = r.loss_ratio as f32;
            f.p50_s = r.p50_delay_s as f32;
            f.p90_s = r.p90_delay_s as f32;
            f.delay_se_s = r.mean_delay_se_s as f32;
        }
        record
    }

    /// Flattens a scenario without labels (NaN), for prediction: flows with positive rate, in pair
    /// order; links in link-id order. Fails if a flow has no valid path.
    pub fn from_scenario(scenario: &Scenario) -> Result<Self, RouteError> {
        let topology = &scenario.topology;
        let mut dense = vec![u32::MAX; topology.link_bound()];
        let mut schedulers = BTreeMap::new();
        let links = topology
            .directed_links()
            .enumerate()
            .map(|(i, l)| {
                dense[l.id.index()] = i as u32;
                if let Some(scheduler) = scenario.qos.port(l.from, l.to) {
                    schedulers.insert(i as u32, scheduler.clone());
                }
                LinkRecord {
                    from: l.from as u32,
                    to: l.to as u32,
                    capacity_bps: l.params.capacity_bps,
                    queue_packets: l.params.queue_packets,
                    propagation_s: l.params.propagation_s,
                    utilisation: f32::NAN,
                }
            })
            .collect();
        let flows = scenario
            .flows()?
            .into_iter()
            .filter(|f| f.rate_bps > 0.0)
            .map(|f| FlowRecord {
                src: f.src as u32,
                dst: f.dst as u32,
                rate_bps: f.rate_bps,
                delay_s: f32::NAN,
                jitter_s2: f32::NAN,
                loss: f32::NAN,
                p50_s: f32::NAN,
                p90_s: f32::NAN,
                delay_se_s: f32::NAN,
                path: f
                    .path
                    .windows(2)
                    .map(|h| dense[topology.link(h[0], h[1]).expect("routed").id.index()])
                    .collect(),
                class: f.class,
            })
            .collect();
        Ok(Record {
            index: 0,
            topology: scenario.name.clone(),
            packets: scenario.packets,
            nodes: topology.node_count() as u32,
            links,
            flows,
            schedulers,
        })
    }

    /// The scenario the record describes: its links as duplex links (both directions must have
    /// the same capacity, buffer and propagation), its flows with their paths and rates, its
    /// packet sizes; node `i` of the record is node `i` of the scenario. Fails, with the reason,
    /// when the record cannot be one.
    pub fn to_scenario(&self) -> Result<Scenario, String> {
        let mut topology = Topology::new();
        for i in 0..self.nodes {
            topology.add_node(Node::labelled(i.to_string()));
        }
        let params = |l: &LinkRecord| LinkParams {
            capacity_bps: l.capacity_bps,
            queue_packets: l.queue_packets,
            propagation_s: l.propagation_s,
        };
        for l in &self.links {
            let (a, b) = (l.from as usize, l.to as usize);
            match topology.link(a, b) {
                Some(existing) if existing.params != params(l) => {
                    return Err(format!("link {a}->{b} differs from {b}->{a}: pathcast links are duplex"));
                }
                Some(_) => {}
                None => topology.add_link(a, b, params(l)).map_err(|e| format!("link {a}->{b}: {e}"))?,
            }
        }
        let mut scenario = Scenario::new(self.topology.clone(), topology);
        scenario.packets = self.packets;
        for f in &self.flows {
            let (src, dst) = (f.src as usize, f.dst as usize);
            let mut path = vec![src];
            path.extend(f.path.iter().map(|&l| self.links[l as usize].to as usize));
            scenario
                .routing
                .set_path(&scenario.topology, path)
                .map_err(|e| format!("flow {src}->{dst}: {e}"))?;
            scenario.traffic.set(src, dst, f.rate_bps).map_err(|e| e.to_string())?;
            scenario.qos.set_class(src, dst, f.class);
        }
        for (&l, scheduler) in &self.schedulers {
            let link = self.links.get(l as usize).ok_or_else(|| format!("scheduler of missing link {l}"))?;
            scenario.qos.set_port(link.from as usize, link.to as usize, scheduler.clone());
        }
        scenario.check_qos().map_err(|e| e.to_string())?;
        Ok(scenario)
    }

    /// Whether any port schedules classes or any flow is not class 0.
    pub fn has_qos(&self) -> bool {
        !self.schedulers.is_empty() || self.flows.iter().any(|f| f.class != 0)
    }
}
