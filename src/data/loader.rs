//! The parallel prefetching loader: shards from several dataset directories, decoded on worker
//! threads, shuffled across shards, batched into disjoint graphs, delivered through a bounded queue.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, bounded};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use super::batch::GraphBatch;
use super::dataset::Dataset;
use super::record::Record;
use super::shard::{self, ShardError};

/// Which shards of each dataset directory to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Validation,
    All,
}

/// What to do with a shard that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorruptPolicy {
    /// Yield the error and end the epoch.
    Stop,
    /// Leave the shard out and record why (see [`Loader::skipped`]).
    Skip,
}

/// Loader settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoaderConfig {
    pub batch_samples: usize,
    pub seed: u64,
    pub shuffle: bool,
    pub decode_threads: usize,
    /// Batches built ahead of the consumer.
    pub prefetch_batches: usize,
    pub on_corrupt: CorruptPolicy,
}

impl Default for LoaderConfig {
    fn default() -> Self {
        LoaderConfig {
            batch_samples: 8,
            seed: 1,
            shuffle: true,
            decode_threads: 2,
            prefetch_batches: 4,
            on_corrupt: CorruptPolicy::Stop,
        }
    }
}

/// Splits by shard: in each directory the last `validation_fraction` of the shards (at least one
/// when there are two or more, never all of them) are validation, the rest training.
pub fn split_shards(datasets: &[Dataset], split: Split, validation_fraction: f64) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in datasets {
        let paths = d.shard_paths();
        let n = paths.len();
        let val = if n < 2 { 0 } else { ((validation_fraction * n as f64).round() as usize).clamp(1, n - 1) };
        let range = match split {
            Split::Train => 0..n - val,
            Split::Validation => n - val..n,
            Split::All => 0..n,
        };
        out.extend(paths[range].iter().cloned());
    }
    out
}

/// One epoch over a list of shards, as an iterator of batches.
pub struct Loader {
    batches: Option<Receiver<Result<GraphBatch, ShardError>>>,
    threads: Vec<JoinHandle<()>>,
    skipped: Arc<Mutex<Vec<String>>>,
}

impl Loader {
    /// Starts the worker threads for one epoch (`epoch` varies the shuffle).
    pub fn new(shards: Vec<PathBuf>, config: &LoaderConfig, epoch: u64) -> Self {
        let mut rng = Pcg64::seed_from_u64(config.seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut shards = shards;
        if config.shuffle {
            shards.shuffle(&mut rng);
        }
        let shard_count = shards.len();
        let record_seed: u64 = rng.random();
        let (shuffle, policy) = (config.shuffle, config.on_corrupt);
        let skipped = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        // Worker w decodes shards w, w + workers, …, and the batcher takes them back in shard
        // order, so an epoch's batches never depend on thread timing: a seed gives one run.
        let workers = config.decode_threads.clamp(1, shard_count.max(1));
        let mut decoded = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, rx) = bounded::<Result<Vec<Record>, ShardError>>(1);
            decoded.push(rx);
            let mine: Vec<(usize, PathBuf)> =
                shards.iter().cloned().enumerate().skip(w).step_by(workers).collect();
            let skipped = skipped.clone();
            threads.push(std::thread::spawn(move || {
                for (i, path) in mine {
                    let records = match shard::read(&path) {
                        // Records whose flows delivered nothing stay: their delay and jitter
                        // are unlabelled (masked in the loss), their loss of 1 is a label.
                        Ok(mut records) => {
                            if shuffle {
                                records.shuffle(&mut Pcg64::seed_from_u64(record_seed ^ i as u64));
                            }
                            Ok(records)
                        }
                        Err(e) if policy == CorruptPolicy::Skip => {
                            skipped.lock().expect("not poisoned").push(e.to_string());
                            Ok(Vec::new())
                        }
                        Err(e) => Err(e),
                    };
                    let failed = records.is_err();
                    if tx.send(records).is_err() || failed {
                        return;
                    }
                }
            }));
        }

        let batch = config.batch_samples.max(1);
        let (batch_tx, batch_rx) = bounded(config.prefetch_batches.max(1));
        let (shuffle, mut rng) = (config.shuffle, Pcg64::seed_from_u64(rng.random()));
        threads.push(std::thread::spawn(move || {
            // A shuffle buffer mixes records of different shards without holding the dataset.
            let capacity = if shuffle { 4 * batch } else { 1 };
            let mut buffer: Vec<Record> = Vec::with_capacity(capacity);
            let mut current = Vec::with_capacity(batch);
            let emit = |current: &mut Vec<Record>| {
                batch_tx.send(Ok(GraphBatch::from_records(current.drain(..).as_slice()))).is_ok()
            };
            for i in 0..shard_count {
                let records = match decoded[i % workers].recv() {
                    Ok(Ok(records)) => records,
                    Ok(Err(e)) => {
                        let _ = batch_tx.send(Err(e));
                        return;
                    }
                    Err(_) => return,
                };
                for r in records {
                    buffer.push(r);
                    if buffer.len() >= capacity {
                        let pick = rng.random_range(0..buffer.len());
                        current.push(buffer.swap_remove(pick));
                        if current.len() == batch && !emit(&mut current) {
                            return;
                        }
                    }
                }
            }
            if shuffle {
                buffer.shuffle(&mut rng);
            }
            for r in buffer {
                current.push(r);
                if current.len() == batch && !emit(&mut current) {
                    return;
                }
            }
            if !current.is_empty() {
                emit(&mut current);
            }
        }));
        Loader { batches: Some(batch_rx), threads, skipped }
    }

    /// Shards left out under [`CorruptPolicy::Skip`], with the reason.
    pub fn skipped(&self) -> Vec<String> {
        self.skipped.lock().expect("not poisoned").clone()
    }
}

impl Iterator for Loader {
    type Item = Result<GraphBatch, ShardError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.batches.as_ref()?.recv().ok()
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        // Closing the queue makes every worker's next send fail, so they all return.
        self.batches = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
