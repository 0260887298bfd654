"""solve(scenario) -> plan: the doorstep matcher's one entry point (docs/volunteers-solve.md).

Claims kept, pairs first, then a greedy construction by priority; the itineraries are then
reordered by OR-Tools routing where that saves travel, and freed time is offered to unmet tasks.
Never raises for a task it cannot serve: each one is in `unmet` with its cause.
"""

from __future__ import annotations

import time
from typing import Any

from baolei_volunteers.solver.clusters import replan_compounds
from baolei_volunteers.solver.greedy import Matching, keep_claims, serve_pairs, serve_rest
from baolei_volunteers.solver.model import read_scenario
from baolei_volunteers.solver.plan import build_plan
from baolei_volunteers.solver.reach import Reach
from baolei_volunteers.solver.routing import improve_routes

DEFAULT_TIME_LIMIT_S = 60.0
IMPROVE_SHARE = 0.6     # of the time limit, for the construction and the routing; the rest is explaining
REFILL_NEAREST = 120    # candidates per unmet task in the refill after routing


def solve(scenario: dict[str, Any], *, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> dict[str, Any]:
    """A plan for `scenario` that obeys every hard rule; `time_limit_s` bounds the improvement phase."""
    began = time.monotonic()
    sc = read_scenario(scenario)
    m = Matching(sc, Reach(sc))
    keep_claims(m, sc.tasks)
    serve_pairs(m, sc.tasks)
    serve_rest(m, sc.tasks)
    construct_s = time.monotonic() - began
    budget = max(0.0, time_limit_s * IMPROVE_SHARE - construct_s)
    compounds_tried, compounds_improved = replan_compounds(m, budget / 2)
    tried, improved = improve_routes(list(m.routes.values()), budget - (time.monotonic() - began - construct_s))
    before = len(m.owner)
    if improved or compounds_improved:
        serve_rest(m, sc.tasks, limit=REFILL_NEAREST)  # time freed by shorter walks goes to the unmet
    stats = {"construct_s": round(construct_s, 3), "solve_s": round(time.monotonic() - began, 3),
             "status": "feasible", "time_limit_s": time_limit_s, "routes_reordered": improved,
             "routes_tried": tried, "compounds_replanned": compounds_improved,
             "compounds_tried": compounds_tried, "refilled": len(m.owner) - before}
    plan = build_plan(m, stats)
    plan["metrics"]["solve_s"] = round(time.monotonic() - began, 3)  # with the explanations
    return plan
