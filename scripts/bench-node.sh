#!/usr/bin/env bash
# Transfer throughput benchmark: release node, many accounts, pre-signed transferKeepAlive over RPC.
# Prints the sustained inclusion rate (tx/s), mean block authoring time and the node's peak RSS.
# Environment: AITBC_BENCH_SECS (60), AITBC_BENCH_ACCOUNTS (2000), AITBC_BENCH_RATE (3000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
cargo build --release -p aitbc-node --quiet
cargo bench -p aitbc-node --bench transfer_throughput --quiet
