"""A 管控区 compound is its own small problem: only the volunteers living in it may serve its doors.

Where such a compound still has unmet doorstep tasks that its volunteers could do, its whole
doorstep work is re-planned at once as a vehicle-routing problem (OR-Tools, one vehicle per
resident volunteer with their own start, window, speed and minutes; a task's allowed vehicles are
those that pass the static rules; claims and pairs stay on their volunteer; every other task may be
dropped at a penalty that falls tenfold per rank, so the frail are served first). The answer is
adopted only if it serves more (by rank) or as much with less travel, and only after every day is
re-timed by the itinerary with the volunteers' remote stops put back.
"""

from __future__ import annotations

import logging
import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from baolei_volunteers.domain.geo import km
from baolei_volunteers.domain.zones import Zone
from baolei_volunteers.solver.greedy import Matching
from baolei_volunteers.solver.itinerary import Route, delay_weight
from baolei_volunteers.solver.model import Task, Volunteer
from baolei_volunteers.solver.routing import COST_SCALE, SCALE

logger = logging.getLogger(__name__)
MAX_TASKS = 150
SECONDS_BASE, SECONDS_PER_TASK = 0.05, 0.01
FIXED_TAGS = ("claim", "pair", "building")


def value(task: Task) -> int:
    """What serving a task is worth in the routing objective: tenfold per rank, half again with a deadline."""
    base: int = 10_000_000 // 10 ** min(task.rank, 4)
    return base * 3 // 2 if task.deadline is not None else base


def compounds_to_replan(m: Matching) -> list[str]:
    out: list[str] = []
    for cid, vols in m.reach.by_compound.items():
        c = m.scenario.compounds[cid]
        if c.place.zone is not Zone.CONTROLLED or not vols:
            continue
        out.append(cid)
    return out


def replan_compounds(m: Matching, budget_s: float, per_compound_s: float = 1.0) -> tuple[int, int]:
    """(compounds tried, compounds improved) within `budget_s`."""
    began = time.monotonic()
    doors: dict[str, list[Task]] = {}
    for t in m.scenario.tasks:
        if not t.remote and t.household.compound.place.zone is Zone.CONTROLLED:
            doors.setdefault(t.household.compound.id, []).append(t)
    tried = improved = 0
    for cid in compounds_to_replan(m):
        tasks = doors.get(cid, [])
        if not any(t.index not in m.owner for t in tasks) or len(tasks) > MAX_TASKS:
            continue
        left = budget_s - (time.monotonic() - began)
        if left <= 0.05:
            break
        tried += 1
        limit = min(per_compound_s, SECONDS_BASE + SECONDS_PER_TASK * len(tasks), left)  # GLS runs to its limit
        try:
            improved += replan(m, m.reach.by_compound[cid], tasks, limit)
        except Exception:  # an improvement phase never fails the solve: the construction stands
            logger.exception("re-planning compound %s failed; its construction is kept", cid)
    return tried, improved


