#!/usr/bin/env bash
# Regenerates everything under gen/ from proto/. CI reruns this and fails on any diff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch-proto-deps.sh
npx buf generate
npx prettier --log-level warn --write gen
