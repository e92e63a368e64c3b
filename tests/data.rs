//! Datasets end to end: generation, resume, shard damage, dataset info, and the loader.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use pathcast::data::loader::split_shards;
use pathcast::data::stats::dataset_info;
use pathcast::data::{CorruptPolicy, Dataset, GenerateRequest, Loader, LoaderConfig, Split, generate};
use pathcast::net::builtin;
use pathcast::sim::GeneratorConfig;

fn request(dir: &Path, samples: u64) -> GenerateRequest {
    request_seeded(dir, samples, 1)
}

fn request_seeded(dir: &Path, samples: u64, seed: u64) -> GenerateRequest {
    GenerateRequest {
        dir: dir.to_owned(),
        name: "gbn".into(),
        topology: builtin::load("gbn").unwrap().topology,
        generator: GeneratorConfig {
            seed,
            packets_per_flow: 40,
            target_relative_se: None,
            ..GeneratorConfig::default()
        },
        samples,
        shard_size: 4,
        jobs: 2,
    }
}

fn make(dir: &Path, samples: u64) -> Dataset {
    make_seeded(dir, samples, 1)
}

fn make_seeded(dir: &Path, samples: u64, seed: u64) -> Dataset {
    let outcome = generate(&request_seeded(dir, samples, seed), &AtomicBool::new(false), &|_| {}).unwrap();
    assert!(!outcome.interrupted);
    Dataset::open(dir).unwrap()
}

#[test]
fn generation_is_sharded_resumable_and_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let first = make(a.path(), 6);
    assert_eq!(first.manifest.shards.len(), 2);
    assert_eq!(first.manifest.samples(), 6);

    // Asking for more resumes: finished shards are kept, the rest generated.
    let grown = generate(&request(a.path(), 10), &AtomicBool::new(false), &|_| {}).unwrap();
    assert_eq!(grown.resumed_shards, 1, "the 2-sample shard is regenerated as part of a full one");
    assert_eq!(grown.manifest.samples(), 10);

    // The same samples come out of a fresh directory.
    let b = tempfile::tempdir().unwrap();
    let direct = make(b.path(), 10);
    assert_eq!(Dataset::open(a.path()).unwrap().read_all().unwrap(), direct.read_all().unwrap());

    // Other parameters in the same directory are refused.
    let mut other = request(a.path(), 10);
    other.generator.seed = 99;
    let err = generate(&other, &AtomicBool::new(false), &|_| {}).unwrap_err();
    assert!(err.to_string().contains("other parameters"), "{err}");
}

#[test]
fn a_raised_stop_flag_keeps_only_finished_shards() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = generate(&request(dir.path(), 8), &AtomicBool::new(true), &|_| {}).unwrap();
    assert!(outcome.interrupted);
    assert_eq!(Dataset::open(dir.path()).unwrap().manifest.shards.len(), 0);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "manifest and topology only");
}

#[test]
fn dataset_info_counts_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let d = make(dir.path(), 5);
    let info = dataset_info(&d).unwrap();
    assert_eq!(info.samples, 5);
    assert_eq!(info.flows, 5 * 17 * 16);
    assert_eq!(info.topologies.get("gbn"), Some(&5));
    assert!(info.delay_s.min > 0.0 && info.delay_s.mean < info.delay_s.max);
    assert!(info.peak_load.max <= 0.95 + 1e-9 && info.peak_load.min >= 0.1 - 1e-9);
    assert_eq!(info.nodes.min, 17.0);
    assert_eq!(info.packets.get("exponential"), Some(&5));
}

#[test]
fn a_manifest_that_contradicts_its_shards_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    make(dir.path(), 6);
    let path = dir.path().join("manifest.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&original).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut m = manifest.clone();
        f(&mut m);
        std::fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
        Dataset::open(dir.path()).unwrap_err().to_string()
    };
    let err = with(&|m| m["shard_size"] = 0.into());
    assert!(err.contains("shard_size is 0"), "{err}");
    let err = with(&|m| m["shards"][1]["samples"] = 1.into());
    assert!(err.contains("holds 2 samples, the manifest says 1"), "{err}");
    let err = with(&|m| m["shards"][1] = m["shards"][0].clone());
    assert!(err.contains("listed twice"), "{err}");
    let err = with(&|m| m["shards"][1]["first_index"] = 3.into());
    assert!(err.contains("first_index 3 should be 4"), "{err}");
    let err = with(&|m| m["shards"][0]["file"] = "../x.pcs".into());
    assert!(err.contains("not a shard file name"), "{err}");
    let err = with(&|m| m["samples_requested"] = 4.into());
    assert!(err.contains("more than the 4 requested"), "{err}");
    std::fs::write(&path, original).unwrap();
    assert!(Dataset::open(dir.path()).is_ok());
}

