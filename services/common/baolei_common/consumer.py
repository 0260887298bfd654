"""A Kafka consumer loop for the FastAPI services: at-least-once, in batches, never past an event
it has not applied.

Only a message that cannot be used — undecodable, invalid — goes to the dead-letter topic, with its
cause and the original bytes. A database or network failure is not the message's fault: the batch
is retried with backoff (it was rolled back whole) and offsets are not committed until it is
applied, so a crash or a stop replays it; handlers are idempotent by event id. A loop that loses
the broker raises, and `baolei_common.supervise` starts a fresh one.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from sqlalchemy import exc as sa_exc

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_common.events import meta
from baolei_common.metrics import Metrics, lag_by_topic
from baolei_events.v1 import deadletter_pb2

log = logging.getLogger(__name__)

Handler = Callable[[str, ConsumerRecord], None]
# Applies records of one topic in order; returns, per record, None (applied) or the exception that
# makes it poison. Raises (and applies nothing) on a transient failure.
BatchHandler = Callable[[str, Sequence[ConsumerRecord]], list[BaseException | None]]


def dead_letter(record: ConsumerRecord, *, consumer: str, error: BaseException, producer: str) -> bytes:
    """The DeadLetter bytes for a record that could not be handled."""
    return deadletter_pb2.DeadLetter(
        meta=meta(producer=producer),
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key or b"",
        value=record.value or b"",
        consumer=consumer,
        error=f"{type(error).__name__}: {error}"[:2000],
    ).SerializeToString()


def is_transient(exc: BaseException) -> bool:
    """Worth retrying, never dead-lettering: the database is down, busy, locked or out of
    connections (pool timeout), a lock or serialization conflict, a unique key taken by a
    concurrent replica handling the same event (the retry finds it processed)."""
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                        sa_exc.DisconnectionError, sa_exc.IntegrityError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return bool(getattr(exc, "connection_invalidated", False))


def per_record(handler: Handler) -> BatchHandler:
    """A batch handler from a one-record handler: each record in its own transaction."""
    def handle(logical: str, records: Sequence[ConsumerRecord]) -> list[BaseException | None]:
        out: list[BaseException | None] = []
        for r in records:
            try:
                handler(logical, r)
                out.append(None)
            except Exception as exc:
                if is_transient(exc):
                    raise
                out.append(exc)
        return out
    return handle


def _by_topic(batches: dict[TopicPartition, list[ConsumerRecord]]) -> dict[str, list[ConsumerRecord]]:
    """A poll's records by topic, each partition's in order (partitions one after the other)."""
    out: dict[str, list[ConsumerRecord]] = {}
    for tp, records in batches.items():
        out.setdefault(tp.topic, []).extend(records)
    return out


class ConsumerLoop:
    """Consumes `logical_topics` with group `group_id`; hands each poll's records of a topic (each
    partition's in order) to the handler in a worker thread; dead-letters poison; commits after the
    batch is applied."""

    def __init__(self, kafka: KafkaSettings, logical_topics: list[str], group_id: str,
                 handler: Handler | None = None, *, service: str, batch_handler: BatchHandler | None = None,
                 max_records: int = 200, session_timeout_ms: int = 10_000,
                 commit_every_s: float = 1.0) -> None:
        if (handler is None) == (batch_handler is None):
            raise ValueError("give exactly one of handler and batch_handler")
        self._kafka = kafka
        self._by_name = {kafka.topic(t): t for t in logical_topics}
        self._group = group_id
        self._batch = batch_handler or per_record(handler)  # type: ignore[arg-type]
        self._service = service
        self._max_records = max_records
        self._session_timeout_ms = session_timeout_ms
        # offsets are committed at most this often (and when the topic goes quiet), not after every
        # batch: a commit is a broker round trip the next batch waited for (p95 0.3 s on a busy
        # machine, issue 20's status lag); a crash replays at most this much, deduped by event id
        self._commit_every_s = commit_every_s
        self.handled = 0
        self.dead_lettered = 0
        self.retries = 0
        self.behind_s = 0.0  # age of the newest record of the last batch applied; 0 when nothing is waiting
        self.ready = asyncio.Event()
        self.metrics: Metrics | None = None  # set by `Metrics.attach`: lag per poll, dead letters

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            *self._by_name, bootstrap_servers=self._kafka.bootstrap_servers, group_id=self._group,
            enable_auto_commit=False, auto_offset_reset="earliest",
            client_id=f"{self._kafka.client_id}-{self._service}",
            session_timeout_ms=self._session_timeout_ms, heartbeat_interval_ms=self._session_timeout_ms // 4,
        )
        producer = AIOKafkaProducer(bootstrap_servers=self._kafka.bootstrap_servers, acks="all",
                                    client_id=f"{self._kafka.client_id}-{self._service}-dlq")
        try:
            await consumer.start()
            await producer.start()
            self.ready.set()
            uncommitted, committed_at = False, time.monotonic()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self._max_records)
                if self.metrics is not None:
                    self.metrics.set_lag(self._group, lag_by_topic(consumer, [
                        (tp, await consumer.position(tp)) for tp in consumer.assignment()
                        if consumer.highwater(tp) is not None]))
                if not batches:
                    self.behind_s = 0.0
                # one handler call (one transaction) per topic, not per partition: a poll often
                # brings a few records from each of three partitions, and each call was a commit
                # (an fsync) and a thread hop the next partition's outcomes waited for (issue 20's
                # status lag); each partition's records stay in their order
                for topic, records in _by_topic(batches).items():
                    await self._apply(topic, records, producer)
                    uncommitted = True
                if uncommitted and (not batches or time.monotonic() - committed_at >= self._commit_every_s):
                    await consumer.commit()
                    uncommitted, committed_at = False, time.monotonic()
        finally:
            self.ready.clear()
            await consumer.stop()
            await producer.stop()

    async def _apply(self, topic: str, records: list[ConsumerRecord], producer: AIOKafkaProducer) -> None:
        logical = self._by_name[topic]
        delay = 0.2
        while True:
            try:
                results = await asyncio.to_thread(self._batch, logical, records)
                break
            except Exception as exc:
                if not is_transient(exc):
                    raise  # a bug in the handler itself: stop, be restarted, replay (nothing committed)
                self.retries += 1
                log.warning("transient failure applying %d record(s) of %s from %s[%d]@%d (%s: %s); "
                            "retrying in %.1f s, nothing committed", len(records), topic, records[0].topic,
                            records[0].partition, records[0].offset, type(exc).__name__, str(exc)[:200], delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        now = time.time()
        self.behind_s = max(0.0, now - max(r.timestamp for r in records) / 1000)
        if self.metrics is not None:
            self.metrics.applied(topic, self._group, (max(0.0, now - r.timestamp / 1000) for r in records))
        for record, error in zip(records, results, strict=True):
            if error is None:
                self.handled += 1
            else:
                await self._dead_letter(record, producer, error)

    async def _dead_letter(self, record: ConsumerRecord, producer: AIOKafkaProducer, exc: BaseException) -> None:
        log.warning("dead-lettering %s[%d]@%d: %s: %s", record.topic, record.partition,
                    record.offset, type(exc).__name__, exc)
        payload = dead_letter(record, consumer=self._group, error=exc, producer=self._service)
        await producer.send_and_wait(self._kafka.topic(topics.DEADLETTER), payload,
                                     key=record.key or b"")
        self.dead_lettered += 1
        if self.metrics is not None:
            self.metrics.dead_letter(record.topic, exc)
