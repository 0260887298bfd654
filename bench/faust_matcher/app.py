"""The Faust matcher: two agents fold every source event into Faust tables (changelog-backed,
one standby replica), and a leader-only timer (`leader.py`) folds the tables into the matcher's
state and solves with the same solver, publishing to the same assignments topic.

Run: python -m bench.faust_matcher (env BAOLEI_KAFKA_BOOTSTRAP_SERVERS, BAOLEI_KAFKA_TOPIC_PREFIX,
FAUST_MATCHER_APP_ID, FAUST_MATCHER_WEB_PORT; FAUST_MATCHER_GLOBAL_TABLES=1 for GlobalTables). Its
own app id names its group and its changelog topics (`<app id>-needs-changelog`, ...), so it never
meets the real matcher's."""
from __future__ import annotations

import json
import os
from typing import Any

import faust

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_events.v1 import assignments_pb2, needs_pb2
from baolei_matcher.config import MatcherConfig
from bench.faust_matcher import fold, records
from bench.faust_matcher.leader import Leader

# Compacted changelogs that the broker can actually compact during a bench: small segments, rolled
# every minute (the default segment of a week is never cleaned, and recovery would read it all).
CHANGELOG = {"segment.bytes": str(16 * 1024 * 1024), "segment.ms": "60000", "min.cleanable.dirty.ratio": "0.1",
             "delete.retention.ms": "60000"}


def make_app(k: KafkaSettings, app_id: str, web_port: int, global_tables: bool = False) -> faust.App:
    app = faust.App(app_id, broker=f"kafka://{k.bootstrap_servers}", store="memory://", table_standby_replicas=1,
                    topic_partitions=3, broker_session_timeout=6.0, broker_heartbeat_interval=1.0,
                    consumer_auto_offset_reset="earliest", web_port=web_port, web_bind="127.0.0.1",
                    web_in_thread=False, producer_acks=-1, key_serializer="raw", value_serializer="raw",
                    producer_linger=0.02,
                    producer_max_batch_size=1024 * 1024)
    cfg = MatcherConfig(kafka=k)
    names = {t: k.topic(t) for t in (topics.NEEDS, topics.ASSIGNMENTS, topics.HOTELS, topics.BUSES, topics.STOCK)}

    def table(name: str) -> Any:  # bytes in, bytes out: Faust's "raw" codec for keys, values, changelog
        if global_tables:  # every worker holds every partition (the leader solves over all of them)
            return app.GlobalTable(name, partitions=3, extra_topic_configs=CHANGELOG, key_type=bytes,
                                   value_type=bytes, synchronize_all_active_partitions=True)
        return app.Table(name, partitions=3, extra_topic_configs=CHANGELOG, key_type=bytes, value_type=bytes,
                         standby_buffer_size=1)  # a standby applies each change at once (default: 1,000 at a time)

    needs, retired = table("needs"), table("retired")  # retired: JSON bytes
    resources = {names[t]: table(t.split(".")[1]) for t in (topics.HOTELS, topics.BUSES, topics.STOCK)}
    need_topic = app.topic(names[topics.NEEDS], names[topics.ASSIGNMENTS], key_type=bytes, value_type=bytes)
    resource_topic = app.topic(*resources, key_type=bytes, value_type=bytes)
    out = app.topic(names[topics.ASSIGNMENTS], key_type=bytes, value_type=bytes)
    leader = Leader(app, cfg, needs, retired, resources, out, sorted(names.values()), names[topics.ASSIGNMENTS])

    @app.agent(need_topic)
    async def fold_needs(stream: Any) -> None:
        async for event in stream.events():
            m = event.message
            source = records.NEED_EVENT if m.topic == names[topics.NEEDS] else records.ASSIGNMENT_EVENT
            leader.seen(m.topic, m.partition, m.offset)
            before = needs.get(m.key)
            value = records.appended(before, source, m.offset, m.value or b"")
            if value is None:
                continue  # read again after a takeover: kept once
            # only a cancellation or a release finishes a need, or its submission read after them
            late = source == records.NEED_EVENT and before is not None
            gone = fold.retired(cfg, m.key.decode(), value) if late or _may_finish(source, m.value or b"") else None
            if gone is None:
                needs[m.key] = value
                continue
            for key, agg in records.retired_updates(m.partition, *gone, retired.get).items():
                retired[key] = json.dumps(agg).encode()
            if m.key in needs:
                del needs[m.key]

    @app.agent(resource_topic)
    async def fold_resources(stream: Any) -> None:
        async for event in stream.events():
            m = event.message
            leader.seen(m.topic, m.partition, m.offset)
            if m.value is None:
                resources[m.topic].pop(m.key, None)
            else:
                resources[m.topic][m.key] = m.value

    @app.timer(interval=0.5, on_leader=True)
    async def solve() -> None:
        await leader.tick()

    @app.timer(interval=0.2)
    async def readiness() -> None:
        await leader.check_ready()

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        s = leader.status()
        return web.json(s, status=200 if s["ready"] else 503)

    return app


def _may_finish(source: int, value: bytes) -> bool:
    """Is this a cancellation or a released hold (what can take a need out of the state)?"""
    try:
        if source == records.NEED_EVENT:
            return needs_pb2.NeedEvent.FromString(value).WhichOneof("event") == "cancelled"
        return assignments_pb2.AssignmentEvent.FromString(value).WhichOneof("event") == "released"
    except Exception:
        return False


def from_env() -> faust.App:
    k = KafkaSettings()
    return make_app(k, os.environ.get("FAUST_MATCHER_APP_ID", "faust-matcher"),
                    int(os.environ.get("FAUST_MATCHER_WEB_PORT", "6066")),
                    os.environ.get("FAUST_MATCHER_GLOBAL_TABLES", "") == "1")
