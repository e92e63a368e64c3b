#!/usr/bin/env bash
# Regenerates the datasets pathcast ships in data/, and the shipped model's training set
# (deterministic: the same seed gives the same samples). Every flow is simulated until its mean
# delay's standard error is at most 2 % (the default precision).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="target/release/pathcast"

# The shipped model's training set: 1600 samples, each on a network of its own (random graphs of
# 10-100 nodes, NSFNet and GBN; link speeds over at least 4 decades; buffers of 8-256 packets;
# exponential, bimodal or fixed packets; peak loads of 10-120 %; routing variants; propagation).
# About an hour on 2 cores and 25 MB (the QoS sets below another 1.5 hours and 17 MB), so it is
# not shipped: it goes to datasets/ (git-ignored).
# Train the shipped model on it with the command in the README ("The shipped model").
"$bin" dataset generate --topology diverse --samples 1600 --seed 21 --shard-size 50 \
    --min-utilization 0.1 --max-utilization 1.2 --out datasets/diverse-train
# ... and its QoS samples: traffic classes and SP, WFQ, DRR or FIFO ports (sim::generator), at
# the same loads and at overload (peak 0.8-2.5, where strict priority and WFQ starve classes).
"$bin" dataset generate --topology diverse --samples 450 --seed 31 --shard-size 50 \
    --min-utilization 0.1 --max-utilization 1.2 --qos-fraction 1 --out datasets/qos-train
"$bin" dataset generate --topology diverse --samples 75 --seed 32 --shard-size 25 \
    --min-utilization 0.8 --max-utilization 2.5 --qos-fraction 1 --out datasets/qos-overload
"$bin" dataset generate --topology diverse --samples 150 --seed 34 --shard-size 25 \
    --min-utilization 0.8 --max-utilization 2.5 --qos-fraction 1 --packets-per-flow 400 \
    --target-relative-se 0.03 --out datasets/qos-overload-b
"$bin" dataset generate --topology diverse --samples 300 --seed 35 --shard-size 25 \
    --min-utilization 0.8 --max-utilization 2.5 --qos-fraction 1 --packets-per-flow 400 \
    --target-relative-se 0.03 --out datasets/qos-overload-c

# Shipped in data/ (about 7 MB), for the tests and the README's figures:
rm -rf data/diverse data/nsfnet data/geant2 data/qos
# - held-out diverse samples (another seed: never seen in training);
"$bin" dataset generate --topology diverse --samples 150 --seed 22 --shard-size 50 \
    --min-utilization 0.1 --max-utilization 1.2 --out data/diverse
# - held-out QoS samples: traffic classes and SP, WFQ, DRR or FIFO ports (another seed);
"$bin" dataset generate --topology diverse --samples 50 --seed 33 --shard-size 50 \
    --min-utilization 0.1 --max-utilization 1.2 --qos-fraction 1 --out data/qos
# - NSFNet at the nsfnetbw capacities, RouteNet's recipe (the reference table's data);
"$bin" dataset generate --topology nsfnet --samples 200 --seed 1 --shard-size 50 --out data/nsfnet
# - GEANT2 at the same scale: a topology the shipped model is never trained on.
"$bin" dataset generate --topology geant2 --samples 100 --seed 3 --shard-size 50 --out data/geant2
du -sh data/diverse data/nsfnet data/geant2 data/qos
