"""The rooms stage's input and its cheap placements: which hotels each need may use (`prepare`),
the greedy and min-cost-flow placements, the urgency order. Every module of the rooms stage
(`rooms*.py`) builds on these; this one imports none of them, so their imports form a DAG."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from baolei_common.rooms import Rooms

from . import rules
from .model import Hotel, Scenario, TransferNeed, TravelModel
from .rooms_time import HotelTimes
from .travel import Travel

Placement = dict[str, tuple[int, Rooms]]  # need id -> (hotel index, rooms given)


@dataclass
class RoomsInput:
    needs: list[TransferNeed]                      # needs still to place (not fixed)
    hotels: list[Hotel]
    residual: dict[str, Rooms]                     # hotel id -> rooms left
    eligible: dict[str, list[int]] = field(default_factory=dict)  # need id -> hotel indices, quickest first
    km: dict[tuple[str, int], float] = field(default_factory=dict)
    travel: TravelModel = field(default_factory=TravelModel)  # speed and dwell, for the time to a hotel
    km_row: dict[str, np.ndarray] = field(default_factory=dict)  # need id -> km to `eligible[need]`, in order
    # the same hotels nearest first: the greedy baseline's order (the floor is that baseline)
    nearest: dict[str, list[int]] = field(default_factory=dict)


def hint_w_of(hint: Placement, inp: RoomsInput) -> int:
    """Weighted people the warm start leaves without rooms."""
    return sum(n.weight * n.people for n in inp.needs if n.id not in hint)


def prepare(scenario: Scenario, travel: Travel, needs: list[TransferNeed], residual: dict[str, Rooms],
            horizon_s: int, quickest: bool = True) -> RoomsInput:
    """Eligible hotels per need (accepts its risk, opens before the horizon), quickest first: by the
    least time to isolation there (`rooms_time.py`: one dwell and the direct drive, or the wait
    for the hotel to open; lateness counted extra), then nearest. Greedy placements take the first
    that fits, so a nearer hotel opening hours later no longer wins (city scale: people waited
    ~10 minutes at the hotel door on average for its opening). `quickest=False`: nearest first,
    as the greedy baseline dispatcher does (`greedy.solve_greedy`)."""
    hotels = scenario.hotels
    inp = RoomsInput(needs, hotels, residual, travel=scenario.travel)
    if not hotels:
        return inp
    site_idx = np.array([travel.index[h.site] for h in hotels])
    open_s = np.array([travel.sec(h.open_at, -10**9) for h in hotels])
    by_risk: dict[str, np.ndarray] = {}
    for n in needs:
        ok = by_risk.get(n.risk)
        if ok is None:
            ok = np.array([rules.hotel_accepts(h.accepts, n.risk) and h.rooms.total() > 0
                           for h in hotels]) & (open_s <= horizon_s)
            by_risk[n.risk] = ok
        idx = np.nonzero(ok)[0]
        if len(idx) == 0:
            inp.eligible[n.id] = inp.nearest[n.id] = []
            continue
        km = travel.km_from_many(site_idx[idx], n.site)
        ready, due = travel.sec(n.ready_at), travel.sec(n.due_at)
        arrive = np.maximum(ready + travel.dwell_s + km / travel.speed * 3600.0, open_s[idx])
        minutes = (arrive - ready) / 60.0 + rules.LATE_EXTRA * np.maximum(0.0, arrive - due) / 60.0
        near = np.argsort(km, kind="stable")
        order = np.lexsort((km, minutes)) if quickest else near
        inp.eligible[n.id] = [int(idx[k]) for k in order]
        inp.nearest[n.id] = [int(idx[k]) for k in near]
        inp.km_row[n.id] = np.asarray(km[order], dtype=float)
        for k in order:
            inp.km[(n.id, int(idx[k]))] = float(km[k])
    return inp


def greedy_rooms(inp: RoomsInput, order: list[TransferNeed], prefer: dict[str, list[int]] | None = None
                 ) -> Placement:
    """Place needs in the given order at the first hotel where they fit: preferred ones first
    (if given), then the nearest eligible."""
    cap = dict(inp.residual)
    out: Placement = {}
    for n in order:
        first = (prefer or {}).get(n.id, [])
        for hi in first + [h for h in inp.eligible.get(n.id, []) if h not in first]:
            hid = inp.hotels[hi].id
            got = rules.fit(n.rooms, cap[hid])
            if got is not None:
                out[n.id] = (hi, got)
                cap[hid] = cap[hid] - got
                break
    return out


def time_costs(inp: RoomsInput, pairs: list[tuple[str, int]]) -> dict[tuple[str, int], float]:
    """Per (need, hotel) pair, the time cost above the need's quickest hotel among `pairs`."""
    times = HotelTimes(inp.needs, inp.hotels, inp.travel)
    cost = {(nid, hi): times.cost(nid, hi, inp.km.get((nid, hi))) for nid, hi in pairs}
    best: dict[str, float] = {}
    for (nid, _), c in cost.items():
        best[nid] = min(c, best.get(nid, c))
    return {k: c - best[k[0]] for k, c in cost.items()}


def placed_w(placed: Placement, needs: list[TransferNeed]) -> int:
    return sum(n.weight * n.people for n in needs if n.id in placed)


def urgency_order(needs: list[TransferNeed]) -> list[TransferNeed]:
    """Most urgent first, then longest waiting (earliest raised/ready), then bigger groups."""
    return sorted(needs, key=lambda n: (n.priority, n.raised_at or n.ready_at, -n.people, n.id))


def nearest_assignment(inp: RoomsInput, needs: list[TransferNeed], counts: dict[int, int]
                        ) -> list[tuple[TransferNeed, int]]:
    """Needs to hotels, `counts[h]` each, least total time to isolation (exact min-cost flow)."""
    hotels = sorted(counts)
    if len(hotels) == 1:
        return [(n, hotels[0]) for n in needs]
    flow = min_cost_flow.SimpleMinCostFlow()
    times = HotelTimes(needs, inp.hotels, inp.travel)
    nn = len(needs)
    arcs = []
    for i, n in enumerate(needs):
        flow.set_node_supply(i, 1)
        for j, hi in enumerate(hotels):
            cost = times.flow_cost(n.id, hi, inp.km.get((n.id, hi)))
            arcs.append((flow.add_arc_with_capacity_and_unit_cost(i, nn + j, 1, cost), i, hi))
    for j, hi in enumerate(hotels):
        flow.set_node_supply(nn + j, -counts[hi])
    if flow.solve() != flow.OPTIMAL:
        return []
    return [(needs[i], hi) for a, i, hi in arcs if flow.flow(a) > 0]
