"""Rooms stage: one hotel per transfer need, upgrades allowed, never downgrades.

Why this shape (see shared/solver-notes.md): "one hotel per need" breaks the flow structure, so
the rooms are chosen by CP-SAT on a reduced candidate set (the nearest accepting hotels plus the
one a greedy pass picked), warm-started from that greedy pass so a valid answer always exists.
The proven bound on weighted unplaced people comes from an aggregated LP relaxation (GLOP) over
*all* accepting hotels (`rooms_bound.py`), so it holds even though CP-SAT sees only candidates.

Objective (maximised), per placed need: 1000 × weight × people (the goal), plus up to
100 × weight × people for waiting longest, minus km to the hotel (choose rooms with the drive in
mind), minus lateness forced by a late-opening hotel, minus 20 per upgraded room, plus a small
bonus for keeping the hotel proposed before (limit churn).
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from .model import Hotel, Scenario, TransferNeed
from .plan import Plan, RoomAssignment
from .result import StageReport, Status
from .rooms_bound import rooms_lp_bound
from .rooms_lp import lp_round
from .travel import Travel

logger = logging.getLogger(__name__)

UPGRADE_COST = 20
CHURN_BONUS = 30
MAX_POLISH_VARS = 2000  # above this many candidate pairs, a warm start at the bound is kept as it is
POLISH_ONLY_S = 1.0     # CP-SAT budget when the warm start is already optimal on the goal


def hint_w_of(hint: dict, inp: RoomsInput) -> int:
    """Weighted people the warm start leaves without rooms."""
    return sum(n.weight * n.people for n in inp.needs if n.id not in hint)


@dataclass
class RoomsInput:
    needs: list[TransferNeed]                      # needs still to place (not fixed)
    hotels: list[Hotel]
    residual: dict[str, list[int]]                 # hotel id -> [standard, family, accessible] left
    eligible: dict[str, list[int]] = field(default_factory=dict)  # need id -> hotel indices, nearest first
    km: dict[tuple[str, int], float] = field(default_factory=dict)


def fit(need: TransferNeed, cap: list[int]) -> tuple[int, int, int] | None:
    """Rooms given (standard, family, accessible) if the need fits `cap`; upgrades to family first."""
    s, f, a = need.rooms.standard, need.rooms.family, need.rooms.accessible
    if f > cap[1] or a > cap[2]:
        return None
    gs = min(s, cap[0])
    gf = min(s - gs, cap[1] - f)
    ga = s - gs - gf
    if ga > cap[2] - a:
        return None
    return gs, f + gf, a + ga


def prepare(scenario: Scenario, travel: Travel, needs: list[TransferNeed], residual: dict[str, list[int]],
            horizon_s: int) -> RoomsInput:
    """Eligible hotels per need (accepts its risk, opens before the horizon), nearest first."""
    hotels = scenario.hotels
    inp = RoomsInput(needs, hotels, residual)
    if not hotels:
        return inp
    site_idx = np.array([travel.index[h.site] for h in hotels])
    open_s = np.array([travel.sec(h.open_at, -10**9) for h in hotels])
    by_risk: dict[str, np.ndarray] = {}
    for n in needs:
        ok = by_risk.get(n.risk)
        if ok is None:
            ok = np.array([n.risk in h.accepts and h.rooms.total() > 0 for h in hotels]) & (open_s <= horizon_s)
            by_risk[n.risk] = ok
        idx = np.nonzero(ok)[0]
        if len(idx) == 0:
            inp.eligible[n.id] = []
            continue
        km = travel.km_from_many(site_idx[idx], n.site)
        order = np.argsort(km, kind="stable")
        inp.eligible[n.id] = [int(idx[k]) for k in order]
        for k in order:
            inp.km[(n.id, int(idx[k]))] = float(km[k])
    return inp


def greedy_rooms(inp: RoomsInput, order: list[TransferNeed], prefer: dict[str, list[int]] | None = None
                 ) -> dict[str, tuple[int, tuple[int, int, int]]]:
    """Place needs in the given order at the first hotel where they fit: preferred ones first
    (if given), then the nearest eligible."""
    cap = {h: list(v) for h, v in inp.residual.items()}
    out: dict[str, tuple[int, tuple[int, int, int]]] = {}
    for n in order:
        first = (prefer or {}).get(n.id, [])
        for hi in first + [h for h in inp.eligible.get(n.id, []) if h not in first]:
            hid = inp.hotels[hi].id
            got = fit(n, cap[hid])
            if got is not None:
                out[n.id] = (hi, got)
                cap[hid] = [cap[hid][0] - got[0], cap[hid][1] - got[1], cap[hid][2] - got[2]]
                break
    return out


def _value(n: TransferNeed, h: Hotel, km: float, wait_rank: int, travel: Travel, was_prev: bool) -> int:
    """Objective coefficient of placing `n` at `h` (see the module docstring)."""
    late_open = max(0, travel.sec(h.open_at, -10**9) - travel.sec(n.due_at)) // 60
    return ((1000 + wait_rank) * n.weight * n.people - int(min(km, 300)) - int(min(late_open, 600)) // 2
            + (CHURN_BONUS if was_prev else 0))


def _placed_w(placed: dict, needs: list[TransferNeed]) -> int:
    return sum(n.weight * n.people for n in needs if n.id in placed)


def urgency_order(needs: list[TransferNeed]) -> list[TransferNeed]:
    """Most urgent first, then longest waiting (earliest raised/ready), then bigger groups."""
    return sorted(needs, key=lambda n: (n.priority, n.raised_at or n.ready_at, -n.people, n.id))


def solve_rooms(scenario: Scenario, travel: Travel, inp: RoomsInput, *, time_limit_s: float,
                previous: Plan | None = None, k_candidates: int = 20) -> tuple[list[RoomAssignment], StageReport]:
    t0 = time.perf_counter()
    needs = [n for n in inp.needs if inp.eligible.get(n.id)]
    order = urgency_order(needs)
    wait_rank = {n.id: 100 - (100 * i) // max(1, len(order)) for i, n in enumerate(order)}
    prev_hotel = {r.need: r.hotel for r in (previous.rooms if previous else [])}
    hotel_pos = {h.id: i for i, h in enumerate(inp.hotels)}
    bound = rooms_lp_bound(inp)
    total_w = sum(n.weight * n.people for n in inp.needs)
    if not needs:
        return [], StageReport("rooms", Status.OPTIMAL, float(total_w), float(total_w), time.perf_counter() - t0)
    cands: dict[str, list[int]] = {}
    values: dict[tuple[str, int], int] = {}
    for n in needs:
        cands[n.id] = list(inp.eligible[n.id][:k_candidates])
        ph = hotel_pos.get(prev_hotel.get(n.id, ""))
        if ph is not None and ph not in cands[n.id] and ph in inp.eligible[n.id]:
            cands[n.id].append(ph)
        for hi in cands[n.id]:
            values[(n.id, hi)] = _value(n, inp.hotels[hi], inp.km[(n.id, hi)], wait_rank[n.id], travel,
                                        prev_hotel.get(n.id) == inp.hotels[hi].id)
    hint = greedy_rooms(inp, order)
    source = "greedy"
    if bound > 0:  # rooms are short: try LP rounding as the warm start
        lp_hint = lp_round(inp, needs, values, cands, order, t0 + 0.4 * time_limit_s)
        if lp_hint is not None:
            if _placed_w(lp_hint, needs) > _placed_w(hint, needs):
                hint, source = lp_hint, "lp"
    for nid, (hi, _) in hint.items():
        if hi not in cands[nid]:
            cands[nid].append(hi)
            n = next(x for x in needs if x.id == nid)
            values[(nid, hi)] = _value(n, inp.hotels[hi], inp.km[(nid, hi)], wait_rank[nid], travel, False)

    hint_w = hint_w_of(hint, inp)
    at_bound = hint_w <= bound + 1e-6
    if at_bound and sum(len(c) for c in cands.values()) > MAX_POLISH_VARS:
        # Nothing left to gain on the goal, and CP-SAT would spend the budget on the secondary
        # terms only (at this size it often finds nothing better in time, and building the model
        # alone takes a good part of a second): keep the warm start, the bus stage gets the time.
        return _report(hint, inp, bound, source, hint_w, "skipped", Status.FEASIBLE, 0, t0)
    m = cp_model.CpModel()
    x: dict[tuple[str, int], cp_model.IntVar] = {}
    upg: dict[tuple[str, int], tuple] = {}
    use: dict[int, list[list]] = {}
    objective: list[cp_model.LinearExprT] = []
    for n in needs:
        lits = []
        for hi in cands[n.id]:
            cap = inp.residual[inp.hotels[hi].id]
            if fit(n, cap) is None:
                continue
            v = m.new_bool_var(f"x_{n.id}_{hi}")
            x[(n.id, hi)] = v
            lits.append(v)
            terms = use.setdefault(hi, [[], [], []])
            objective.append(values[(n.id, hi)] * v)
            s, f, a = n.rooms.standard, n.rooms.family, n.rooms.accessible
            uf = m.new_int_var(0, min(s, cap[1] - f), f"uf_{n.id}_{hi}") if s and cap[1] > f else None
            ua = m.new_int_var(0, min(s, cap[2] - a), f"ua_{n.id}_{hi}") if s and cap[2] > a else None
            ups = [u for u in (uf, ua) if u is not None]
            if ups:
                m.add(sum(ups) <= s * v)
                objective.append(-UPGRADE_COST * sum(ups))
            upg[(n.id, hi)] = (uf, ua)
            terms[0].append(s * v - sum(ups))
            terms[1].append(f * v + (uf if uf is not None else 0))
            terms[2].append(a * v + (ua if ua is not None else 0))
            chosen = hint.get(n.id, (None,))[0] == hi
            m.add_hint(v, 1 if chosen else 0)
            got = hint[n.id][1] if chosen else (s, f, a)
            if uf is not None:
                m.add_hint(uf, got[1] - f)
            if ua is not None:
                m.add_hint(ua, got[2] - a)
        if lits:
            m.add_at_most_one(lits)
    for hi, terms in use.items():
        cap = inp.residual[inp.hotels[hi].id]
        for t in range(3):
            m.add(sum(terms[t]) <= cap[t])
    m.maximize(sum(objective))

    solver = cp_model.CpSolver()
    # When the warm start already meets the bound CP-SAT only polishes waiting, km and upgrades:
    # a short budget. When rooms are short it gets the stage's whole limit (as measured in the bench).
    budget = min(time_limit_s, POLISH_ONLY_S) if at_bound else time_limit_s
    solver.parameters.max_time_in_seconds = max(0.05, budget)
    solver.parameters.num_workers = 2
    watchdog = threading.Timer(budget * 1.5 + 1.0, solver.stop_search)
    watchdog.start()
    try:
        st = solver.solve(m)
    finally:
        watchdog.cancel()
    placed = hint
    status = Status.OUT_OF_TIME
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found: dict[str, tuple[int, tuple[int, int, int]]] = {}
        by_id = {n.id: n for n in needs}
        for (nid, hi), v in x.items():
            if solver.value(v):
                n = by_id[nid]
                gf, ga = (0 if u is None else int(solver.value(u)) for u in upg[(nid, hi)])
                found[nid] = (hi, (n.rooms.standard - gf - ga, n.rooms.family + gf, n.rooms.accessible + ga))
        if _placed_w(found, needs) >= _placed_w(hint, needs):
            placed = found
            status = Status.OPTIMAL if st == cp_model.OPTIMAL else Status.FEASIBLE
    else:
        logger.warning("rooms CP-SAT returned %s; keeping the warm start", solver.status_name(st))
    return _report(placed, inp, bound, source, hint_w, solver.status_name(st), status, len(x), t0)


def _report(placed: dict, inp: RoomsInput, bound: float, source: str, hint_w: int, cp_status: str,
            status: Status, candidates: int, t0: float) -> tuple[list[RoomAssignment], StageReport]:
    out = [RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()]
    by_need = {n.id: n for n in inp.needs}
    unplaced_w = sum(n.weight * n.people for n in inp.needs if n.id not in placed)
    if unplaced_w <= math.ceil(bound - 1e-6):  # objective is an integer, so ceil(bound) is a bound
        status = Status.OPTIMAL  # the goal (weighted unplaced people) meets its proven bound
    upgrades = sum(r.family - by_need[r.need].rooms.family + r.accessible - by_need[r.need].rooms.accessible
                   for r in out)
    report = StageReport("rooms", status, float(unplaced_w), float(bound), time.perf_counter() - t0,
                         {"cp_sat_status": cp_status, "warm_start": source, "warm_start_objective": float(hint_w),
                          "upgrades": upgrades, "candidates": candidates})
    logger.info("rooms: %d/%d placed, weighted unplaced %d (bound %.1f, greedy %d) in %.2fs",
                len(out), len(inp.needs), unplaced_w, bound, hint_w, report.seconds)
    return out, report
