#!/usr/bin/env bash
# Regenerates the datasets shipped in data/ (deterministic: same seed, same samples).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
# Default precision: every flow simulated until its mean delay's standard error is at most 2 %.
bin="target/release/pathcast"
rm -rf data/nsfnet data/gbn data/geant2
"$bin" dataset generate --topology nsfnet --samples 300 --seed 1 --shard-size 50 --out data/nsfnet
"$bin" dataset generate --topology gbn --samples 150 --seed 2 --shard-size 50 --out data/gbn
"$bin" dataset generate --topology geant2 --samples 100 --seed 3 --shard-size 50 --out data/geant2
du -sh data/nsfnet data/gbn data/geant2
