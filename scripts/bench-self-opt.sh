#!/usr/bin/env bash
# Self-optimization sample (issue 15): `aitbc optimize self-opt` on a real dev node and one
# embedded miner offering it; prints the measured table as a user sees it.
# Usage: scripts/bench-self-opt.sh [inference-speed|cost|quality]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
# Same build as scripts/test.sh, so nothing is rebuilt with other features.
cargo test --workspace --no-run --quiet
python3 scripts/bench_self_opt.py "${1:-inference-speed}"
