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

WORK="$(mktemp -d -t aitbc-demo-torch.XXXXXX)"
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

echo "== starting a dev chain (RPC $URL)"
"$BIN/aitbc-node" --dev --base-path "$WORK/node" --rpc-port "$RPC_PORT" --prometheus-port "$PROM_PORT" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  curl -s -o /dev/null -H 'content-type: application/json' \
    -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' "http://127.0.0.1:$RPC_PORT" && break
  sleep 0.2
done

echo "== starting a miner (Bob) on the torch backend"
"$BIN/aitbc-worker" --url "$URL" --uri //Bob --backend torch >"$WORK/worker.log" 2>&1 &
PIDS+=($!)

export AITBC_HOME="$WORK/home" AITBC_URL="$URL" AITBC_PASSWORD="demo-password"
"$BIN/aitbc" wallet import --name alice --uri //Alice >/dev/null
"$BIN/aitbc" wallet use alice >/dev/null
for _ in $(seq 1 150); do
  grep -q "waiting for jobs" "$WORK/worker.log" && break
  sleep 1
done
grep -q "waiting for jobs" "$WORK/worker.log" || { echo "the miner did not start:"; tail -20 "$WORK/worker.log"; exit 1; }

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
