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

. scripts/lib/demo-chain.sh
start_chain_and_miner embedded

echo "== submitting a job as Alice: \"$PROMPT\""
"$BIN/aitbc" client submit --model smollm2 --prompt "$PROMPT" --payment 5 --wait --timeout 300
JOB_ID="$("$BIN/aitbc" --output json client list --limit 1 | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d if isinstance(d,list) else d.get("jobs",[]); print(d[0]["job_id"])')"
echo "== result of job $JOB_ID"
"$BIN/aitbc" client result "$JOB_ID"
echo "== receipts"
"$BIN/aitbc" client receipts --job-id "$JOB_ID"
echo "== miner log (last lines)"
sed 's/\x1b\[[0-9;]*m//g' "$WORK/worker.log" | tail -8
