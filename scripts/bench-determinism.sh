#!/usr/bin/env bash
# Exact mode's byte agreement on the embedded backend (SmolLM2-135M, greedy, seed 0), measured:
# 1. one process generates each of 16 fixed prompts twice (same process, same threads);
# 2. two more processes run side by side with 1 and 2 rayon threads, and every process's
#    outputs are compared with the first's (other processes, other thread counts, a loaded CPU).
# Prints the agreement rates. Usage: scripts/bench-determinism.sh
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$AITBC_ROOT/scripts/fetch-models.sh"
cd "$AITBC_ROOT"
bin=$(cargo bench -p aitbc-worker --bench determinism --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "determinism" and m.get("executable"):
        print(m["executable"])')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
AITBC_DETERMINISM_OUT="$out/default" "$bin" --bench
RAYON_NUM_THREADS=1 AITBC_DETERMINISM_OUT="$out/t1" "$bin" --bench &
p1=$!
RAYON_NUM_THREADS=2 AITBC_DETERMINISM_OUT="$out/t2" "$bin" --bench &
p2=$!
wait "$p1" "$p2"
for other in t1 t2; do
  same=$(paste -d' ' "$out/default" "$out/$other" | awk '$1 == $2' | wc -l)
  total=$(wc -l <"$out/default")
  echo "exact mode, across processes (default threads vs RAYON_NUM_THREADS=${other#t}, run side by side): $same/$total prompts gave the same bytes"
done
