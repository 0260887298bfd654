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
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from .model import Hotel, Scenario, TransferNeed
from .plan import Plan, RoomAssignment
from .result import StageReport, Status
from .rooms_bound import rooms_lp_bound
from .travel import Travel

logger = logging.getLogger(__name__)

UPGRADE_COST = 20
CHURN_BONUS = 30


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


def greedy_rooms(inp: RoomsInput, order: list[TransferNeed]) -> dict[str, tuple[int, tuple[int, int, int]]]:
    """Place needs in the given order at the nearest eligible hotel where they fit."""
    cap = {h: list(v) for h, v in inp.residual.items()}
    out: dict[str, tuple[int, tuple[int, int, int]]] = {}
    for n in order:
        for hi in inp.eligible.get(n.id, []):
            hid = inp.hotels[hi].id
            got = fit(n, cap[hid])
            if got is not None:
                out[n.id] = (hi, got)
                cap[hid] = [cap[hid][0] - got[0], cap[hid][1] - got[1], cap[hid][2] - got[2]]
                break
    return out


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
    hint = greedy_rooms(inp, order)
    hotel_pos = {h.id: i for i, h in enumerate(inp.hotels)}
    bound = rooms_lp_bound(inp)
    total_w = sum(n.weight * n.people for n in inp.needs)
    if not needs:
        return [], StageReport("rooms", Status.OPTIMAL, float(total_w), float(total_w), time.perf_counter() - t0)

    m = cp_model.CpModel()
    x: dict[tuple[str, int], cp_model.IntVar] = {}
    upg: dict[tuple[str, int], tuple] = {}
    use: dict[int, list[list]] = {}
    objective = []
    for n in needs:
        cands = list(inp.eligible[n.id][:k_candidates])
        for hi in (hint.get(n.id, (None,))[0], hotel_pos.get(prev_hotel.get(n.id, ""), None)):
            if hi is not None and hi not in cands and hi in inp.eligible[n.id]:
                cands.append(hi)
        lits = []
        for hi in cands:
            cap = inp.residual[inp.hotels[hi].id]
            if fit(n, cap) is None:
                continue
            v = m.new_bool_var(f"x_{n.id}_{hi}")
            x[(n.id, hi)] = v
            lits.append(v)
            terms = use.setdefault(hi, [[], [], []])
            h = inp.hotels[hi]
            late_open = max(0, travel.sec(h.open_at, -10**9) - travel.sec(n.due_at)) // 60
            value = (1000 + wait_rank[n.id]) * n.weight * n.people - int(min(inp.km[(n.id, hi)], 300)) \
                - int(min(late_open, 600)) // 2 + (CHURN_BONUS if prev_hotel.get(n.id) == h.id else 0)
            objective.append(value * v)
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
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.num_workers = 2
    watchdog = threading.Timer(time_limit_s * 1.5 + 1.0, solver.stop_search)
    watchdog.start()
    try:
        st = solver.solve(m)
    finally:
        watchdog.cancel()
    placed: dict[str, tuple[int, tuple[int, int, int]]]
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placed = {}
        by_id = {n.id: n for n in needs}
        for (nid, hi), v in x.items():
            if solver.value(v):
                n = by_id[nid]
                uf, ua = (0 if u is None else int(solver.value(u)) for u in upg[(nid, hi)])
                placed[nid] = (hi, (n.rooms.standard - uf - ua, n.rooms.family + uf, n.rooms.accessible + ua))
        status = Status.OPTIMAL if st == cp_model.OPTIMAL else Status.FEASIBLE
    else:
        logger.warning("rooms CP-SAT returned %s; keeping the greedy placement", solver.status_name(st))
        placed, status = hint, Status.OUT_OF_TIME
    out = [RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()]
    by_need = {n.id: n for n in inp.needs}
    unplaced_w = sum(n.weight * n.people for n in inp.needs if n.id not in placed)
    hint_w = sum(n.weight * n.people for n in inp.needs if n.id not in hint)
    if status == Status.FEASIBLE and unplaced_w <= bound + 1e-6:
        status = Status.OPTIMAL if solver.wall_time < time_limit_s * 0.95 else Status.FEASIBLE
    upgrades = sum(r.family - by_need[r.need].rooms.family + r.accessible - by_need[r.need].rooms.accessible
                   for r in out)
    report = StageReport("rooms", status, float(unplaced_w), float(bound), time.perf_counter() - t0,
                         {"cp_sat_status": solver.status_name(st), "greedy_objective": float(hint_w),
                          "upgrades": upgrades, "candidates": len(x)})
    logger.info("rooms: %d/%d placed, weighted unplaced %d (bound %.1f, greedy %d) in %.2fs",
                len(out), len(inp.needs), unplaced_w, bound, hint_w, report.seconds)
    return out, report
