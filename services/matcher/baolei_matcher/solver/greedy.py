"""Greedy baseline: the yardstick the benchmark measures the matcher against, and the matcher's floor.

Why: a matcher is only worth its complexity if it beats what a careful dispatcher would do by
hand: most urgent first then first come first served; the nearest hotel that fits; the bus that
can be there first, one need per trip; the nearest stock first. Uses the same forward pass as the
matcher, so its plans are valid and the comparison is like for like. `solve` computes it first
(about half a second at city size) and returns it, part by part, wherever the search did not beat
it on the goals in their order: so no plan is ever worse than what the dispatcher would have done.

A `fixed` plan fragment is honoured: its rooms, trips and stock draws are copied unchanged and
consumed first; people of a need with fixed rooms that no fixed trip carries are carried to that
hotel like any other need's.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from baolei_common.rooms import Rooms

from . import reasons
from .buses import Router
from .explain import room_reason
from .fleet import DraftStop, DraftTrip, Request, make_fleet
from .model import Scenario, TransferNeed
from .plan import Plan, RoomAssignment, SupplyAssignment, Trip, Unmet
from .result import SolveResult, Status
from .rooms_input import RoomsInput, greedy_rooms, prepare
from .travel import Travel

logger = logging.getLogger(__name__)


@dataclass
class GreedyPlan:
    """The baseline in two independent parts (they share no resource): transfers (rooms and trips)
    and supply, each with the reasons for what it leaves unserved. Fixed entries are included."""

    rooms: list[RoomAssignment]
    trips: list[Trip]
    supply: list[SupplyAssignment]
    transfer_unmet: list[Unmet]
    supply_unmet: list[Unmet]
    residual: dict[str, Rooms]                # rooms left after the greedy rooms (for reasons)
    routed: int = 0                           # needs the bus pass tried to carry
    bus_unserved: int = 0                     # people with rooms the bus pass could not carry
    supply_goal: int = 0                      # weighted unserved quantity
    supply_qkm: float = 0.0                   # quantity × km of the stock drawn
    seconds: dict[str, float] = field(default_factory=dict)

    def plan(self) -> Plan:
        return Plan(list(self.rooms), list(self.trips), list(self.supply),
                    list(self.transfer_unmet) + list(self.supply_unmet))


def solve_greedy(scenario: Scenario) -> SolveResult:
    t0 = time.perf_counter()
    travel = Travel(scenario)
    fixed = scenario.fixed or Plan()
    residual = rooms_left(scenario, fixed)
    fixed_needs = {r.need for r in fixed.rooms}
    horizon = horizon_s(scenario, travel)
    todo = [n for n in scenario.transfers if n.id not in fixed_needs and n.people > 0]
    inp = prepare(scenario, travel, todo, residual, horizon, quickest=False)  # the nearest hotel, as before
    g = greedy_plan(scenario, travel, inp)
    return SolveResult(Status.FEASIBLE, g.plan(), seconds=time.perf_counter() - t0, message="greedy baseline")


def rooms_left(scenario: Scenario, fixed: Plan) -> dict[str, Rooms]:
    """Rooms per hotel after the fixed rooms (never below zero)."""
    residual = {h.id: h.rooms for h in scenario.hotels}
    for r in fixed.rooms:
        cap = residual.get(r.hotel)
        if cap is not None:
            residual[r.hotel] = Rooms.of(max(0, c - q) for c, q in zip(cap, r.rooms, strict=True))
    return residual


def horizon_s(scenario: Scenario, travel: Travel) -> int:
    return max((travel.sec_floor(b.shift_end) for b in scenario.buses), default=10**9)


def dispatch_order(needs: list[TransferNeed]) -> list[TransferNeed]:
    """The dispatcher's order: most urgent first, then first come first served."""
    return sorted(needs, key=lambda n: (n.priority, n.raised_at or n.ready_at, n.id))


def greedy_plan(scenario: Scenario, travel: Travel, inp: RoomsInput) -> GreedyPlan:
    """The baseline on `inp` (the needs without fixed rooms, eligible hotels prepared, rooms left
    after the fixed ones); `inp` is not changed."""
    t0 = time.perf_counter()
    fixed = scenario.fixed or Plan()
    order = dispatch_order([n for n in inp.needs if n.people > 0])
    residual = dict(inp.residual)
    placed = greedy_rooms(inp, order)
    rooms = [RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()]
    for r in rooms:
        residual[r.hotel] = residual[r.hotel] - r.rooms
    t_rooms = time.perf_counter()
    trips, bus_unmet, routed = _buses(scenario, travel, fixed, rooms)
    t_buses = time.perf_counter()
    supply, supply_unmet, supply_goal = _supply(scenario, travel, fixed)
    t_supply = time.perf_counter()
    site_of = {n.id: n.site for n in scenario.supplies}
    qkm = sum(a.quantity * travel.km(a.warehouse, site_of[a.need]) for a in supply if a.need in site_of)

    unmet = [room_reason(n, inp, residual) for n in order if n.id not in placed]
    unmet += bus_unmet
    return GreedyPlan(list(fixed.rooms) + rooms, list(fixed.trips) + trips, list(fixed.supply) + supply,
                      unmet, supply_unmet, residual, routed=routed, bus_unserved=sum(u.people for u in bus_unmet),
                      supply_goal=supply_goal, supply_qkm=round(qkm, 1),
                      seconds={"rooms": t_rooms - t0, "buses": t_buses - t_rooms, "supply": t_supply - t_buses})


