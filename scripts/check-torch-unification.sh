#!/usr/bin/env bash
# Checks that enabling aitbc-worker's `torch` feature changes no feature set of a crate the rest
# of the workspace builds: tch and its own dependencies may only be added. A changed feature set
# means cargo builds that crate, and everything above it, a second time for the torch build
# (before the pins in offchain-worker/Cargo.toml: the whole FRAME stack and jsonrpsee).
# Fix by asking for the same features in the pins there.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$AITBC_ROOT"
# --locked, not --offline: on a fresh CARGO_HOME the torch-only crates (tch, zip, bzip2, ...)
# are not downloaded yet, and cargo tree must fetch them to resolve the torch build.
tree() {
  cargo tree --workspace --locked "$@" --prefix none -e normal,build,dev -f '{p} [{f}]' \
    | sed 's/ (\*)$//' | sort -u
}
base="$(mktemp)"; torch="$(mktemp)"
trap 'rm -f "$base" "$torch"' EXIT
tree >"$base"
tree --features aitbc-worker/torch >"$torch"
# Feature sets only the base build has: each is a crate the torch build compiles differently.
changed="$(comm -23 "$base" "$torch" | grep -v '^aitbc-worker ' || true)"
if [ -n "$changed" ]; then
  echo "check-torch-unification: the torch feature changes the features of:" >&2
  echo "$changed" >&2
  echo "torch build has instead:" >&2
  comm -13 "$base" "$torch" >&2
  exit 1
fi
echo "check-torch-unification: ok ($(comm -13 "$base" "$torch" | grep -vc '^aitbc-worker ') crate builds added, none changed)"
