#!/usr/bin/env bash
# Coverage-guided fuzzing of everything a node decodes or checks from outside: extrinsics and
# validate_transaction, blocks (decoded and executed), every network message, GRANDPA gossip and
# justifications, JSON-RPC requests and parameters, receipt proof files, agent tool calls and
# agent configs (targets in fuzz/fuzz_targets/).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# libFuzzer (libfuzzer-sys) on stable Rust: the sanitizer-coverage instrumentation is enabled
# with stable `-C` flags, so no nightly toolchain or cargo-fuzz is needed. The corpus grows in
# $AITBC_CACHE/fuzz/corpus/<target> across runs; a crash is saved in
# $AITBC_CACHE/fuzz/crashes/<target>/ and fails the script (turn it into a regression test).
# Prints the executions per target and in total.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
seconds="${1:-60}"
shift || true
all=(extrinsic block network_message grandpa rpc_params receipt_proof agent_tools agent_config)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

command -v clang++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || scripts/setup.sh
export CARGO_TARGET_DIR="$AITBC_CACHE/target-fuzz"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
# An explicit --target keeps the instrumentation (RUSTFLAGS) off build scripts and proc macros,
# which run on the host and are not linked with libFuzzer.
host=$(rustc -vV | sed -n 's/^host: //p')
echo "== building fuzz targets (instrumented, $CARGO_TARGET_DIR)"
(cd fuzz && cargo build --quiet --locked --bins --target "$host")
bin="$CARGO_TARGET_DIR/$host/debug"

total=0
failed=()
for t in "${targets[@]}"; do
  corpus="$AITBC_CACHE/fuzz/corpus/$t"
  crashes="$AITBC_CACHE/fuzz/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  log="$AITBC_CACHE/fuzz/$t.log"
  set +e
  "$bin/$t" "$corpus" "fuzz/seeds/$t" -max_total_time="$seconds" \
    -rss_limit_mb=4096 -max_len=1048576 -artifact_prefix="$crashes/" -print_final_stats=1 \
    >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)
  runs=${runs:-0}
  total=$((total + runs))
  if [ $rc -eq 0 ]; then
    printf 'fuzz %-16s %12s executions in %s s, 0 crashes\n' "$t" "$runs" "$seconds"
  else
    printf 'fuzz %-16s CRASHED after %s executions (exit %s): see %s and %s\n' "$t" "$runs" "$rc" "$log" "$crashes"
    tail -n 30 "$log"
    failed+=("$t")
  fi
done
echo "fuzz total: $total executions, ${#failed[@]} targets crashed"
[ ${#failed[@]} -eq 0 ]
