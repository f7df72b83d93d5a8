#!/usr/bin/env bash
# Redundant-job benchmark (issue 14): a k=3 job against k=1 on the embedded backend, real dev
# node, three miner daemons and the aitbc CLI. Prints end-to-end p50/p99, the price paid and
# the byte agreement of the k=3 jobs.
# Usage: scripts/bench-redundancy.sh [jobs per k]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
# Same build as scripts/test.sh, so nothing is rebuilt with other features.
cargo test --workspace --no-run --quiet
python3 scripts/bench_redundancy.py "${1:-10}"
