#!/usr/bin/env bash
# Regenerates everything under gen/ from proto/. CI reruns this and fails on any diff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch-proto-deps.sh

# TypeScript: gen/ts (the server's and tests' source) and gen/ts-client/dist (the npm package's
# JavaScript and .d.ts). OpenAPI: gen/openapi, by scripts/protoc-gen-openapi.ts.
npx buf generate
npx buf generate --template buf.gen.ts-client.yaml
npx buf generate --template buf.gen.openapi.yaml
npx prettier --log-level warn --write gen

# The web console: gen/console, minified by esbuild (prettier leaves it alone, see .prettierignore).
npx tsx scripts/build-console.ts

# Go: gen/go/engram, by plugins pinned here and installed into .tools/bin when missing or stale.
install_go_plugin() { # <package> <version>
  local installed
  # "<name> v1.2.3" from protoc-gen-go, "<name> 1.2.3" from protoc-gen-go-grpc.
  installed=$(".tools/bin/${1##*/}" --version 2>/dev/null || true)
  installed=${installed##* }
  if [[ ${installed#v} != "${2#v}" ]]; then
    GOBIN="$PWD/.tools/bin" go install "$1@$2"
  fi
}
install_go_plugin google.golang.org/protobuf/cmd/protoc-gen-go v1.36.12
install_go_plugin google.golang.org/grpc/cmd/protoc-gen-go-grpc v1.6.2
npx buf generate --template buf.gen.go.yaml

# Python: gen/python/src, by the grpcio-tools pinned in gen/python/requirements-dev.txt. PyPI's
# protovalidate no longer ships buf/validate/validate_pb2, so that schema is generated here too;
# google/api and google/rpc come from googleapis-common-protos.
bash scripts/setup-python.sh
out=gen/python/src
rm -rf "$out"
mkdir -p "$out"
protoc=(.tools/venv/bin/python -m grpc_tools.protoc -I proto -I .proto-deps --python_out="$out" --pyi_out="$out")
"${protoc[@]}" proto/engram/v1/*.proto
# Stubs only for the files that declare services, rather than empty modules for the others.
mapfile -t services < <(grep -l '^service ' proto/engram/v1/*.proto)
"${protoc[@]}" --grpc_python_out="$out" "${services[@]}"
"${protoc[@]}" .proto-deps/buf/validate/validate.proto
# PEP 561: type checkers use the .pyi stubs of packages marked typed.
touch "$out/engram/v1/py.typed" "$out/buf/validate/py.typed"
