#!/usr/bin/env bash
# Job pipeline benchmark (issue: chain overhead of a job p50 < 3 s): real dev node, miner daemon
# on the embedded backend and the aitbc CLI. Prints end-to-end, inference and chain-overhead
# p50/p99, the worker's own overheads and the embedded tokens/s.
# Usage: scripts/bench-job-pipeline.sh [jobs]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
# Same build as scripts/test.sh, so nothing is rebuilt with other features.
cargo test --workspace --no-run --quiet
python3 scripts/bench_job_pipeline.py "${1:-20}"
