"""A Kafka consumer loop for the FastAPI services: one handler call per message, at-least-once.

A message the handler cannot process (undecodable, invalid) goes to the dead-letter topic with its
cause and the original bytes; the loop goes on. Offsets are committed only after the handler (or
the dead-letter write) succeeded, so a crash replays messages; handlers are idempotent by event id.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from sqlalchemy.exc import DBAPIError, OperationalError

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_common.events import meta
from baolei_events.v1 import deadletter_pb2

log = logging.getLogger(__name__)

Handler = Callable[[str, ConsumerRecord], None]


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


class ConsumerLoop:
    """Consumes `logical_topics`, calls `handler(logical_topic, record)` in a worker thread."""

    def __init__(self, kafka: KafkaSettings, logical_topics: list[str], group_id: str,
                 handler: Handler, *, service: str) -> None:
        self._kafka = kafka
        self._by_name = {kafka.topic(t): t for t in logical_topics}
        self._group = group_id
        self._handler = handler
        self._service = service
        self.handled = 0
        self.dead_lettered = 0
        self.ready = asyncio.Event()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            *self._by_name, bootstrap_servers=self._kafka.bootstrap_servers, group_id=self._group,
            enable_auto_commit=False, auto_offset_reset="earliest",
            client_id=f"{self._kafka.client_id}-{self._service}",
        )
        producer = AIOKafkaProducer(bootstrap_servers=self._kafka.bootstrap_servers, acks="all")
        await consumer.start()
        await producer.start()
        self.ready.set()
        try:
            async for record in consumer:
                await self._handle(record, producer)
                await consumer.commit()
        finally:
            self.ready.clear()
            await consumer.stop()
            await producer.stop()

    async def _handle(self, record: ConsumerRecord, producer: AIOKafkaProducer) -> None:
        logical = self._by_name[record.topic]
        delay = 0.5
        while True:
            try:
                await asyncio.to_thread(self._handler, logical, record)
                self.handled += 1
                return
            except (OperationalError, DBAPIError) as exc:
                if not is_transient(exc):
                    await self._dead_letter(record, producer, exc)
                    return
                # the database is down or busy: not the message's fault, so retry, never dead-letter
                log.warning("database unavailable handling %s[%d]@%d (%s); retrying in %.1f s",
                            record.topic, record.partition, record.offset, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            except Exception as exc:  # poison message: dead-letter it with its cause, keep going
                await self._dead_letter(record, producer, exc)
                return

    async def _dead_letter(self, record: ConsumerRecord, producer: AIOKafkaProducer, exc: Exception) -> None:
        log.warning("dead-lettering %s[%d]@%d: %s: %s", record.topic, record.partition,
                    record.offset, type(exc).__name__, exc)
        payload = dead_letter(record, consumer=self._group, error=exc, producer=self._service)
        await producer.send_and_wait(self._kafka.topic(topics.DEADLETTER), payload,
                                     key=record.key or b"")
        self.dead_lettered += 1


def is_transient(exc: Exception) -> bool:
    """Connection loss, lock timeouts, serialization failures: worth retrying."""
    if isinstance(exc, OperationalError):
        return True
    return bool(getattr(exc, "connection_invalidated", False))
