#!/usr/bin/env bash
# Runs the whole AITBC test suite: formatting, clippy, unit and property tests, and the
# integration tests that start real aitbc-node processes (including the polkadot.js check).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test --no-run (test binaries and every binary the integration tests start)"
cargo test --workspace --no-run --quiet
echo "== cargo test"
cargo test --workspace --quiet 2>&1 | tee "$AITBC_CACHE/last-test.log"
