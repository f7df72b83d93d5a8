#!/usr/bin/env bash
# Chaos test: 4 validators of chain `local` and a full node (debug aitbc-node processes on
# 127.0.0.1) under transfer and job load (a miner on the embedded backend follows the full node),
# while validators are SIGKILLed and restarted at random, one at a time, for SECONDS (default 300).
# Checks that finality resumes after every restart (45 s at most), that no finalized block is
# ever lost or changed, that every job ends paid or refunded, and that TotalIssuance equals the
# sum of all balances at the end. Prints a summary; AITBC_CHAOS_SEED=N replays a schedule.
#   scripts/chaos.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
secs="${1:-300}"
log="$AITBC_CACHE/last-chaos.log"
echo "== cargo test --no-run (test binaries and every binary the test starts)"
cargo test --workspace --no-run --quiet
echo "== chaos for $secs s (log: $log)"
rc=0
AITBC_CHAOS_SECONDS="$secs" cargo test --workspace --quiet --test chaos -- --nocapture 2>&1 \
  | tee "$log" || rc=$?
echo
sed -n '/^== chaos summary/,/^==$/p' "$log"
if grep -q '^test result: ok' "$log" && [ "$rc" = 0 ]; then
  echo "chaos: PASSED"
else
  echo "chaos: FAILED (see $log)"
  exit 1
fi
