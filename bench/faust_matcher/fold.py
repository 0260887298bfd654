"""From table values to the matcher's state, with the aiokafka matcher's own fold
(`baolei_matcher.app.apply_event`, `domain/state.py`): the Faust version keeps events in tables
and folds them into a `MatcherState` when the leader solves, instead of keeping the state itself."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from baolei_common import topics
from baolei_matcher.app import Runtime, apply_event
from baolei_matcher.config import MatcherConfig
from baolei_matcher.domain.state import MatcherState, Place
from bench.faust_matcher import records


def fresh(config: MatcherConfig) -> Runtime:
    return Runtime(config)


def retired(config: MatcherConfig, need_id: str, value: bytes) -> tuple[dict, dict] | None:
    """When a need's events leave it finished (gone from the state), what its done jobs left
    behind: (rooms taken per hotel, per bus (hotel id, arrival)); None while it is open."""
    if not records.has_submission(value):
        return None  # its assignments were read before its submission: not finished, just early
    rt = fresh(config)
    needs, assignments = records.by_source([value])
    for payload in needs:
        apply_event(rt, topics.NEEDS, payload)
    for payload in assignments:
        apply_event(rt, topics.ASSIGNMENTS, payload)
    st = rt.state
    if need_id in st.needs or any(h.need_id == need_id for h in st.holds.values()):
        return None
    return st.rooms_taken, {b: (place.id, at) for b, (place, at) in st.bus_after.items()}


def rebuild(config: MatcherConfig, hotels: Iterable[bytes], buses: Iterable[bytes], needs: Iterable[bytes],
            stock: Iterable[bytes], aggregates: Iterable[tuple[bytes, bytes]],
            in_flight: Mapping[str, bytes]) -> tuple[Runtime, set[str]]:
    """The state as the tables say, plus the proposals published and not read back yet. Returns
    it and the in-flight proposals the tables already hold (no longer in flight)."""
    rt = fresh(config)
    for payload in hotels:
        apply_event(rt, topics.HOTELS, payload)
    for payload in buses:
        apply_event(rt, topics.BUSES, payload)
    rt.in_flight = set(in_flight)
    need_events, assignment_events = records.by_source(needs)
    for payload in need_events:
        apply_event(rt, topics.NEEDS, payload)
    for payload in assignment_events:
        apply_event(rt, topics.ASSIGNMENTS, payload)
    read_back = set(in_flight) - rt.in_flight
    for aid in sorted(rt.in_flight):
        apply_event(rt, topics.ASSIGNMENTS, in_flight[aid])
    for payload in stock:
        apply_event(rt, topics.STOCK, payload)
    _add_retired(rt.state, aggregates)
    rt.state.take_changes()
    return rt, read_back


def _add_retired(st: MatcherState, aggregates: Iterable[tuple[bytes, bytes]]) -> None:
    for key, raw in aggregates:
        name, value = key.decode().split(":", 1)[1], json.loads(raw)
        if key.startswith(b"r"):
            into = st.rooms_taken.setdefault(name, {})
            for t, k in value.items():
                into[t] = into.get(t, 0) + k
            continue
        at, hotel_id = value
        bus = st.buses.get(name)
        free_at = datetime.fromisoformat(at) + timedelta(minutes=bus.turnaround_min if bus else 0)
        hotel = st.hotels.get(hotel_id)
        site = hotel.site if hotel else Place(hotel_id, hotel_id, "", 0.0, 0.0)
        last = st.bus_after.get(name)
        if last is None or free_at > last[1]:
            st.bus_after[name] = (site, free_at)
