#!/usr/bin/env bash
# Builds and runs a one-validator development chain (Alice) with RPC on ws://127.0.0.1:9944.
# Extra arguments go to aitbc-node, e.g. `scripts/dev.sh --base-path /tmp/aitbc`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
cargo build -p aitbc-node --quiet
exec "$CARGO_TARGET_DIR/debug/aitbc-node" --dev "$@"
