#!/usr/bin/env bash
# Installs Debian's chromium package, the browser test/e2e/clients/browser.test.ts drives through
# playwright-core (which never downloads a browser of its own here). Returns at once when
# /usr/bin/chromium is already there. Needs root, or sudo.
set -euo pipefail

chromium=/usr/bin/chromium
if [[ -x $chromium ]]; then
  exit 0
fi

if [[ $(id -u) == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup-chromium: $chromium is missing; install Debian's chromium package as root" >&2
  exit 1
fi

apt_get() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -qq "$@" </dev/null; }
# Try the existing package lists first: an update is slow and rarely needed.
if ! apt_get install --no-install-recommends chromium >/dev/null; then
  apt_get update >/dev/null
  apt_get install --no-install-recommends chromium >/dev/null
fi

if [[ ! -x $chromium ]]; then
  echo "setup-chromium: the chromium package did not provide $chromium" >&2
  exit 1
fi
