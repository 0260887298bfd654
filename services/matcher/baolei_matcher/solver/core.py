"""`solve`: the one entry point of the solver core, offline and streaming alike.

Why: the three stages depend on each other in one direction only — buses carry people to the
rooms chosen for them, supply is independent — so they run in that order under one time limit.
`fixed` (confirmed earlier) is copied to the output unchanged and its rooms, bus time and stock
are consumed first. `previous` (only proposed earlier) is kept where still valid: its rooms are
reserved again and its trips re-seeded, and only what is new or no longer valid is re-matched, so
one new need against a thousand open ones is cheap and the plan does not churn.

Anytime, on time: the greedy baseline (`greedy.py`, about half a second at city size) is the
floor — transfers (rooms and trips) and supply share no resource, so each part of the returned
plan is the search's or greedy's, whichever is better on the goals in their order (weighted
unserved people, then the time cost of goal 3, `rules.time_cost`; weighted unserved quantity). Stage budgets follow
progress: before the rooms stage starts, the bus stage's time is reserved for the needs that may
hold rooms (BUS_SHARE of the time, more if its estimated insertion needs it); the rooms stage gets
the rest, and whatever it does not use goes on to the buses. A big rooms model runs in a child
process, killed if it overruns, while this process computes the floor, the supply and greedy
placements in other orders (the best placement of all goes to the buses). If time is short when
the bus stage starts (judged by how fast greedy routed), it runs its fast mode: greedy's trips
where the rooms agree, insertion for the rest, then the local search. A little time (`_tail_s`)
is kept for what follows the bus stage: freed rooms offered again, the floor, explanations.
"""
from __future__ import annotations

import logging
import math
import multiprocessing as mp
import time
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from baolei_common.rooms import Rooms

from . import rules
from .buses import BUSY_W, Router, route_all
from .busstage import BusOutcome, route_buses
from .explain import explain, room_reason
from .fleet import BusState, DraftStop, DraftTrip, Request, make_fleet
from .greedy import GreedyPlan, greedy_plan, horizon_s
from .improve import improve
from .model import Hotel, Scenario, TransferNeed
from .plan import Plan, RoomAssignment, Trip, Unmet
from .previous import restore_previous_rooms
from .reasons import OUT_OF_TIME
from .result import SolveResult, StageReport, Status, combine
from .rooms import solve_rooms
from .rooms_bound import rooms_lp_bound
from .rooms_input import RoomsInput, greedy_rooms, prepare, urgency_order
from .supply import solve_supply
from .travel import Travel
from .wait_report import wait_report

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


# The time plan (seconds are wall clock; see the module docstring).
BUS_SHARE = 0.3          # the bus stage's reserve, as a share of the time left after the setup
BUS_EST_FACTOR = 3.0     # ... and at least this many times its estimated insertion time
INSERT_PER_NEED = 1e-3   # insertion seconds per need (measured 0.3-0.8 ms, loaded 2-core machine) ...
INSERT_PER_GREEDY = 2.0  # ... or this many times greedy's routing time per need, if more: greedy's
                         # pace gauges how loaded the machine is (measured ratio 1.6-8, 1.8 at city)
FAST_FACTOR = 2.0        # with fewer insertion times than this left, the bus stage runs its fast mode
ROOMS_SAFETY = 0.7       # share of its budget solve_rooms is told (its LP rounding takes up to 0.4 of
                         # what it is told before CP-SAT gets all of it: 1.4x, plus building the model)
ROOMS_GRACE = 0.25       # a rooms child still running at its budget's end may take this share of the
                         # bus stage's reserve before it is killed (killed, the stage's work is lost)
