"""The requests service under the failures of issue 10, on the real broker and PostgreSQL:
a proposal its consumer missed is applied after the fact by reconciliation; a database stall is
retried, not dead-lettered; a burst is shed with 503 and Retry-After, never a 30 s hang."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import assignments_pb2, common_pb2
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import free_port, poll, start_service, stop
from tests.integration.test_lifecycle_console_api import OP, city, raise_need

pytestmark = pytest.mark.integration


def _proposal(need_id: str) -> tuple[str, bytes]:
    aid = f"A-missed-{uuid.uuid4().hex[:6]}"
    ev = assignments_pb2.AssignmentEvent(
        meta=meta(producer="matcher", correlation_id=need_id),
        proposed=assignments_pb2.AssignmentProposed(
            assignment_id=aid, need_id=need_id, solve_id="S-test",
            explanation_zh="测试：补记的匹配结果", explanation_en="test: a proposal applied after the fact",
            room=assignments_pb2.RoomGrant(hotel_id="H-hzb", hotel_operator="投控公司",
                                           rooms=common_pb2.RoomCounts(standard=1))))
    return aid, ev.SerializeToString()


def _skip_to_end(bootstrap: str, topic: str, group: str) -> None:
    """Move the group past everything on the topic: what an older release did when it dead-lettered
    a valid proposal during a database stall."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or [])]
        c.assign(tps)
        ends = c.end_offsets(tps)
        c.commit({tp: OffsetAndMetadata(ends[tp], None, -1) for tp in tps})
    finally:
        c.close()


def test_a_proposal_the_consumer_missed_is_applied_by_reconciliation(kafka_settings, pg_database):
    group = f"requests-{uuid.uuid4().hex[:6]}"
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group=group,
                         inventory_url="http://127.0.0.1:9", reconcile_interval_s=600)
    with TestClient(create_app(cfg)) as c:
        city(c)
        need_id = raise_need(c, OP, people=3)
    topic = kafka_settings.topic(topics.ASSIGNMENTS)
    aid, value = _proposal(need_id)
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers, acks="all")
    producer.send(topic, key=need_id.encode(), value=value).get(timeout=10)
    producer.close()
    _skip_to_end(kafka_settings.bootstrap_servers, topic, group)   # the live consumer will never see it

    with TestClient(create_app(cfg)) as c:                           # restart: reconciliation on start
        need = poll(lambda: (lambda n: n if n["status"] == "proposed" else None)(
            c.get(f"/api/needs/{need_id}", headers=OP).json()), timeout_s=30)
        assert [a["id"] for a in need["assignments"]] == [aid]
        assert c.app.state.reconciler.applied == 1
        # a second pass finds nothing more to do
        assert asyncio.run(c.app.state.reconciler.run_once()) == {"read": 0, "applied": 0}


def test_burst_is_shed_with_503_and_retry_after_then_served(kafka_settings, pg_database, tmp_path):
    """200 concurrent POSTs against a service admitting 4 at once: no request waits 30 s; the
    refused ones say when to retry; after the burst the service answers at once."""
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_REQUESTS_DATABASE_URL": pg_database, "BAOLEI_REQUESTS_HTTP_PORT": str(port),
           "BAOLEI_REQUESTS_CONSUMER_GROUP": f"requests-{uuid.uuid4().hex[:6]}", "BAOLEI_REQUESTS_LIVE_FEED": "false",
           "BAOLEI_REQUESTS_MAX_INFLIGHT": "4", "BAOLEI_REQUESTS_MAX_QUEUED": "8",
           "BAOLEI_REQUESTS_ADMISSION_WAIT_S": "0.5"}
    url = f"http://127.0.0.1:{port}"
    proc = start_service("baolei_requests", env, f"{url}/readyz", tmp_path / "requests.log")
    try:
        with httpx.Client(base_url=url) as h:
            city(h)  # type: ignore[arg-type]
        now = datetime.now(timezone(timedelta(hours=8)))
        body = {"kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": 2,
                "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()}

        async def burst() -> list[tuple[int, float, httpx.Headers]]:
            async with httpx.AsyncClient(base_url=url, timeout=35,
                                         limits=httpx.Limits(max_connections=300)) as a:
                async def one(i: int):
                    t0 = time.monotonic()
                    r = await a.post("/api/needs", json=body,
                                     headers={**OP, "Idempotency-Key": f"burst-{i}"})
                    return r.status_code, time.monotonic() - t0, r.headers
                return await asyncio.gather(*[one(i) for i in range(200)])

        results = asyncio.run(burst())
        codes = [r[0] for r in results]
        assert set(codes) <= {201, 503}, codes
        assert codes.count(503) > 0 and codes.count(201) > 0
        assert max(r[1] for r in results) < 10, "a request waited far longer than the admission limit"
        for code, _, headers in results:
            if code == 503:
                assert int(headers["retry-after-ms"]) >= 500 and int(headers["retry-after"]) >= 1
        # recovered the moment load drops: the refused ones are accepted on retry, once each
        refused = [i for i, r in enumerate(results) if r[0] == 503]
        with httpx.Client(base_url=url, timeout=10) as h:
            for i in refused:
                r = h.post("/api/needs", json=body, headers={**OP, "Idempotency-Key": f"burst-{i}"})
                assert r.status_code == 201, r.text
            again = h.post("/api/needs", json=body, headers={**OP, "Idempotency-Key": "burst-0"})
            assert again.status_code in (200, 201)
            needs = h.get("/api/needs", params={"limit": 1000}, headers=OP).json()
        assert len(needs) == 200
    finally:
        stop(proc)


def test_requests_and_inventory_started_before_the_broker_recover_by_themselves(pg_databases, tmp_path):
    """Both services start while Kafka is down: they serve (a need is accepted with 201 and kept in
    the outbox), say they are not ready, and once the broker is up — without a restart — they are
    ready and the need is on the needs topic."""
    from tests.integration.faults_support import PrivateBroker, broker_port

    broker = PrivateBroker(tmp_path / "kafka", broker_port())
    prefix = f"r{uuid.uuid4().hex[:6]}."
    kafka_env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "BAOLEI_KAFKA_TOPIC_PREFIX": prefix}
    rport, iport = free_port(), free_port()
    procs = []
    try:
        procs.append(_spawn("baolei_requests", {**kafka_env, "BAOLEI_REQUESTS_DATABASE_URL": pg_databases(),
                                                "BAOLEI_REQUESTS_HTTP_PORT": str(rport),
                                                "BAOLEI_REQUESTS_LIVE_FEED": "false"},
                            tmp_path / "requests.log"))
        procs.append(_spawn("baolei_inventory", {**kafka_env, "BAOLEI_INVENTORY_DATABASE_URL": pg_databases(),
                                                 "BAOLEI_INVENTORY_HTTP_PORT": str(iport)},
                            tmp_path / "inventory.log"))
        rurl, iurl = f"http://127.0.0.1:{rport}", f"http://127.0.0.1:{iport}"
        poll(lambda: _status(f"{rurl}/healthz") == 200 and _status(f"{iurl}/healthz") == 200, timeout_s=60)
        assert _status(f"{rurl}/readyz") == 503 and _status(f"{iurl}/readyz") == 503
        with httpx.Client(base_url=rurl, timeout=10) as h:
            city(h)  # type: ignore[arg-type]
            need_id = raise_need(h, OP, people=2)  # type: ignore[arg-type]
        time.sleep(3)  # the relay and consumer fail and retry meanwhile
        broker.start()
        from baolei_common.topics import ensure_topics
        ensure_topics(broker.bootstrap, prefix)
        t0 = time.monotonic()
        poll(lambda: _status(f"{rurl}/readyz") == 200 and _status(f"{iurl}/readyz") == 200, timeout_s=45)
        ready_after = time.monotonic() - t0
        keys = _keys_on(broker.bootstrap, prefix + topics.NEEDS)
        assert need_id.encode() in keys
        assert ready_after < 45
    finally:
        for p in procs:
            stop(p)
        broker.stop()


