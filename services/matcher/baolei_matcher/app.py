"""The matcher process: folds every event into MatcherState, and re-matches in micro-batches while
it is the active one.

Why it is built on aiokafka directly (no longer Faust): what it has to promise is about the
consumers themselves —
- it starts before the broker and outlives an outage: every connecting step retries with backoff
  (adapters/retry.py), the consumers reconnect by themselves, and /readyz tells the truth meanwhile;
- an active and a standby: both read every partition of every source topic by hand (no group, so
  neither takes partitions from the other); a separate consumer group on a one-partition topic
  elects the active one (adapters/leader.py);
- a bounded restart: each partition resumes at the offset of the latest snapshot of the state
  (domain/snapshot.py, adapters/snapshots.py), not at the beginning of the log.
Faust's agents own their group, its assignment and its offsets, and its worker stops when the
broker is not there at start; these are exactly the parts that had to change.

Everything runs on one event loop; only the solve runs in an executor. Folding a record and
recording its offset happen together between two awaits, so a snapshot taken on the loop is
always the state as of the offsets it names.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import time
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import assignments_pb2, deadletter_pb2, needs_pb2, resources_pb2, stock_pb2
from baolei_matcher import solver as sv
from baolei_matcher.adapters import codec
from baolei_matcher.adapters import topics as mtopics
from baolei_matcher.adapters.feed import Feed, Key, stop_quietly
from baolei_matcher.adapters.leader import Elector
from baolei_matcher.adapters.metrics import MatcherMetrics
from baolei_matcher.adapters.metrics import install as install_metrics
from baolei_matcher.adapters.retry import retrying
from baolei_matcher.adapters.snapshots import load_latest
from baolei_matcher.adapters.topics import SNAPSHOT_MAX_BYTES
from baolei_matcher.config import MatcherConfig
from baolei_matcher.domain import snapshot as snapmod
from baolei_matcher.domain import lanes, wakeups
from baolei_matcher.domain.batch import (
    Pacer,
    cut_off,
    decisions_from,
    groups,
    max_needs_within,
    scenario_for,
    told_cut_off,
)
from baolei_matcher.domain.faster import ask_faster
from baolei_matcher.domain.state import MatcherState, Need, Place

log = logging.getLogger(__name__)

SOURCES = (topics.NEEDS, topics.ASSIGNMENTS, topics.HOTELS, topics.BUSES, topics.STOCK)
# On start, the needs and resources are read up to the end offsets first, then the assignments
# (each refers to a need written before it), then the stock levels (which reflect holds).
REPLAY_PHASES = ((topics.NEEDS, topics.HOTELS, topics.BUSES), (topics.ASSIGNMENTS,), (topics.STOCK,))

# Roles: starting (connecting, replaying) -> standby | taking_over -> active.
STARTING, STANDBY, TAKING_OVER, ACTIVE = "starting", "standby", "taking_over", "active"


class Runtime:
    """Mutable state of one matcher process (touched only on the event loop)."""

    def __init__(self, config: MatcherConfig) -> None:
        self.config = config
        self.state = MatcherState()
        self.dirty = asyncio.Event()
        self.role = STARTING
        self.kafka_up = False
        self.replayed = False  # read up to the end offsets seen at start
        self.catching_up = False  # back from an outage, not yet at the end offsets seen then
        self.resync = False  # a publish failed: re-read the assignments before matching again
        self.in_flight: set[str] = set()  # proposals published, not read back from the log yet
        self.events_since_snapshot = 0
        self.batches = 0
        self.rounds = 0
        self.last_batch_ms = 0.0
        self.pacer = Pacer(max_needs=min(config.max_solve_needs, max_needs_within(config.solve_time_limit_s)))
        self.backlog = 0  # needs taken by the round under way and not solved yet
        self.solved_needs = 0  # needs taken into solves, and of those, needs found unmet before (woken)
        self.retried_needs = 0
        self.started = time.monotonic()
        self.ready_after_s: float | None = None
        self.replay: dict[str, Any] = {}
        self.snapshot: dict[str, Any] = {}
        self.active_since: float | None = None

    @property
    def ready(self) -> bool:
        return self.replayed and self.kafka_up and not self.catching_up and self.role in (STANDBY, ACTIVE)


class _HotelSites:
    """`codec.hold` looks hotel sites up by id; a view of the state instead of a dict per event."""

    def __init__(self, state: MatcherState) -> None:
        self.state = state

    def get(self, hotel_id: str, default: Place) -> Place:
        h = self.state.hotels.get(hotel_id)
        return h.site if h is not None else default


def apply_event(rt: Runtime, logical: str, value: bytes) -> str:
    """Decode one message and fold it into the state. Raises on a message it cannot use."""
    st = rt.state
    if logical == topics.NEEDS:
        ev = needs_pb2.NeedEvent.FromString(value)
        which = ev.WhichOneof("event")
        if which == "submitted":
            st.upsert_need(codec.need(ev))
            return f"need {ev.submitted.need_id} submitted"
        if which == "cancelled":
            st.cancel_need(ev.cancelled.need_id)
            return f"need {ev.cancelled.need_id} cancelled"
        raise ValueError("NeedEvent without a body")
    if logical == topics.ASSIGNMENTS:
        ev = assignments_pb2.AssignmentEvent.FromString(value)
        which = ev.WhichOneof("event")
        if which == "proposed":
            st.add_hold(codec.hold(ev.proposed, _HotelSites(st)))  # type: ignore[arg-type]
            st.unmet.pop(ev.proposed.need_id, None)
            rt.in_flight.discard(ev.proposed.assignment_id)
            return f"proposal {ev.proposed.assignment_id} holds for {ev.proposed.need_id}"
        if which == "confirmed":
            st.confirm(ev.confirmed.assignment_id)
            return f"assignment {ev.confirmed.assignment_id} confirmed"
        if which == "released":
            r = ev.released
            st.exclude(r.need_id, codec.declined(r))
            if r.HasField("faster"):
                ask_faster(st, codec.faster(r))
            st.release(r.assignment_id, r.reason, codec.delivered(r))
            return f"assignment {r.assignment_id} released ({r.reason})"
        if which == "unmet":
            if ev.unmet.need_id in st.needs:
                st.unmet[ev.unmet.need_id] = ev.unmet.code
            return f"need {ev.unmet.need_id} unmet ({ev.unmet.code})"
        raise ValueError("AssignmentEvent without a body")
    if logical == topics.HOTELS:
        h = resources_pb2.HotelRooms.FromString(value)
        if not h.hotel_id:
            raise ValueError("HotelRooms without hotel_id")
        hotel = codec.hotel(h)
        st.changes.add_rooms(h.hotel_id, wakeups.hotel_gain(st.hotels.get(h.hotel_id), hotel))
        st.hotels[h.hotel_id] = hotel
        return f"hotel {h.hotel_id} rooms {dict(st.hotels[h.hotel_id].usable)}"
    if logical == topics.BUSES:
        b = resources_pb2.BusStatus.FromString(value)
        if not b.bus_id:
            raise ValueError("BusStatus without bus_id")
        bus = codec.bus(b)
        if wakeups.bus_gain(st.buses.get(b.bus_id), bus):
            st.changes.buses.add(b.bus_id)
        st.buses[b.bus_id] = bus
        return f"bus {b.bus_id} {'in service' if st.buses[b.bus_id].in_service else 'out of service'}"
    if logical == topics.STOCK:
        s = stock_pb2.StockChanged.FromString(value)
        if not s.sku or not s.warehouse.id:
            raise ValueError("StockChanged without warehouse or sku")
        st.upsert_stock(codec.stock(s), s.cause, s.assignment_id)
        return f"stock {s.warehouse.id}:{s.sku} available {s.available}"
    raise ValueError(f"unexpected topic {logical}")


class Matcher:
    """Connects, replays, elects, matches, snapshots; each part retries on its own."""

    def __init__(self, config: MatcherConfig) -> None:
        self.cfg = config
        self.rt = Runtime(config)
        k = config.kafka
        self.bootstrap = k.bootstrap_servers
        self.sources = {k.topic(t): t for t in SOURCES}
        self.assignments_topic = k.topic(topics.ASSIGNMENTS)
        self.snapshot_topic = k.topic(mtopics.SNAPSHOTS)
        self.feed = Feed(self.bootstrap, list(self.sources), f"{config.app_id}-feed")
        self.producer: AIOKafkaProducer | None = None
        self.elector: Elector | None = None
        self.tasks: list[asyncio.Task] = []
        self._takeover: asyncio.Task | None = None
        self._term = 0  # bumped on every gain or loss of the leader partition
        self.metrics: MatcherMetrics | None = None  # set by adapters.metrics.install

    # --- start-up ---------------------------------------------------------------------------
    async def run(self) -> None:
        cfg, rt, loop = self.cfg, self.rt, asyncio.get_running_loop()
        k = cfg.kafka
        backoff = {"max_s": cfg.kafka_retry_max_s}
        log.info("matcher %s starting on %s (prefix %r)", cfg.app_id, self.bootstrap, k.topic_prefix)
        partitions = await retrying("创建主题 / ensuring topics", lambda: loop.run_in_executor(
            None, mtopics.ensure_all, self.bootstrap, k.topic_prefix), timeout_s=60, **backoff)
        t0 = time.monotonic()
        resume: dict[Key, int] | None = None
        if cfg.snapshot_load:
            loaded = await retrying("读取快照 / loading the latest snapshot", lambda: load_latest(
                self.bootstrap, self.snapshot_topic, cfg.app_id, f"{cfg.app_id}-snapshot"), timeout_s=120, **backoff)
            if loaded is not None:
                snap, size = loaded
                if any(t not in self.sources for t, _ in snap.offsets):
                    log.warning("snapshot names topics this matcher does not read; ignored")
                else:
                    rt.state, resume = snap.state, snap.offsets
                    rt.snapshot = {"loaded_bytes": size, "loaded_taken_at": snap.taken_at.isoformat(),
                                   "loaded_needs": len(snap.state.needs), "loaded_holds": len(snap.state.holds)}
        log.info("snapshot step done at +%.2f s", time.monotonic() - t0)
        await retrying("连接事件流 / connecting the event feed", lambda: self.feed.start(partitions, resume), **backoff)
        log.info("feed assigned at +%.2f s", time.monotonic() - t0)
        target = await retrying("读取末端偏移 / reading end offsets", self.feed.end_offsets, **backoff)
        if resume is not None and any(resume.get(key, 0) > end for key, end in target.items()):
            log.warning("snapshot is ahead of the log (topics recreated?): replaying from the beginning")
            await self.feed.stop()
            rt.state, rt.snapshot = MatcherState(), {}
            self.feed = Feed(self.bootstrap, list(self.sources), f"{cfg.app_id}-feed")
            await retrying("连接事件流 / connecting the event feed", lambda: self.feed.start(partitions, None), **backoff)
        rt.kafka_up = True
        log.info("feed connected at +%.2f s", time.monotonic() - t0)
        self.producer = await retrying("连接生产者 / starting the producer", self._start_producer, **backoff)
        phases = [[k.topic(t) for t in phase] for phase in REPLAY_PHASES]
        self.feed.hold_back([t for phase in phases[1:] for t in phase])
        self.tasks.append(asyncio.create_task(self.feed.run(self._on_record, self._after_batch), name="feed"))
        self.tasks.append(asyncio.create_task(self._health(), name="health"))
        behind = self.feed.lag(target)
        log.info("replaying %d events %s / 回放中", behind, "after the snapshot" if resume else "from the beginning")
        await self.feed.replay(target, phases)
        rt.replayed = True
        rt.replay = {"events": behind, "seconds": round(time.monotonic() - t0, 2), "from_snapshot": resume is not None}
        st = rt.state
        log.info("replay complete in %.1f s: %d events, %d needs, %d hotels, %d buses, %d stock lines, %d holds",
                 time.monotonic() - t0, behind, len(st.needs), len(st.hotels), len(st.buses), len(st.stock),
                 len(st.holds))
        self.elector = Elector(self.bootstrap, k.topic(mtopics.LEADER), f"{cfg.app_id}-leader", f"{cfg.app_id}-leader",
                               session_timeout_ms=cfg.leader_session_timeout_ms, heartbeat_ms=cfg.leader_heartbeat_ms,
                               on_gain=self._on_gain, on_loss=self._on_loss)
        await retrying("加入主节点选举 / joining the leader group", self.elector.start, **backoff)
        if rt.role == STARTING:
            rt.role = STANDBY
        self.tasks.append(asyncio.create_task(self.elector.run(), name="elector"))
        self.tasks.append(asyncio.create_task(self._rematch_loop(), name="rematch"))
        self.tasks.append(asyncio.create_task(self._snapshot_loop(), name="snapshots"))
        await asyncio.gather(*self.tasks)

    async def _start_producer(self) -> AIOKafkaProducer:
        p = AIOKafkaProducer(bootstrap_servers=self.bootstrap, client_id=f"{self.cfg.app_id}-out", acks="all",
                             request_timeout_ms=self.cfg.publish_timeout_ms, linger_ms=0,
                             max_request_size=SNAPSHOT_MAX_BYTES, retry_backoff_ms=250)
        try:
            await p.start()
        except BaseException:
            await stop_quietly(p)
            raise
        return p

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

    # --- the feed -----------------------------------------------------------------------------
    def _on_record(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None) -> None:
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
        except Exception as exc:  # poison: the active one dead-letters it with its cause; both go on
            log.warning("poison message %s[%d]@%d: %s: %s", logical, partition, offset, type(exc).__name__, exc)
            if rt.role == ACTIVE and self.producer is not None:
                dl = deadletter_pb2.DeadLetter(
                    meta=meta(producer="matcher"), source_topic=topic, partition=partition, offset=offset,
                    key=key or b"", value=value or b"", consumer=self.cfg.app_id,
                    error=f"{type(exc).__name__}: {exc}"[:2000])
                asyncio.create_task(self._send_quietly(self.cfg.kafka.topic(topics.DEADLETTER), key or b"",
                                                       dl.SerializeToString()))
                if self.metrics is not None:
                    self.metrics.dead_letter(topic, exc)

    def _after_batch(self) -> None:
        if self.metrics is not None:
            self.metrics.polled(self.feed)

    async def _send_quietly(self, topic: str, key: bytes, value: bytes) -> None:
        try:
            assert self.producer is not None
            await self.producer.send_and_wait(topic, key=key, value=value)
        except Exception as exc:
            log.warning("dead letter not sent: %s", exc)

    async def _health(self) -> None:
        """Is Kafka reachable? After an outage: not ready until the end offsets seen on return are read."""
        rt = self.rt
        catch_up: asyncio.Task | None = None
        while True:
            try:
                ends = await asyncio.wait_for(self.feed.end_offsets(), 3)
                if not rt.kafka_up:
                    log.info("Kafka 已恢复，追赶中 / Kafka is back: catching up to %d events", self.feed.lag(ends))
                    rt.kafka_up, rt.catching_up = True, True
                    catch_up = asyncio.create_task(self._catch_up(ends))
            except asyncio.CancelledError:
                if catch_up is not None:
                    catch_up.cancel()
                raise
            except Exception as exc:
                if rt.kafka_up:
                    log.warning("Kafka 不可达 / Kafka unreachable (%s: %s): not ready until it is back",
                                type(exc).__name__, exc)
                rt.kafka_up = False
            await asyncio.sleep(1.0)

    async def _catch_up(self, ends: dict[Key, int]) -> None:
        t0 = time.monotonic()
        await self.feed.reached(ends)
        self.rt.catching_up = False
        self.rt.state.resources_changed = True  # anything may have changed meanwhile: take all again
        self.rt.dirty.set()
        log.info("caught up after the outage in %.1f s / 已追上", time.monotonic() - t0)

    # --- leadership ---------------------------------------------------------------------------
    def _on_gain(self) -> None:
        self._term += 1
        self.rt.role = TAKING_OVER
        self._takeover = asyncio.create_task(self._take_over(self._term))

    def _on_loss(self) -> None:
        self._term += 1
        self.rt.role = STANDBY  # from now on nothing is published
        self.rt.active_since = None
        if self._takeover is not None:
            self._takeover.cancel()

    async def _take_over(self, term: int) -> None:
        """Before matching, read every proposal the previous active one published: up to the end
        offsets of the assignments topic as of now."""
        t0 = time.monotonic()
        target = await retrying("接管：读取指派末端偏移 / takeover: end offsets of the assignments",
                                lambda: self.feed.end_offsets([self.assignments_topic]),
                                max_s=self.cfg.kafka_retry_max_s)
        await self.feed.reached(target)
        if term != self._term:
            return
        self.rt.role = ACTIVE
        self.rt.active_since = time.time()
        self.rt.state.resources_changed = True
        self.rt.dirty.set()
        log.info("active / 主节点：caught up to the assignments' end offsets in %.0f ms; matching",
                 (time.monotonic() - t0) * 1000)

    # --- matching -----------------------------------------------------------------------------
    async def _rematch_loop(self) -> None:
        rt, cfg = self.rt, self.cfg
        while True:
            await rt.dirty.wait()
            await asyncio.sleep(cfg.batch_window_s)  # gather what arrives within the window
            if rt.resync and rt.kafka_up:
                await self._resync()
            if rt.role != ACTIVE:
                rt.dirty.clear()  # the standby only folds; it is made dirty again on takeover
                continue
            if not rt.ready or rt.resync:
                await asyncio.sleep(0.5)  # Kafka away or catching up: keep the work for later
                continue
            rt.dirty.clear()
            try:
                await self._rematch_once()
            except Exception:
                if self.metrics is not None:
                    self.metrics.failed()
                rt.state.resources_changed = True  # nothing was found out: take everything again
                rt.dirty.set()
                log.exception("re-match failed; will retry on the next change")
                await asyncio.sleep(1.0)

    async def _resync(self) -> None:
        rt = self.rt
        log.warning("发布失败，重读指派 / a publish failed: re-reading the assignments before matching again")
        target = await retrying("重读指派 / re-reading the assignments",
                                lambda: self.feed.end_offsets([self.assignments_topic]),
                                max_s=self.cfg.kafka_retry_max_s)
        await self.feed.reached(target)
        lost = [aid for aid in rt.in_flight if rt.state.drop_hold(aid) is not None]
        rt.in_flight.clear()
        rt.resync = False
        rt.dirty.set()
        if lost:
            log.warning("%d proposals never reached the log; their needs are matched again", len(lost))

    async def _rematch_once(self) -> None:
        """One round: the needs to match (domain/batch.py `groups`: those a dispatcher declined a
        resource for are solved after the others, in a world without what they declined), in
        solves of at most the pacer's size, first answers and oldest first. Each solve's proposals
        hold their resources before the next solve reads the residual world; a need cut off by the
        time limit goes back to the queue at once. Needs arriving meanwhile join the queue (in
        their place by age), so a burst is one round and every solve knows whether a backlog waits."""
        rt = self.rt
        st, pacer = rt.state, rt.pacer
        rt.rounds += 1
        part = 0
        pending: dict[frozenset[str], dict[str, Need]] = {}

        def refill() -> None:
            rt.dirty.clear()
            wake = wakeups.woken(st, st.take_changes(), datetime.now(timezone.utc))
            for exclude, needs in groups(st.batch(wake)):
                pending.setdefault(exclude, {}).update((n.id, n) for n in needs)

        refill()
        try:
            while pending:
                exclude = lanes.next_group(pending, st.unmet)
                group = pending[exclude]
                chunk, _ = pacer.take(pacer.order(group.values(), st.unmet))
                chunk = lanes.one_lane(chunk, st.unmet, pacer.cuts)  # answers alone; woken needs in small solves
                for n in chunk:
                    del group[n.id]
                if not group:
                    del pending[exclude]
                rt.backlog = sum(len(g) for g in pending.values())
                chunk = [n for n in chunk if st.still_open(n)]
                if chunk:
                    part += 1
                    rt.solved_needs += len(chunk)
                    rt.retried_needs += sum(1 for n in chunk if n.id in st.unmet)
                    # only answers waiting make a solve take the whole limit; woken needs do not
                    again = await self._match_group(chunk, exclude, part, lanes.answers_waiting(pending, st.unmet))
                    if again is None:
                        return
                    for n in chunk:
                        if n.id in again:
                            pending.setdefault(exclude, {})[n.id] = n
                if rt.dirty.is_set():
                    refill()
        finally:
            rt.backlog = 0

    async def _match_group(self, todo: list, exclude: frozenset[str], part: int = 1,
                           queued: int = 0) -> set[str] | None:
        """Solve and publish one solve's needs. Returns the needs cut off by the time limit, to be
        solved again (their unmet reason is not published); None when this process may not
        publish (any more)."""
        rt, loop = self.rt, asyncio.get_running_loop()
        st = rt.state
        # The residual world is read on the event loop (a consistent view, no copy of the state: a
        # deep copy of 1,000 holds took 250-400 ms here); only the solve runs in the executor.
        t_read = loop.time()
        now = datetime.now(timezone.utc)
        scenario = scenario_for(st, todo, now.astimezone(ZoneInfo(rt.config.planning_tz)), exclude)
        read_ms = (loop.time() - t_read) * 1000
        t0 = loop.time()
        budget = rt.pacer.budget(todo, rt.config.solve_time_limit_s, queued)
        result = await loop.run_in_executor(None, functools.partial(sv.solve, scenario, time_limit_s=budget))
        decisions = decisions_from(st, todo, scenario, result)
        cut = cut_off(result, decisions)
        again = rt.pacer.after(todo, cut, budget, rt.config.solve_time_limit_s)
        rt.last_batch_ms = (loop.time() - t0) * 1000
        if self.metrics is not None:
            self.metrics.solved(decisions.status, rt.last_batch_ms / 1000)
        assert self.elector is not None and self.producer is not None
        if rt.role != ACTIVE or not await self.elector.lease():
            st.resources_changed = True  # not ours to publish (any more): the next active one takes them
            rt.dirty.set()
            log.info("re-match %s not published: no longer the active matcher / 非主节点，不发布",
                     decisions.solve_id)
            return None
        leased_at = time.monotonic()
        lease_s = min(2.0, self.cfg.leader_session_timeout_ms / 3000)  # a lease older than this is not trusted
        rt.batches += 1
        operators = {b.id: b.operator for b in st.buses.values()}
        sites = {h.id: h.site for h in st.hotels.values()}
        sent: list[tuple[asyncio.Future, str | None, tuple[str, str] | None]] = []
        try:
            for p in decisions.proposals:
                if rt.role != ACTIVE or time.monotonic() - leased_at > lease_s:
                    # revoked meanwhile, or this process was paused since the lease: stop at once
                    st.resources_changed = True
                    rt.dirty.set()
                    break
                ev = codec.proposed(p, solve_id=decisions.solve_id, hold_ttl_s=rt.config.hold_ttl_s, now=now,
                                    bus_operator=operators, kind=p.kind)
                st.add_hold(codec.hold(ev.proposed, sites))  # in flight until read back from the topic
                st.unmet.pop(p.need_id, None)
                rt.in_flight.add(p.assignment_id)
                fut = await self.producer.send(self.assignments_topic, key=p.need_id.encode(),
                                               value=ev.SerializeToString())
                sent.append((fut, p.assignment_id, None))
            of = {n.id: n for n in todo}
            for u in decisions.unmet:
                if rt.role != ACTIVE or time.monotonic() - leased_at > lease_s:
                    break
                if u.need_id in cut and u.need_id not in again:
                    u = told_cut_off(of[u.need_id])  # cut off MAX_CUTS times: say so, not a shortage
                if u.need_id in again or st.unmet.get(u.need_id) == u.code:
                    continue  # cut off: solved again at once; or already told: tried again on the next change
                fut = await self.producer.send(self.assignments_topic, key=u.need_id.encode(),
                                               value=codec.unmet(u, solve_id=decisions.solve_id).SerializeToString())
                sent.append((fut, None, (u.need_id, u.code)))
        except Exception:
            rt.resync = True
            raise
        results = await asyncio.gather(*(f for f, _, _ in sent), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        for r, (_, _, told) in zip(results, sent):
            if told is not None and not isinstance(r, BaseException):
                st.unmet[told[0]] = told[1]
        if failed:
            rt.resync = True
            rt.dirty.set()
            log.warning("re-match %s: %d of %d messages not published (%s)", decisions.solve_id, len(failed),
                        len(sent), failed[0])
        log.info("re-match %s (%s) round %d part %d: %d needs, %d proposed, %d unmet in %.0f ms (budget %.0f ms, "
                 "state read in %.0f ms, %d queued)%s%s",
                 decisions.solve_id, decisions.status, rt.rounds, part, len(todo), len(decisions.proposals),
                 len(decisions.unmet) - len(again), rt.last_batch_ms, budget * 1000, read_ms, queued,
                 f", {len(again)} cut off by the time limit: solved again" if again else "",
                 f", without {sorted(exclude)}" if exclude else "")
        if failed or rt.role != ACTIVE:
            return None
        return again

    # --- snapshots ----------------------------------------------------------------------------
    async def _snapshot_loop(self) -> None:
        rt, cfg = self.rt, self.cfg
        if not cfg.snapshot_write:
            return
        last = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            if rt.role != ACTIVE or not rt.ready or rt.resync:
                continue
            n = rt.events_since_snapshot
            if n >= cfg.snapshot_every_events or (n > 0 and time.monotonic() - last >= cfg.snapshot_interval_s):
                try:
                    await self.write_snapshot()
                except Exception as exc:
                    log.warning("snapshot not written (%s: %s); next try in %.0f s", type(exc).__name__, exc,
                                cfg.snapshot_interval_s)
                last = time.monotonic()

    async def write_snapshot(self) -> None:
        """The state and the offsets it covers, taken together on the loop; encoded off it."""
        rt, loop = self.rt, asyncio.get_running_loop()
        assert self.producer is not None
        t0 = time.perf_counter()
        offsets = dict(self.feed.next_offset)
        doc = snapmod.to_doc(rt.state, offsets, taken_at=datetime.now(timezone.utc), skip_holds=rt.in_flight,
                             events=self.feed.records, info={"app_id": self.cfg.app_id})
        n, rt.events_since_snapshot = rt.events_since_snapshot, 0
        read_ms = (time.perf_counter() - t0) * 1000
        try:
            data = await loop.run_in_executor(None, snapmod.encode, doc)
            await self.producer.send_and_wait(self.snapshot_topic, key=self.cfg.app_id.encode(), value=data)
        except BaseException:
            rt.events_since_snapshot += n
            raise
        ms = (time.perf_counter() - t0) * 1000
        rt.snapshot.update({"written_at": datetime.now(timezone.utc).isoformat(), "written_bytes": len(data),
                            "written_needs": len(doc["needs"]), "written_holds": len(doc["holds"]),
                            "written_ms": round(ms, 1), "written": rt.snapshot.get("written", 0) + 1})
        log.info("snapshot written: %d bytes, %d needs, %d holds, covers %d events since the last one "
                 "(state read %.0f ms, total %.0f ms)", len(data), len(doc["needs"]), len(doc["holds"]), n, read_ms, ms)

    # --- what /readyz says ----------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        rt = self.rt
        return {"ready": rt.ready, "role": rt.role, "kafka": "up" if rt.kafka_up else "down",
                "replayed": rt.replayed, "catching_up": rt.catching_up, "needs": len(rt.state.needs),
                "holds": len(rt.state.holds), "batches": rt.batches, "rounds": rt.rounds, "backlog": rt.backlog,
                "solve_size": rt.pacer.size, "last_batch_ms": round(rt.last_batch_ms, 1), "unmet": len(rt.state.unmet),
                "solved_needs": rt.solved_needs, "retried_needs": rt.retried_needs,
                "active_since": rt.active_since, "ready_after_s": rt.ready_after_s, "replay": rt.replay,
                "snapshot": rt.snapshot, "events": self.feed.records}


def create_app(config: MatcherConfig | None = None) -> FastAPI:
    """The HTTP face (/healthz, /readyz, /state/*) with the matcher running in its lifespan: the
    page answers (not ready) from the first second, while Kafka is still being reached."""
    cfg = config or MatcherConfig()
    matcher = Matcher(cfg)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(matcher.run(), name="matcher")

        def died(t: asyncio.Task) -> None:
            if not t.cancelled() and t.exception() is not None:
                # not ready any more, and out: whatever supervises the process starts it again
                matcher.rt.role = "failed"
                log.critical("matcher stopped: %r; exiting", t.exception(), exc_info=t.exception())
                os.kill(os.getpid(), signal.SIGTERM)

        task.add_done_callback(died)
        try:
            yield
        finally:
            await matcher.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    app = FastAPI(title="baolei matcher", lifespan=lifespan)
    app.state.matcher = matcher
    install_metrics(app, matcher)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        rt = matcher.rt
        if rt.ready and rt.ready_after_s is None:
            rt.ready_after_s = round(time.monotonic() - rt.started, 2)
        return JSONResponse(matcher.status(), status_code=200 if rt.ready else 503)

    @app.get("/state/stock")
    async def stock_view() -> list[dict]:
        """What the matcher believes is available: the inventory's level and what it may still give."""
        st = matcher.rt.state
        free = st.stock_free()
        return [{"warehouse": w, "sku": k, "available": s.available, "free": free[(w, k)]}
                for (w, k), s in sorted(st.stock.items())]

    @app.get("/state/rooms")
    async def rooms_view() -> list[dict]:
        st = matcher.rt.state
        free = st.rooms_free()
        return [{"hotel": h.id, "name": h.name, "operator": h.operator, "usable": h.usable,
                 "free": free[h.id], "open": h.open} for h in st.hotels.values()]

    return app
