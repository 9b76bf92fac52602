#!/usr/bin/env bash
# Creates the git-ignored venv .tools/venv from gen/python/requirements-dev.txt (grpcio-tools for
# scripts/generate.sh, setuptools to build the client's wheel for test/e2e/clients/python.test.ts) and
# installs gen/python into it, editable so it always holds the latest generated code. Returns at
# once when the venv already matches the pins.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/venv
stamp="$venv/.requirements.sha256"
wanted=$(cat gen/python/requirements-dev.txt gen/python/pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ -x $venv/bin/python && -f $stamp && $(<"$stamp") == "$wanted" ]]; then
  exit 0
fi

# Rebuilt from scratch so that a dropped pin leaves nothing behind.
rm -rf "$venv"
python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check --quiet)
"${pip[@]}" install -r gen/python/requirements-dev.txt
# No build isolation: the pinned setuptools above builds it, with nothing fetched at build time.
"${pip[@]}" install --no-build-isolation -e gen/python
"${pip[@]}" check
echo "$wanted" >"$stamp"
