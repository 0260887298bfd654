"""Every partition of the matcher's source topics, read with no consumer group.

Why no group: each matcher process, active or standby, must fold every event into its own state;
a group would split the partitions between them. Partitions are assigned by hand and each one
starts where the state's snapshot left it (or at the beginning). `next_offset` is what the state
covers: the offset after the last record folded in, per partition.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger(__name__)

Key = tuple[str, int]
OnRecord = Callable[[str, int, int, bytes | None, bytes | None], None]


async def stop_quietly(client) -> None:
    """Stop an aiokafka client after a failed start; its own cancelled tasks must not cancel us."""
    try:
        await client.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception:
        pass


class Feed:
    def __init__(self, bootstrap: str, topic_names: list[str], client_id: str) -> None:
        self.bootstrap = bootstrap
        self.topic_names = topic_names
        self.client_id = client_id
        self.consumer: AIOKafkaConsumer | None = None
        self.tps: list[TopicPartition] = []
        self.next_offset: dict[Key, int] = {}
        self.records = 0
        self._tick = asyncio.Event()

    async def start(self, partitions: dict[str, list[int]], resume: dict[Key, int] | None) -> None:
        """Connect, assign every partition, and seek each to `resume` (or the beginning)."""
        c = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, client_id=self.client_id, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest", fetch_max_wait_ms=200,
                             max_partition_fetch_bytes=4 * 1024 * 1024, request_timeout_ms=10000,
                             retry_backoff_ms=250, metadata_max_age_ms=30000)
        try:
            await c.start()
        except BaseException:
            await stop_quietly(c)
            raise
        tps = [TopicPartition(t, p) for t in self.topic_names for p in partitions[t]]
        c.assign(tps)
        resume = resume or {}
        fresh = []
        for tp in tps:
            off = resume.get((tp.topic, tp.partition))
            if off is None:
                self.next_offset[(tp.topic, tp.partition)] = 0
                fresh.append(tp)
            else:
                self.next_offset[(tp.topic, tp.partition)] = off
                c.seek(tp, off)
        if fresh:
            await c.seek_to_beginning(*fresh)  # one request for all (one by one took 0.2 s each)
        self.consumer, self.tps = c, tps

    def hold_back(self, topic_names: list[str]) -> None:
        """Stop fetching these topics (their partitions keep their positions) until `go_on`."""
        assert self.consumer is not None
        self.consumer.pause(*[tp for tp in self.tps if tp.topic in topic_names])

    def go_on(self, topic_names: list[str]) -> None:
        assert self.consumer is not None
        self.consumer.resume(*[tp for tp in self.tps if tp.topic in topic_names])

    async def replay(self, target: dict[Key, int], phases: list[list[str]]) -> None:
        """Read up to `target`, one group of topics after the other. Kafka orders nothing across
        topics: read side by side, a need's `done` could be folded before the need itself (which
        would then look open), or a level of stock before the hold it already reflects."""
        for i, phase in enumerate(phases):
            later = [t for p in phases[i + 1:] for t in p]
            if later:
                self.hold_back(later)
            self.go_on(phase)
            await self.reached({k: o for k, o in target.items() if k[0] in phase})
        self.go_on([t for p in phases for t in p])

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()

    async def end_offsets(self, topic_names: list[str] | None = None) -> dict[Key, int]:
        assert self.consumer is not None
        tps = [tp for tp in self.tps if topic_names is None or tp.topic in topic_names]
        return {(tp.topic, tp.partition): o for tp, o in (await self.consumer.end_offsets(tps)).items()}

    async def run(self, on_record: OnRecord, after_batch: Callable[[], None]) -> None:
        """Fold records forever. `on_record` is synchronous, so the state and `next_offset` change
        together, between two awaits: whoever reads them on the loop sees a consistent pair."""
        assert self.consumer is not None
        while True:
            try:
                batches = await self.consumer.getmany(timeout_ms=500, max_records=5000)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the client reconnects by itself; say so, and ask again
                log.warning("feed: %s: %s", type(exc).__name__, exc)
                await asyncio.sleep(1.0)
                continue
            for tp, recs in batches.items():
                key = (tp.topic, tp.partition)
                for r in recs:
                    on_record(tp.topic, tp.partition, r.offset, r.key, r.value)
                    self.next_offset[key] = r.offset + 1
                    self.records += 1
            if batches:
                after_batch()
            self._tick.set()
            self._tick.clear()

    def lag(self, target: dict[Key, int]) -> int:
        return sum(max(0, o - self.next_offset.get(k, 0)) for k, o in target.items())

    async def reached(self, target: dict[Key, int]) -> None:
        """Return once the state covers `target` (end offsets taken earlier) on every partition."""
        assert self.consumer is not None
        while True:
            behind = [k for k, o in target.items() if self.next_offset.get(k, 0) < o]
            if not behind:
                return
            for k in behind:  # nothing left to read there (a compacted or trimmed tail)?
                try:
                    pos = await asyncio.wait_for(self.consumer.position(TopicPartition(*k)), 0.5)
                    self.next_offset[k] = max(self.next_offset.get(k, 0), pos)
                except Exception:  # no position while the broker is away: wait for the next round
                    pass
            if any(self.next_offset.get(k, 0) < target[k] for k in behind):
                try:
                    await asyncio.wait_for(self._tick.wait(), 1.0)
                except TimeoutError:
                    pass
