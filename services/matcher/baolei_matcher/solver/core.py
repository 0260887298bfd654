"""`solve`: the one entry point of the solver core, offline and streaming alike.

Why: the three stages depend on each other in one direction only — buses carry people to the
rooms chosen for them, supply is independent — so they run in that order under one time limit.
`fixed` (confirmed earlier) is copied to the output unchanged and its rooms, bus time and stock
are consumed first. `previous` (only proposed earlier) is kept where still valid: its rooms are
reserved again and its trips re-seeded, and only what is new or no longer valid is re-matched, so
one new need against a thousand open ones is cheap and the plan does not churn.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable

from .buses import Router, route_all
from .busstage import route_buses
from .explain import explain, room_reason
from .fleet import DraftStop, DraftTrip, Request
from .model import Scenario, TransferNeed
from .plan import Plan, RoomAssignment, Unmet
from .result import SolveResult, StageReport, Status, combine
from .rooms import greedy_rooms, prepare, solve_rooms, urgency_order
from .supply import solve_supply
from .travel import Travel

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


def solve(scenario: Scenario, *, time_limit_s: float = 10.0, previous: Plan | None = None,
          progress: Progress | None = None) -> SolveResult:
    """Match needs to rooms, buses and stock within `time_limit_s` seconds; never raises on a
    merely hard scenario — an over-full `fixed` gives status `infeasible` with the best plan."""
    t0 = time.perf_counter()
    say = progress or (lambda msg: None)
    deadline = t0 + time_limit_s
    travel = Travel(scenario)
    fixed = scenario.fixed or Plan()
    needs = {n.id: n for n in scenario.transfers}
    hotels = {h.id: h for h in scenario.hotels}
    residual = {h.id: [h.rooms.standard, h.rooms.family, h.rooms.accessible] for h in scenario.hotels}
    statuses: list[Status] = []
    if not _consume(fixed.rooms, residual):
        statuses.append(Status.INFEASIBLE)
    room_of: dict[str, RoomAssignment] = {r.need: r for r in fixed.rooms}
    kept_prev = _keep_previous_rooms(previous, room_of, needs, hotels, residual)

    horizon = max((travel.sec_floor(b.shift_end) for b in scenario.buses), default=10**9)
    todo = [n for n in scenario.transfers if n.id not in room_of and n.people > 0]
    say(f"rooms: placing {len(todo)} transfer needs ({len(kept_prev)} kept from the previous plan)")
    inp = prepare(scenario, travel, todo, residual, horizon)
    k = 20 if len(todo) <= 1500 else 10
    new_rooms, rooms_report = solve_rooms(scenario, travel, inp, time_limit_s=max(0.1, 0.4 * time_limit_s),
                                          k_candidates=k)
    statuses.append(rooms_report.status)
    for r in new_rooms:
        room_of[r.need] = r
    _consume(new_rooms, residual)

    say("supply: allocating stock")
    supply, supply_unmet, supply_report = solve_supply(scenario, travel, fixed=fixed, previous=previous)
    statuses.append(supply_report.status)

    say(f"buses: routing {len(room_of)} needs with rooms over {len(scenario.buses)} buses")
    t_bus = time.perf_counter()
    carried: dict[str, int] = defaultdict(int)
    for t in fixed.trips:
        for s in t.stops:
            for ld in s.load:
                carried[ld.need] += ld.people
    fixed_needs = {r.need for r in fixed.rooms}
    seed = None
    if previous is not None:
        def seed(router: Router, requests: dict[str, Request], fleet: list) -> None:
            _seed_previous(router, previous, requests, fleet)
    outcome = route_buses(scenario, travel, fixed.trips, room_of, residual, fixed_needs | set(kept_prev),
                          lambda rooms: _requests(rooms, needs, hotels, travel, carried), seed,
                          deadline, time_limit_s, say)
    router, requests, bus_unmet = outcome.router, outcome.requests, outcome.unmet

    # Rooms of needs nobody can carry are released, and offered to needs still without rooms.
    bus_why = {u.need: u for u in bus_unmet}
    released = [nid for nid, r in requests.items()
                if r.remaining == r.need.people - carried[nid] and nid not in fixed_needs]
    if released and time.perf_counter() < deadline:
        _release(released, room_of, residual, needs)
        retry = [n for n in todo if n.id not in room_of]
        for u in _retry(scenario, travel, retry, residual, horizon, room_of, router, needs, hotels,
                        carried, deadline):
            bus_why[u.need] = u
    bus_status = Status.OUT_OF_TIME if time.perf_counter() > deadline else Status.FEASIBLE
    statuses.append(bus_status)

    rooms_out = list(fixed.rooms) + [r for nid, r in room_of.items() if nid not in fixed_needs]
    trips_out = list(fixed.trips) + router.trips()
    plan = Plan(rooms_out, trips_out, list(fixed.supply) + supply, [])
    transfer_unmet = [bus_why[n.id] if n.id in bus_why else room_reason(n, inp, residual)
                      for n in todo if n.id not in room_of]
    got: dict[str, int] = defaultdict(int)
    for t in trips_out:
        for st in t.stops:
            for ld in st.load:
                got[ld.need] += ld.people
    transfer_unmet += [u for nid, u in bus_why.items() if nid in room_of and got[nid] < needs[nid].people]
    plan.unmet = transfer_unmet + supply_unmet
    bus_report = _bus_report(plan, scenario, travel, rooms_report, bus_status, time.perf_counter() - t_bus)
    result = SolveResult(combine(statuses), plan,
                         {"rooms": rooms_report, "buses": bus_report, "supply": supply_report},
                         explain(scenario, plan, travel), time.perf_counter() - t0)
    say(f"done: {result.status.value} in {result.seconds:.1f}s")
    return result


def _consume(rooms: list[RoomAssignment], residual: dict[str, list[int]]) -> bool:
    ok = True
    for r in rooms:
        cap = residual.get(r.hotel)
        if cap is None:
            ok = False
            continue
        for i, q in enumerate((r.standard, r.family, r.accessible)):
            cap[i] -= q
            if cap[i] < 0:
                ok, cap[i] = False, 0
    return ok


def _release(nids: list[str], room_of: dict[str, RoomAssignment], residual: dict[str, list[int]],
             needs: dict[str, TransferNeed]) -> None:
    for nid in nids:
        r = room_of.pop(nid)
        cap = residual[r.hotel]
        cap[0] += r.standard
        cap[1] += r.family
        cap[2] += r.accessible


def _keep_previous_rooms(previous: Plan | None, room_of: dict[str, RoomAssignment],
                         needs: dict[str, TransferNeed], hotels: dict, residual: dict[str, list[int]]) -> list[str]:
    kept: list[str] = []
    for r in (previous.rooms if previous else []):
        n, h = needs.get(r.need), hotels.get(r.hotel)
        if n is None or h is None or r.need in room_of or n.risk not in h.accepts:
            continue
        got = (r.standard, r.family, r.accessible)
        cap = residual[h.id]
        if (sum(got) != n.rooms.total() or got[1] < n.rooms.family or got[2] < n.rooms.accessible
                or any(g > c for g, c in zip(got, cap, strict=True))):
            continue
        room_of[r.need] = RoomAssignment(r.need, r.hotel, *got)
        _consume([room_of[r.need]], residual)
        kept.append(r.need)
    return kept


def _requests(room_of: dict[str, RoomAssignment], needs: dict[str, TransferNeed], hotels: dict,
              travel: Travel, carried: dict[str, int]) -> dict[str, Request]:
    out = {}
    for nid, r in room_of.items():
        n = needs.get(nid)
        if n is None or n.people - carried[nid] <= 0:
            continue
        h = hotels[r.hotel]
        out[nid] = Request(n, h.id, h.site, travel.sec(h.open_at, -10**9), travel.sec(n.ready_at),
                           travel.sec(n.due_at), n.people - carried[nid])
    return out


def _seed_previous(router: Router, previous: Plan, requests: dict[str, Request], fleet: list) -> None:
    """Re-seed the previous plan's trips that still fit: same hotel, people still waiting."""
    index = {b.bus.id: i for i, b in enumerate(fleet)}
    for t in sorted(previous.trips, key=lambda t: t.start_at):
        bi = index.get(t.bus)
        if bi is None:
            continue
        stops: list[DraftStop] = []
        risk: str | None = None
        taken: dict[str, int] = {}
        for s in t.stops:
            loads: dict[str, int] = {}
            for ld in s.load:
                req = requests.get(ld.need)
                if req is None or req.hotel != t.hotel or (risk and req.need.risk != risk):
                    continue
                q = min(ld.people, req.remaining - taken.get(ld.need, 0))
                if q > 0:
                    loads[ld.need] = loads.get(ld.need, 0) + q
                    taken[ld.need] = taken.get(ld.need, 0) + q
                    risk = req.need.risk
            if loads:
                stops.append(DraftStop(s.site, loads))
        if not stops:
            continue
        req0 = requests[next(iter(stops[0].loads))]
        if router.seed(bi, DraftTrip(t.hotel, req0.hotel_site, risk or "", req0.open_s, stops)):
            for nid, q in taken.items():
                requests[nid].remaining -= q


