#!/usr/bin/env bash
# A local multi-validator AITBC network on 127.0.0.1: N validators (default 4: Alice, Bob, Charlie,
# Dave, ...) of chain `local` and one full node, each with its own base path, node key and ports.
#
#   scripts/devnet.sh                 # start 4 validators + 1 full node, print their endpoints
#   scripts/devnet.sh -n 3            # start 3 validators (the chain's other authorities are absent)
#   scripts/devnet.sh --stop          # stop the network started from this directory
#   scripts/devnet.sh --status        # best and finalized block of every node
#
# Data lives in $AITBC_DEVNET_DIR (default: $AITBC_CACHE/devnet); --purge deletes it on --stop.
# First ports: AITBC_DEVNET_P2P_PORT (30333), AITBC_DEVNET_RPC_PORT (9944), AITBC_DEVNET_PROMETHEUS_PORT
# (9615); node i uses first + i. AITBC_DEVNET_NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

DIR="${AITBC_DEVNET_DIR:-$AITBC_CACHE/devnet}"
BIN="$CARGO_TARGET_DIR/debug/aitbc-node"
NAMES=(alice bob charlie dave eve ferdie)
N=4
ACTION=start
PURGE=0
BASE_P2P="${AITBC_DEVNET_P2P_PORT:-30333}"
BASE_RPC="${AITBC_DEVNET_RPC_PORT:-9944}"
BASE_PROM="${AITBC_DEVNET_PROMETHEUS_PORT:-9615}"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    -n|--validators) N="${2:?-n needs a number}"; shift 2 ;;
    --stop) ACTION=stop; shift ;;
    --status) ACTION=status; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "devnet: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$N" =~ ^[1-6]$ ]]; then
  echo "devnet: -n must be 1 to 6 (the dev accounts Alice..Ferdie), not '$N'" >&2
  exit 2
fi

rpc() {  # rpc PORT METHOD [PARAMS]
  curl -s -H 'content-type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$1"
}

node_names() { ls "$DIR"/*.pid 2>/dev/null | xargs -r -n1 basename | sed 's/\.pid$//'; }

stop() {
  local any=0
  for name in $(node_names); do
    pid="$(cat "$DIR/$name.pid")"
    if kill "$pid" 2>/dev/null; then any=1; echo "devnet: stopping $name (pid $pid)"; fi
    rm -f "$DIR/$name.pid"
  done
  sleep 1
  [ "$any" = 1 ] || echo "devnet: nothing running in $DIR"
  if [ "$PURGE" = 1 ]; then rm -rf "$DIR"; echo "devnet: deleted $DIR"; fi
}

status() {
  for name in $(node_names); do
    port="$(cat "$DIR/$name.rpc")"
    head="$(rpc "$port" chain_getHeader | python3 -c 'import sys,json; print(int(json.load(sys.stdin)["result"]["number"],16))' 2>/dev/null || echo '?')"
    fin_hash="$(rpc "$port" chain_getFinalizedHead | python3 -c 'import sys,json; print(json.load(sys.stdin)["result"])' 2>/dev/null || true)"
    fin="$(rpc "$port" chain_getHeader "[\"$fin_hash\"]" | python3 -c 'import sys,json; print(int(json.load(sys.stdin)["result"]["number"],16))' 2>/dev/null || echo '?')"
    peers="$(rpc "$port" system_health | python3 -c 'import sys,json; print(json.load(sys.stdin)["result"]["peers"])' 2>/dev/null || echo '?')"
    printf '%-8s ws://127.0.0.1:%-6s best #%-6s finalized #%-6s peers %s\n' "$name" "$port" "$head" "$fin" "$peers"
  done
}

case "$ACTION" in
  stop) stop; exit 0 ;;
  status) status; exit 0 ;;
esac

if [ -n "$(node_names)" ]; then
  echo "devnet: a network is already running in $DIR (scripts/devnet.sh --stop first)" >&2
  exit 1
fi
if [ ! -x "$BIN" ] || [ -z "${AITBC_DEVNET_NO_BUILD:-}" ]; then
  echo "devnet: building aitbc-node"
  # The same target selection as scripts/test.sh, so that features unify the same way and
  # nothing (RocksDB above all) is rebuilt for a different feature set.
  cargo test --workspace --no-run --quiet
fi
mkdir -p "$DIR"

# Node keys first: every node gets all validators as boot nodes.
members=()
for i in $(seq 0 $((N - 1))); do members+=("${NAMES[$i]}"); done
members+=(full)
bootnodes=()
for i in $(seq 0 $((N - 1))); do
  name="${members[$i]}"
  key="$DIR/$name/node.key"
  [ -f "$key" ] || "$BIN" key generate-node-key --file "$key" >/dev/null 2>&1
  peer="$("$BIN" key inspect-node-key --file "$key")"
  bootnodes+=("/ip4/127.0.0.1/tcp/$((BASE_P2P + i))/p2p/$peer")
done

i=0
for name in "${members[@]}"; do
  p2p=$((BASE_P2P + i)); rpc_port=$((BASE_RPC + i)); prom=$((BASE_PROM + i))
  args=(--chain local --base-path "$DIR/$name" --name "$name"
        --port "$p2p" --listen-addr "/ip4/127.0.0.1/tcp/$p2p" --node-key-file "$DIR/$name/node.key"
        --rpc-port "$rpc_port" --prometheus-port "$prom" --bootnodes "${bootnodes[@]}")
  if [ "$name" != full ]; then args+=(--validator "--$name"); fi
  "$BIN" "${args[@]}" >"$DIR/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
  echo "$rpc_port" >"$DIR/$name.rpc"
  i=$((i + 1))
done

# Wait for every node's RPC.
for name in "${members[@]}"; do
  port="$(cat "$DIR/$name.rpc")"
  for _ in $(seq 1 150); do
    rpc "$port" system_health >/dev/null 2>&1 && break
    if ! kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
      echo "devnet: $name exited; its log:" >&2; tail -20 "$DIR/$name.log" >&2; stop; exit 1
    fi
    sleep 0.2
  done
done

echo "devnet: $N validators and 1 full node of chain 'local' (data and logs in $DIR)"
i=0
for name in "${members[@]}"; do
  role=validator; [ "$name" = full ] && role="full node"
  printf '  %-8s %-10s ws://127.0.0.1:%s  p2p %s  metrics http://127.0.0.1:%s/metrics\n' \
    "$name" "$role" "$((BASE_RPC + i))" "$((BASE_P2P + i))" "$((BASE_PROM + i))"
  i=$((i + 1))
done
echo "devnet: scripts/devnet.sh --status shows heights; scripts/devnet.sh --stop stops it"
