#!/usr/bin/env bash
# buf breaking against main: builds main's protos (with the fetched third-party schemas,
# which are not in git) into an image and compares the working tree with it.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$(git rev-parse --verify -q main || git rev-parse HEAD)
buf="$PWD/node_modules/.bin/buf"
against=$(mktemp -d)
trap 'rm -rf "$against"' EXIT
git archive "$base" proto buf.yaml | tar -x -C "$against"
cp -r .proto-deps "$against/.proto-deps"
(cd "$against" && "$buf" build -o image.binpb)
"$buf" build -o "$against/current.binpb"
"$buf" breaking "$against/current.binpb" --against "$against/image.binpb"
echo "buf breaking: no breaking changes against $(git rev-parse --short "$base")"