def _buses(scenario: Scenario, travel: Travel, fixed: Plan, rooms: list[RoomAssignment]
           ) -> tuple[list[Trip], list[Unmet], int]:
    """One need per trip, the bus that can be there first; fixed trips first, then the rest."""
    fleet = make_fleet(scenario, travel, fixed.trips)
    hotels = {h.id: h for h in scenario.hotels}
    carried: dict[str, int] = defaultdict(int)
    for t in fixed.trips:
        for s in t.stops:
            for ld in s.load:
                carried[ld.need] += ld.people
    room_of = {r.need: r.hotel for r in list(fixed.rooms) + rooms}
    needs = dispatch_order([n for n in scenario.transfers if n.id in room_of and n.people > carried[n.id]])
    unmet: list[Unmet] = []
    if not fleet:
        return [], [reasons.no_buses(n.id, n.people - carried[n.id]) for n in needs], 0
    pos = np.array([travel.index[b.pos] for b in fleet], dtype=np.int64)
    free = np.array([b.timing.free_s for b in fleet], dtype=np.int64)
    why = None
    for n in needs:
        h = hotels.get(room_of[n.id])
        if h is None:
            continue
        open_s, ready, left = travel.sec(h.open_at, -10**9), travel.sec(n.ready_at), n.people - carried[n.id]
        while left > 0:
            reach = free + np.ceil(travel.km_from_many(pos, n.site) / travel.speed * 3600 + 1e-6).astype(np.int64)
            done = False
            for bi in np.argsort(np.maximum(reach, ready), kind="stable"):
                b = fleet[int(bi)]
                q = min(left, b.cap)
                if q <= 0:
                    continue
                trip = DraftTrip(h.id, h.site, n.risk, open_s, [DraftStop(n.site, {n.id: q})])
                if b.evaluate(b.trips + [trip]).feasible:
                    b.commit(b.trips + [trip])
                    pos[bi], free[bi] = travel.index[h.site], b.timing.free_s
                    left -= q
                    done = True
                    break
            if not done:
                break
        if left > 0:
            why = why or Router(fleet, travel)  # its reasons read the buses' starting state only
            unmet.append(why.why_not(Request(n, h.id, h.site, open_s, ready, travel.sec(n.due_at), left)))
    return [t for b in fleet for t in b.to_trips()], unmet, len(needs)


def _supply(scenario: Scenario, travel: Travel, fixed: Plan) -> tuple[list[SupplyAssignment], list[Unmet], int]:
    """Strict priority, first come first served, the nearest warehouse with stock first. Returns the
    draws, the reasons for what is short, and the weighted unserved quantity."""
    stock: dict[str, dict[str, int]] = defaultdict(dict)  # sku -> warehouse -> quantity left
    for s in scenario.stock:
        stock[s.sku][s.warehouse] = stock[s.sku].get(s.warehouse, 0) + s.quantity
    given: dict[tuple[str, str], int] = defaultdict(int)
    for a in fixed.supply:
        by_wh = stock[a.sku]
        by_wh[a.warehouse] = max(0, by_wh.get(a.warehouse, 0) - a.quantity)
        given[(a.need, a.sku)] += a.quantity
    asked: dict[str, int] = defaultdict(int)
    for sn in scenario.supplies:
        for ln in sn.lines:
            asked[ln.sku] += ln.quantity
    available = {sku: sum(by_wh.values()) for sku, by_wh in stock.items()}
    out: list[SupplyAssignment] = []
    unmet: list[Unmet] = []
    weighted = 0
    for sn in sorted(scenario.supplies, key=lambda n: (n.priority, n.raised_at or n.due_at, n.id)):
        lines: dict[str, int] = {}  # sku -> quantity asked (a SKU on two lines is asked once, summed)
        for ln in sn.lines:
            lines[ln.sku] = lines.get(ln.sku, 0) + ln.quantity
        for sku, quantity in lines.items():
            left = quantity - given[(sn.id, sku)]
            by_wh = stock.get(sku, {})
            for w in sorted((w for w, q in by_wh.items() if q > 0), key=lambda w: travel.km(w, sn.site)):
                if left <= 0:
                    break
                q = min(left, by_wh[w])
                by_wh[w] -= q
                left -= q
                out.append(SupplyAssignment(sn.id, sku, w, q))
            if left > 0:
                weighted += sn.weight * left
                if available.get(sku, 0) <= 0:
                    unmet.append(reasons.no_stock(sn.id, sku, left))
                else:
                    short = max(left, asked[sku] - available[sku])
                    unmet.append(reasons.stock_short(sn.id, sku, left, short, rationed=False))
    return out, unmet, weighted

