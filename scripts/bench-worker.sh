#!/usr/bin/env bash
# Inference throughput of the miner daemon's backends, measured on real models:
# - embedded: prompt eval and generation tokens/s on SmolLM2 (cargo bench, optimised build);
# - torch: silero_vad.jit on libtorch 2.11 (CUDA if libtorch sees it, else CPU): audio seconds
#   per second, chunks/s and whole-job latency. libtorch is already optimised code, so this
#   runs in the shared dev build (cargo test --bench). AITBC_TORCH=0 skips it.
# Usage: scripts/bench-worker.sh [runs]
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$AITBC_ROOT/scripts/fetch-models.sh"
cd "$AITBC_ROOT"
AITBC_BENCH_RUNS="${1:-5}" cargo bench -p aitbc-worker --bench embedded
if [ "${AITBC_TORCH:-1}" != 0 ]; then
  scripts/fetch-libtorch.sh
  eval "$(scripts/fetch-libtorch.sh --print-env)"
  AITBC_BENCH_RUNS="${1:-5}" cargo test --workspace --features aitbc-worker/torch --quiet \
    --bench torch -- --bench
fi