ROOMS_MIN_S = 0.02       # below this, the rooms stage keeps its greedy placement without a model
GUARD_MIN_S, GUARD_MIN_NEEDS = 1.0, 200  # from this budget and size on, the rooms stage runs in a child
IMPROVE_MIN_S = 0.1      # fast mode: the local search runs if at least this much time is left
TAIL_PER_SETUP = 0.5     # time kept after the bus stage, per second the setup took (see `_tail_s`)
SECOND_START = 0.6       # share of the bus time the search gets when greedy carried everyone (see solve)
LATE_EPS = 1e-6          # time-cost person-minutes: a tie keeps the search's plan


def solve(scenario: Scenario, *, time_limit_s: float = 10.0, previous: Plan | None = None,
          progress: Progress | None = None) -> SolveResult:
    """Match needs to rooms, buses and stock within `time_limit_s` seconds; never raises on a
    merely hard scenario — an over-full `fixed` gives status `infeasible` with the best plan."""
    t0 = time.perf_counter()
    say = progress or (lambda msg: None)
    time_limit_s = max(0.0, time_limit_s)
    deadline = t0 + time_limit_s
    travel = Travel(scenario)
    fixed = scenario.fixed or Plan()
    needs = {n.id: n for n in scenario.transfers}
    hotels = {h.id: h for h in scenario.hotels}
    residual = {h.id: h.rooms for h in scenario.hotels}
    statuses: list[Status] = []
    if not _consume(fixed.rooms, residual):
        statuses.append(Status.INFEASIBLE)
    room_of: dict[str, RoomAssignment] = {r.need: r for r in fixed.rooms}
    fixed_needs = set(room_of)
    horizon = horizon_s(scenario, travel)
    open_needs = [n for n in scenario.transfers if n.id not in room_of and n.people > 0]
    inp_all = prepare(scenario, travel, open_needs, residual, horizon)
    tail = _tail_s(scenario, time_limit_s, time.perf_counter() - t0)

    # greedy places the needs of the previous plan afresh, in the rooms left after `fixed`
    inp_floor = RoomsInput(open_needs, scenario.hotels, dict(residual),
                           inp_all.nearest, inp_all.km, inp_all.travel)
    kept_prev = _keep_previous_rooms(previous, room_of, needs, hotels, residual)
    todo = [n for n in open_needs if n.id not in room_of]
    inp = inp_all if not kept_prev else RoomsInput(todo, scenario.hotels, residual,
                                                    {n.id: inp_all.eligible[n.id] for n in todo}, inp_all.km,
                                                    inp_all.travel)
    carried: dict[str, int] = defaultdict(int)
    for t in fixed.trips:
        for s in t.stops:
            for ld in s.load:
                carried[ld.need] += ld.people

    # Time for the rooms stage: what is left once the bus stage's share is reserved for the needs
    # that may hold rooms. A big rooms model runs in a child process (`_RoomsJob`) while this one
    # computes the floor and the supply.
    n_route = sum(1 for nid, n in needs.items() if n.people > carried[nid]) if scenario.buses else 0
    avail = deadline - tail - time.perf_counter()
    bus_reserve = 0.0
    if n_route:
        bus_reserve = min(max(0.0, avail), max(BUS_SHARE * avail, BUS_EST_FACTOR * INSERT_PER_NEED * n_route))
    rooms_budget = avail - bus_reserve
    rooms_until = time.perf_counter() + rooms_budget
    say(f"rooms: placing {len(todo)} transfer needs ({len(kept_prev)} kept from the previous plan); "
        f"{max(0.0, rooms_budget):.1f}s, {bus_reserve:.1f}s kept for the buses")
    job = _RoomsJob(scenario, travel, inp, rooms_budget, 20 if len(todo) <= 1500 else 10) if todo else None

    # The floor: what a careful dispatcher would do (cheap; rooms are placed in a copy).
    floor = greedy_plan(scenario, travel, inp_floor)
    floor_goals = _transfer_goals(scenario, floor.rooms, floor.trips)
    say(f"floor: greedy leaves {floor_goals[0]} weighted people unserved, {floor_goals[2]:.0f} person-min late "
        f"({sum(floor.seconds.values()):.2f}s)")
    supply_skipped = time.perf_counter() >= deadline - tail
    if not supply_skipped:
        say("supply: allocating stock")
        supply, supply_unmet, supply_report = solve_supply(scenario, travel, fixed=fixed, previous=previous)
    else:  # out of time already: greedy's stock draws (strict priority, nearest first) are the plan
        say("supply: no time left; greedy's allocation kept")
        supply = floor.supply[len(fixed.supply):]
        supply_unmet = floor.supply_unmet
        supply_report = StageReport("supply", Status.OUT_OF_TIME, float(floor.supply_goal), None, 0.0,
                                    {"quantity_km": floor.supply_qkm, "skipped": True})
    statuses.append(supply_report.status)

    # Rooms short: a few other greedy orders, tried while a rooms child works (cheap: 0.1 s each at
    # city size); the best placement of all competes with the rooms stage's below.
    alternatives: list[tuple[str, list[RoomAssignment]]] = []
    if not kept_prev:
        alternatives.append(("greedy", [r for r in floor.rooms if r.need not in fixed_needs]))
    if todo and any(n.id not in {r.need for r in floor.rooms} for n in todo):
        alternatives += _greedy_orders(inp, todo, rooms_until + ROOMS_GRACE * bus_reserve)

    tried = job is not None and not job.off
    got_rooms = job.finish(rooms_until, rooms_until + ROOMS_GRACE * bus_reserve) if job is not None else None
    if tried and got_rooms is None:
        say(f"rooms: no model answer within {rooms_budget:.1f}s; greedy placement kept")
    new_rooms, rooms_report = got_rooms or _rooms_without_model(inp, todo, time.perf_counter(), cut=tried)
    if tried and got_rooms is None:
        # the child's bound is lost with it; the aggregated LP bound is cheap (0.12 s at city size)
        rooms_report.bound = float(rooms_lp_bound(inp))
    rooms_report.detail["budget_s"] = round(max(0.0, rooms_budget), 3)
    new_rooms = _rooms_floor(new_rooms, rooms_report, alternatives, todo)
    statuses.append(rooms_report.status)
    for r in new_rooms:
        room_of[r.need] = r
    _consume(new_rooms, residual)

    t_bus = time.perf_counter()
    bus_until = deadline - tail
    per_need = max(INSERT_PER_NEED, INSERT_PER_GREEDY * floor.seconds.get("buses", 0.0) / max(1, floor.routed))
    to_route = sum(1 for nid in room_of if needs.get(nid) and needs[nid].people > carried[nid])
    fast = bus_until - t_bus < FAST_FACTOR * per_need * to_route or bus_until - t_bus <= 0
    say(f"buses: routing {len(room_of)} needs with rooms over {len(scenario.buses)} buses; "
        f"{max(0.0, bus_until - t_bus):.1f}s{' (fast mode: greedy trips, insertion, local search)' if fast else ''}")
    seed = None
    if previous is not None:
        def seed(router: Router, requests: dict[str, Request], fleet: list[BusState]) -> None:
            _seed_previous(router, previous, requests, fleet)

    def make_requests(rooms: dict[str, RoomAssignment]) -> dict[str, Request]:
        return _requests(rooms, needs, hotels, travel, carried)

    if fast:
        outcome = _insert_only(scenario, travel, fixed.trips, room_of, make_requests, seed, bus_until, floor)
    else:
        # Greedy carried everyone with rooms: the search may end a hair behind greedy on lateness
        # (city scale: 18,299 vs 18,285 person-minutes), and the floor then keeps greedy's trips with
        # twice the km. So the search gets SECOND_START of the time; if it is behind the floor, the
        # rest improves greedy's own trips (never behind them: the local search keeps no worse plan).
        second = previous is None and floor.bus_unserved == 0 and bool(floor.trips)
        search_until = t_bus + SECOND_START * (bus_until - t_bus) if second else bus_until
        outcome = route_buses(scenario, travel, fixed.trips, room_of, residual, fixed_needs | set(kept_prev),
                              make_requests, seed, search_until, search_until - t_bus, say,
                              buses_short=floor.bus_unserved > 0)
        if second and time.perf_counter() < bus_until - IMPROVE_MIN_S:
            rooms_now = list(fixed.rooms) + [r for nid, r in room_of.items() if nid not in fixed_needs]
            first_goals = _transfer_goals(scenario, rooms_now, list(fixed.trips) + outcome.router.trips())
            if _better(floor_goals, first_goals):
                other = _insert_only(scenario, travel, fixed.trips, room_of, make_requests, None, bus_until, floor)
                other_goals = _transfer_goals(scenario, rooms_now, list(fixed.trips) + other.router.trips())
                say(f"buses: search {first_goals[0]}/{first_goals[1]:.0f} behind greedy {floor_goals[0]}/"
                    f"{floor_goals[1]:.0f}; from greedy's trips {other_goals[0]}/{other_goals[1]:.0f}")
                if _better(other_goals, first_goals):
                    other.info["then"] = "full, then greedy's trips improved"
                    outcome = other
            else:  # not behind: the search goes on with the rest of the time
                improve(outcome.router, outcome.requests, bus_until)
                outcome.unmet = [outcome.router.why_not(r) for r in outcome.requests.values() if r.remaining > 0]
    router, requests, bus_unmet = outcome.router, outcome.requests, outcome.unmet

    # Rooms of needs nobody can carry are released, and offered to needs still without rooms.
    bus_why = {u.need: u for u in bus_unmet}
    released = [nid for nid, r in requests.items()
                if r.remaining == r.need.people - carried[nid] and nid not in fixed_needs
                and bus_why.get(nid, Unmet(nid, "", "")).code != OUT_OF_TIME]
    retry_until = deadline - tail / 2
    if released and time.perf_counter() < retry_until:
        was_kept = set(kept_prev)
        withdrawn = {nid: room_of[nid] for nid in released if nid in was_kept}
        _release(released, room_of, residual, needs)
        # first the needs without rooms, then other hotels for the previous proposals withdrawn
        for retry in ([n for n in todo if n.id not in room_of], [needs[nid] for nid in withdrawn]):
            for u in _retry(scenario, travel, inp_all, retry, residual, room_of, router, needs, hotels,
                            carried, retry_until):
                bus_why[u.need] = u
        restore_previous_rooms(withdrawn, room_of, residual)  # rooms nobody else took: kept as proposed
    cut = any(u.code == OUT_OF_TIME for u in bus_why.values())
    bus_status = Status.OUT_OF_TIME if cut or time.perf_counter() > deadline else Status.FEASIBLE
    statuses.append(bus_status)

    rooms_out = list(fixed.rooms) + [r for nid, r in room_of.items() if nid not in fixed_needs]
    trips_out = list(fixed.trips) + router.trips()
    transfer_unmet = [bus_why[n.id] if n.id in bus_why else room_reason(n, inp, residual)
                      for n in open_needs if n.id not in room_of]  # todo, and previous proposals withdrawn
    got = _carried(trips_out)
    transfer_unmet += [u for nid, u in bus_why.items() if nid in room_of and got[nid] < needs[nid].people]
    search_goals = _transfer_goals(scenario, rooms_out, trips_out)

    # The floor, part by part: transfers and supply share no resource, so any mix is valid.
    floor_t = _better(floor_goals, search_goals)
    floor_s = supply_skipped or floor.supply_goal < supply_report.objective
    if floor_t:
        rooms_out, trips_out, transfer_unmet = floor.rooms, floor.trips, floor.transfer_unmet
    if floor_s:
        supply_out, supply_unmet = floor.supply, floor.supply_unmet
    else:
        supply_out = list(fixed.supply) + supply
    plan = Plan(rooms_out, trips_out, supply_out, transfer_unmet + supply_unmet)
    which = "greedy" if floor_t and floor_s else "mixed" if floor_t or floor_s else "search"
    say(f"floor: {which} (search {search_goals[0]} weighted unserved, time cost {search_goals[1]:.0f}; "
        f"greedy {floor_goals[0]}, {floor_goals[1]:.0f})")
    _mark_floor(rooms_report, supply_report, plan, scenario, fixed_needs, floor_t, floor_s, search_goals,
                floor_goals, floor)
    bus_report = _bus_report(plan, scenario, travel, rooms_report, bus_status, time.perf_counter() - t_bus)
    mode = outcome.info.get("mode", "insertion") if fast else outcome.info.get("then", "full")
    bus_report.detail.update({"floor": "greedy" if floor_t else "search", "mode": mode,
                              "budget_s": round(max(0.0, bus_until - t_bus), 3),
                              "search": {"weighted_unserved_people": search_goals[0],
                                         "time_cost": round(search_goals[1], 1),
                                         "late_person_minutes": round(search_goals[2], 1)},
                              "greedy": {"weighted_unserved_people": floor_goals[0],
                                         "time_cost": round(floor_goals[1], 1),
                                         "late_person_minutes": round(floor_goals[2], 1)}})
    waiting = wait_report(scenario, plan, time_limit_s=max(0.25, deadline - time.perf_counter()))  # issue 17
    result = SolveResult(combine(statuses), plan,
                         {"rooms": rooms_report, "buses": bus_report, "supply": supply_report},
                         explain(scenario, plan, travel), time.perf_counter() - t0, floor=which, waiting=waiting)
    say(f"done: {result.status.value} in {result.seconds:.1f}s")
    return result


