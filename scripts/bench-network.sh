#!/usr/bin/env bash
# Network benchmark: release aitbc-node processes on 127.0.0.1 (node/benches/network.rs).
# Prints the sync speed of a fresh node catching up a 10,000-block chain (blocks/s), the finality
# lag of 4 validators under steady load (blocks) and block propagation time between validators.
# Environment: AITBC_BENCH_SYNC_BLOCKS (10000), AITBC_BENCH_SECS (60), AITBC_BENCH_TPS (20).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
cargo bench --workspace --bench network --quiet
