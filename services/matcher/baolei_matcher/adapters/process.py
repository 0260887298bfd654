"""The matcher process: connects, replays, elects, matches, snapshots; each part retries on its own.

Start-up, in order: ensure the topics, load the latest snapshot (if any), assign every source
partition at the snapshot's offsets, replay up to the end offsets (needs and resources, then
assignments, then stock), join the leader group. Only then the re-match and snapshot loops run.
The parts are built by bootstrap.py; this module only sequences them.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import deadletter_pb2
from baolei_matcher.adapters import topics as mtopics
from baolei_matcher.adapters.codec import AssignmentRecords
from baolei_matcher.adapters.feed import Feed, Key
from baolei_matcher.adapters.inbound import apply_event
from baolei_matcher.adapters.leader import Elector
from baolei_matcher.adapters.leadership import Leadership
from baolei_matcher.adapters.loops import health_loop, rematch_loop, snapshot_loop
from baolei_matcher.adapters.metrics import MatcherMetrics
from baolei_matcher.adapters.producer import send_quietly
from baolei_matcher.adapters.retry import retrying
from baolei_matcher.domain.snapshot import Snapshot
from baolei_matcher.domain.state import MatcherState
from baolei_matcher.service.ports import Outlet
from baolei_matcher.service.runtime import ACTIVE, STANDBY, STARTING, Runtime
from baolei_matcher.service.snapshots import take_snapshot
from baolei_matcher.service.solve import SolveReport

log = logging.getLogger(__name__)

SOURCES = (topics.NEEDS, topics.ASSIGNMENTS, topics.HOTELS, topics.BUSES, topics.STOCK)
# On start, the needs and resources are read up to the end offsets first, then the assignments
# (each refers to a need written before it), then the stock levels (which reflect holds).
REPLAY_PHASES = ((topics.NEEDS, topics.HOTELS, topics.BUSES), (topics.ASSIGNMENTS,), (topics.STOCK,))


@dataclass(frozen=True)
class Parts:
    """What the process is made of, built by bootstrap.py; nothing here has connected yet."""

    topic: Callable[[str], str]  # logical topic -> the topic's name on this broker
    ensure_topics: Callable[[], Awaitable[dict[str, list[int]]]]  # -> partitions of every source topic
    load_snapshot: Callable[[], Awaitable[tuple[Snapshot, int] | None]]
    new_feed: Callable[[], Feed]
    new_elector: Callable[[Callable[[], None], Callable[[], None]], Elector]  # (on_gain, on_loss)
    start_producer: Callable[[], Awaitable[AIOKafkaProducer]]


class Matcher:
    def __init__(self, rt: Runtime, parts: Parts, on_solve: Callable[[SolveReport], None] | None = None) -> None:
        """`on_solve` is called with every solve's report (its time and status): the hook for
        whatever counts solves."""
        self.rt, self.cfg, self.parts, self.on_solve = rt, rt.config, parts, on_solve
        self.sources = {parts.topic(t): t for t in SOURCES}
        self.assignments_topic = parts.topic(topics.ASSIGNMENTS)
        self.snapshot_topic = parts.topic(mtopics.SNAPSHOTS)
        self.feed = parts.new_feed()
        self.producer: AIOKafkaProducer | None = None
        self.elector: Elector | None = None
        self.leadership = Leadership(rt, lambda: self.feed, self.assignments_topic)
        self.tasks: list[asyncio.Task[None]] = []
        self.metrics: MatcherMetrics | None = None  # set by app.py: lag after each batch, dead letters, failures

    async def run(self) -> None:
        cfg, rt, parts = self.cfg, self.rt, self.parts
        backoff = {"max_s": cfg.kafka_retry_max_s}
        log.info("matcher %s starting on %s (prefix %r)", cfg.app_id, cfg.kafka.bootstrap_servers,
                 cfg.kafka.topic_prefix)
        partitions = await retrying("创建主题 / ensuring topics", parts.ensure_topics, timeout_s=60, **backoff)
        t0 = time.monotonic()
        resume = await self._load_snapshot() if cfg.snapshot_load else None
        log.info("snapshot step done at +%.2f s", time.monotonic() - t0)
        await retrying("连接事件流 / connecting the event feed", lambda: self.feed.start(partitions, resume), **backoff)
        log.info("feed assigned at +%.2f s", time.monotonic() - t0)
        target = await retrying("读取末端偏移 / reading end offsets", self.feed.end_offsets, **backoff)
        if resume is not None and any(resume.get(key, 0) > end for key, end in target.items()):
            log.warning("snapshot is ahead of the log (topics recreated?): replaying from the beginning")
            await self.feed.stop()
            rt.state, rt.snapshot, resume = MatcherState(), {}, None
            self.feed = parts.new_feed()
            await retrying("连接事件流 / connecting the event feed", lambda: self.feed.start(partitions, None),
                           **backoff)
        rt.kafka_up = True
        log.info("feed connected at +%.2f s", time.monotonic() - t0)
        producer = await retrying("连接生产者 / starting the producer", parts.start_producer, **backoff)
        self.producer = producer
        phases = [[parts.topic(t) for t in phase] for phase in REPLAY_PHASES]
        self.feed.hold_back([t for phase in phases[1:] for t in phase])
        self._spawn(self.feed.run(self._on_record, self._after_batch), "feed")
        self._spawn(health_loop(rt, self.feed), "health")
        behind = self.feed.lag(target)
        log.info("replaying %d events %s / 回放中", behind, "after the snapshot" if resume else "from the beginning")
        await self.feed.replay(target, phases)
        rt.replayed = True
        rt.replay = {"events": behind, "seconds": round(time.monotonic() - t0, 2), "from_snapshot": resume is not None}
        st = rt.state
        log.info("replay complete in %.1f s: %d events, %d needs, %d hotels, %d buses, %d stock lines, %d holds",
                 time.monotonic() - t0, behind, len(st.needs), len(st.hotels), len(st.buses), len(st.stock),
                 len(st.holds))
        self.elector = parts.new_elector(self.leadership.on_gain, self.leadership.on_loss)
        await retrying("加入主节点选举 / joining the leader group", self.elector.start, **backoff)
        if rt.role == STARTING:
            rt.role = STANDBY
        self._spawn(self.elector.run(), "elector")
        outlet = Outlet(producer, self.elector, AssignmentRecords(cfg.hold_ttl_s), self.assignments_topic)
        self._spawn(rematch_loop(rt, self.feed, outlet, self.on_solve, self._round_failed), "rematch")
        self._spawn(snapshot_loop(rt, self.write_snapshot), "snapshots")
        await asyncio.gather(*self.tasks)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self.tasks.append(asyncio.create_task(coro, name=name))

    async def _load_snapshot(self) -> dict[Key, int] | None:
        """The state from the latest snapshot, and the offsets to resume at; None: from the beginning."""
        rt = self.rt
        loaded = await retrying("读取快照 / loading the latest snapshot", self.parts.load_snapshot, timeout_s=120,
                                max_s=self.cfg.kafka_retry_max_s)
        if loaded is None:
            return None
        snap, size = loaded
        if any(t not in self.sources for t, _ in snap.offsets):
            log.warning("snapshot names topics this matcher does not read; ignored")
            return None
        rt.state = snap.state
        rt.snapshot = {"loaded_bytes": size, "loaded_taken_at": snap.taken_at.isoformat(),
                       "loaded_needs": len(snap.state.needs), "loaded_holds": len(snap.state.holds)}
        return snap.offsets

    async def stop(self) -> None:
        """Clean stop: a last snapshot if active, leave the group (a standby takes over at once)."""
        if self.rt.role == ACTIVE and self.cfg.snapshot_write and self.producer is not None:
            try:
                await asyncio.wait_for(self.write_snapshot(), 5)
            except Exception as exc:
                log.warning("last snapshot not written: %s", exc)
        self.rt.role = STANDBY
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for closer in (self.elector, self.feed, self.producer):
            if closer is not None:
                try:
                    await asyncio.wait_for(closer.stop(), 10)
                except Exception as exc:
                    log.warning("stopping %s: %s", type(closer).__name__, exc)

    def _on_record(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None) -> None:
        """The feed's one callback: fold the record in; a poison message is dead-lettered by the
        active one, with its cause, and both go on."""
        rt = self.rt
        logical = self.sources[topic]
        rt.events_since_snapshot += 1
        try:
            outcome = apply_event(rt, logical, value or b"")
            if rt.replayed:
                # one line per event is DEBUG: at 100 needs/s INFO lines per event cost ~7 % of the
                # matcher's CPU; each re-match logs a summary at INFO
                log.debug("%s[%d]@%d %s", logical, partition, offset, outcome)
                rt.dirty.set()
        except Exception as exc:
            log.warning("poison message %s[%d]@%d: %s: %s", logical, partition, offset, type(exc).__name__, exc)
            if rt.role == ACTIVE and self.producer is not None:
                dl = deadletter_pb2.DeadLetter(
                    meta=meta(producer="matcher"), source_topic=topic, partition=partition, offset=offset,
                    key=key or b"", value=value or b"", consumer=self.cfg.app_id,
                    error=f"{type(exc).__name__}: {exc}"[:2000])
                asyncio.create_task(send_quietly(self.producer, self.parts.topic(topics.DEADLETTER), key or b"",
                                                 dl.SerializeToString()))
                if self.metrics is not None:
                    self.metrics.dead_letter(topic, exc)

    def _after_batch(self) -> None:
        if self.metrics is not None:
            self.metrics.polled(self.feed)

    def _round_failed(self) -> None:
        if self.metrics is not None:
            self.metrics.failed()

    async def write_snapshot(self) -> None:
        producer = self.producer
        assert producer is not None

        async def send(data: bytes) -> None:
            await producer.send_and_wait(self.snapshot_topic, key=self.cfg.app_id.encode(), value=data)

        await take_snapshot(self.rt, self.feed.next_offset, self.feed.records, send)

    def status(self) -> dict[str, object]:
        """What /readyz says."""
        return self.rt.status(self.feed.records)