def _tail_s(scenario: Scenario, time_limit_s: float, setup_s: float) -> float:
    """Time kept after the bus stage: freed rooms offered again, the floor, explanations (measured
    0.3 s at city size; 0.7 s with the machine's load at 10 on 2 cores), never more than a tenth of
    the limit. How long the setup took (`setup_s`: distances from every need to every hotel)
    gauges how loaded the machine is; the post-bus work is about half of it."""
    n = len(scenario.transfers) + len(scenario.supplies)
    return min(0.1 * time_limit_s, max(0.01 + 40e-6 * n, TAIL_PER_SETUP * setup_s) + 0.005 * time_limit_s)


def _better(a: tuple[int, float, float], b: tuple[int, float, float]) -> bool:
    """Is `a` strictly better than `b` on (weighted unserved people, time cost)?"""
    return a[0] < b[0] or (a[0] == b[0] and a[1] < b[1] - LATE_EPS)


def _carried(trips: list[Trip]) -> dict[str, int]:
    got: dict[str, int] = defaultdict(int)
    for t in trips:
        for st in t.stops:
            for ld in st.load:
                got[ld.need] += ld.people
    return got


def _transfer_goals(scenario: Scenario, rooms: list[RoomAssignment], trips: list[Trip]) -> tuple[int, float, float]:
    """(weighted unserved people, time cost, late person-minutes) of a plan's transfer part, as
    the checker counts them (people carried; minutes from ready and past due at the hotel, per
    person); the time cost is `rules.time_cost` with each need's `time_weight`."""
    got: dict[str, int] = defaultdict(int)
    needs = {n.id: n for n in scenario.transfers}
    late = cost = 0.0
    for t in trips:
        for st in t.stops:
            for ld in st.load:
                got[ld.need] += ld.people
                n = needs.get(ld.need)
                if n is not None:
                    wait = ld.people * (t.arrive_at - n.ready_at).total_seconds() / 60.0
                    past = ld.people * max(0.0, (t.arrive_at - n.due_at).total_seconds() / 60.0)
                    late += past
                    cost += n.time_weight * rules.time_cost(wait, past)
    unserved = sum(n.weight * max(0, n.people - got[n.id]) for n in scenario.transfers)
    return unserved, cost, late