def _retry(scenario: Scenario, travel: Travel, retry: list[TransferNeed], residual: dict[str, list[int]],
           horizon: int, room_of: dict[str, RoomAssignment], router: Router, needs: dict, hotels: dict,
           carried: dict[str, int], deadline: float) -> list[Unmet]:
    """Give freed rooms to needs that had none, keeping only those a bus can then carry."""
    inp = prepare(scenario, travel, retry, residual, horizon)
    placed = greedy_rooms(inp, urgency_order(retry))
    new = {nid: RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()}
    room_of.update(new)
    _consume(list(new.values()), residual)
    reqs = _requests(new, needs, hotels, travel, carried)
    unmet = route_all(router, list(reqs.values()), deadline)
    failed = [nid for nid, r in reqs.items() if r.remaining == r.need.people]
    _release(failed, room_of, residual, needs)
    return [u for u in unmet if u.need not in failed]


def _bus_report(plan: Plan, scenario: Scenario, travel: Travel, rooms: StageReport, status: Status,
                seconds: float) -> StageReport:
    carried: dict[str, int] = defaultdict(int)
    late = 0.0
    due = {n.id: n.due_at for n in scenario.transfers}
    for t in plan.trips:
        for s in t.stops:
            for ld in s.load:
                carried[ld.need] += ld.people
                late += ld.people * max(0.0, (t.arrive_at - due[ld.need]).total_seconds() / 60.0)
    unserved = sum(n.weight * max(0, n.people - carried[n.id]) for n in scenario.transfers)
    return StageReport("buses", status, float(unserved), rooms.bound, seconds,
                       {"late_person_minutes": round(late, 1), "trips": len(plan.trips)})
