"""The matcher's Faust app: thin agents fold events into MatcherState; a micro-batch task re-matches.

`create_app(config)` only builds the app; nothing connects until the worker starts.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import faust

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import assignments_pb2, deadletter_pb2, needs_pb2, resources_pb2, stock_pb2

from baolei_matcher.adapters import codec
from baolei_matcher.adapters.replay import Progress
from baolei_matcher.config import MatcherConfig
from baolei_matcher import solver as sv
from baolei_matcher.domain.batch import decisions_from, scenario_for
from baolei_matcher.domain.state import MatcherState

log = logging.getLogger(__name__)

SOURCES = (topics.NEEDS, topics.ASSIGNMENTS, topics.HOTELS, topics.BUSES, topics.STOCK)


class Runtime:
    """Mutable state of one matcher process (touched only on the event loop)."""

    def __init__(self, config: MatcherConfig) -> None:
        self.config = config
        self.state = MatcherState()
        self.dirty = asyncio.Event()
        self.progress = Progress({})
        self.batches = 0
        self.last_batch_ms = 0.0


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
            sites = {h.id: h.site for h in st.hotels.values()}
            st.add_hold(codec.hold(ev.proposed, sites))
            st.unmet.pop(ev.proposed.need_id, None)
            return f"proposal {ev.proposed.assignment_id} holds for {ev.proposed.need_id}"
        if which == "confirmed":
            st.confirm(ev.confirmed.assignment_id)
            return f"assignment {ev.confirmed.assignment_id} confirmed"
        if which == "released":
            st.release(ev.released.assignment_id)
            return f"assignment {ev.released.assignment_id} released ({ev.released.reason})"
        if which == "unmet":
            st.unmet[ev.unmet.need_id] = ev.unmet.code
            return f"need {ev.unmet.need_id} unmet ({ev.unmet.code})"
        raise ValueError("AssignmentEvent without a body")
    if logical == topics.HOTELS:
        h = resources_pb2.HotelRooms.FromString(value)
        if not h.hotel_id:
            raise ValueError("HotelRooms without hotel_id")
        st.hotels[h.hotel_id] = codec.hotel(h)
        st.resources_changed = True
        return f"hotel {h.hotel_id} rooms {dict(st.hotels[h.hotel_id].usable)}"
    if logical == topics.BUSES:
        b = resources_pb2.BusStatus.FromString(value)
        if not b.bus_id:
            raise ValueError("BusStatus without bus_id")
        st.buses[b.bus_id] = codec.bus(b)
        st.resources_changed = True
        return f"bus {b.bus_id} {'in service' if st.buses[b.bus_id].in_service else 'out of service'}"
    if logical == topics.STOCK:
        s = stock_pb2.StockChanged.FromString(value)
        if not s.sku or not s.warehouse.id:
            raise ValueError("StockChanged without warehouse or sku")
        st.upsert_stock(codec.stock(s), s.cause)
        return f"stock {s.warehouse.id}:{s.sku} available {s.available}"
    raise ValueError(f"unexpected topic {logical}")


def create_app(config: MatcherConfig | None = None, *, group_id: str | None = None) -> tuple[faust.App, Runtime]:
    """The Faust app id is the consumer group; it has no tables or internal topics, so a run may
    use a group of its own (`group_id`) and replay the log from the beginning."""
    cfg = config or MatcherConfig()
    k = cfg.kafka
    app = faust.App(
        group_id or cfg.app_id, broker=f"kafka://{k.bootstrap_servers}", topic_partitions=3, web_port=cfg.web_port,
        web_bind=cfg.web_host, web_host=cfg.web_host, consumer_auto_offset_reset="earliest",
        producer_acks=-1, topic_allow_declare=False, topic_disable_leader=True, store="memory://",
    )
    rt = Runtime(cfg)
    app.baolei_runtime = rt  # type: ignore[attr-defined]
    out = app.topic(k.topic(topics.ASSIGNMENTS), key_type=bytes, value_type=bytes,
                    key_serializer="raw", value_serializer="raw", internal=False)
    dlq = app.topic(k.topic(topics.DEADLETTER), key_type=bytes, value_type=bytes,
                    key_serializer="raw", value_serializer="raw", internal=False)

    def make_agent(logical: str):
        src = app.topic(k.topic(logical), key_type=bytes, value_type=bytes, key_serializer="raw",
                        value_serializer="raw", internal=False)

        async def agent(stream):
            async for event in stream.events():
                msg = event.message
                try:
                    outcome = apply_event(rt, logical, event.value)
                    log.info("%s[%d]@%d %s", logical, msg.partition, msg.offset, outcome)
                    rt.dirty.set()
                except Exception as exc:  # poison: dead-letter with its cause and go on
                    log.warning("dead-lettering %s[%d]@%d: %s: %s", logical, msg.partition, msg.offset,
                                type(exc).__name__, exc)
                    dl = deadletter_pb2.DeadLetter(
                        meta=meta(producer="matcher"), source_topic=msg.topic, partition=msg.partition,
                        offset=msg.offset, key=event.key or b"", value=event.value or b"",
                        consumer=cfg.app_id, error=f"{type(exc).__name__}: {exc}"[:2000])
                    await dlq.send(key=event.key or b"", value=dl.SerializeToString())
                if rt.progress.saw(msg.topic, msg.partition, msg.offset):
                    log.info("replay complete: %d needs, %d hotels, %d buses, %d stock lines, %d holds",
                             len(rt.state.needs), len(rt.state.hotels), len(rt.state.buses),
                             len(rt.state.stock), len(rt.state.holds))

        agent.__name__ = f"on_{logical.replace('.', '_').replace('-', '_')}"
        app.agent(src, name=agent.__name__)(agent)

    for logical in SOURCES:
        make_agent(logical)

    @app.task
    async def rematch() -> None:
        loop = asyncio.get_running_loop()
        while True:
            await rt.dirty.wait()
            await asyncio.sleep(cfg.batch_window_s)  # gather what arrives within the window
            if not rt.progress.caught_up:
                continue
            rt.dirty.clear()
            try:
                await _rematch_once(rt, out, loop)
            except Exception:
                rt.state.resources_changed = True  # nothing was found out: take everything again
                log.exception("re-match failed; will retry on the next change")

    @app.page("/healthz")
    async def healthz(web, request):
        return web.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(web, request):
        ok = rt.progress.caught_up
        return web.json({"ready": ok, "needs": len(rt.state.needs), "holds": len(rt.state.holds),
                         "batches": rt.batches, "last_batch_ms": round(rt.last_batch_ms, 1)},
                        status=200 if ok else 503)

    @app.page("/state/stock")
    async def stock_view(web, request):
        """What the matcher believes is available: the inventory's level and what it may still give."""
        free = rt.state.stock_free()
        return web.json([{"warehouse": w, "sku": k, "available": s.available, "free": free[(w, k)]}
                         for (w, k), s in sorted(rt.state.stock.items())])

    @app.page("/state/rooms")
    async def rooms_view(web, request):
        free = rt.state.rooms_free()
        return web.json([{"hotel": h.id, "name": h.name, "operator": h.operator, "usable": h.usable,
                          "free": free[h.id], "open": h.open} for h in rt.state.hotels.values()])

    return app, rt