def _mark_floor(rooms: StageReport, supply: StageReport, plan: Plan, scenario: Scenario, fixed_needs: set[str],
                floor_t: bool, floor_s: bool, search_goals: tuple[int, float, float],
                floor_goals: tuple[int, float, float],
                floor: GreedyPlan) -> None:
    """Say in the stage reports which plan each part is, and report the part returned."""
    rooms.detail["floor"] = "greedy" if floor_t else "search"
    supply.detail["floor"] = "greedy" if floor_s else "search"
    supply.detail["greedy_objective"] = float(floor.supply_goal)
    if floor_t:
        placed = {r.need for r in plan.rooms}
        rooms.detail.setdefault("search_objective", rooms.objective)
        rooms.objective = float(sum(n.weight * n.people for n in scenario.transfers
                                    if n.id not in fixed_needs and n.people > 0 and n.id not in placed))
    if floor_s:
        supply.detail["search_objective"] = supply.objective
        supply.objective = float(floor.supply_goal)
        supply.detail["search_quantity_km"] = supply.detail.get("quantity_km")
        supply.detail["quantity_km"] = floor.supply_qkm


def _greedy_orders(inp: RoomsInput, todo: list[TransferNeed], until: float
                   ) -> list[tuple[str, list[RoomAssignment]]]:
    """Greedy placements in other orders than the dispatcher's, while time lasts. Measured on the
    scarce families, the best of these leaves 5-50 % fewer weighted people without rooms than the
    dispatcher's order (city_rooms_short seed 1: 4,169 against 5,186), and no single order wins
    everywhere: most people per room first; the fewest eligible hotels first."""
    def density(n: TransferNeed) -> float:
        return n.weight * n.people / max(1, n.rooms.total())

    def choices(n: TransferNeed) -> int:
        return len(inp.eligible.get(n.id, []))

    orders = {
        "greedy:fewest-hotels": lambda n: (n.priority, choices(n), n.raised_at or n.ready_at, n.id),
        "greedy:density": lambda n: (-density(n), choices(n), n.id),
        "greedy:fewest-hotels-density": lambda n: (n.priority, choices(n), -density(n), n.id),
        "greedy:urgency": None,
    }
    out = []
    for name, key in orders.items():
        if time.perf_counter() >= until:
            break
        order = urgency_order(todo) if key is None else sorted(todo, key=key)
        placed = greedy_rooms(inp, order)
        out.append((name, [RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()]))
    return out


