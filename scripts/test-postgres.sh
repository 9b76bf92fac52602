#!/usr/bin/env bash
# A throw-away Postgres + pgvector for the few tests that need one even when the suite runs on
# PGlite (for example, what DATABASE_URL may name). `start STATE` prints its URL; `stop STATE`
# stops it; STATE is a file that carries what stopping needs between the calls.
# `start STATE standby DELAY_MS` also starts a hot standby replaying DELAY_MS after each commit
# and prints its URL on a second line; `standby-stop STATE` stops the standby alone,
# `primary-crash STATE` stops the primary as a crash would and `promote STATE` promotes the
# standby (tests of read replicas and failover).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../.ci/postgres.sh
source .ci/postgres.sh
restore() {
  { read -r _; read -r _ENGRAM_PG_TMP; read -r PG_BIN; } <"$1"
  export _ENGRAM_PG_TMP PG_BIN
}
case "${1:-}" in
  start)
    pg_start >&2
    printf '%s\n%s\n%s\n' "$DATABASE_URL" "$_ENGRAM_PG_TMP" "$PG_BIN" >"$2"
    echo "$DATABASE_URL"
    if [ "${3:-}" = standby ]; then
      pg_standby_start "${4:-0}" >&2
      echo "$READ_DATABASE_URL"
    fi
    ;;
  stop)
    restore "$2"
    pg_stop
    rm -f "$2"
    ;;
  standby-stop)
    restore "$2"
    pg_standby_stop
    ;;
  promote)
    restore "$2"
    pg_promote_standby
    ;;
  primary-crash)
    restore "$2"
    _pg_as "$PG_BIN/pg_ctl" -D "$_ENGRAM_PG_TMP/data" -m immediate -w -t 30 stop >/dev/null
    ;;
  *)
    echo "usage: $0 start STATE_FILE [standby DELAY_MS] | stop|standby-stop|primary-crash|promote STATE_FILE" >&2
    exit 2
    ;;
esac
