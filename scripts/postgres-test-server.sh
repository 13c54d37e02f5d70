#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on loopback for the store tests and the benchmark, from
# the distribution's packages (installed here if missing), and prints the export line to use:
#
#   eval "$(scripts/postgres-test-server.sh start)"   # sets FIXLOOP_TEST_DATABASE_URL
#   eval "$(scripts/postgres-test-server.sh roles)"   # sets DATABASE_URL and DATABASE_MIGRATION_URL
#   scripts/postgres-test-server.sh stop
#
# `roles` sets up, on the running server, what README "Security model" asks a DBA for: a database
# `fixloop` owned by the role `fixloop_owner` (DATABASE_MIGRATION_URL: migrations), and the role
# `fixloop_app` with CONNECT only (DATABASE_URL: the app; fixloop grants it the rest after migrating,
# on audit_events only SELECT and INSERT). Both are dropped and made again on each call.
#
# The cluster lives in a temporary directory (PGTEST_DIR, default /tmp/fixloop-pgtest), trusts
# loopback connections only, and is deleted by `stop`.
set -euo pipefail

dir="${PGTEST_DIR:-/tmp/fixloop-pgtest}"
port="${PGTEST_PORT:-}"
# fsync off by default: a test server that is thrown away needs no crash durability. The
# benchmark's PostgreSQL figures are measured with PGTEST_FSYNC=on (see docs/benchmarks.md).
fsync="${PGTEST_FSYNC:-off}"

find_bin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -n "$b" && -x "$b/initdb" ]]; then echo "$b"; return; fi
  return 1
}

install_postgres() {
  echo "installing PostgreSQL from the distribution's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get install -y --no-install-recommends postgresql >&2 ||
    { $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends postgresql >&2; }
}

# PostgreSQL refuses to run as root: as root, run the server as the distribution's postgres user.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  bin=$(find_bin) || { install_postgres; bin=$(find_bin); }
  if [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # Already running: line 4 of postmaster.pid is its port.
    echo "export FIXLOOP_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$(sed -n 4p "$dir/data/postmaster.pid")/postgres"
    exit 0
  fi
  if [[ -z "$port" ]]; then
    # The first free port from 54329: another checkout's test server may hold the default.
    for port in $(seq 54329 54399); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    done
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=$fsync -c max_connections=200" start >&2 ||
    { cat "$dir/server.log" >&2; exit 1; }
  echo "export FIXLOOP_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
  ;;
roles)
  bin=$(find_bin) || { echo "no PostgreSQL installed: run start first" >&2; exit 1; }
  [[ -f "$dir/data/postmaster.pid" ]] || { echo "no test server running in $dir: run start first" >&2; exit 1; }
  port=$(sed -n 4p "$dir/data/postmaster.pid")
  psql() { as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@" >&2; }
  psql -c "DROP DATABASE IF EXISTS fixloop WITH (FORCE)" \
    -c "DROP ROLE IF EXISTS fixloop_app" -c "DROP ROLE IF EXISTS fixloop_owner" \
    -c "CREATE ROLE fixloop_owner LOGIN" -c "CREATE ROLE fixloop_app LOGIN" \
    -c "CREATE DATABASE fixloop OWNER fixloop_owner" \
    -c "REVOKE ALL ON DATABASE fixloop FROM PUBLIC" -c "GRANT CONNECT ON DATABASE fixloop TO fixloop_app"
  echo "export DATABASE_MIGRATION_URL=postgres://fixloop_owner@127.0.0.1:$port/fixloop"
  echo "export DATABASE_URL=postgres://fixloop_app@127.0.0.1:$port/fixloop"
  ;;
stop)
  bin=$(find_bin) || exit 0
  [[ -d "$dir/data" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|roles|stop" >&2
  exit 2
  ;;
esac