def _rooms_floor(new_rooms: list[RoomAssignment], report: StageReport,
                 alternatives: list[tuple[str, list[RoomAssignment]]], todo: list[TransferNeed]
                 ) -> list[RoomAssignment]:
    """The placement that leaves the fewest weighted people without rooms: the rooms stage's, or a
    greedy one where it leaves fewer (all place the same needs in the same rooms left, so any is
    valid input to the buses). Ties keep the rooms stage's."""
    weight = {n.id: n.weight * n.people for n in todo}
    total = sum(weight.values())

    def unplaced(rooms: list[RoomAssignment]) -> int:
        return total - sum(weight.get(r.need, 0) for r in rooms)

    best, best_w, name = new_rooms, unplaced(new_rooms), "search"
    for alt_name, rooms in alternatives:
        w = unplaced(rooms)
        if w < best_w:
            best, best_w, name = rooms, w, alt_name
    report.detail["rooms_from"] = name
    if name == "search":
        return new_rooms
    report.detail["search_objective"] = report.objective
    report.objective = float(best_w)
    if report.bound is not None and best_w <= math.ceil(report.bound - 1e-6):
        report.status = Status.OPTIMAL
    return best


class _RoomsJob:
    """`solve_rooms` within a budget, answering None if it could not finish in time.

    It is told ROOMS_SAFETY of the budget. A big model is solved in a forked child process, started
    at once (this process meanwhile computes the floor and the supply) and killed soon after the
    budget's end (ROOMS_GRACE), because a solver call inside it can block far past any time limit (an LP solve once took
    32 s of a 6.8 s budget on a loaded machine). Forking copies nothing up front (copy on write) and
    takes milliseconds; a small or short solve runs in this process when `finish` is called."""

    def __init__(self, scenario: Scenario, travel: Travel, inp: RoomsInput, budget: float, k: int) -> None:
        self.args = (scenario, travel, inp)
        self.k = k
        self.budget = budget
        self.proc: BaseProcess | None = None
        self.recv: Connection | None = None
        self.off = budget < ROOMS_MIN_S
        if self.off:
            return
        if budget < GUARD_MIN_S or len(inp.needs) < GUARD_MIN_NEEDS or "fork" not in mp.get_all_start_methods():
            return
        ctx = mp.get_context("fork")
        self.recv, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_rooms_child, args=(send, *self.args, ROOMS_SAFETY * budget, k),
                                daemon=True)
        try:
            self.proc.start()
        except OSError as e:
            logger.warning("cannot start the rooms stage process (%s); solving in this one", e)
            self.proc = None
        send.close()

    def finish(self, until: float, kill_at: float) -> tuple[list[RoomAssignment], StageReport] | None:
        """The answer; an in-process solve gets until `until`, a child is killed at `kill_at`."""
        if self.off:
            return None
        if self.proc is None:
            left = until - time.perf_counter()
            if left < ROOMS_MIN_S:
                return None
            return solve_rooms(*self.args, time_limit_s=ROOMS_SAFETY * left, k_candidates=self.k)
        assert self.recv is not None
        out = None
        try:
            if self.recv.poll(max(0.0, kill_at - time.perf_counter())):
                out = self.recv.recv()
        except (EOFError, OSError) as e:
            logger.warning("rooms stage process failed: %s", e)
        finally:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(1.0)
            self.recv.close()
        if isinstance(out, str):
            logger.warning("rooms stage failed: %s", out)
            return None
        if out is None:
            logger.warning("rooms stage cut off at its budget of %.1fs", self.budget)
        else:
            logger.info("rooms stage (child process): %s, weighted unplaced %g, bound %s in %.2fs",
                        out[1].detail.get("cp_sat_status"), out[1].objective, out[1].bound, out[1].seconds)
        return out