#[test]
fn a_truncated_shard_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = make(dir.path(), 8);
    let victim = d.shard_paths()[1].clone();
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();

    let err = dataset_info(&d).unwrap_err().to_string();
    assert!(err.contains("shard-00001.pcs") && err.contains("truncated"), "{err}");

    let config = LoaderConfig { batch_samples: 2, ..LoaderConfig::default() };
    let results: Vec<_> = Loader::new(d.shard_paths(), &config, 0).collect();
    let failure = results.iter().find_map(|r| r.as_ref().err()).expect("the loader reports the damage");
    assert!(failure.to_string().contains("shard-00001.pcs"));

    let skip = LoaderConfig { on_corrupt: CorruptPolicy::Skip, ..config };
    let mut loader = Loader::new(d.shard_paths(), &skip, 0);
    let samples: usize = loader.by_ref().map(|b| b.unwrap().samples).sum();
    assert_eq!(samples, 4);
    assert_eq!(loader.skipped().len(), 1);
}

#[test]
fn the_loader_delivers_every_sample_once_as_disjoint_graphs() {
    let (x, y) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let datasets = [make_seeded(x.path(), 9, 1), make_seeded(y.path(), 7, 2)];
    let all = split_shards(&datasets, Split::All, 0.25);
    let config =
        LoaderConfig { batch_samples: 3, decode_threads: 3, prefetch_batches: 2, ..LoaderConfig::default() };
    let mut seen = HashSet::new();
    let mut batches = 0;
    for batch in Loader::new(all, &config, 1) {
        let b = batch.unwrap();
        batches += 1;
        assert!(b.samples <= 3);
        assert_eq!(b.n_paths(), b.samples * 17 * 16);
        assert_eq!(b.n_links(), b.samples * 2 * 26);
        for p in 0..b.n_paths() {
            // Every path stays inside its own sample's block of links.
            let sample = b.path_sample[p] as usize;
            assert!(b.path(p).iter().all(|&l| (l as usize) / 52 == sample));
            seen.insert((b.path_sample[p], b.delay_s[p].to_bits(), b.path_rate_bps[p].to_bits()));
        }
    }
    assert_eq!(batches, (16usize).div_ceil(3));
    assert_eq!(seen.len(), 16 * 17 * 16, "no path delivered twice");

    // Split by shard: 3 + 2 shards; one of each directory goes to validation.
    let train = split_shards(&datasets, Split::Train, 0.25);
    let val = split_shards(&datasets, Split::Validation, 0.25);
    assert_eq!((train.len(), val.len()), (3, 2));
    assert!(train.iter().all(|t| !val.contains(t)));
}

#[test]
fn an_epoch_is_the_same_batches_whatever_the_thread_timing() {
    let dir = tempfile::tempdir().unwrap();
    let d = make(dir.path(), 24);
    let epoch = |threads: usize, epoch: u64| -> Vec<Vec<u32>> {
        let config = LoaderConfig { batch_samples: 5, decode_threads: threads, ..LoaderConfig::default() };
        Loader::new(d.shard_paths(), &config, epoch)
            .map(|b| b.unwrap().delay_s.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    let reference = epoch(3, 7);
    assert_eq!(reference.len(), 24usize.div_ceil(5));
    for threads in [1, 2, 3, 3, 6] {
        assert_eq!(epoch(threads, 7), reference, "{threads} decode threads");
    }
    assert_ne!(epoch(3, 8), reference, "another epoch is another shuffle");
}

#[test]
fn dropping_a_loader_midway_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let d = make(dir.path(), 12);
    let config = LoaderConfig { batch_samples: 1, prefetch_batches: 1, ..LoaderConfig::default() };
    let mut loader = Loader::new(d.shard_paths(), &config, 0);
    assert!(loader.next().unwrap().is_ok());
    drop(loader);
}

#[test]
fn a_flow_that_delivered_nothing_keeps_its_sample_with_only_the_loss_labelled() {
    use pathcast::data::shard;
    use pathcast::model::GraphLayout;
    let dir = tempfile::tempdir().unwrap();
    let d = make(dir.path(), 4);
    let path = d.shard_paths()[0].clone();
    let mut records = shard::read(&path).unwrap();
    let starved = &mut records[2].flows[5];
    (starved.delay_s, starved.jitter_s2, starved.loss) = (f32::NAN, f32::NAN, 1.0);
    shard::write(&path, &records).unwrap();

    let config = LoaderConfig { batch_samples: 4, shuffle: false, ..LoaderConfig::default() };
    let batches: Vec<_> = Loader::new(d.shard_paths(), &config, 0).map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!(batch.samples, 4, "the sample with the starved flow is kept");
    let p = batch.sample_path_offsets[2] as usize + 5;
    let layout = GraphLayout::new(batch);
    let position = layout.order.iter().position(|&q| q == p).unwrap();
    let targets = &layout.targets[3 * position..3 * position + 3];
    assert!(targets[0].is_nan() && targets[1].is_nan(), "delay and jitter unlabelled: {targets:?}");
    assert_eq!(targets[2], 1.0, "everything lost");
    let labelled = layout.targets.iter().filter(|t| t.is_finite()).count();
    assert_eq!(labelled, 3 * batch.n_paths() - 2, "every other target is labelled");
}
