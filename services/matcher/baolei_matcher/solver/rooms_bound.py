"""Proven lower bounds on weighted unplaced people for the rooms stage (GLOP LPs).

Two relaxations, both over *every* hotel a need could legally use (accepts its risk, opens in
time, and — for the assignment LP — has the rooms it asks for, upgrades allowed), so they hold
whatever candidate set CP-SAT later sees:

- `rooms_lp_bound` (the older one): needs placed fractionally (y_n in [0, 1]) with their rooms
  spread by type over all eligible hotels. It forgets "one hotel per need": a need of five rooms
  may take one room in each of five hotels, so on many small hotels it is weak (issue 11 measured
  a bound four times below the optimum).
- `assignment_lp` (the one reported): x[n, h] in [0, 1] per need and hotel where the need *fits*
  (`rules.fit` on the hotel's rooms left), Σ_h x[n, h] ≤ 1, and per hotel the room-type
  capacity with standard rooms upgraded to family or accessible as a flow (aggregate upgrades per
  hotel are exact: given integral x, per-hotel totals can always be split over the needs). This is
  the LP relaxation of the rooms CP-SAT model on the full candidate set. Needs with the same rooms
  asked and the same eligible hotels are interchangeable in it, so it is solved aggregated by
  (rooms asked, eligible set): a few hundred groups × hotels even at city scale.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from . import rules
from .model import TransferNeed
from .rooms_input import RoomsInput

logger = logging.getLogger(__name__)

# (requested type, given type) pairs allowed: upgrades only from standard.
_MOVES = ((0, 0), (0, 1), (0, 2), (1, 1), (2, 2))


def rooms_lp_bound(inp: RoomsInput) -> float:
    """Lower bound on Σ weight × people of needs left without rooms (over all of `inp.needs`);
    relaxes "one hotel per need" (see the module docstring)."""
    total = float(sum(n.weight * n.people for n in inp.needs))
    groups: dict[tuple[int, ...], list[Any]] = defaultdict(list)
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
    given: dict[tuple[int, int], list[Any]] = defaultdict(list)  # (hotel idx, given type) -> vars
    objective = solver.Objective()
    for hotels, needs in groups.items():
        ys = [solver.NumVar(0.0, 1.0, "") for _ in needs]
        for n, y in zip(needs, ys, strict=True):
            objective.SetCoefficient(y, float(n.weight * n.people))
        for req in range(3):
            demand = [(y, tuple(n.rooms)[req]) for n, y in zip(needs, ys, strict=True)]
            if not any(q for _, q in demand):
                continue
            row = solver.Constraint(0.0, 0.0)
            for y, q in demand:
                if q:
                    row.SetCoefficient(y, -float(q))
            for hi in hotels:
                cap = tuple(inp.residual[inp.hotels[hi].id])
                for r, t in _MOVES:
                    if r == req and cap[t] > 0:
                        z = solver.NumVar(0.0, inf, "")
                        row.SetCoefficient(z, 1.0)
                        given[(hi, t)].append(z)
    for (hi, t), zs in given.items():
        row = solver.Constraint(-inf, float(tuple(inp.residual[inp.hotels[hi].id])[t]))
        for z in zs:
            row.SetCoefficient(z, 1.0)
    objective.SetMaximization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        logger.warning("rooms LP bound: GLOP status %s", status)
        return 0.0
    # Round the bound down slightly against LP tolerances: it must stay a valid lower bound.
    placed_ub = objective.Value() * (1 + 1e-7) + 1e-6
    return max(0.0, float(total - placed_ub))


@dataclass
class AssignmentLP:
    """The per-need assignment LP's answer: the bound, and per group (needs with the same rooms
    asked and eligible hotels, most weighted people first) how many of them go to which hotel."""

    bound: float                                   # lower bound on weighted unplaced people
    groups: list[list[TransferNeed]] = field(default_factory=list)
    alloc: list[dict[int, float]] = field(default_factory=list)  # group -> hotel idx -> needs placed
    seconds: float = 0.0


def fitting(inp: RoomsInput) -> dict[str, list[int]]:
    """Per need, the hotels (indices, nearest first) where it could get its rooms now: eligible
    (accepts its risk, opens in time) and with the rooms it asks left, upgrades allowed
    (`rules.fits_counts`, one need against all its eligible hotels at once)."""
    caps = np.array([tuple(inp.residual[h.id]) for h in inp.hotels], dtype=np.int64).reshape(-1, 3)
    out: dict[str, list[int]] = {}
    for n in inp.needs:
        el = np.asarray(inp.eligible.get(n.id) or [], dtype=np.int64)
        if len(el) == 0:
            out[n.id] = []
            continue
        c = caps[el]
        r = n.rooms
        ok = rules.fits_counts(r.standard, r.family, r.accessible, c[:, 0], c[:, 1], c[:, 2])
        out[n.id] = [int(h) for h in el[ok]]
    return out


def assignment_lp(inp: RoomsInput, fits: dict[str, list[int]]) -> AssignmentLP | None:
    """Solve the per-need assignment LP (aggregated by group); None if GLOP fails.
    `fits[need id]` must hold every hotel the need fits (see `fitting`), else the bound is invalid."""
    t0 = time.perf_counter()
    total = float(sum(n.weight * n.people for n in inp.needs))
    by_key: dict[tuple[Any, ...], list[TransferNeed]] = defaultdict(list)
    for n in inp.needs:
        f = fits.get(n.id) or []
        if f:
            by_key[(tuple(n.rooms), tuple(sorted(f)))].append(n)
    if not by_key:
        return AssignmentLP(total, seconds=time.perf_counter() - t0)
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        logger.warning("GLOP unavailable; no assignment bound")
        return None
    inf = solver.infinity()
    objective = solver.Objective()
    groups: list[list[TransferNeed]] = []
    xs: list[dict[int, pywraplp.Variable]] = []
    # per hotel: terms of standard, family and accessible rooms asked by needs placed there
    asked: dict[int, list[list[tuple[pywraplp.Variable, float]]]] = defaultdict(lambda: [[], [], []])
    for (req, hotels), members in by_key.items():
        members = sorted(members, key=lambda n: -n.weight * n.people)
        groups.append(members)
        link = solver.Constraint(0.0, 0.0)  # Σ_h x[g, h] = Σ_n y_n
        for n in members:
            y = solver.NumVar(0.0, 1.0, "")
            objective.SetCoefficient(y, float(n.weight * n.people))
            link.SetCoefficient(y, -1.0)
        xg: dict[int, pywraplp.Variable] = {}
        for hi in hotels:
            x = solver.NumVar(0.0, float(len(members)), "")
            link.SetCoefficient(x, 1.0)
            xg[hi] = x
            for t in range(3):
                if req[t]:
                    asked[hi][t].append((x, float(req[t])))
        xs.append(xg)
    for hi, terms in asked.items():
        cap = tuple(inp.residual[inp.hotels[hi].id])  # (standard, family, accessible) for the LP
        # upgrades: standard rooms asked, given as family (uf) or accessible (ua)
        uf = solver.NumVar(0.0, float(cap[1]), "")
        ua = solver.NumVar(0.0, float(cap[2]), "")
        rows = [solver.Constraint(-inf, float(cap[t])) for t in range(3)]
        no_down = solver.Constraint(-inf, 0.0)  # uf + ua <= standard asked here
        for t in range(3):
            for x, q in terms[t]:
                rows[t].SetCoefficient(x, q)
                if t == 0:
                    no_down.SetCoefficient(x, -q)
        rows[0].SetCoefficient(uf, -1.0)
        rows[0].SetCoefficient(ua, -1.0)
        rows[1].SetCoefficient(uf, 1.0)
        rows[2].SetCoefficient(ua, 1.0)
        no_down.SetCoefficient(uf, 1.0)
        no_down.SetCoefficient(ua, 1.0)
    objective.SetMaximization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        logger.warning("rooms assignment LP: GLOP status %s", status)
        return None
    placed_ub = objective.Value() * (1 + 1e-7) + 1e-6  # against LP tolerances: stay a valid bound
    alloc = [{hi: x.solution_value() for hi, x in xg.items() if x.solution_value() > 1e-6} for xg in xs]
    return AssignmentLP(max(0.0, total - placed_ub), groups, alloc, time.perf_counter() - t0)
