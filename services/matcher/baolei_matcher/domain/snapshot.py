"""A snapshot of the matcher's state, so a start replays only what came after it.

Why: rebuilding the state from the beginning of the needs and assignments logs grows with the
outbreak (a month is a million events or more); the state itself is only what is open. A snapshot is
the state as of given offsets of every source partition: load it, resume each partition from its
offset, and the result is the same as a full replay. It is compact JSON compressed with zlib (no
pickle: a snapshot is data another process, or a later version, reads), with a format version.

Holds the matcher has proposed but not yet read back from the log are not part of a snapshot: they
are after its offsets, and the replay brings them back.

Pure: no Kafka here; the adapter decides where the bytes go (a compacted topic).
"""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, overload

from baolei_common.rooms import Rooms
from baolei_matcher.domain.entities import Bus, Hold, Hotel, Need, Pick, Place, Stock, Stop, Trip
from baolei_matcher.domain.occupancy import Stay
from baolei_matcher.domain.state import MatcherState

FORMAT = 1
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US = timedelta(microseconds=1)


@dataclass
class Snapshot:
    state: MatcherState
    offsets: dict[tuple[str, int], int]  # (topic, partition) -> next offset to read
    taken_at: datetime
    events: int = 0  # events folded into the state since the process started (informative)
    info: dict[str, Any] = field(default_factory=dict)


@overload
def _t(d: datetime) -> int: ...
@overload
def _t(d: None) -> None: ...
def _t(d: datetime | None) -> int | None:
    return None if d is None else (d - EPOCH) // US


@overload
def _d(n: int) -> datetime: ...
@overload
def _d(n: None) -> None: ...
def _d(n: int | None) -> datetime | None:
    return None if n is None else EPOCH + n * US


class _Places:
    """Places are shared by many needs, holds and buses: written once, referred to by index."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []
        self._index: dict[Place, int] = {}

    def ref(self, p: Place) -> int:
        i = self._index.get(p)
        if i is None:
            i = self._index[p] = len(self.rows)
            self.rows.append([p.id, p.name, p.district, p.lat, p.lon])
        return i


def _trip(t: Trip, pl: _Places) -> list[Any]:
    return [t.bus_id, _t(t.start_at), [[pl.ref(s.site), _t(s.at), [list(x) for x in s.load]] for s in t.stops],
            t.hotel_id, pl.ref(t.hotel_site), _t(t.arrive_at)]


def _progress(n: Need) -> list[dict[str, Any]]:
    """A need's deliveries and exclusions, as an optional 13th column (absent when there are none,
    and in snapshots written before they were kept)."""
    extra: dict[str, Any] = {}
    if n.delivered_people:
        extra["delivered_people"] = n.delivered_people
    if n.delivered_lines:
        extra["delivered_lines"] = n.delivered_lines
    if n.rooms_done.total():
        extra["rooms_done"] = n.rooms_done.as_dict()
    if n.excluded:
        extra["excluded"] = sorted(n.excluded)
    if n.time_weight != 1.0 or n.only_bus:
        extra["faster"] = [n.time_weight, n.only_bus, sorted(n.narrowed)]
    return [extra] if extra else []


def to_doc(state: MatcherState, offsets: dict[tuple[str, int], int], *, taken_at: datetime,
           skip_holds: Iterable[str] = (), events: int = 0, info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state as a JSON-ready dict. `skip_holds`: holds not on the log yet (in flight)."""
    skip = set(skip_holds)
    pl = _Places()
    needs = [[n.id, n.kind, pl.ref(n.site), n.priority, _t(n.due_at), _t(n.submitted_at), n.risk, n.people,
              n.rooms.as_dict(), _t(n.ready_at), n.lines, int(n.cancelled) | (2 * int(n.closed)), *_progress(n)]
             for n in state.needs.values()]
    hotels = [[h.id, h.name, h.operator, pl.ref(h.site), sorted(h.accepts), h.usable.as_dict(), _t(h.open_at), h.open]
              for h in state.hotels.values()]
    buses = [[b.id, b.operator, pl.ref(b.depot), b.seats, b.load_limit, _t(b.shift_start), _t(b.shift_end),
              b.turnaround_min, b.in_service, b.plate] for b in state.buses.values()]
    stock = [[pl.ref(s.warehouse), s.operator, s.sku, s.available] for s in state.stock.values()]
    holds = [[h.assignment_id, h.need_id, h.status, h.hotel_id, h.rooms.as_dict(), [_trip(t, pl) for t in h.trips],
              [[p.warehouse_id, p.sku, p.quantity, p.operator, p.reflected] for p in h.picks], h.people]
             for h in state.holds.values() if h.assignment_id not in skip]
    bus_after = {b: [pl.ref(w), _t(at)] for b, (w, at) in state.bus_after.items()}
    return {"format": FORMAT, "taken_at": _t(taken_at), "events": events, "info": info or {},
            "offsets": [[t, p, o] for (t, p), o in sorted(offsets.items())],
            "places": pl.rows, "needs": needs, "hotels": hotels, "buses": buses, "stock": stock,
            "holds": holds, "unmet": dict(state.unmet),
            "rooms_taken": {h: v.as_dict() for h, v in state.rooms_taken.items()},
            "bus_after": bus_after, "stays": _stays(state)}


