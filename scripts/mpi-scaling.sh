#!/usr/bin/env bash
# Training throughput over 1, 2 and 4 MPI processes on this machine, against one process with
# the same number of CPU replicas: the table in docs/distributed.md.
# Usage: scripts/mpi-scaling.sh [STEPS] [DATA]   (needs Open MPI; builds with --features mpi)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-300}
DATA=${2:-data/nsfnet}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cargo build --release --features mpi
BIN=target/release/pathcast
ARGS=(--data "$DATA" --steps "$STEPS" --eval-every 100000 --batch 8)
rate() { # log -> samples/s at the last step
    python3 -c "import json,sys; e=[json.loads(l) for l in open(sys.argv[1]) if '\"event\":\"step\"' in l]; print(f\"{e[-1]['samples_per_s']:.0f}\")" "$1"
}
printf '%-34s %10s\n' run samples/s
for np in 1 2 4; do
    mpirun -np "$np" --oversubscribe "$BIN" train --distributed mpi --devices cpu:1 "${ARGS[@]}" \
        --out "$OUT/np$np" --json-log "$OUT/np$np.log" >/dev/null 2>&1
    printf '%-34s %10s\n' "mpirun -np $np, cpu:1 each" "$(rate "$OUT/np$np.log")"
done
for n in 1 2; do
    "$BIN" train --devices "cpu:$n" "${ARGS[@]}" --out "$OUT/cpu$n" --json-log "$OUT/cpu$n.log" >/dev/null 2>&1
    printf '%-34s %10s\n' "one process, cpu:$n" "$(rate "$OUT/cpu$n.log")"
done
