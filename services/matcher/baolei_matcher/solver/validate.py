"""In-package plan validator: every hard rule of `rules.py` checked on a whole plan.

Why: the solver, the streaming matcher and the tests need to know that a plan keeps the rules
without shelling out to the contract's checker; and the two must agree. This validator reads the
solver's own dataclasses (`Scenario`, `Plan`) and applies the rules from `rules.py` — the same
functions the rooms model, the bus stage and re-hoteling use — while `tools/check_plan.py` reads
the JSON and is written independently. The unit tests break each rule once and expect both to
flag it.

`validate(scenario, plan)` returns a list of `Violation`s (empty: the plan is valid).
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from baolei_common.rooms import Rooms

from . import rules
from .model import Scenario
from .plan import Plan
from .travel import Travel

logger = logging.getLogger(__name__)

EPS = timedelta(seconds=rules.TIME_EPS_S)


@dataclass(frozen=True)
class Violation:
    rule: str   # which rule: accepts, rooms_cover, one_hotel, rooms_stock, risk_per_trip, seats, timing, ...
    text: str   # what and where, in English (for logs and test messages)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.text}"


def validate(scenario: Scenario, plan: Plan) -> list[Violation]:
    """All broken hard rules of `plan` against `scenario` (empty list: valid)."""
    out: list[Violation] = []
    travel = Travel(scenario)
    hotels = {h.id: h for h in scenario.hotels}
    needs = {n.id: n for n in scenario.transfers}
    supplies = {n.id: n for n in scenario.supplies}
    buses = {b.id: b for b in scenario.buses}

    # Rooms: accepts, cover (upgrades only), one hotel per need, never over what a hotel has.
    dup = rules.one_hotel_per_need(r.need for r in plan.rooms)
    out += [Violation("one_hotel", f"need {n} has rooms at more than one entry") for n in dup]
    room_of: dict[str, str] = {}
    used: dict[str, Rooms] = defaultdict(Rooms)
    for r in plan.rooms:
        n, h = needs.get(r.need), hotels.get(r.hotel)
        if n is None or h is None:
            out.append(Violation("unknown", f"rooms of {r.need} at {r.hotel}: unknown transfer need or hotel"))
            continue
        room_of.setdefault(r.need, r.hotel)
        given = Rooms(r.standard, r.family, r.accessible)
        if not rules.hotel_accepts(h.accepts, n.risk):
            out.append(Violation("accepts", f"hotel {h.id} does not accept risk {n.risk} (need {n.id})"))
        if not rules.rooms_cover(n.rooms, given):
            out.append(Violation("rooms_cover", f"need {n.id}: rooms given {given} do not honour {n.rooms}"))
        used[h.id] = used[h.id] + given
    for hid, u in used.items():
        if not rules.within(u, hotels[hid].rooms):
            out.append(Violation("rooms_stock", f"hotel {hid}: {u} given, {hotels[hid].rooms} exist"))

    # Trips: one risk per trip, seats × load limit, the bus day's timing, people carried.
    carried: dict[str, int] = defaultdict(int)
    by_bus: dict[str, list[Any]] = defaultdict(list)
    for i, t in enumerate(plan.trips):
        if t.bus not in buses or t.hotel not in hotels:
            out.append(Violation("unknown", f"trip {i}: unknown bus {t.bus} or hotel {t.hotel}"))
            continue
        by_bus[t.bus].append((t.start_at, i, t))
    dwell = timedelta(minutes=scenario.travel.dwell_min)
    for bid, trips in by_bus.items():
        bus = buses[bid]
        pos, free_at = bus.depot, bus.shift_start
        turn = timedelta(minutes=bus.turnaround_min)
        for _, i, t in sorted(trips, key=lambda x: (x[0], x[1])):
            where = f"trip {i} (bus {bid})"
            hotel = hotels[t.hotel]
            if not rules.starts_when_free(t.start_at, free_at, EPS):
                out.append(Violation("timing", f"{where}: starts before the bus is free at {free_at.isoformat()}"))
            clock: datetime = t.start_at
            risks: list[str] = []
            people = 0
            if not t.stops:
                out.append(Violation("empty_trip", f"{where}: no stops"))
            for s in t.stops:
                if s.site not in scenario.sites:
                    out.append(Violation("unknown", f"{where}: unknown stop site {s.site}"))
                    break
                if not rules.reaches_in_time(s.at, clock, _drive(travel, pos, s.site), EPS):
                    out.append(Violation("timing", f"{where}: reaches {s.site} sooner than the drive allows"))
                for ld in s.load:
                    n = needs.get(ld.need)
                    if n is None:
                        out.append(Violation("unknown", f"{where}: {ld.need} is not a transfer need"))
                        continue
                    if n.site != s.site:
                        out.append(Violation("pickup_site", f"{where}: need {n.id} waits at {n.site}, not {s.site}"))
                    if not rules.picks_up_when_ready(s.at, n.ready_at):
                        out.append(Violation("timing", f"{where}: picks up need {n.id} before it is ready"))
                    if room_of.get(n.id) != t.hotel:
                        out.append(Violation("no_rooms", f"{where}: carries need {n.id} to {t.hotel}, "
                                                         "where it has no rooms"))
                    risks.append(n.risk)
                    people += ld.people
                    carried[n.id] += ld.people
                pos, clock = s.site, s.at + dwell
            if not rules.one_risk_per_trip(risks):
                out.append(Violation("risk_per_trip", f"{where}: mixes risk categories {sorted(set(risks))}"))
            if not rules.seats_ok(people, bus.seats, bus.load_limit):
                out.append(Violation("seats", f"{where}: {people} aboard, limit "
                                              f"{rules.bus_capacity(bus.seats, bus.load_limit)}"))
            if not rules.reaches_in_time(t.arrive_at, clock, _drive(travel, pos, hotel.site), EPS):
                out.append(Violation("timing", f"{where}: reaches hotel {hotel.id} sooner than the drive allows"))
            if not rules.arrives_in_shift(t.arrive_at, bus.shift_end, EPS):
                out.append(Violation("timing", f"{where}: arrives after the shift ends"))
            if not rules.arrives_when_open(t.arrive_at, hotel.open_at):
                out.append(Violation("timing", f"{where}: arrives before hotel {hotel.id} opens"))
            pos, free_at = hotel.site, rules.free_after(t.arrive_at, turn)
    for nid, q in carried.items():
        if q > needs[nid].people:
            out.append(Violation("over_carried", f"need {nid}: {q} carried, {needs[nid].people} exist"))

    # Supply: never more drawn than a warehouse holds, never more given than asked.
    stock: dict[tuple[str, str], int] = defaultdict(int)
    for s in scenario.stock:
        stock[(s.warehouse, s.sku)] += s.quantity
    drawn: dict[tuple[str, str], int] = defaultdict(int)
    supplied: dict[tuple[str, str], int] = defaultdict(int)
    for a in plan.supply:
        if a.need not in supplies:
            out.append(Violation("unknown", f"supply to {a.need}: not a supply need"))
            continue
        drawn[(a.warehouse, a.sku)] += a.quantity
        supplied[(a.need, a.sku)] += a.quantity
    for key, q in drawn.items():
        if not rules.stock_within(q, stock.get(key, 0)):
            out.append(Violation("stock", f"warehouse {key[0]}: {q} of {key[1]} drawn, {stock.get(key, 0)} held"))
    asked: dict[tuple[str, str], int] = defaultdict(int)
    for sn in supplies.values():
        for ln in sn.lines:
            asked[(sn.id, ln.sku)] += ln.quantity
    for key, q in supplied.items():
        if q > asked.get(key, 0):
            out.append(Violation("over_supplied", f"need {key[0]}: {q} of {key[1]} given, {asked.get(key, 0)} asked"))

    # What was confirmed earlier stays as it was.
    fixed = scenario.fixed
    if fixed is not None:
        for part in ("rooms", "trips", "supply"):
            have = {json.dumps(x.to_dict(), sort_keys=True) for x in getattr(plan, part)}
            for x in getattr(fixed, part):
                if json.dumps(x.to_dict(), sort_keys=True) not in have:
                    out.append(Violation("fixed", f"fixed {part} entry missing or changed"))
    return out


def _drive(travel: Travel, a: str, b: str) -> timedelta:
    return timedelta(hours=travel.km(a, b) / travel.speed) if a != b else timedelta(0)
