#!/usr/bin/env bash
# Runs the test suites against a real Kafka broker and a real PostgreSQL.
#   tests/run.sh            unit + integration + e2e
#   tests/run.sh integration
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
started_kafka=0
listening() { (exec 3<>"/dev/tcp/127.0.0.1/${BAOLEI_KAFKA_PORT:-19092}") 2>/dev/null; }
if ! deploy/kafka.sh status >/dev/null 2>&1; then
  if listening; then
    echo "[test] using the Kafka broker already listening on port ${BAOLEI_KAFKA_PORT:-19092} (started elsewhere)"
  else
    deploy/kafka.sh start
    started_kafka=1
  fi
fi
cleanup() { if [ $started_kafka = 1 ]; then deploy/kafka.sh stop; fi; }
trap cleanup EXIT
if [ -z "${BAOLEI_TEST_PG_URL:-}" ]; then
  BAOLEI_TEST_PG_URL="$(deploy/postgres.sh)"
fi
export BAOLEI_TEST_PG_URL
export BAOLEI_KAFKA_BOOTSTRAP_SERVERS="${BAOLEI_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:19092}"
case "${1:-all}" in
  integration) $BIN/pytest -q tests/integration ;;
  e2e) $BIN/pytest -q tests/e2e ;;
  *)
    echo "[test] unit tests"; $BIN/pytest -q tests/unit
    echo "[test] integration tests (real Kafka at $BAOLEI_KAFKA_BOOTSTRAP_SERVERS, PostgreSQL)"; $BIN/pytest -q tests/integration
    if [ -d tests/e2e ] && ls tests/e2e/test_*.py >/dev/null 2>&1; then
      echo "[test] end-to-end console tests (headless Chromium)"; $BIN/pytest -q tests/e2e
    fi
    ;;
esac
