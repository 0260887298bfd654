"""The live feed's edge: doorstep-task events followed on Kafka and fanned out to the open streams
of this process. The follower has no consumer group and starts at the latest offset (the pages want
what happens from now on, and no other process's offsets move), so every replica sees every task
change whichever replica, or matching round, made it. Each stream filters for its subscriber
(`service/live.py`); a slow stream loses old events, not new ones."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiokafka import AIOKafkaConsumer

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_volunteers.adapters.proto import decode_task_event

log = logging.getLogger(__name__)


def summary(payload: bytes) -> dict[str, Any]:
    """What the feed knows of one DoorstepTaskEvent (before any subscriber's filter)."""
    ev = decode_task_event(payload)
    return {"task_id": ev.task_id, "community": ev.community, "household_id": ev.household_id, "kind": ev.kind,
            "status": ev.status, "volunteer_id": ev.volunteer_id, "event": ev.WhichOneof("event") or "",
            "seen": time.monotonic()}


class TaskFeed:
    def __init__(self, kafka: KafkaSettings, queue_size: int = 500) -> None:
        self._kafka = kafka
        self._size = queue_size
        self._subs: set[asyncio.Queue[dict[str, Any]]] = set()
        self.ready = asyncio.Event()

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._size)
        self._subs.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[dict[str, Any]]) -> None:
        self._subs.discard(q)

    def publish(self, s: dict[str, Any]) -> None:
        for q in list(self._subs):
            if q.full():
                q.get_nowait()
            q.put_nowait(s)

    async def run(self) -> None:
        """Follow the topic; a follower that fails is replaced after 2 s (readiness false meanwhile)."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("volunteers live feed restarting in 2 s: %s", exc)
                await asyncio.sleep(2)

    async def _follow(self) -> None:
        name = self._kafka.topic(topics.DOORSTEP_TASKS)
        consumer = AIOKafkaConsumer(bootstrap_servers=self._kafka.bootstrap_servers, group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="latest",
                                    client_id=f"{self._kafka.client_id}-volunteers-live")
        try:
            await consumer.start()
            consumer.subscribe([name])
            for _ in range(300):  # the end offsets resolved now: nothing after "ready" is missed
                if consumer.assignment():
                    break
                await asyncio.sleep(0.1)
            if not consumer.assignment():
                raise RuntimeError(f"no partitions of {name}; run ensure_topics")
            for tp in consumer.assignment():
                await consumer.position(tp)
            self.ready.set()
            async for record in consumer:
                try:
                    s = summary(record.value)
                except Exception as exc:  # undecodable: not for the pages (consumers dead-letter theirs)
                    log.warning("volunteers live feed skipped %s@%d: %s", record.topic, record.offset, exc)
                    continue
                if self._subs:
                    self.publish(s)
        finally:
            self.ready.clear()
            await consumer.stop()
