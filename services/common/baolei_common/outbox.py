"""Transactional outbox: an event is written to the database in the same transaction as the change
it describes, and a relay publishes it to Kafka after commit. Nothing accepted is lost if Kafka is
down or the service crashes; at worst an event is sent twice, and consumers dedupe by event id.

Replicas of a service share one database and one outbox: on PostgreSQL each flush takes a
transaction-scoped advisory lock first, so one replica publishes at a time, in id order (events of
one need never overtake each other); the others skip the round. A relay that cannot reach the
broker raises out of `run()` and is started again by `baolei_common.supervise`.

The lock is a lease, bounded in time (issue 20): the claiming transaction sets its own
`idle_in_transaction_session_timeout` (`lease_s`), so a replica frozen while holding it (SIGSTOP, a
long GC pause, a stalled VM) has its session ended by PostgreSQL after `lease_s` and the lock passes
to another replica. Publication is then at-least-once — the frozen replica may send its batch again
when it wakes, and its commit fails — which the consumers absorb: they dedupe by event id.
"""
from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import Integer, LargeBinary, String, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from baolei_common.config import KafkaSettings
from baolei_common.events import utcnow
from baolei_common.timecol import UTCDateTime

log = logging.getLogger(__name__)


class OutboxMixin:
    """Columns of an outbox table; each service maps it on its own declarative base."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


def add_event(session: Session, model: type[Any], topic: str, key: str, message: Any) -> None:
    """Stage one protobuf message for publication, inside the caller's transaction."""
    session.add(model(topic=topic, key=key, payload=message.SerializeToString()))


class OutboxRelay:
    """Publishes unsent outbox rows in id order, then marks them sent."""

    def __init__(self, session_factory: sessionmaker, model: type[Any], kafka: KafkaSettings,
                 *, poll_interval_s: float = 0.2, batch: int = 500, lease_s: float = 5.0) -> None:
        self._sessions = session_factory
        self._lease_ms = max(100, int(lease_s * 1000))
        self._model = model
        self._kafka = kafka
        self._poll = poll_interval_s
        self._batch = batch
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self.published = 0
        self.connected = False
        self._loop: asyncio.AbstractEventLoop | None = None
        bind = session_factory.kw.get("bind")
        self._is_postgres = bind is not None and bind.dialect.name == "postgresql"
        self._lock_key = zlib.crc32(model.__tablename__.encode())

    def wake(self) -> None:
        """Called after a commit so the event goes out without waiting for the next poll; safe from
        a worker thread (a synchronous route), where asyncio.Event.set() would not wake the loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        elif not self._wake.is_set():
            loop.call_soon_threadsafe(self._wake.set)

    def _pending(self) -> list[tuple[int, str, str, bytes]]:
        with self._sessions() as s:
            rows = s.execute(
                select(self._model.id, self._model.topic, self._model.key, self._model.payload)
                .where(self._model.sent_at.is_(None)).order_by(self._model.id).limit(self._batch)
            ).all()
        return [tuple(r) for r in rows]

    def _mark_sent(self, ids: list[int]) -> None:
        with self._sessions.begin() as s:
            s.execute(update(self._model).where(self._model.id.in_(ids)).values(sent_at=utcnow()))

    def _claim(self) -> tuple[Session, list[tuple[int, str, str, bytes]]] | None:
        """PostgreSQL: open a transaction holding the outbox's advisory lock and read the next rows;
        None when another replica holds the lock."""
        s = self._sessions()
        try:
            # the lease: this transaction (and the lock with it) ends after `lease_s` idle, e.g.
            # frozen while publishing; transaction-local, so the pooled connection keeps its defaults
            s.execute(text("SELECT set_config('idle_in_transaction_session_timeout', :ms, true), "
                           "set_config('statement_timeout', :ms, true)"), {"ms": str(self._lease_ms)})
            got = s.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self._lock_key}).scalar()
            if not got:
                s.close()
                return None
            rows = s.execute(
                select(self._model.id, self._model.topic, self._model.key, self._model.payload)
                .where(self._model.sent_at.is_(None)).order_by(self._model.id).limit(self._batch)
            ).all()
            return s, [tuple(r) for r in rows]
        except Exception:
            s.close()
            raise

    @staticmethod
    def _finish(s: Session, model: type[Any], ids: list[int]) -> None:
        try:
            if ids:
                s.execute(update(model).where(model.id.in_(ids)).values(sent_at=utcnow()))
            s.commit()
        finally:
            s.close()

    async def _publish(self, rows: list[tuple[int, str, str, bytes]]) -> None:
        assert self._producer is not None
        futures = [
            await self._producer.send(self._kafka.topic(topic), value=payload, key=key.encode())
            for _, topic, key, payload in rows
        ]
        await asyncio.gather(*futures)

    async def flush_once(self) -> int:
        if self._is_postgres:
            claim = await asyncio.to_thread(self._claim)
            if claim is None:
                return 0
            session, rows = claim
            try:
                if rows:
                    await self._publish(rows)
            except BaseException:
                await asyncio.to_thread(session.close)
                raise
            await asyncio.to_thread(self._finish, session, self._model, [r[0] for r in rows])
        else:
            rows = await asyncio.to_thread(self._pending)
            if rows:
                await self._publish(rows)
                await asyncio.to_thread(self._mark_sent, [r[0] for r in rows])
        self.published += len(rows)
        return len(rows)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._kafka.bootstrap_servers, acks="all", enable_idempotence=True,
            client_id=f"{self._kafka.client_id}-outbox",
        )
        try:
            await self._producer.start()
            self.connected = True
            while True:
                try:
                    while await self.flush_once():
                        pass
                    self.connected = True
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # Kafka or DB hiccup: keep the rows, retry after a pause
                    self.connected = False
                    log.warning("outbox relay failed (%s: %s); retrying in 1 s", type(exc).__name__, str(exc)[:200])
                    await asyncio.sleep(1.0)
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
                except TimeoutError:
                    pass
                self._wake.clear()
        finally:
            self.connected = False
            # bounded: stopping a producer that is still connecting can hang (seen in tests shutting
            # an app down before the broker answered), and a shutdown must end
            try:
                await asyncio.wait_for(self._producer.stop(), timeout=5.0)
            except Exception as exc:  # noqa: BLE001 — a timeout or a broken connection: gone either way
                log.warning("outbox producer did not stop cleanly: %r", exc)
