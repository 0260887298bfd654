#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster (installing it if missing and allowed) and ensure the test role
# and database exist. Prints nothing on success but the URL on stdout.
#   deploy/postgres.sh [install] -> postgresql+psycopg://baolei:baolei@127.0.0.1:5432/baolei_test
set -euo pipefail
log() { echo "[postgres] $*" >&2; }
if [ "${1:-}" = install ] && ! command -v pg_lsclusters >/dev/null; then
  log "installing PostgreSQL from Debian packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
if ! command -v pg_lsclusters >/dev/null; then
  log "PostgreSQL is not installed: run 'deploy/postgres.sh install' (needs root) or set BAOLEI_TEST_PG_URL"
  exit 1
fi
read -r VER CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -1)
if [ "$STATUS" != online ]; then
  log "starting cluster $VER/$CLUSTER on port $PORT"
  pg_ctlcluster "$VER" "$CLUSTER" start >&2
fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
# The test suite starts many service processes, each with its pools (requests: writes + reads + relay):
# Debian's default of 100 connections was reached when tests ran beside a benchmark.
MAXC="${BAOLEI_PG_MAX_CONNECTIONS:-400}"
if [ "$(as_pg "psql -qtAc 'SHOW max_connections' -p $PORT")" -lt "$MAXC" ]; then
  log "raising max_connections to $MAXC (restarts the cluster)"
  as_pg "psql -q -p $PORT -c 'ALTER SYSTEM SET max_connections = $MAXC'" >&2
  pg_ctlcluster "$VER" "$CLUSTER" restart >&2
fi
as_pg "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='baolei'\" -p $PORT" | grep -q 1 \
  || as_pg "psql -q -p $PORT -c \"CREATE ROLE baolei LOGIN SUPERUSER PASSWORD 'baolei'\"" >&2
as_pg "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='baolei_test'\" -p $PORT" | grep -q 1 \
  || as_pg "createdb -p $PORT -O baolei baolei_test" >&2
echo "postgresql+psycopg://baolei:baolei@127.0.0.1:$PORT/baolei_test"
