#!/usr/bin/env bash
# Runs the whole AITBC test suite: formatting, clippy, unit and property tests, and the
# integration tests that start real aitbc-node processes (including the polkadot.js check);
# then the torch backend (aitbc-worker --features torch) on libtorch's CPU runtime
# (scripts/fetch-libtorch.sh, about 500 MB once; AITBC_TORCH=0 skips it).
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
echo "== fuzz smoke (scripts/fuzz.sh ${AITBC_FUZZ_SECONDS:-15} s per target)"
scripts/fuzz.sh "${AITBC_FUZZ_SECONDS:-15}"

if [ "${AITBC_TORCH:-1}" = 0 ]; then
  echo "== torch backend: SKIPPED (AITBC_TORCH=0)"
  exit 0
fi
echo "== torch backend: libtorch 2.11 (CPU) and silero_vad.jit"
scripts/fetch-libtorch.sh
# Enabling the feature must only add tch and its dependencies and rebuild aitbc-worker.
scripts/check-torch-unification.sh
eval "$(scripts/fetch-libtorch.sh --print-env)"
echo "== cargo clippy --features aitbc-worker/torch"
cargo clippy --workspace --all-targets --features aitbc-worker/torch --quiet -- -D warnings
echo "== cargo test --features aitbc-worker/torch (the torch backend on the CPU)"
{
  cargo test --workspace --features aitbc-worker/torch --quiet --lib -- backend::torch
  cargo test --workspace --features aitbc-worker/torch --quiet --test torch
} 2>&1 | tee -a "$AITBC_CACHE/last-test.log"
