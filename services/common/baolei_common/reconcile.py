"""Reconciliation: make a service's database agree with the assignments log.

The consumer never commits past an event it has not applied, but an event can still have been
skipped: dead-lettered by an older release during a database stall, or lost to a restored backup.
Then a proposal sits on Kafka while the database never heard of it — its need stays "submitted",
and the rooms, seats and stock it holds are never released. On start and periodically this pass
reads the log up to the offsets the service's consumer group has committed (what follows is the
live consumer's job), finds the events whose ids the database has not processed, and applies them
through the same idempotent handler. It never commits offsets.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from baolei_common.config import KafkaSettings
from baolei_common.consumer import BatchHandler
from baolei_events.v1 import assignments_pb2

log = logging.getLogger(__name__)

ProcessedIds = Callable[[Iterable[str]], set[str]]


def event_id(record: ConsumerRecord) -> str | None:
    try:
        return assignments_pb2.AssignmentEvent.FromString(record.value or b"").meta.event_id or None
    except Exception:  # poison: the live consumer dead-letters it
        return None


class Reconciler:
    def __init__(self, kafka: KafkaSettings, logical_topic: str, group_id: str, handler: BatchHandler,
                 processed_ids: ProcessedIds, *, service: str, batch: int = 500,
                 relevant: Callable[[ConsumerRecord], bool] | None = None) -> None:
        self._kafka = kafka
        self._logical = logical_topic
        self._topic = kafka.topic(logical_topic)
        self._group = group_id
        self._handler = handler
        self._processed = processed_ids
        self._relevant = relevant  # events the service records at all (default: every one)
        self._service = service
        self._batch = batch
        self._checkpoint: dict[int, int] = {}
        self.passes = 0
        self.applied = 0
        self.last: dict[str, int] = {}

    async def run_once(self) -> dict[str, int]:
        """One pass; returns what it read and applied."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self._kafka.bootstrap_servers, group_id=self._group,
                                    enable_auto_commit=False, auto_offset_reset="earliest",
                                    client_id=f"{self._kafka.client_id}-{self._service}-reconcile")
        read = applied = 0
        try:
            await consumer.start()
            cluster = await consumer._client.fetch_all_metadata()  # the consumer's own cache knows no topics yet
            parts = cluster.partitions_for_topic(self._topic) or set()
            if not parts:
                raise RuntimeError(f"topic {self._topic} has no partitions (not created yet?)")
            tps = [TopicPartition(self._topic, p) for p in sorted(parts)]
            consumer.assign(tps)
            for tp in tps:
                target = await consumer.committed(tp) or 0
                start = self._checkpoint.get(tp.partition, 0)
                if target <= start:
                    continue
                consumer.seek(tp, start)
                while await consumer.position(tp) < target:
                    got = await consumer.getmany(tp, timeout_ms=2000, max_records=self._batch)
                    records = [r for r in got.get(tp, []) if r.offset < target]
                    if not got:
                        break
                    read += len(records)
                    applied += await self._apply_missing(records)
                self._checkpoint[tp.partition] = target
        finally:
            await consumer.stop()
        self.passes += 1
        self.applied += applied
        self.last = {"read": read, "applied": applied}
        if applied:
            log.warning("reconciliation applied %d event(s) of %s the consumer had missed (%d read)",
                        applied, self._topic, read)
        else:
            log.info("reconciliation: %d event(s) of %s read, database agrees", read, self._topic)
        return self.last

    async def _apply_missing(self, records: Sequence[ConsumerRecord]) -> int:
        ids = {r.offset: event_id(r) for r in records}
        known = await asyncio.to_thread(self._processed, [i for i in ids.values() if i])
        missing = [r for r in records if ids[r.offset] and ids[r.offset] not in known
                   and (self._relevant is None or self._relevant(r))]
        if not missing:
            return 0
        results = await asyncio.to_thread(self._handler, self._logical, missing)
        for r, err in zip(missing, results, strict=True):
            if err is not None:
                log.warning("reconciliation could not apply %s[%d]@%d: %s", r.topic, r.partition, r.offset, err)
        return sum(1 for err in results if err is None)
