#!/usr/bin/env bash
# Fetches the third-party schemas Engram's protos import into .proto-deps/ (git-ignored):
# buf/validate from the Go module proxy, googleapis and the gRPC health and reflection
# protos from npm packages already in node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOVALIDATE_VERSION=v1.2.2
deps=.proto-deps
rm -rf "$deps"
mkdir -p "$deps/buf/validate" "$deps/google/api" "$deps/google/rpc" \
  "$deps/grpc/health/v1" "$deps/grpc/reflection/v1" "$deps/grpc/reflection/v1alpha"

protovalidate_dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/bufbuild/protovalidate@${PROTOVALIDATE_VERSION}" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
cp "$protovalidate_dir/proto/protovalidate/buf/validate/validate.proto" "$deps/buf/validate/"

googleapis=node_modules/google-proto-files/google
cp "$googleapis/api/annotations.proto" "$googleapis/api/http.proto" "$deps/google/api/"
cp "$googleapis/rpc/status.proto" "$googleapis/rpc/error_details.proto" "$deps/google/rpc/"
cp node_modules/grpc-health-check/proto/health/v1/health.proto "$deps/grpc/health/v1/"
reflection=node_modules/@grpc/reflection/build/proto/grpc/reflection
cp "$reflection/v1/reflection.proto" "$deps/grpc/reflection/v1/"
cp "$reflection/v1alpha/reflection.proto" "$deps/grpc/reflection/v1alpha/"
chmod -R a-w "$deps"