def _spawn(module: str, env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", module], env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=3).status_code
    except httpx.HTTPError:
        return 0


def _keys_on(bootstrap: str, topic: str) -> set[bytes]:
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                      consumer_timeout_ms=8000, enable_auto_commit=False)
    try:
        return {m.key for m in c}
    finally:
        c.close()


def test_one_idempotency_key_raised_at_once_gives_one_need(kafka_settings, pg_database):
    """A double click: twenty POSTs with one key at the same moment — one need, one 201, the rest
    200 with that need; none fails."""
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group=f"r-{uuid.uuid4().hex[:6]}",
                         inventory_url="http://127.0.0.1:9", live_feed=False)
    with TestClient(create_app(cfg)) as c:
        city(c)
        now = datetime.now(timezone(timedelta(hours=8)))
        body = {"kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": 2,
                "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()}
        barrier = threading.Barrier(20)

        def post(_: int) -> tuple[int, str]:
            barrier.wait()
            for _try in range(60):  # a busy machine may shed one with 503: a client retries with the same key
                r = c.post("/api/needs", json=body, headers={**OP, "Idempotency-Key": "double-click"})
                if r.status_code != 503:
                    break
                time.sleep(int(r.headers.get("Retry-After-Ms", "500")) / 1000)
            return r.status_code, r.json().get("id", r.text)

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(post, range(20)))
        codes = sorted(code for code, _ in results)
        assert codes.count(201) == 1 and codes.count(200) == 19, results
        assert len({nid for _, nid in results}) == 1


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_times_sent_with_an_offset_read_back_as_the_same_instant(kafka_settings, pg_database, tmp_path, database):
    """20:00+08:00 and 12:00Z are one instant, on both databases (SQLite used to keep the wall
    clock and give back 20:00Z); the duplicate check compares instants too."""
    url = pg_database if database == "postgresql" else f"sqlite:///{tmp_path / 'requests.db'}"
    cfg = RequestsConfig(database_url=url, kafka=kafka_settings, consumer_group=f"r-{uuid.uuid4().hex[:6]}",
                         inventory_url="http://127.0.0.1:9", live_feed=False)
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    with TestClient(create_app(cfg)) as c:
        city(c)
        ids = []
        for ready, due in ((f"{tomorrow}T20:00:00+08:00", f"{tomorrow}T23:00:00+08:00"),
                           (f"{tomorrow}T12:00:00Z", f"{tomorrow}T15:00:00Z")):
            r = c.post("/api/needs", headers=OP, json={"kind": "transfer", "site_id": "c-lianhua",
                                                       "risk": "close_contact", "people": 2,
                                                       "ready_at": ready, "due_at": due})
            assert r.status_code == 201, r.text
            ids.append(r.json())
        for posted in ids:
            got = c.get(f"/api/needs/{posted['id']}", headers=OP).json()
            assert datetime.fromisoformat(got["ready_at"]) == datetime.fromisoformat(f"{tomorrow}T12:00:00+00:00")
            assert datetime.fromisoformat(got["due_at"]) == datetime.fromisoformat(posted["due_at"])
        assert ids[1]["duplicate_of"] == ids[0]["id"]  # same site, same window: flagged
