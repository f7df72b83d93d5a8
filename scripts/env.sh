# Common environment for AITBC scripts. Source it: `. scripts/env.sh`.
# One cargo target directory outside the clone, shared by every checkout and by CI.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aitbc/target}"
export AITBC_CACHE="${AITBC_CACHE:-$HOME/.cache/aitbc}"
export AITBC_NPM_DIR="${AITBC_NPM_DIR:-$AITBC_CACHE/npm}"
AITBC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AITBC_ROOT
mkdir -p "$CARGO_TARGET_DIR" "$AITBC_CACHE"
# libtorch for aitbc-worker's `torch` feature (scripts/fetch-libtorch.sh). Not exported as LIBTORCH
# here: only the torch build steps set that.
export AITBC_LIBTORCH="${AITBC_LIBTORCH:-$AITBC_CACHE/libtorch}"
