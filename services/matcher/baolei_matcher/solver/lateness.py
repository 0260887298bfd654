"""When a carried need is picked up and arrives, how long its people waited, and why it is late.

Why: a proposal arriving hours after the need's `due_at` used to say only "最晚 07:45 到达"; an
operator could neither see that it was late nor what to do about it. The cause names the lever:
`no_bus_earlier` (every bus that could reach the site in time is busy or too far: ask for another
bus or weigh lateness higher), `no_room_nearer` (a nearer hotel that takes these people is full:
free rooms there), `hotel_opens_later` (the hotel opens after the due time: open it earlier), and
`due_unreachable` when none of these holds (even a bus standing at the site, driving straight to
the nearest hotel that takes them, would arrive after `due_at`).

A pure function of the scenario and the plan, so the matcher can send it as data and the
explanation can say it in words without solving anything again.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from baolei_common.rooms import Rooms

from . import rules
from .model import Hotel, Scenario, TransferNeed
from .plan import Plan, Trip
from .travel import Travel

logger = logging.getLogger(__name__)

NO_BUS_EARLIER = "no_bus_earlier"
NO_ROOM_NEARER = "no_room_nearer"
HOTEL_OPENS_LATER = "hotel_opens_later"
DUE_UNREACHABLE = "due_unreachable"
CAUSES = (NO_BUS_EARLIER, NO_ROOM_NEARER, HOTEL_OPENS_LATER, DUE_UNREACHABLE)


@dataclass(frozen=True)
class Timing:
    """One carried need: first pickup, last arrival, minutes from ready to that arrival, minutes
    after due (0 when on time) and, when late, the cause code."""

    need: str
    pickup_at: datetime
    arrive_at: datetime
    wait_minutes: int
    late_minutes: int = 0
    late_cause: str = ""


def _minutes(delta: timedelta) -> int:
    """Whole minutes, rounded up: 30 s late is a minute late, never "0 min late"."""
    return max(0, math.ceil(delta.total_seconds() / 60 - 1e-9))


def _residual(scenario: Scenario, plan: Plan) -> dict[str, Rooms]:
    left = {h.id: h.rooms for h in scenario.hotels}
    for r in plan.rooms:
        if r.hotel in left:
            left[r.hotel] = left[r.hotel] - Rooms(r.standard, r.family, r.accessible)
    return left


def _direct_arrival(n: TransferNeed, h: Hotel, travel: Travel) -> datetime:
    """A bus waiting at the site at `ready_at`, driving straight there (and waiting for it to open)."""
    at = n.ready_at + timedelta(seconds=travel.dwell_s + travel.drive_s(n.site, h.site))
    return max(at, h.open_at) if h.open_at else at


class _Accepting:
    """The hotels taking each risk category, with their sites as indices and opening times as
    seconds, so the nearer hotels of a late need are found in one vectorised pass (a loop over
    every hotel for each late need took 2.5 s for 2,976 late needs and 300 hotels)."""

    def __init__(self, scenario: Scenario, travel: Travel) -> None:
        self.scenario, self.travel = scenario, travel
        self._of: dict[str, tuple[list[Hotel], np.ndarray, np.ndarray]] = {}

    def of(self, risk: str) -> tuple[list[Hotel], np.ndarray, np.ndarray]:
        if risk not in self._of:
            hs = [h for h in self.scenario.hotels if rules.hotel_accepts(h.accepts, risk)]
            idx = np.array([self.travel.index[h.site] for h in hs], dtype=int)
            opens = np.array([self.travel.sec(h.open_at, default=-(10 ** 9)) for h in hs], dtype=float)
            self._of[risk] = (hs, idx, opens)
        return self._of[risk]


def cause(n: TransferNeed, hotel: Hotel, accepting: _Accepting, left: dict[str, Rooms]) -> str:
    """Why need `n`, given rooms at `hotel`, arrives after its due time (see the module docstring)."""
    travel = accepting.travel
    if hotel.open_at is not None and hotel.open_at > n.due_at:
        return HOTEL_OPENS_LATER
    if _direct_arrival(n, hotel, travel) <= n.due_at:
        return NO_BUS_EARLIER  # the hotel was reachable in time: every bus able to was busy or too far
    hs, idx, opens = accepting.of(n.risk)
    if not hs:
        return DUE_UNREACHABLE
    km = travel.km_from_many(idx, n.site)
    arrive = travel.sec(n.ready_at) + travel.dwell_s + np.ceil(km / travel.speed * 3600.0 + 1e-6)
    in_time = (np.maximum(arrive, opens) <= travel.sec_floor(n.due_at)) & (km < travel.km(n.site, hotel.site))
    for i in np.flatnonzero(in_time):
        h = hs[int(i)]
        if h.id != hotel.id and rules.short_type(n.rooms, left.get(h.id, h.rooms)) is not None:
            return NO_ROOM_NEARER
    return DUE_UNREACHABLE


def timings(scenario: Scenario, plan: Plan, travel: Travel | None = None) -> dict[str, Timing]:
    """Per carried transfer need: when picked up, when arrived, the wait and the lateness."""
    travel = travel or Travel(scenario)
    mine: dict[str, list[tuple[Trip, datetime]]] = {}
    for t in plan.trips:
        for s in t.stops:
            for ld in s.load:
                if ld.people > 0:
                    mine.setdefault(ld.need, []).append((t, s.at))
    rooms = {r.need: r.hotel for r in plan.rooms}
    left: dict[str, Rooms] | None = None
    accepting = _Accepting(scenario, travel)
    out: dict[str, Timing] = {}
    for n in scenario.transfers:
        legs = mine.get(n.id)
        if not legs:
            continue
        pickup = min(at for _, at in legs)
        arrive = max(t.arrive_at for t, _ in legs)
        late = _minutes(arrive - n.due_at) if arrive > n.due_at else 0
        why = ""
        if late:
            if left is None:
                left = _residual(scenario, plan)
            hotel_id = rooms.get(n.id) or legs[0][0].hotel
            why = cause(n, scenario.hotel(hotel_id), accepting, left)
        out[n.id] = Timing(n.id, pickup, arrive, _minutes(arrive - n.ready_at), late, why)
    return out
