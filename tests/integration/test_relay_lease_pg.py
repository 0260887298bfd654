"""No single stuck process stops publication (issue 20): two replicas of the requests service on one
PostgreSQL, the one holding the outbox relay's advisory lock frozen with SIGSTOP (a long GC pause,
a stalled VM). Its lock is a lease: PostgreSQL ends the frozen session after `outbox_lease_s`, and
the healthy replica publishes the needs it takes meanwhile. Real processes, the real broker and
PostgreSQL; the replicas tell themselves apart in pg_stat_activity by PGAPPNAME."""
from __future__ import annotations

import os
import signal
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from kafka import KafkaConsumer
from sqlalchemy import create_engine, text

from baolei_common import topics
from tests.integration.conftest import free_port, start_service, stop
from tests.integration.test_lifecycle_console_api import OP, city

pytestmark = pytest.mark.integration

LEASE_S = 2.0
PUBLISHED_WITHIN_S = 30.0  # generous: a bound that fails the test, not a timing claim
LOCK_KEY = zlib.crc32(b"outbox")
HOLDER = text("SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
              "WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted")


def _need(h: httpx.Client, i: int) -> str:
    now = datetime.now(timezone.utc)
    r = h.post("/api/needs", headers={**OP, "Idempotency-Key": f"lease-{i}"}, json={
        "kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": 1,
        "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()})
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


@contextmanager
def _replicas(pg_database: str, kafka_settings, tmp_path) -> Iterator[dict[str, tuple[str, object]]]:
    group = f"requests-lease-{uuid.uuid4().hex[:6]}"
    procs = {}
    try:
        for name in ("replica-a", "replica-b"):
            port = free_port()
            env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
                   "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix, "PGAPPNAME": name,
                   "BAOLEI_REQUESTS_DATABASE_URL": pg_database, "BAOLEI_REQUESTS_HTTP_PORT": str(port),
                   "BAOLEI_REQUESTS_CONSUMER_GROUP": group, "BAOLEI_REQUESTS_LIVE_FEED": "false",
                   "BAOLEI_REQUESTS_OUTBOX_LEASE_S": str(LEASE_S)}
            url = f"http://127.0.0.1:{port}"
            procs[name] = (url, start_service("baolei_requests", env, f"{url}/readyz", tmp_path / f"{name}.log"))
        yield procs
    finally:
        for _url, p in procs.values():
            try:
                os.kill(p.pid, signal.SIGCONT)  # never leave a frozen process behind
            except ProcessLookupError:
                pass
            stop(p)


def _freeze_while_holding(engine, proc, name: str, feed: httpx.Client, attempts: int = 400) -> int:
    """SIGSTOP `proc` at a moment it holds the relay's lock (checked again once it is stopped);
    returns the frozen backend's pid. Needs are fed meanwhile so the relays keep taking the lock."""
    with engine.connect() as c:
        for i in range(attempts):
            if i % 20 == 0:
                _need(feed, 10_000 + i)
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                row = c.execute(HOLDER, {"k": LOCK_KEY}).first()
                if row is not None and row[0] == name:
                    os.kill(proc.pid, signal.SIGSTOP)
                    again = c.execute(HOLDER, {"k": LOCK_KEY}).first()
                    if again is not None and again[0] == name and again[1] == row[1]:
                        return int(row[1])
                    os.kill(proc.pid, signal.SIGCONT)  # released before the stop landed: again
                    break
    raise AssertionError(f"{name} was never caught holding the relay's lock in {attempts} attempts")


def _keys_on(bootstrap: str, topic: str, want: set[str], within_s: float) -> set[str]:
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
                      consumer_timeout_ms=1000)
    seen: set[str] = set()
    deadline = time.monotonic() + within_s
    try:
        while time.monotonic() < deadline and not want <= seen:
            for m in c:
                seen.add(m.key.decode())
    finally:
        c.close()
    return seen


def test_a_frozen_lock_holder_does_not_stop_the_other_replica_publishing(pg_database, kafka_settings, tmp_path):
    engine = create_engine(pg_database)
    topic = kafka_settings.topic(topics.NEEDS)
    try:
        with _replicas(pg_database, kafka_settings, tmp_path) as procs:
            (url_a, proc_a), (url_b, _proc_b) = procs["replica-a"], procs["replica-b"]
            with httpx.Client(base_url=url_b, timeout=10) as b:
                city(b)  # type: ignore[arg-type]
                frozen_pid = _freeze_while_holding(engine, proc_a, "replica-a", b)
                # replica A is frozen with the lock: B keeps taking needs, and they must go out
                after = {_need(b, i) for i in range(5)}
                seen = _keys_on(kafka_settings.bootstrap_servers, topic, after, PUBLISHED_WITHIN_S)
                assert after <= seen, f"not published while replica A was frozen: {sorted(after - seen)}"
                with engine.connect() as c:
                    holder = c.execute(HOLDER, {"k": LOCK_KEY}).first()
                    alive = c.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                                      {"p": frozen_pid}).scalar()
                assert holder is None or holder[1] != frozen_pid
                assert alive == 0, "the frozen replica's session should have been ended by its lease"
            os.kill(proc_a.pid, signal.SIGCONT)
            # the woken replica recovers by itself and publishes again
            with httpx.Client(base_url=url_a, timeout=10) as a:
                late = _need(a, 99_999)
            seen = _keys_on(kafka_settings.bootstrap_servers, topic, {late}, PUBLISHED_WITHIN_S)
            assert late in seen
    finally:
        engine.dispose()
