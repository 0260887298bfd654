#!/usr/bin/env bash
# `make bench`: the matcher against the greedy baseline, the doorstep matcher against first-come claiming, the streaming re-match latency, a burst, the
# ledger's throughput on PostgreSQL, the load and the import; each prints its table and writes bench/results/*.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
started_kafka=0
if ! deploy/kafka.sh status >/dev/null 2>&1; then deploy/kafka.sh start; started_kafka=1; fi
trap '[ $started_kafka = 1 ] && deploy/kafka.sh stop' EXIT
export BAOLEI_TEST_PG_URL="${BAOLEI_TEST_PG_URL:-$(deploy/postgres.sh)}"
echo "== solver: matcher vs greedy baseline =="; $BIN/python -m bench.solver_bench
echo "== rooms stage at city scale (3,000 needs, rooms for nine in ten): wall time against its 8 s limit =="; $BIN/python -m bench.rooms_bench --seeds 1 --shapes city_rooms_short --limit-city 8
echo "== stream: one new need against 1,000 open needs =="; $BIN/python -m bench.stream_bench
echo "== burst: 2,000 transfer needs within 10 s against a city, time to the first outcome =="; $BIN/python -m bench.burst_bench
echo "== volunteers: doorstep matching vs first-come claiming, and a 20,000-task sealing burst =="; $BIN/python -m bench.volunteer_bench
echo "== volunteers service: a 20,000-task burst raised over HTTP, time until the matching process answers all (target 300 s; baseline: the same burst solved offline) =="; $BIN/python -m bench.volunteer_service_bench --scale 1 --write
echo "== inventory ledger on PostgreSQL =="; $BIN/python -m bench.ledger_bench
echo "== load: open-loop needs at 10/30/100/200 per s through the whole stack, PostgreSQL and SQLite =="; $BIN/python -m bench.load_bench
echo "== load, busy machine: the same with the solver running beside the stack (bench.busy) =="; $BIN/python -m bench.load_bench --busy
echo "== import: 1,000 and 10,000 rows while another office writes, SQLite and PostgreSQL =="; $BIN/python -m bench.import_bench
