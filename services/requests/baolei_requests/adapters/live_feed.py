"""An in-process broadcaster and the Kafka fan-out consumer feeding it.

Each process reads the followed topics with its own consumer (no consumer group, so no offsets
are committed and no other process is affected), starting from the latest offset: the console
wants what happens from now on. Local changes (a commit in a route, an assignment event applied by
the service's own consumer) are also announced, so the console never shows a state older than the
database.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_requests.adapters.live_audience import Audience
from baolei_requests.adapters.live_events import public, summarise, visible

log = logging.getLogger(__name__)

FOLLOWED = [topics.NEEDS, topics.ASSIGNMENTS, topics.HOTELS, topics.BUSES, topics.STOCK, topics.PRICE_ALERTS,
            topics.ASKS]


class Broadcaster:
    """Fan-out of summaries to subscriber queues; a slow subscriber loses old events, not new ones.

    Every summary first gets its audience (whose it is, adapters/live_audience.py) in one task, in order,
    then each subscriber receives those its role and organisation may see."""

    def __init__(self, queue_size: int = 500, audience: Audience | None = None) -> None:
        self._subs: set[asyncio.Queue] = set()
        self._size = queue_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue | None = None
        self.audience = audience or Audience()
        self.sent = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._inbox = asyncio.Queue(10 * self._size)

    async def run(self) -> None:
        """Annotate and fan out what was published, in order (started by the app's lifespan)."""
        assert self._inbox is not None, "bind() first"
        while True:
            summary = await self._inbox.get()
            if self._subs:
                self._fan_out(await self.audience.annotate(summary))

    def _fan_out(self, summary: dict) -> None:
        for q in list(self._subs):
            if q.full():
                q.get_nowait()
            q.put_nowait(summary)
        self.sent += 1

    def publish(self, summary: dict) -> None:
        """From the event loop. Nothing is kept while nobody listens."""
        if not self._subs or self._inbox is None:
            return
        if self._inbox.full():
            self._inbox.get_nowait()
        self._inbox.put_nowait(summary)

    def publish_threadsafe(self, summary: dict) -> None:
        """From a worker thread (the consumer handler, a sync route)."""
        if self._subs and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.publish, summary)

    async def stream(self, role: str, organisation: str, kind: str = "",
                     heartbeat_s: float = 15.0) -> AsyncIterator[str]:
        """SSE frames for one subscriber until it goes away: only what its role and organisation
        may see (summaries.visible)."""
        q: asyncio.Queue = asyncio.Queue(self._size)
        self._subs.add(q)
        try:
            yield "retry: 2000\nevent: hello\ndata: {}\n\n"
            while True:
                try:
                    summary = await asyncio.wait_for(q.get(), timeout=heartbeat_s)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if visible(role, organisation, summary, kind):
                    yield f"event: update\ndata: {json.dumps(public(summary), ensure_ascii=False)}\n\n"
        finally:
            self._subs.discard(q)


class KafkaFanout:
    """Reads the followed topics from latest and publishes each summary."""

    def __init__(self, kafka: KafkaSettings, broadcaster: Broadcaster) -> None:
        self._kafka = kafka
        self._out = broadcaster
        self._by_name = {kafka.topic(t): t for t in FOLLOWED}
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Follow the topics; a consumer that could not get its partitions is replaced by a new
        one (readiness stays false meanwhile and the log says why) instead of the feed dying."""
        while True:
            try:
                await self._run_once()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("live feed restarting in 2 s: %s", exc)
                await asyncio.sleep(2)

    async def _run_once(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self._kafka.bootstrap_servers, group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="latest",
                                    client_id=f"{self._kafka.client_id}-requests-live")
        try:
            await consumer.start()
            consumer.subscribe(list(self._by_name))  # without a group: every partition, no commits
            await self._await_assignment(consumer)
            self.ready.set()
            async for record in consumer:
                try:
                    summary = summarise(self._by_name[record.topic], record.value)
                except Exception as exc:  # undecodable: the service consumers dead-letter it
                    log.warning("live feed skipped %s@%d: %s", record.topic, record.offset, exc)
                    continue
                if summary is not None:
                    self._out.publish(summary)
        finally:
            self.ready.clear()
            await consumer.stop()

    async def _await_assignment(self, consumer: AIOKafkaConsumer) -> None:
        """Resolve the end offsets of every partition now, so nothing after "ready" is missed."""
        for _ in range(300):
            parts = consumer.assignment()
            if {tp.topic for tp in parts} >= set(self._by_name):
                for tp in parts:
                    await consumer.position(tp)
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"live feed got no partitions of {sorted(self._by_name)}; run ensure_topics")
