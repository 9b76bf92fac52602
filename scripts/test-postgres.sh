#!/usr/bin/env bash
# A throw-away Postgres + pgvector for the few tests that need one even when the suite runs on
# PGlite (for example, what DATABASE_URL may name). `start STATE` prints its URL; `stop STATE`
# stops it; STATE is a file that carries what stopping needs between the two calls.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../.ci/postgres.sh
source .ci/postgres.sh
case "${1:-}" in
  start)
    pg_start >&2
    printf '%s\n%s\n%s\n' "$DATABASE_URL" "$_ENGRAM_PG_TMP" "$PG_BIN" >"$2"
    echo "$DATABASE_URL"
    ;;
  stop)
    { read -r _; read -r _ENGRAM_PG_TMP; read -r PG_BIN; } <"$2"
    export _ENGRAM_PG_TMP PG_BIN
    pg_stop
    rm -f "$2"
    ;;
  *)
    echo "usage: $0 start|stop STATE_FILE" >&2
    exit 2
    ;;
esac
