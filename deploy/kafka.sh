#!/usr/bin/env bash
# Single-node Apache Kafka 3.9.2 (KRaft, broker + controller in one JVM) on loopback.
# The jars come from Maven Central into a cache outside the repository; nothing is committed.
#   deploy/kafka.sh fetch | start | stop | status | wait
# Environment (defaults in brackets):
#   BAOLEI_KAFKA_LIBS  jar cache            [~/.cache/baolei/kafka-3.9.2/libs]
#   BAOLEI_KAFKA_DATA  log dir, pid, logs   [<repo>/var/kafka]
#   BAOLEI_KAFKA_PORT  broker port          [19092]  (controller: port + 1)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
LIBS="${BAOLEI_KAFKA_LIBS:-$HOME/.cache/baolei/kafka-3.9.2/libs}"
DATA="${BAOLEI_KAFKA_DATA:-$ROOT/var/kafka}"
PORT="${BAOLEI_KAFKA_PORT:-19092}"
CPORT=$((PORT + 1))
PIDFILE="$DATA/kafka.pid"

log() { echo "[kafka] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() {
  if [ -f "$LIBS/.complete" ]; then return 0; fi
  log "first set-up: fetching the Kafka 3.9.2 broker jars from Maven Central into $LIBS (about 45 MB, once)..."
  mkdir -p "$LIBS"
  local t0=$SECONDS
  mvn -B -q -f "$HERE/kafka/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS"
  touch "$LIBS/.complete"
  log "fetched $(ls "$LIBS"/*.jar | wc -l) jars in $((SECONDS - t0)) s"
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  fetch
  if running; then log "already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; return 0; fi
  if port_open "$PORT"; then log "port $PORT is taken by another process"; exit 1; fi
  mkdir -p "$DATA/logs"
  local t0=$SECONDS
  sed -e "s#@DATA@#$DATA/logs#" -e "s#@PORT@#$PORT#g" -e "s#@CPORT@#$CPORT#g" \
    "$HERE/kafka/server.properties.in" > "$DATA/server.properties"
  if [ ! -f "$DATA/cluster.id" ]; then
    java -Xmx256m -Dlog4j.configuration="file:$HERE/kafka/log4j.properties" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid > "$DATA/cluster.id"
  fi
  java -Xmx256m -Dlog4j.configuration="file:$HERE/kafka/log4j.properties" -cp "$LIBS/*" \
    kafka.tools.StorageTool format -t "$(cat "$DATA/cluster.id")" -c "$DATA/server.properties" \
    --ignore-formatted > "$DATA/format.log" 2>&1
  nohup java -Xms512m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HERE/kafka/log4j.properties" \
    -cp "$LIBS/*" kafka.Kafka "$DATA/server.properties" > "$DATA/broker.log" 2>&1 &
  echo $! > "$PIDFILE"
  wait_ready
  log "broker up on 127.0.0.1:$PORT (pid $(cat "$PIDFILE")) in $((SECONDS - t0)) s; log: $DATA/broker.log"
}

wait_ready() {
  local deadline=$((SECONDS + ${BAOLEI_KAFKA_START_TIMEOUT:-90}))
  until port_open "$PORT"; do
    if ! running; then log "broker exited; last lines of $DATA/broker.log:"; tail -20 "$DATA/broker.log" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "broker not ready in time"; tail -20 "$DATA/broker.log" >&2; exit 1; fi
    sleep 0.2
  done
}

stop() {
  if ! running; then log "not running"; rm -f "$PIDFILE"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then log "still up after 15 s; killing"; kill -KILL "$pid" || true; fi
  rm -f "$PIDFILE"
  log "stopped"
}

status() { if running; then echo "running pid $(cat "$PIDFILE") port $PORT"; else echo "stopped"; exit 1; fi; }

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  wait) wait_ready ;;
  *) echo "usage: $0 fetch|start|stop|status|wait" >&2; exit 2 ;;
esac
