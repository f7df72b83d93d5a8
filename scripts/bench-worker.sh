#!/usr/bin/env bash
# Embedded inference throughput (prompt eval and generation tokens/s) on the real SmolLM2 model.
# Usage: scripts/bench-worker.sh [runs]
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$AITBC_ROOT/scripts/fetch-models.sh"
cd "$AITBC_ROOT"
AITBC_BENCH_RUNS="${1:-5}" cargo bench -p aitbc-worker --bench embedded
