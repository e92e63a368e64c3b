//! Feature arrays for a batch: several samples joined into one disjoint graph.

use super::record::Record;
use crate::net::{PacketSizes, Policy, Scheduler};

/// Several samples as one graph, with link and path indices offset per sample.
///
/// Backend-agnostic plain arrays; the model turns them into tensors. Paths are stored in CSR form:
/// path `p` crosses links `path_links[path_offsets[p]..path_offsets[p + 1]]` in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphBatch {
    pub samples: usize,
    pub link_capacity_bps: Vec<f64>,
    pub link_queue_packets: Vec<u32>,
    pub link_propagation_s: Vec<f64>,
    /// Each link's scheduler; `None` for a FIFO port.
    pub link_scheduler: Vec<Option<Scheduler>>,
    pub path_rate_bps: Vec<f64>,
    /// Each path's traffic class (the queue it joins at scheduled ports).
    pub path_class: Vec<u8>,
    pub path_offsets: Vec<u32>,
    pub path_links: Vec<u32>,
    pub delay_s: Vec<f32>,
    pub jitter_s2: Vec<f32>,
    pub loss: Vec<f32>,
    /// The sample each path comes from (0-based within the batch).
    pub path_sample: Vec<u32>,
    /// Topology name of each sample.
    pub topologies: Vec<String>,
    /// Packet sizes of each sample.
    pub packets: Vec<PacketSizes>,
    /// Node count of each sample.
    pub nodes: Vec<u32>,
    /// Sample `s` owns links `link_offsets[s]..link_offsets[s + 1]` and paths
    /// `sample_path_offsets[s]..sample_path_offsets[s + 1]`.
    pub link_offsets: Vec<u32>,
    pub sample_path_offsets: Vec<u32>,
}

impl GraphBatch {
    fn empty() -> Self {
        GraphBatch {
            path_offsets: vec![0],
            link_offsets: vec![0],
            sample_path_offsets: vec![0],
            ..GraphBatch::default()
        }
    }

    /// Closes the sample whose links and paths were just appended.
    fn end_sample(&mut self, topology: &str, packets: PacketSizes, nodes: u32) {
        self.topologies.push(topology.to_owned());
        self.packets.push(packets);
        self.nodes.push(nodes);
        self.samples += 1;
        self.link_offsets.push(self.link_capacity_bps.len() as u32);
        self.sample_path_offsets.push(self.path_rate_bps.len() as u32);
    }

    /// Joins records into one disjoint graph.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut b = GraphBatch::empty();
        for r in records {
            let link_base = b.link_capacity_bps.len() as u32;
            b.link_capacity_bps.extend(r.links.iter().map(|l| l.capacity_bps));
            b.link_queue_packets.extend(r.links.iter().map(|l| l.queue_packets));
            b.link_propagation_s.extend(r.links.iter().map(|l| l.propagation_s));
            b.link_scheduler.extend(
                (0..r.links.len() as u32)
                    .map(|l| r.schedulers.get(&l).filter(|s| s.policy != Policy::Fifo).cloned()),
            );
            for f in &r.flows {
                b.path_rate_bps.push(f.rate_bps);
                b.path_class.push(f.class);
                b.path_links.extend(f.path.iter().map(|l| l + link_base));
                b.path_offsets.push(b.path_links.len() as u32);
                b.delay_s.push(f.delay_s);
                b.jitter_s2.push(f.jitter_s2);
                b.loss.push(f.loss);
                b.path_sample.push(b.samples as u32);
            }
            b.end_sample(&r.topology, r.packets, r.nodes);
        }
        b
    }

    /// The batch made of the given samples only (in the given order), indices rebased.
    pub fn subset(&self, samples: &[usize]) -> GraphBatch {
        let mut b = GraphBatch::empty();
        for &s in samples {
            let links = self.link_offsets[s] as usize..self.link_offsets[s + 1] as usize;
            let shift = links.start as u32;
            let base = b.link_capacity_bps.len() as u32;
            b.link_capacity_bps.extend_from_slice(&self.link_capacity_bps[links.clone()]);
            b.link_queue_packets.extend_from_slice(&self.link_queue_packets[links.clone()]);
            b.link_propagation_s.extend_from_slice(&self.link_propagation_s[links.clone()]);
            b.link_scheduler.extend_from_slice(&self.link_scheduler[links]);
            let paths = self.sample_path_offsets[s] as usize..self.sample_path_offsets[s + 1] as usize;
            for p in paths.clone() {
                b.path_links.extend(self.path(p).iter().map(|l| l - shift + base));
                b.path_offsets.push(b.path_links.len() as u32);
                b.path_sample.push(b.samples as u32);
            }
            b.path_rate_bps.extend_from_slice(&self.path_rate_bps[paths.clone()]);
            b.path_class.extend_from_slice(&self.path_class[paths.clone()]);
            b.delay_s.extend_from_slice(&self.delay_s[paths.clone()]);
            b.jitter_s2.extend_from_slice(&self.jitter_s2[paths.clone()]);
            b.loss.extend_from_slice(&self.loss[paths]);
            b.end_sample(&self.topologies[s], self.packets[s], self.nodes[s]);
        }
        b
    }

    /// Splits the samples into `n` groups with path counts as equal as possible (largest first,
    /// each to the lightest group; deterministic). Groups may be empty when `n` exceeds the samples.
    pub fn balanced_groups(&self, n: usize) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.samples).collect();
        let paths = |s: usize| self.sample_path_offsets[s + 1] - self.sample_path_offsets[s];
        order.sort_by_key(|&s| (std::cmp::Reverse(paths(s)), s));
        let mut groups = vec![Vec::new(); n.max(1)];
        let mut load = vec![0u32; n.max(1)];
        for s in order {
            let lightest = (0..load.len()).min_by_key(|&g| (load[g], g)).expect("at least one group");
            groups[lightest].push(s);
            load[lightest] += paths(s);
        }
        for g in &mut groups {
            g.sort_unstable();
        }
        groups
    }

    /// Number of paths (flows).
    pub fn n_paths(&self) -> usize {
        self.path_rate_bps.len()
    }

    /// Number of directed links.
    pub fn n_links(&self) -> usize {
        self.link_capacity_bps.len()
    }

    /// Links on a path, in order.
    pub fn path(&self, p: usize) -> &[u32] {
        &self.path_links[self.path_offsets[p] as usize..self.path_offsets[p + 1] as usize]
    }

    /// The sample each link belongs to.
    pub fn link_samples(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.n_links());
        for (s, w) in self.link_offsets.windows(2).enumerate() {
            out.extend(std::iter::repeat_n(s as u32, (w[1] - w[0]) as usize));
        }
        out
    }

    /// Length of the longest path, in links.
    pub fn max_path_len(&self) -> usize {
        self.path_offsets.windows(2).map(|w| (w[1] - w[0]) as usize).max().unwrap_or(0)
    }
}
