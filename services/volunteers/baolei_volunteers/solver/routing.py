"""Itineraries in visit order by OR-Tools routing (pywrapcp RoutingModel with a time dimension).

One volunteer's doorstep stops are a small open-path problem: start at home at `available_from`,
visit every stop inside its window (earliest .. deadline − duration), spend at most
`minutes_left_today` walking and serving, end anywhere. The arc cost is travel; a soft upper bound
of 0 on each start, weighed by the household's rank, keeps the frail early. The current order is
the first solution, so the answer is never worse; remote stops are put back after by insertion, and
the day is re-timed by the itinerary itself (the routing model is a proposal, never the judge).
"""

from __future__ import annotations

import logging
import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from baolei_volunteers.domain.geo import km
from baolei_volunteers.solver.itinerary import Route, Visit, delay_weight
from baolei_volunteers.solver.model import Task

logger = logging.getLogger(__name__)
SCALE = 10        # model time unit: a tenth of a minute
COST_SCALE = 20   # cost per tenth of a travel minute; a rank weight w costs round(w × COST_SCALE) per tenth of delay


def route_cost(visits: list[Visit]) -> float:
    return sum(v.leg + delay_weight(v.task.rank) * v.start for v in visits)


def reorder(route: Route, time_limit_s: float) -> bool:
    """Reorder `route` by OR-Tools when that lowers travel + weighted starts; True when it changed."""
    doorstep = [v.task for v in route.visits if not v.task.remote]
    remote = [v.task for v in route.visits if v.task.remote]
    if len(doorstep) < 3:
        return False
    vol, travel = route.vol, route.travel
    start = route.states[0]
    n = len(doorstep)
    pts = [(start.lat, start.lon)] + [(t.household.lat, t.household.lon) for t in doorstep]
    dur = [0] + [int(round(t.duration * SCALE)) for t in doorstep]
    leg = [[int(round(travel.minutes(vol.mode, km(*pts[i], *pts[j])) * SCALE)) for j in range(n + 1)]
           for i in range(n + 1)]
    manager = pywrapcp.RoutingIndexManager(n + 2, 1, [0], [n + 1])
    model = pywrapcp.RoutingModel(manager)

    def node(index: int) -> int:
        return int(manager.IndexToNode(index))

    def busy(i: int, j: int) -> int:
        a, b = node(i), node(j)
        return (dur[a] if a <= n else 0) + (leg[a][b] if a <= n and b <= n else 0)

    def arc(i: int, j: int) -> int:
        a, b = node(i), node(j)
        return leg[a][b] * COST_SCALE if a <= n and b <= n else 0

    busy_cb = model.RegisterTransitCallback(busy)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitCallback(arc))
    until = int(vol.t_until * SCALE)
    model.AddDimension(busy_cb, max(0, until), max(0, until), False, "time")
    model.AddDimension(busy_cb, 0, int(vol.minutes * SCALE), True, "busy")
    clock = model.GetDimensionOrDie("time")
    t0 = int(round(start.t * SCALE + 0.5))
    if t0 > until:
        return False
    clock.CumulVar(model.Start(0)).SetRange(t0, max(t0, until))
    clock.CumulVar(model.End(0)).SetMax(max(t0, until))
    for k, task in enumerate(doorstep, start=1):
        idx = manager.NodeToIndex(k)
        lo = max(t0, int(round(task.earliest * SCALE + 0.5)))
        hi = until - dur[k]
        if task.deadline is not None:
            hi = min(hi, int(task.deadline * SCALE) - dur[k])
        if hi < lo:
            return False
        clock.CumulVar(idx).SetRange(lo, hi)
        clock.SetCumulVarSoftUpperBound(idx, 0, int(round(delay_weight(task.rank) * COST_SCALE)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    model.CloseModelWithParameters(params)
    first = model.ReadAssignmentFromRoutes([list(range(1, n + 1))], True)
    if first is None:
        solution = model.SolveWithParameters(params)
    else:
        solution = model.SolveFromAssignmentWithParameters(first, params)
    if solution is None:
        return False
    order: list[int] = []
    index = model.Start(0)
    while not model.IsEnd(index):
        k = node(index)
        if k != 0:
            order.append(k - 1)
        index = solution.Value(model.NextVar(index))
    return _adopt(route, [doorstep[k] for k in order], remote)


def _adopt(route: Route, doorstep: list[Task], remote: list[Task]) -> bool:
    """Take the new doorstep order with the remote stops re-inserted, if feasible and cheaper."""
    before = route.tasks
    old_cost = route_cost(route.visits)
    if not route.set_order(doorstep):
        route.set_order(before)
        return False
    for task in remote:
        found = route.best_insertion(task, delay_weight(task.rank))
        if found is None:
            route.set_order(before)
            return False
        route.insert(found[1], found[2])
    if route_cost(route.visits) < old_cost - 1e-6:
        return True
    route.set_order(before)
    return False


def improve_routes(routes: list[Route], budget_s: float, per_route_s: float = 0.05) -> tuple[int, int]:
    """Reorder the longest days first until `budget_s` is spent; (routes tried, routes improved)."""
    began = time.monotonic()
    tried = improved = 0
    for route in sorted(routes, key=lambda r: -len(r.visits)):
        if len(route.visits) < 3:
            break
        if time.monotonic() - began > budget_s:
            break
        tried += 1
        try:
            improved += reorder(route, per_route_s)
        except Exception:  # an improvement phase never fails the solve: the order found stands
            logger.exception("reordering the day of %s failed; its order is kept", route.vol.id)
    return tried, improved