def _rooms_child(send: Connection, scenario: Scenario, travel: Travel, inp: RoomsInput, told: float,
                 k: int) -> None:
    # Forked from a process that may have other threads (the streaming matcher): write nothing, so
    # no lock another thread held at the fork (a stream's buffer) is ever waited for. The parent
    # logs the outcome.
    logging.disable(logging.CRITICAL)
    try:
        send.send(solve_rooms(scenario, travel, inp, time_limit_s=told, k_candidates=k))
    except Exception as e:  # reported to the parent, which keeps the greedy placement
        send.send(f"{type(e).__name__}: {e}")
    finally:
        send.close()


def _rooms_without_model(inp: RoomsInput, todo: list[TransferNeed], t_start: float, cut: bool
                         ) -> tuple[list[RoomAssignment], StageReport]:
    """No time for the rooms model, or it was cut off: the greedy placement (most urgent first,
    nearest hotel that fits)."""
    placed = greedy_rooms(inp, urgency_order(todo))
    out = [RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()]
    unplaced = sum(n.weight * n.people for n in todo if n.id not in placed)
    status = Status.OUT_OF_TIME if todo else Status.OPTIMAL
    return out, StageReport("rooms", status, float(unplaced), None if todo else 0.0,
                            time.perf_counter() - t_start,
                            {"cp_sat_status": "cut off" if cut else "skipped", "warm_start": "greedy",
                             "warm_start_objective": float(unplaced)})


