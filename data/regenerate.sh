#!/usr/bin/env bash
# Regenerates the datasets shipped in data/ (deterministic: same seed, same samples).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
# The shipped data predates adaptive precision: --target-relative-se 0 reproduces it exactly.
bin="target/release/pathcast"
rm -rf data/nsfnet data/gbn data/geant2
"$bin" dataset generate --topology nsfnet --samples 300 --seed 1 --shard-size 50 --target-relative-se 0 --out data/nsfnet
"$bin" dataset generate --topology gbn --samples 150 --seed 2 --shard-size 50 --target-relative-se 0 --out data/gbn
"$bin" dataset generate --topology geant2 --samples 100 --seed 3 --shard-size 50 --target-relative-se 0 --out data/geant2
du -sh data/nsfnet data/gbn data/geant2
