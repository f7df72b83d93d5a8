# Shared by scripts/demo.sh and scripts/demo-torch.sh (source it after setting BIN): a dev chain
# and one miner in a temporary directory, Alice's wallet for the CLI, and cleanup on exit.
#
#   start_chain_and_miner BACKEND   # starts aitbc-node --dev and aitbc-worker as Bob on BACKEND
#
# Sets WORK, URL, PIDS; exports AITBC_HOME, AITBC_URL, AITBC_PASSWORD for "$BIN/aitbc".

WORK="$(mktemp -d -t aitbc-demo.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_chain_and_miner() {
  local backend="$1" rpc_port prom_port
  rpc_port="$(free_port)"; prom_port="$(free_port)"
  URL="ws://127.0.0.1:$rpc_port"
  echo "== starting a dev chain (RPC $URL); log: $WORK/node.log"
  "$BIN/aitbc-node" --dev --base-path "$WORK/node" --rpc-port "$rpc_port" --prometheus-port "$prom_port" --port 0 >"$WORK/node.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -s -o /dev/null -H 'content-type: application/json' \
      -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' "http://127.0.0.1:$rpc_port" && break
    sleep 0.2
  done

  echo "== starting a miner (Bob) on the $backend backend; log: $WORK/worker.log"
  "$BIN/aitbc-worker" --url "$URL" --uri //Bob --backend "$backend" >"$WORK/worker.log" 2>&1 &
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
}
