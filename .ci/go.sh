# shellcheck shell=bash
# Source me: makes sure a Go >= 1.26 is first on PATH (gen/go and the Go smoke test need it).
# Uses the machine's Go (also from /usr/local/go/bin) when new enough; otherwise downloads the
# official toolchain from the Go module proxy into ${ENGRAM_CACHE:-$HOME/.cache/engram}/go.
# Safe under `set -euo pipefail`.

_engram_go_version=go1.26.8
_engram_go_minor() { local v; v=$(go env GOVERSION 2>/dev/null) || v=go1.0; v=${v#go1.}; v=${v%%.*}; echo "${v%%[!0-9]*}"; }

[ -x /usr/local/go/bin/go ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) export PATH="/usr/local/go/bin:$PATH" ;; esac
if [ "$(_engram_go_minor)" -lt 26 ]; then
  _engram_go_root="${ENGRAM_CACHE:-$HOME/.cache/engram}/go/golang.org/toolchain@v0.0.1-${_engram_go_version}.linux-amd64"
  if ! "$_engram_go_root/bin/go" version >/dev/null 2>&1; then
    echo "go.sh: installing ${_engram_go_version} from proxy.golang.org" >&2
    _engram_go_zip=$(mktemp)
    curl -fsSL -o "$_engram_go_zip" \
      "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-${_engram_go_version}.linux-amd64.zip"
    mkdir -p "${ENGRAM_CACHE:-$HOME/.cache/engram}/go"
    python3 -m zipfile -e "$_engram_go_zip" "${ENGRAM_CACHE:-$HOME/.cache/engram}/go"
    chmod +x "$_engram_go_root"/bin/* "$_engram_go_root"/pkg/tool/*/*
    rm -f "$_engram_go_zip"
  fi
  export PATH="$_engram_go_root/bin:$PATH"
  hash -r
  unset _engram_go_root _engram_go_zip
fi
unset _engram_go_version
unset -f _engram_go_minor
