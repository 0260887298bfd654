"""A proven lower bound on weighted unplaced people for the rooms stage (GLOP LP).

Why: CP-SAT only sees a few candidate hotels per need, so its own bound says nothing about the
full problem. This LP relaxes "one hotel per need" and integrality but keeps every accepting hotel,
every room type and the upgrade rule, aggregated by (eligibility set, hotel): a need may be placed
fractionally (y_n in [0, 1]) and its rooms spread over its eligible hotels. Its optimum is an upper
bound on weighted people placed, so total − optimum bounds weighted unplaced people from below.
Size: needs + groups × hotels × 5 variables, small even at city scale.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.linear_solver import pywraplp

if TYPE_CHECKING:
    from .rooms import RoomsInput

logger = logging.getLogger(__name__)

# (requested type, given type) pairs allowed: upgrades only from standard.
_MOVES = ((0, 0), (0, 1), (0, 2), (1, 1), (2, 2))


def rooms_lp_bound(inp: RoomsInput) -> float:
    """Lower bound on Σ weight × people of needs left without rooms (over all of `inp.needs`)."""
    total = float(sum(n.weight * n.people for n in inp.needs))
    groups: dict[tuple[int, ...], list] = defaultdict(list)
    for n in inp.needs:
        el = inp.eligible.get(n.id) or []
        if el:
            groups[tuple(sorted(el))].append(n)
    if not groups:
        return total
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        logger.warning("GLOP unavailable; rooms bound is trivial")
        return 0.0
    inf = solver.infinity()
    given: dict[tuple[int, int], list] = defaultdict(list)  # (hotel idx, given type) -> vars
    objective = solver.Objective()
    for hotels, needs in groups.items():
        ys = [solver.NumVar(0.0, 1.0, "") for _ in needs]
        for n, y in zip(needs, ys, strict=True):
            objective.SetCoefficient(y, float(n.weight * n.people))
        for req in range(3):
            demand = [(y, (n.rooms.standard, n.rooms.family, n.rooms.accessible)[req])
                      for n, y in zip(needs, ys, strict=True)]
            if not any(q for _, q in demand):
                continue
            row = solver.Constraint(0.0, 0.0)
            for y, q in demand:
                if q:
                    row.SetCoefficient(y, -float(q))
            for hi in hotels:
                cap = inp.residual[inp.hotels[hi].id]
                for r, t in _MOVES:
                    if r == req and cap[t] > 0:
                        z = solver.NumVar(0.0, inf, "")
                        row.SetCoefficient(z, 1.0)
                        given[(hi, t)].append(z)
    for (hi, t), zs in given.items():
        row = solver.Constraint(-inf, float(inp.residual[inp.hotels[hi].id][t]))
        for z in zs:
            row.SetCoefficient(z, 1.0)
    objective.SetMaximization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        logger.warning("rooms LP bound: GLOP status %s", status)
        return 0.0
    # Round the bound down slightly against LP tolerances: it must stay a valid lower bound.
    placed_ub = objective.Value() * (1 + 1e-7) + 1e-6
    return max(0.0, total - placed_ub)