def _insert_only(scenario: Scenario, travel: Travel, fixed_trips: list[Trip], room_of: dict[str, RoomAssignment],
                 make_requests: Callable[[dict[str, RoomAssignment]], dict[str, Request]],
                 seed: Callable[[Router, dict[str, Request], list[BusState]], None] | None, until: float,
                 floor: GreedyPlan) -> BusOutcome:
    """The bus stage's fast mode. Without a previous plan it starts from greedy's trips wherever
    the rooms agree (so it is never behind the floor), inserts the rest (bus-minutes free when the
    fleet is ample: greedy carried everyone with rooms), then runs the local search, which keeps
    only changes that are no worse, for whatever time is left."""
    fleet = make_fleet(scenario, travel, fixed_trips)
    router = Router(fleet, travel, busy_w=0.0 if floor.bus_unserved == 0 else BUSY_W)
    requests = make_requests(room_of)
    if seed is not None:
        seed(router, requests, fleet)
    else:
        _seed_previous(router, Plan(trips=floor.trips[len(fixed_trips):]), requests, fleet)
    unmet = route_all(router, [r for r in requests.values() if r.remaining > 0], until)
    info: dict[str, Any] = {"mode": "insertion"}
    if requests and fleet and until - time.perf_counter() > IMPROVE_MIN_S and not any(
            u.code == OUT_OF_TIME for u in unmet):
        _, info = improve(router, requests, until)
        info["mode"] = "insertion+search"
        unmet = [router.why_not(r) for r in requests.values() if r.remaining > 0]
    return BusOutcome(router, requests, unmet, info)