def _stays(state: MatcherState) -> dict[str, Any]:
    occ = state.occupancy
    return {"stays": [[sid, s.hotel_id, s.rooms.as_dict(), s.people, _t(s.until), s.cleaning_h]
                      for sid, s in occ.stays.items()],
            "cleaning": [[h, _t(t), r.as_dict()] for h, batches in occ.cleaning.items() for t, r in batches]}


def from_doc(doc: dict[str, Any]) -> Snapshot:
    if doc.get("format") != FORMAT:
        raise ValueError(f"snapshot format {doc.get('format')!r}, this matcher reads {FORMAT}")
    places = [Place(i, n, d, la, lo) for i, n, d, la, lo in doc["places"]]
    st = MatcherState()
    for row in doc["needs"]:
        nid, kind, site, prio, due, sub, risk, people, rooms, ready, lines, flags = row[:12]
        extra = row[12] if len(row) > 12 else {}  # written since partial deliveries and declines are kept
        st.needs[nid] = Need(nid, kind, places[site], prio, _d(due), _d(sub), risk, people, Rooms.from_mapping(rooms),
                             _d(ready), lines,
                             cancelled=bool(flags & 1), closed=bool(flags & 2),
                             delivered_people=extra.get("delivered_people", 0),
                             delivered_lines=dict(extra.get("delivered_lines", {})),
                             rooms_done=Rooms.from_mapping(extra.get("rooms_done", {})),
                             excluded=set(extra.get("excluded", [])))
        if "faster" in extra:
            weight, bus, narrowed = extra["faster"]
            st.needs[nid].time_weight, st.needs[nid].only_bus, st.needs[nid].narrowed = weight, bus, set(narrowed)
    for hid, name, op, site, accepts, usable, open_at, is_open in doc["hotels"]:
        st.hotels[hid] = Hotel(hid, name, op, places[site], frozenset(accepts), Rooms.from_mapping(usable), _d(open_at),
                               is_open)
    for bid, op, depot, seats, load, s0, s1, turn, in_service, plate in doc["buses"]:
        st.buses[bid] = Bus(bid, op, places[depot], seats, load, _d(s0), _d(s1), turn, in_service, plate)
    for wh, op, sku, avail in doc["stock"]:
        st.stock[(places[wh].id, sku)] = Stock(places[wh], op, sku, avail)
    for aid, nid, status, hotel_id, rooms, trips, picks, people in doc["holds"]:
        st.holds[aid] = Hold(
            aid, nid, status, hotel_id, Rooms.from_mapping(rooms),
            [Trip(bus, _d(start), [Stop(places[s], _d(at), [(x, k) for x, k in load]) for s, at, load in stops],
                  hid, places[hsite], _d(arrive)) for bus, start, stops, hid, hsite, arrive in trips],
            [Pick(w, sku, q, op, refl) for w, sku, q, op, refl in picks], people)
    st.reindex()
    st.unmet = dict(doc["unmet"])
    st.rooms_taken = {h: Rooms.from_mapping(v) for h, v in doc["rooms_taken"].items()}
    st.bus_after = {b: (places[w], _d(at)) for b, (w, at) in doc["bus_after"].items()}
    stays = doc.get("stays", {})  # written since stays end (a snapshot before: none recorded)
    for sid, hid, rooms, people, until, cleaning_h in stays.get("stays", []):
        st.occupancy.stays[sid] = Stay(hid, Rooms.from_mapping(rooms), people, _d(until), cleaning_h)
    for hid, until, rooms in stays.get("cleaning", []):
        st.occupancy.cleaning.setdefault(hid, []).append((_d(until), Rooms.from_mapping(rooms)))
    st.resources_changed = True  # a fresh process takes every open need once
    return Snapshot(st, {(t, p): o for t, p, o in doc["offsets"]}, _d(doc["taken_at"]), doc.get("events", 0),
                    doc.get("info", {}))


def encode(doc: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def decode(data: bytes) -> Snapshot:
    return from_doc(json.loads(zlib.decompress(data)))
