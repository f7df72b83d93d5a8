#!/usr/bin/env bash
# Agent-run benchmark (issue 15): time to the first streamed step and five-step runs end to end
# on the embedded Gemma 3, a real dev node, one streaming miner daemon and the aitbc CLI; then
# the agent loop's own cost per step without inference (cargo bench --bench agent_loop).
# Usage: scripts/bench-agent.sh [runs]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
# Same build as scripts/test.sh, so nothing is rebuilt with other features.
cargo test --workspace --no-run --quiet
python3 scripts/bench_agent.py "${1:-5}"
cargo bench -p aitbc-worker --bench agent_loop --quiet