def _consume(rooms: list[RoomAssignment], residual: dict[str, Rooms]) -> bool:
    ok = True
    for r in rooms:
        cap = residual.get(r.hotel)
        if cap is None:
            ok = False
            continue
        left = cap - r.rooms
        if min(left) < 0:
            ok, left = False, Rooms.of(max(0, c) for c in left)
        residual[r.hotel] = left
    return ok


def _release(nids: list[str], room_of: dict[str, RoomAssignment], residual: dict[str, Rooms],
             needs: dict[str, TransferNeed]) -> None:
    for nid in nids:
        r = room_of.pop(nid)
        residual[r.hotel] = residual[r.hotel] + r.rooms


def _keep_previous_rooms(previous: Plan | None, room_of: dict[str, RoomAssignment],
                         needs: dict[str, TransferNeed], hotels: dict[str, Hotel],
                         residual: dict[str, Rooms]) -> list[str]:
    kept: list[str] = []
    for r in (previous.rooms if previous else []):
        n, h = needs.get(r.need), hotels.get(r.hotel)
        if n is None or h is None or r.need in room_of or not rules.hotel_accepts(h.accepts, n.risk):
            continue
        got = Rooms(r.standard, r.family, r.accessible)
        if not rules.rooms_cover(n.rooms, got) or not rules.within(got, residual[h.id]):
            continue
        room_of[r.need] = RoomAssignment(r.need, r.hotel, *got)
        _consume([room_of[r.need]], residual)
        kept.append(r.need)
    return kept


def _requests(room_of: dict[str, RoomAssignment], needs: dict[str, TransferNeed], hotels: dict[str, Hotel],
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


def _seed_previous(router: Router, previous: Plan, requests: dict[str, Request], fleet: list[BusState]) -> None:
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


def _retry(scenario: Scenario, travel: Travel, inp_all: RoomsInput, retry: list[TransferNeed],
           residual: dict[str, Rooms], room_of: dict[str, RoomAssignment], router: Router,
           needs: dict[str, TransferNeed],
           hotels: dict[str, Hotel], carried: dict[str, int], deadline: float) -> list[Unmet]:
    """Give freed rooms to needs that had none, keeping only those a bus can then carry."""
    inp = RoomsInput(retry, inp_all.hotels, residual, {n.id: inp_all.eligible.get(n.id, []) for n in retry},
                     inp_all.km, inp_all.travel)
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