def replan(m: Matching, vols: list[Volunteer], tasks: list[Task], limit_s: float) -> bool:
    sc = m.scenario
    routes = [m.route(v) for v in vols]
    before = {r.vol.index: r.tasks for r in routes}
    owners = {t.index: m.owner[t.index] for t in tasks if t.index in m.owner}
    remote = {r.vol.index: [t for t in r.tasks if t.remote] for r in routes}
    n, nv = len(tasks), len(vols)
    depot = (vols[0].lat, vols[0].lon)
    pts = [depot] + [(t.household.lat, t.household.lon) for t in tasks]
    dist = [[km(*pts[i], *pts[j]) for j in range(n + 1)] for i in range(n + 1)]
    dur = [0] + [int(round(t.duration * SCALE)) for t in tasks]
    manager = pywrapcp.RoutingIndexManager(n + 2, nv, [0] * nv, [n + 1] * nv)
    model = pywrapcp.RoutingModel(manager)

    def leg(vol: Volunteer, a: int, b: int) -> int:
        return int(round(sc.travel.minutes(vol.mode, dist[a][b]) * SCALE)) if a <= n and b <= n else 0

    def busy_cb(vol: Volunteer) -> int:
        def cb(i: int, j: int) -> int:
            a, b = int(manager.IndexToNode(i)), int(manager.IndexToNode(j))
            return (dur[a] if a <= n else 0) + leg(vol, a, b)
        return int(model.RegisterTransitCallback(cb))

    def arc_cb(vol: Volunteer) -> int:
        def cb(i: int, j: int) -> int:
            return leg(vol, int(manager.IndexToNode(i)), int(manager.IndexToNode(j))) * COST_SCALE
        return int(model.RegisterTransitCallback(cb))

    busy = [busy_cb(v) for v in vols]
    for k, v in enumerate(vols):
        model.SetArcCostEvaluatorOfVehicle(arc_cb(v), k)
    horizon = int(max(max(v.t_until, m.route(v).states[0].t) for v in vols) * SCALE) + 2
    model.AddDimensionWithVehicleTransits(busy, horizon, max(1, horizon), False, "time")
    reserved = [int(sum(t.duration for t in remote[v.index]) * SCALE) for v in vols]
    model.AddDimensionWithVehicleTransitAndCapacity(
        busy, 0, [max(0, int(v.minutes * SCALE) - reserved[k]) for k, v in enumerate(vols)], True, "busy")
    clock = model.GetDimensionOrDie("time")
    for k, v in enumerate(vols):
        t0 = int(round(m.route(v).states[0].t * SCALE + 0.5))
        until = int(v.t_until * SCALE)
        if until < t0:
            until = t0
        clock.CumulVar(model.Start(k)).SetRange(t0, until)
        clock.CumulVar(model.End(k)).SetMax(until)
    for node, task in enumerate(tasks, start=1):
        idx = manager.NodeToIndex(node)
        allowed = [k for k, v in enumerate(vols) if m.reach.refusal(v, task) is None and task.claimed_by != v.id]
        owner = owners.get(task.index)
        if owner is not None and owner[1] in FIXED_TAGS:
            allowed = [k for k, v in enumerate(vols) if v is owner[0]]
        lo = max(0, int(round(task.earliest * SCALE + 0.5)))
        hi = horizon - dur[node]
        if task.deadline is not None:
            hi = min(hi, int(task.deadline * SCALE) - dur[node])
        if not allowed or hi < lo:
            model.AddDisjunction([idx], 0)
            model.VehicleVar(idx).SetValues([-1])
            continue
        model.VehicleVar(idx).SetValues([-1] + allowed)
        clock.CumulVar(idx).SetRange(lo, hi)
        clock.SetCumulVarSoftUpperBound(idx, 0, int(round(delay_weight(task.rank) * COST_SCALE)))
        if owner is None or owner[1] not in FIXED_TAGS:
            model.AddDisjunction([idx], value(task))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(10, int(limit_s * 1000)))
    model.CloseModelWithParameters(params)
    node_of = {t.index: i for i, t in enumerate(tasks, start=1)}
    first = model.ReadAssignmentFromRoutes(
        [[node_of[t.index] for t in before[v.index] if not t.remote and t.index in node_of] for v in vols], True)
    solution = model.SolveFromAssignmentWithParameters(first, params) if first is not None \
        else model.SolveWithParameters(params)
    if solution is None:
        return False
    plans: dict[int, list[Task]] = {}
    for k, v in enumerate(vols):
        order: list[Task] = []
        index = solution.Value(model.NextVar(model.Start(k)))
        while not model.IsEnd(index):
            order.append(tasks[int(manager.IndexToNode(index)) - 1])
            index = solution.Value(model.NextVar(index))
        plans[v.index] = order
    return _adopt(m, routes, plans, remote, before, owners, tasks)


def _score(m: Matching, routes: list[Route], tasks: list[Task]) -> tuple[int, float]:
    served = sum(value(t) for t in tasks if t.index in m.owner)
    return served, -sum(r.travel_min for r in routes)


def _adopt(m: Matching, routes: list[Route], plans: dict[int, list[Task]], remote: dict[int, list[Task]],
           before: dict[int, list[Task]], owners: dict[int, tuple[Volunteer, str]], tasks: list[Task]) -> bool:
    old = _score(m, routes, tasks)
    ok = True
    for r in routes:
        if not r.set_order(plans[r.vol.index]):
            ok = False
            break
        for t in remote[r.vol.index]:
            found = r.best_insertion(t, delay_weight(t.rank))
            if found is None:
                ok = False
                break
            r.insert(found[1], found[2])
        if not ok:
            break
    if ok:
        for t in tasks:
            m.owner.pop(t.index, None)
        for r in routes:
            for t in plans[r.vol.index]:
                prev = owners.get(t.index)
                m.owner[t.index] = (r.vol, prev[1] if prev is not None and prev[0] is r.vol else "near")
        if _score(m, routes, tasks) > old:
            return True
    for r in routes:
        if not r.set_order(before[r.vol.index]):
            raise AssertionError("the previous day no longer fits")
    for t in tasks:
        m.owner.pop(t.index, None)
    m.owner.update(owners)
    return False