def solve_budget(n_needs: int, limit_s: float) -> float:
    """Time for one re-match: a few new needs must come back within a second (the bus stage
    polishes for a share of whatever it is given); a big batch gets up to the configured limit."""
    return min(limit_s, max(0.25, 0.004 * n_needs))


async def _rematch_once(rt: Runtime, out, loop) -> None:
    st = rt.state
    todo = st.batch()
    if not todo:
        return
    # The residual world is read on the event loop (a consistent view, no copy of the state: a
    # deep copy of 1,000 holds took 250-400 ms here); only the solve runs in the executor.
    t_read = loop.time()
    now = datetime.now(timezone.utc)
    scenario = scenario_for(st, todo, now.astimezone(ZoneInfo(rt.config.planning_tz)))
    read_ms = (loop.time() - t_read) * 1000
    t0 = loop.time()
    budget = solve_budget(len(todo), rt.config.solve_time_limit_s)
    result = await loop.run_in_executor(None, functools.partial(sv.solve, scenario, time_limit_s=budget))
    decisions = decisions_from(st, todo, scenario, result)
    rt.last_batch_ms = (loop.time() - t0) * 1000
    rt.batches += 1
    operators = {b.id: b.operator for b in st.buses.values()}
    sites = {h.id: h.site for h in st.hotels.values()}
    for p in decisions.proposals:
        ev = codec.proposed(p, solve_id=decisions.solve_id, hold_ttl_s=rt.config.hold_ttl_s, now=now,
                            bus_operator=operators, kind=p.kind)
        st.add_hold(codec.hold(ev.proposed, sites))  # in flight until read back from the topic
        st.unmet.pop(p.need_id, None)
        await out.send(key=p.need_id.encode(), value=ev.SerializeToString())
    for u in decisions.unmet:
        if st.unmet.get(u.need_id) == u.code:
            continue  # already told; tried again on the next change
        st.unmet[u.need_id] = u.code
        await out.send(key=u.need_id.encode(), value=codec.unmet(u, solve_id=decisions.solve_id).SerializeToString())
    log.info("re-match %s (%s): %d needs, %d proposed, %d unmet in %.0f ms (state read in %.0f ms)",
             decisions.solve_id, decisions.status, len(todo), len(decisions.proposals), len(decisions.unmet),
             rt.last_batch_ms, read_ms)
