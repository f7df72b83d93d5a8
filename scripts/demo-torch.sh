#!/usr/bin/env bash
# The torch backend end to end: a local dev chain, a miner on the torch backend (silero_vad.jit
# on libtorch, CPU here), and a real voice-activity job submitted and paid with the CLI: 64 ms of
# synthetic voiced audio as float16 base64 (fits the 4000-character prompt), then a malformed
# job that fails and is refunded. Prints the results and the miner's log, then stops everything.
#
#   scripts/demo-torch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
scripts/fetch-libtorch.sh
eval "$(scripts/fetch-libtorch.sh --print-env)"

echo "== building aitbc-node, aitbc-worker (--features torch) and aitbc"
cargo build --quiet --workspace --features aitbc-worker/torch \
  --bin aitbc-node --bin aitbc-worker --bin aitbc
BIN="$CARGO_TARGET_DIR/debug"

. scripts/lib/demo-chain.sh
start_chain_and_miner torch

PROMPT="$(python3 - <<'PY'
import base64, json, math, struct
sr = 16000
# 1024 samples: a 150 Hz buzz under a 4 Hz envelope, as little-endian float16.
s = [0.3 * math.sin(2 * math.pi * 150 * i / sr) * (0.5 - 0.5 * math.cos(2 * math.pi * 4 * i / sr))
     for i in range(1024)]
b64 = base64.b64encode(struct.pack("<%de" % len(s), *s)).decode()
print(json.dumps({"method": "audio_forward",
                  "inputs": [{"dtype": "float16", "shape": [1, len(s)], "base64": b64,
                              "cast": "float32"}, sr]}))
PY
)"
echo "== submitting a silero_vad job as Alice (${#PROMPT} characters): speech probability per 32 ms"
"$BIN/aitbc" client submit --model silero_vad --prompt "$PROMPT" --payment 5 --wait --timeout 120
echo "== submitting a malformed job: it fails and Alice is refunded"
"$BIN/aitbc" client submit --model silero_vad --prompt "not a JSON call" --payment 5 --wait --timeout 120 || true
echo "== miner log (last lines)"
sed 's/\x1b\[[0-9;]*m//g' "$WORK/worker.log" | tail -12
