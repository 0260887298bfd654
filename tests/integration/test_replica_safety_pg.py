"""What two replicas of a service on one PostgreSQL must never do twice: expire a hold (two
releases of one assignment) or publish the outbox out of order or concurrently (the relays take an
advisory lock, one at a time, id order). Real PostgreSQL and the real broker; the replicas are
threads with their own engines, which is what two processes are to the database."""
from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from kafka import KafkaConsumer
from sqlalchemy import select

from baolei_common import topics
from baolei_common.events import utcnow
from baolei_common.outbox import OutboxRelay
from baolei_events.v1 import assignments_pb2
from baolei_requests.adapters import db
from baolei_requests.adapters.models import Assignment, Need, Outbox, Site
from baolei_requests.service import decisions
from baolei_requests.service.sql_uow import SqlUnitOfWork

pytestmark = pytest.mark.integration


def _seed(sessions, n: int) -> list[str]:
    """n proposals whose holds expired a minute ago."""
    past = utcnow() - timedelta(minutes=1)
    ids = []
    with sessions.begin() as s:
        s.add(Site(id="c-1", name="莲花北社区", lat=22.55, lon=114.05))
        for i in range(n):
            need = Need(id=f"N-{i}", kind="transfer", site_id="c-1", priority=2, people=2,
                        due_at=utcnow() + timedelta(hours=3), status="proposed")
            s.add(need)
            s.add(Assignment(id=f"A-{i}", need_id=need.id, kind="transfer", status="proposed",
                             hold_expires_at=past, people=2))
            ids.append(f"A-{i}")
    return ids


def test_two_replicas_expiring_at_once_release_each_hold_once(pg_database):
    db.migrate(pg_database)
    replicas = [db.make_sessions(db.make_engine(pg_database, pool_size=2)) for _ in range(2)]
    ids = _seed(replicas[0], 60)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def run(sessions) -> None:
        barrier.wait()
        counts.append(decisions.expire_holds(SqlUnitOfWork(sessions)))

    threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(counts) == len(ids), counts
    with replicas[0]() as s:
        released = Counter()
        for row in s.scalars(select(Outbox).where(Outbox.topic == topics.ASSIGNMENTS)):
            ev = assignments_pb2.AssignmentEvent.FromString(row.payload)
            released[ev.released.assignment_id] += 1
        statuses = set(s.scalars(select(Assignment.status)))
    assert released == Counter({a: 1 for a in ids})
    assert statuses == {"expiring"}


def test_two_relays_on_one_outbox_publish_each_row_once_in_order(pg_database, kafka_settings):
    db.migrate(pg_database)
    makers = [db.make_sessions(db.make_engine(pg_database, pool_size=2)) for _ in range(2)]
    topic = topics.NEEDS
    n = 400
    with makers[0].begin() as s:
        for i in range(n):  # one key: its events must reach the partition in id order
            s.add(Outbox(topic=topic, key="need-1", payload=f"{i:05d}".encode()))

    async def both() -> list[int]:
        relays = [OutboxRelay(m, Outbox, kafka_settings, batch=37) for m in makers]
        tasks = [asyncio.create_task(r.run()) for r in relays]
        for _ in range(300):
            await asyncio.sleep(0.1)
            if sum(r.published for r in relays) >= n:
                break
        await asyncio.sleep(1.0)  # anything sent twice would have gone by now
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return [r.published for r in relays]

    published = asyncio.run(both())
    assert sum(published) == n, published
    c = KafkaConsumer(kafka_settings.topic(topic), bootstrap_servers=kafka_settings.bootstrap_servers,
                      auto_offset_reset="earliest", consumer_timeout_ms=5000, group_id=f"check-{uuid.uuid4().hex[:6]}")
    values = [int(m.value) for m in c]
    c.close()
    assert values == list(range(n))


def _migrate(service: str, url: str) -> None:
    if service == "requests":
        db.migrate(url)
    else:
        from baolei_inventory.adapters.db import make_engine, migrate

        migrate(make_engine(url))


@pytest.mark.parametrize("service", ["requests", "inventory"])
def test_replicas_starting_at_once_on_a_new_database_migrate_it_once(pg_database, service):
    """Four processes of one service start together on an empty database (two uvicorn workers,
    a rolling deploy): one creates the schema, the others wait and find it done."""
    import multiprocessing as mp

    procs = [mp.get_context("spawn").Process(target=_migrate, args=(service, pg_database)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
