#!/usr/bin/env bash
# The main job, end to end: a local dev chain, a miner on the embedded backend (SmolLM2-135M on
# CPU), and a real inference job submitted and paid with the CLI. Prints the generated text and
# the on-chain receipt, then stops everything.
#
#   scripts/demo.sh ["your prompt"]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
PROMPT="${1:-What is the capital of France? Answer in one sentence.}"

echo "== building aitbc-node, aitbc-worker and aitbc"
cargo build --quiet -p aitbc-node -p aitbc-worker -p aitbc-cli
BIN="$CARGO_TARGET_DIR/debug"

WORK="$(mktemp -d -t aitbc-demo.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
RPC_PORT="$(free_port)"; PROM_PORT="$(free_port)"
URL="ws://127.0.0.1:$RPC_PORT"

echo "== starting a dev chain (RPC $URL); log: $WORK/node.log"
"$BIN/aitbc-node" --dev --base-path "$WORK/node" --rpc-port "$RPC_PORT" --prometheus-port "$PROM_PORT" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  curl -s -o /dev/null -H 'content-type: application/json' \
    -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' "http://127.0.0.1:$RPC_PORT" && break
  sleep 0.2
done

echo "== starting a miner (Bob) on the embedded backend; log: $WORK/worker.log"
"$BIN/aitbc-worker" --url "$URL" --uri //Bob --backend embedded >"$WORK/worker.log" 2>&1 &
PIDS+=($!)

export AITBC_HOME="$WORK/home" AITBC_URL="$URL" AITBC_PASSWORD="demo-password"
"$BIN/aitbc" wallet import --name alice --uri //Alice >/dev/null
"$BIN/aitbc" wallet use alice >/dev/null

echo "== waiting for the miner to register"
for _ in $(seq 1 150); do
  grep -q "waiting for jobs" "$WORK/worker.log" && break
  sleep 1
done
grep -q "waiting for jobs" "$WORK/worker.log" || { echo "the miner did not start:"; tail -20 "$WORK/worker.log"; exit 1; }

echo "== submitting a job as Alice: \"$PROMPT\""
"$BIN/aitbc" client submit --model smollm2 --prompt "$PROMPT" --payment 5 --wait --timeout 300
JOB_ID="$("$BIN/aitbc" --output json client list --limit 1 | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d if isinstance(d,list) else d.get("jobs",[]); print(d[0]["job_id"])')"
echo "== result of job $JOB_ID"
"$BIN/aitbc" client result "$JOB_ID"
echo "== receipts"
"$BIN/aitbc" client receipts --job-id "$JOB_ID"
echo "== miner log (last lines)"
tail -8 "$WORK/worker.log"
