"""LP rounding for the rooms stage: a near-optimal warm start when rooms are scarce.

Why: when rooms run short, which needs to place is a multi-knapsack (a family room holds up to
three people, a standard room one), and urgency-ordered greedy is several percent off the bound.
CP-SAT alone improves it slowly at this size. The LP relaxation of the candidate model (GLOP,
a second or less) is almost integral, so placing needs in the order of their LP value, each at the
hotel the LP prefers, lands close to the bound; CP-SAT then polishes that start.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ortools.linear_solver import pywraplp

from .model import TransferNeed

if TYPE_CHECKING:
    from .rooms import RoomsInput

logger = logging.getLogger(__name__)

MAX_ROUNDS = 12


def lp_round(inp: RoomsInput, needs: list[TransferNeed], values: Mapping[tuple[str, int], float],
             cands: dict[str, list[int]], order: list[TransferNeed], deadline: float
             ) -> dict[str, tuple[int, tuple[int, int, int]]] | None:
    """Iterated LP rounding: solve the LP, fix every need it places whole, fix the largest
    fractional fifth at its favourite hotel, repeat on what is left; finish greedily."""
    from .rooms import fit, greedy_rooms

    cap_of = {h: list(v) for h, v in inp.residual.items()}
    placed: dict[str, tuple[int, tuple[int, int, int]]] = {}
    left = list(needs)
    for _ in range(MAX_ROUNDS):
        if not left or time.perf_counter() > deadline:
            break
        sol = _solve_lp(inp, cap_of, left, values, cands)
        if sol is None:
            return None
        fractional = []
        for n in left:
            xs_n = sol[n.id]
            if xs_n and xs_n[0][0] >= 0.999:
                _place(n, xs_n[0][1], inp, cap_of, placed, fit)
            elif xs_n:
                fractional.append((xs_n[0][0], n, xs_n))
        fractional.sort(key=lambda f: -f[0])
        for _, n, xs_n in fractional[: max(1, len(fractional) // 5)]:
            for _, hi in xs_n:
                if _place(n, hi, inp, cap_of, placed, fit):
                    break
        nxt = [n for n in left if n.id not in placed and sol[n.id]]
        if len(nxt) == len(left):
            break
        left = nxt
    rest = [n for n in order if n.id not in placed]
    saved = inp.residual
    inp.residual = cap_of
    try:
        placed.update(greedy_rooms(inp, rest))
    finally:
        inp.residual = saved
    return placed


def _place(n: TransferNeed, hi: int, inp: RoomsInput, cap_of: dict[str, list[int]],
           placed: dict, fit) -> bool:
    hid = inp.hotels[hi].id
    got = fit(n, cap_of[hid])
    if got is None:
        return False
    placed[n.id] = (hi, got)
    cap_of[hid] = [c - g for c, g in zip(cap_of[hid], got, strict=True)]
    return True


def _solve_lp(inp: RoomsInput, cap_of: dict[str, list[int]], needs: list[TransferNeed],
              values: Mapping[tuple[str, int], float], cands: dict[str, list[int]]
              ) -> dict[str, list[tuple[float, int]]] | None:
    """LP relaxation on the candidates; per need, (x, hotel) pairs with x > 0, largest first."""
    from .rooms import fit

    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    inf = solver.infinity()
    objective = solver.Objective()
    xs: dict[tuple[str, int], pywraplp.Variable] = {}
    rows: dict[tuple[int, int], pywraplp.Constraint] = {}
    for n in needs:
        one = solver.Constraint(0.0, 1.0)
        for hi in cands.get(n.id, []):
            cap = cap_of[inp.hotels[hi].id]
            if fit(n, cap) is None:
                continue
            x = solver.NumVar(0.0, 1.0, "")
            xs[(n.id, hi)] = x
            one.SetCoefficient(x, 1.0)
            objective.SetCoefficient(x, values[(n.id, hi)])
            s, f, a = n.rooms.standard, n.rooms.family, n.rooms.accessible
            # upgrades as fractions of the need's standard rooms given as family / accessible
            ups = []
            if s and cap[1] > f:
                ups.append((1, solver.NumVar(0.0, inf, "")))
            if s and cap[2] > a:
                ups.append((2, solver.NumVar(0.0, inf, "")))
            if ups:
                lim = solver.Constraint(-inf, 0.0)
                lim.SetCoefficient(x, -float(s))
            for _, u in ups:
                lim.SetCoefficient(u, 1.0)
                objective.SetCoefficient(u, -20.0)
            for t, q in enumerate((s, f, a)):
                row = rows.get((hi, t))
                if row is None:
                    row = rows[(hi, t)] = solver.Constraint(-inf, float(cap[t]))
                if q:
                    row.SetCoefficient(x, float(q))
            for t, u in ups:
                rows[(hi, 0)].SetCoefficient(u, -1.0)
                rows[(hi, t)].SetCoefficient(u, 1.0)
    objective.SetMaximization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        logger.warning("rooms LP rounding: GLOP did not solve; skipping")
        return None
    out: dict[str, list[tuple[float, int]]] = {}
    for n in needs:
        xs_n = [(xs[(n.id, hi)].solution_value(), hi) for hi in cands.get(n.id, []) if (n.id, hi) in xs]
        out[n.id] = sorted((v, hi) for v, hi in xs_n if v > 1e-6)[::-1]
    return out
