#!/usr/bin/env bash
# Prepares libtorch 2.11.0 (what tch 0.24.0 needs) for aitbc-worker's `torch` feature, from PyPI
# wheels only (see docs/ARCHITECTURE.md, "where models come from"), into $AITBC_LIBTORCH
# (default $AITBC_CACHE/libtorch = ~/.cache/aitbc/libtorch), and fetches the TorchScript test
# model (silero_vad.jit) into $AITBC_MODELS_DIR/torch.
#
# PyPI has no CPU-only torch wheel, so this takes the CUDA wheel apart and keeps the CPU runtime:
#   include/                      headers torch-sys compiles its C++ wrapper against
#   lib/libtorch_cpu.so libc10.so libgomp.so.1 libshm.so    from torch==2.11.0
#   lib/libtorch.so -> libtorch_cpu.so                      (the wheel's libtorch.so needs CUDA)
#   lib/libgomp.so -> libgomp.so.1                          (torch-sys links -lgomp)
#   lib/libcudart.so.13 libcupti.so.13   from cuda-toolkit[cudart,cupti]==13.0.2 (libtorch_cpu
#                                        links them; they load without a GPU or driver)
#   build-version                 "2.11.0", checked by torch-sys
# About 500 MB on disk. The wheels (about 545 MB) are downloaded by pip with pinned hashes,
# unpacked and deleted. Idempotent: a complete directory is left alone.
#
# Then: LIBTORCH=$AITBC_LIBTORCH LD_LIBRARY_PATH=$AITBC_LIBTORCH/lib cargo build --workspace \
#         --features aitbc-worker/torch
# (scripts/test.sh does this.) `--print-env` prints those two exports for `eval`.
set -euo pipefail
. "$(dirname "$0")/env.sh"

DEST="$AITBC_LIBTORCH"
LAYOUT="torch==2.11.0 cuda-toolkit[cudart,cupti]==13.0.2 cpu-layout v1"

if [ "${1:-}" = "--print-env" ]; then
  echo "export LIBTORCH=\"$DEST\""
  echo "export LD_LIBRARY_PATH=\"$DEST/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\""
  exit 0
fi

# The model first: small, and wanted even when libtorch is already there.
"$AITBC_ROOT/scripts/fetch-models.sh"

if [ -f "$DEST/.aitbc-libtorch" ] && [ "$(cat "$DEST/.aitbc-libtorch")" = "$LAYOUT" ]; then
  echo "fetch-libtorch: libtorch 2.11.0 (CPU) present in $DEST"
  exit 0
fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "fetch-libtorch: only Linux x86_64 is set up (this is $(uname -s)-$(uname -m))" >&2
  exit 1
fi

PYTHON="${PYTHON:-$(command -v python3 || command -v python)}"
parent="$(dirname "$DEST")"
mkdir -p "$parent"
# Wheels, the unpacked tree and the final directory together: about 1.1 GB at the peak.
avail_kb="$(df -Pk "$parent" | awk 'NR==2 {print $4}')"
if [ "${avail_kb:-0}" -lt $((1500 * 1024)) ]; then
  echo "fetch-libtorch: need about 1.5 GB free in $parent, have $((avail_kb / 1024)) MB" >&2
  exit 1
fi

work="$(mktemp -d "$parent/.libtorch-fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Exact wheels, verified by pip against these hashes. cuda-toolkit 13.0.2's cudart and cupti
# extras pin nvidia-cuda-runtime 13.0.96 and nvidia-cuda-cupti 13.0.85.
cat >"$work/requirements.txt" <<'EOF'
torch==2.11.0 --hash=sha256:7aa2f9bbc6d4595ba72138026b2074be1233186150e9292865e04b7a63b8c67a
cuda-toolkit[cudart,cupti]==13.0.2 --hash=sha256:b198824cf2f54003f50d64ada3a0f184b42ca0846c1c94192fa269ecd97a66eb
nvidia-cuda-runtime==13.0.96 --hash=sha256:7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548
nvidia-cuda-cupti==13.0.85 --hash=sha256:4eb01c08e859bf924d222250d2e8f8b8ff6d3db4721288cf35d14252a4d933c8
EOF
echo "fetch-libtorch: downloading torch 2.11.0 and the CUDA runtime wheels from PyPI (about 545 MB)"
# The platform and Python are pinned so every machine gets the same (hashed) files; the C++
# libraries inside do not depend on the Python version. No pip cache: it would keep a second copy.
"$PYTHON" -m pip download --quiet --no-cache-dir --no-deps --require-hashes --only-binary=:all: \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_25_x86_64 \
  --platform manylinux_2_17_x86_64 --python-version 3.11 --implementation cp \
  --abi cp311 --abi none --dest "$work/wheels" -r "$work/requirements.txt"

echo "fetch-libtorch: unpacking"
mkdir -p "$work/libtorch/lib"
"$PYTHON" - "$work/wheels" "$work/libtorch" <<'PY'
import glob, os, shutil, sys, zipfile

wheels, out = sys.argv[1:3]

def wheel(prefix):
    found = glob.glob(os.path.join(wheels, prefix + "-*.whl"))
    if len(found) != 1:
        sys.exit(f"fetch-libtorch: expected one {prefix} wheel, found {found}")
    return zipfile.ZipFile(found[0])

def extract(z, member, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with z.open(member) as src, open(dest, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)

with wheel("torch") as z:
    names = set(z.namelist())
    headers = [n for n in names if n.startswith("torch/include/") and not n.endswith("/")]
    if not headers:
        sys.exit("fetch-libtorch: the torch wheel has no torch/include/")
    for n in headers:
        extract(z, n, os.path.join(out, n[len("torch/"):]))
    for lib in ["libtorch_cpu.so", "libc10.so", "libgomp.so.1", "libshm.so"]:
        member = "torch/lib/" + lib
        if member not in names:
            sys.exit(f"fetch-libtorch: {member} is not in the torch wheel")
        extract(z, member, os.path.join(out, "lib", lib))
    version = z.read("torch/version.py").decode()
    if "__version__ = '2.11.0" not in version:
        sys.exit("fetch-libtorch: the wheel is not torch 2.11.0")

for prefix, lib in [("nvidia_cuda_runtime", "libcudart.so.13"), ("nvidia_cuda_cupti", "libcupti.so.13")]:
    with wheel(prefix) as z:
        extract(z, "nvidia/cu13/lib/" + lib, os.path.join(out, "lib", lib))
PY
rm -rf "$work/wheels"   # about 545 MB, no longer needed
ln -s libtorch_cpu.so "$work/libtorch/lib/libtorch.so"
ln -s libgomp.so.1 "$work/libtorch/lib/libgomp.so"   # torch-sys links -lgomp
chmod 0755 "$work"/libtorch/lib/*.so*
echo "2.11.0" >"$work/libtorch/build-version"
echo "$LAYOUT" >"$work/libtorch/.aitbc-libtorch"

rm -rf "$DEST"
mv "$work/libtorch" "$DEST"
echo "fetch-libtorch: libtorch 2.11.0 (CPU) -> $DEST ($(du -sh "$DEST" | cut -f1))"
