#!/usr/bin/env bash
# The GPU checks in one command, for the first machine with NVIDIA GPUs: the CUDA and wgpu tests,
# then training throughput on 1 and on 2 GPUs (each backend, and across two processes over MPI
# and over NCCL), printed as a table.
# Usage: scripts/gpu-check.sh [STEPS]   (needs the NVIDIA driver, the CUDA toolkit, Vulkan, and for
# the multi-process rows Open MPI and NCCL)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-300}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== GPUs"
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader
GPUS=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)

echo "== tests: cuda and wgpu (on the GPUs this machine has)"
cargo test --release --features wgpu,cuda --test cuda --test wgpu

echo "== training throughput, $STEPS steps, global batch 8 diverse samples"
cargo build --release --features wgpu,cuda,mpi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
last_rate() { # log -> samples/s at the last step
    python3 -c "import json,sys; e=[json.loads(l) for l in open(sys.argv[1]) if '\"event\":\"step\"' in l]; print(f\"{e[-1]['samples_per_s']:.1f}\")" "$1"
}
rate() { # devices -> samples/s
    target/release/pathcast train --data data/diverse --out "$OUT/$1" --steps "$STEPS" --batch 8 \
        --eval-every 100000 --devices "$1" --json-log "$OUT/$1.log" >/dev/null 2>&1
    last_rate "$OUT/$1.log"
}
ranks() { # mpi|nccl -> samples/s of two processes, one GPU each
    mpirun -np 2 target/release/pathcast train --distributed "$1" --devices cuda:local --data data/diverse \
        --out "$OUT/$1" --steps "$STEPS" --batch 8 --eval-every 100000 --json-log "$OUT/$1.log" >/dev/null 2>&1
    last_rate "$OUT/$1.log"
}
printf '%-22s %s\n' devices samples/s
for devices in cpu:1 cpu:2 cuda:0 wgpu:0; do
    printf '%-22s %s\n' "$devices" "$(rate "$devices")"
done
if [ "$GPUS" -ge 2 ]; then
    for devices in cuda:0,cuda:1 wgpu:0,wgpu:1; do
        printf '%-22s %s\n' "$devices" "$(rate "$devices")"
    done
    for over in mpi nccl; do
        printf '%-22s %s\n' "2 processes, $over" "$(ranks "$over")"
    done
else
    echo "(one GPU: the 2-GPU rows need a second one)"
fi
