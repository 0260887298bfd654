"""Greedy baseline: the yardstick the benchmark measures the matcher against. Not used to match.

Why: a matcher is only worth its complexity if it beats what a careful dispatcher would do by
hand: most urgent first then first come first served; the nearest hotel that fits; the bus that
can be there first, one need per trip; the nearest stock first. Uses the same forward pass as the
matcher, so its plans are valid and the comparison is like for like.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict

import numpy as np

from .fleet import DraftStop, DraftTrip, make_fleet
from .model import Scenario
from .plan import Plan, RoomAssignment, SupplyAssignment
from .result import SolveResult, Status
from .rooms import greedy_rooms, prepare
from .travel import Travel

logger = logging.getLogger(__name__)


def solve_greedy(scenario: Scenario) -> SolveResult:
    t0 = time.perf_counter()
    travel = Travel(scenario)
    fixed = scenario.fixed or Plan()
    residual = {h.id: [h.rooms.standard, h.rooms.family, h.rooms.accessible] for h in scenario.hotels}
    for r in fixed.rooms:
        for i, q in enumerate((r.standard, r.family, r.accessible)):
            residual[r.hotel][i] -= q
    fixed_needs = {r.need for r in fixed.rooms}
    horizon = max((travel.sec_floor(b.shift_end) for b in scenario.buses), default=10**9)
    order = sorted((n for n in scenario.transfers if n.id not in fixed_needs and n.people > 0),
                   key=lambda n: (n.priority, n.raised_at or n.ready_at, n.id))
    inp = prepare(scenario, travel, order, residual, horizon)
    placed = greedy_rooms(inp, order)
    rooms = [RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()]

    fleet = make_fleet(scenario, travel, fixed.trips)
    hotels = {h.id: h for h in scenario.hotels}
    pos = np.array([travel.index[b.pos] for b in fleet], dtype=np.int64)
    free = np.array([b.timing.free_s for b in fleet], dtype=np.int64)
    room_of = {r.need: r.hotel for r in rooms}
    for n in order:
        if n.id not in room_of or not fleet:
            continue
        h = hotels[room_of[n.id]]
        open_s, ready, left = travel.sec(h.open_at, -10**9), travel.sec(n.ready_at), n.people
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
    trips = list(fixed.trips) + [t for b in fleet for t in b.to_trips()]

    supply = list(fixed.supply)
    stock: dict[tuple[str, str], int] = defaultdict(int)
    for s in scenario.stock:
        stock[(s.warehouse, s.sku)] += s.quantity
    for a in fixed.supply:
        stock[(a.warehouse, a.sku)] -= a.quantity
    for sn in sorted(scenario.supplies, key=lambda n: (n.priority, n.raised_at or n.due_at, n.id)):
        for ln in sn.lines:
            left = ln.quantity - sum(a.quantity for a in fixed.supply if a.need == sn.id and a.sku == ln.sku)
            whs = sorted((w for (w, s), q in stock.items() if s == ln.sku and q > 0),
                         key=lambda w: travel.km(w, sn.site))
            for w in whs:
                if left <= 0:
                    break
                q = min(left, stock[(w, ln.sku)])
                stock[(w, ln.sku)] -= q
                left -= q
                supply.append(SupplyAssignment(sn.id, ln.sku, w, q))
    plan = Plan(list(fixed.rooms) + rooms, trips, supply, [])
    return SolveResult(Status.FEASIBLE, plan, seconds=time.perf_counter() - t0, message="greedy baseline")
