"""Rooms stage: one hotel per transfer need, upgrades allowed, never downgrades.

Why this shape (see shared/solver-notes.md): "one hotel per need" breaks the flow structure, so
the rooms are chosen by CP-SAT, warm-started so a valid answer always exists, and bounded by LPs
that know every hotel a need could legally use (`rooms_bound.py`). The rules themselves (accepts
the risk, fits with upgrades, never over what is left) come from `rules.py`.

Steps, all inside one deadline (`time_limit_s` counts from the call; model building included):
1. fits: every hotel where a need fits (accepts its risk, opens in time, has the rooms with
   upgrades), vectorised per need.
2. bound: the per-need assignment LP (`rooms_bound.assignment_lp`); the report carries the
   strongest valid bound, names its source (`bound_source`) and the gap.
3. warm start, when greedy is not already at the bound: urgency-ordered greedy and two LP dives
   (`rooms_lp.lp_dive`), each improved by eject-insert moves; the best then by ruin and recreate,
   and (when CP-SAT will run) by exact small-neighbourhood steps (`lns_exact`).
4. CP-SAT on the whole model, built one rule at a time (`build_model`). When there are few
   (need, fitting hotel) pairs it sees them all, so its own bound is a proof on the whole problem;
   otherwise the nearest `k_candidates`, the hotels the LP uses and the warm start's. Phase 1
   maximises weighted people placed (the goal alone, so its bound is in the goal's unit); phase 2
   (time left) keeps that many placed and prefers needs waiting longest, short drives, no
   lateness from a late-opening hotel, few upgrades and the hotel proposed before. At city scale
   (more than `MAX_CP_PAIRS` pairs) CP-SAT is not tried: it returned UNKNOWN in 12 s there, and
   the local search gets within a fraction of a percent of the bound; the stage then returns
   early and the bus stage gets the time.
5. drives: without a phase-2 answer, needs asking the very same rooms trade places for least km
   (`polish_km`, the goal unchanged).
Every CP-SAT call runs behind a watchdog (`stop_search` from a timer) and keeps the best plan found
so far; model building stops at its own deadline and the warm start is kept.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from . import rules
from .model import Hotel, Rooms, Scenario, TransferNeed
from .plan import Plan, RoomAssignment
from .result import StageReport, Status
from .rooms_bound import AssignmentLP, assignment_lp, fitting
from .rooms_lp import eject_insert, lp_dive, ruin_recreate
from .travel import Travel

logger = logging.getLogger(__name__)

UPGRADE_COST = 20
CHURN_BONUS = 30
MAX_FULL_PAIRS = 20000   # up to this many (need, fitting hotel) pairs CP-SAT sees every one
MAX_CP_PAIRS = 30000     # above this many fitting pairs CP-SAT is not tried (city scale: UNKNOWN in 12 s)
LOCAL_ONLY_STRETCH = 1.1  # without CP-SAT the shares stretch a little (the local search ends at 55 %; the rest goes on)
MAX_POLISH_VARS = 2000   # above this many pairs, a warm start at the bound is kept as it is
POLISH_ONLY_S = 1.0      # CP-SAT budget when the warm start is already optimal on the goal
BUILD_SHARE = 0.5        # model building may take at most this share of the time left
DIVE_NEAR = 20           # at scale the dive's LPs offer each need this many nearest fitting hotels
DIVE_SHARE = 0.3         # LP diving stops starting new rounds after this share of the time
EJECT_SHARE = 0.4        # eject-insert on the warm starts stops after this share of the time
RUIN_SHARE = 0.45       # ruin-and-recreate on the best warm start stops after this share
RUIN_SLICE = 0.08        # ... of the time left, when CP-SAT will run
LNS_STEP_S = 0.15        # time for one exact step
LNS_SHARE = 0.7         # exact small-neighbourhood steps (CP-SAT on a few hotels) stop after this share
POLISH_SHARE = 0.2       # phase 2's share of the time left after the warm start
MIN_POLISH_S = 0.2       # phase 2 only runs with at least this much time left
REPORT_S = 0.15          # kept back for stopping CP-SAT's workers, reading the answer, the report
OVERRUN_S = 0.25         # past the limit by more than this, the stage reports out_of_time
WATCHDOG_SLACK_S = 0.1   # CP-SAT's own limit is soft: it gets this much less, the timer stops it on time

Placement = dict[str, tuple[int, Rooms]]  # need id -> (hotel index, rooms given)


@dataclass
class RoomsInput:
    needs: list[TransferNeed]                      # needs still to place (not fixed)
    hotels: list[Hotel]
    residual: dict[str, list[int]]                 # hotel id -> [standard, family, accessible] left
    eligible: dict[str, list[int]] = field(default_factory=dict)  # need id -> hotel indices, nearest first
    km: dict[tuple[str, int], float] = field(default_factory=dict)


def hint_w_of(hint: dict, inp: RoomsInput) -> int:
    """Weighted people the warm start leaves without rooms."""
    return sum(n.weight * n.people for n in inp.needs if n.id not in hint)


def fit(need: TransferNeed, cap: list[int]) -> Rooms | None:
    """Rooms given if the need fits `cap` (see `rules.fit`); a `Rooms`, unpacks as (s, f, a)."""
    return rules.fit(need.rooms, Rooms.of(cap))


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
            ok = np.array([rules.hotel_accepts(h.accepts, n.risk) and h.rooms.total() > 0
                           for h in hotels]) & (open_s <= horizon_s)
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
                 ) -> Placement:
    """Place needs in the given order at the first hotel where they fit: preferred ones first
    (if given), then the nearest eligible."""
    cap = {h: Rooms.of(v) for h, v in inp.residual.items()}
    out: Placement = {}
    for n in order:
        first = (prefer or {}).get(n.id, [])
        for hi in first + [h for h in inp.eligible.get(n.id, []) if h not in first]:
            hid = inp.hotels[hi].id
            got = rules.fit(n.rooms, cap[hid])
            if got is not None:
                out[n.id] = (hi, got)
                cap[hid] = cap[hid] - got
                break
    return out


def _value(n: TransferNeed, h: Hotel, km: float, wait_rank: int, travel: Travel, was_prev: bool) -> int:
    """Phase-2 coefficient of placing `n` at `h`: waiting longest, minus km and forced lateness,
    plus a small bonus for the hotel proposed before."""
    late_open = max(0, travel.sec(h.open_at, -10**9) - travel.sec(n.due_at)) // 60
    return (wait_rank * n.weight * n.people - int(min(km, 300)) - int(min(late_open, 600)) // 2
            + (CHURN_BONUS if was_prev else 0))


def _placed_w(placed: dict, needs: list[TransferNeed]) -> int:
    return sum(n.weight * n.people for n in needs if n.id in placed)


def urgency_order(needs: list[TransferNeed]) -> list[TransferNeed]:
    """Most urgent first, then longest waiting (earliest raised/ready), then bigger groups."""
    return sorted(needs, key=lambda n: (n.priority, n.raised_at or n.ready_at, -n.people, n.id))


def nearest_first(inp: RoomsInput, n: TransferNeed, hotels: list[int]) -> list[int]:
    """`hotels` by road km from the need (those with no km known last)."""
    return sorted(hotels, key=lambda hi: inp.km.get((n.id, hi), 1e9))


def nearest_assignment(inp: RoomsInput, needs: list[TransferNeed], counts: dict[int, int]
                        ) -> list[tuple[TransferNeed, int]]:
    """Needs to hotels, `counts[h]` each, least total km (exact min-cost flow)."""
    hotels = sorted(counts)
    if len(hotels) == 1:
        return [(n, hotels[0]) for n in needs]
    flow = min_cost_flow.SimpleMinCostFlow()
    nn = len(needs)
    arcs = []
    for i, n in enumerate(needs):
        flow.set_node_supply(i, 1)
        for j, hi in enumerate(hotels):
            cost = int(round(inp.km.get((n.id, hi), 1e4) * 100))
            arcs.append((flow.add_arc_with_capacity_and_unit_cost(i, nn + j, 1, cost), i, hi))
    for j, hi in enumerate(hotels):
        flow.set_node_supply(nn + j, -counts[hi])
    if flow.solve() != flow.OPTIMAL:
        return []
    return [(needs[i], hi) for a, i, hi in arcs if flow.flow(a) > 0]


# --- the CP-SAT model, one rule at a time ---------------------------------------------------

@dataclass
class RoomsModel:
    m: cp_model.CpModel
    needs: list[TransferNeed]
    x: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    by_need: dict[str, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    by_hotel: dict[int, list[tuple[TransferNeed, cp_model.IntVar]]] = field(default_factory=dict)
    upgrades: dict[int, tuple[cp_model.IntVar, cp_model.IntVar]] = field(default_factory=dict)  # hotel -> (uf, ua)
    std_cap: dict[int, int] = field(default_factory=dict)  # hotel -> standard rooms left
    needs_w: dict[str, int] = field(default_factory=dict)  # need id -> weighted people


def _add_pairs(rm: RoomsModel, inp: RoomsInput, cands: dict[str, list[int]], stop_at: float) -> bool:
    """A boolean per (need, hotel) pair that the rules allow: the hotel accepts the need's risk and
    the need's rooms fit there with upgrades (`rules.hotel_accepts`, `rules.fit`). False if
    building ran past `stop_at`."""
    for i, n in enumerate(rm.needs):
        if i % 256 == 0 and time.perf_counter() > stop_at:
            return False
        lits = rm.by_need.setdefault(n.id, [])
        for hi in cands[n.id]:
            h = inp.hotels[hi]
            if not rules.hotel_accepts(h.accepts, n.risk) or fit(n, inp.residual[h.id]) is None:
                continue
            v = rm.m.new_bool_var(f"x_{n.id}_{hi}")
            rm.x[(n.id, hi)] = v
            lits.append((hi, v))
            rm.by_hotel.setdefault(hi, []).append((n, v))
    return True


def _add_one_hotel_per_need(rm: RoomsModel) -> None:
    for lits in rm.by_need.values():
        if len(lits) > 1:
            rm.m.add_at_most_one(v for _, v in lits)


def _add_rooms_within_with_upgrades(rm: RoomsModel, inp: RoomsInput) -> None:
    """Per hotel and room type, never more given than left; standard rooms asked may be given as
    family (uf) or accessible (ua) rooms, never the other way. Upgrades are counted per hotel:
    given integral placements, the totals always split over the needs (see `_given`)."""
    m = rm.m
    for hi, placed in rm.by_hotel.items():
        cap = inp.residual[inp.hotels[hi].id]
        std = sum(n.rooms.standard * v for n, v in placed if n.rooms.standard)
        uf = m.new_int_var(0, cap[1], f"uf_{hi}")
        ua = m.new_int_var(0, cap[2], f"ua_{hi}")
        rm.upgrades[hi] = (uf, ua)
        rm.std_cap[hi] = cap[0]
        m.add(uf + ua <= std)                                   # only standard rooms are upgraded
        m.add(std - uf - ua <= cap[0])
        m.add(sum(n.rooms.family * v for n, v in placed if n.rooms.family) + uf <= cap[1])
        m.add(sum(n.rooms.accessible * v for n, v in placed if n.rooms.accessible) + ua <= cap[2])


def build_model(inp: RoomsInput, needs: list[TransferNeed], cands: dict[str, list[int]], stop_at: float
                ) -> RoomsModel | None:
    """The rooms model, rule by rule; None if building would run past `stop_at`."""
    rm = RoomsModel(cp_model.CpModel(), needs, needs_w={n.id: n.weight * n.people for n in needs})
    if not _add_pairs(rm, inp, cands, stop_at):
        return None
    _add_one_hotel_per_need(rm)
    _add_rooms_within_with_upgrades(rm, inp)
    return rm if time.perf_counter() <= stop_at else None


def _hint(rm: RoomsModel, placed: Placement) -> None:
    rm.m.clear_hints()
    at = {nid: hi for nid, (hi, _) in placed.items()}
    for (nid, hi), v in rm.x.items():
        rm.m.add_hint(v, 1 if at.get(nid) == hi else 0)
    ups: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_id = {n.id: n for n in rm.needs}
    for nid, (hi, got) in placed.items():
        if (nid, hi) in rm.x:
            ups[hi][0] += got.family - by_id[nid].rooms.family
            ups[hi][1] += got.accessible - by_id[nid].rooms.accessible
    for hi, (uf, ua) in rm.upgrades.items():
        rm.m.add_hint(uf, ups[hi][0])
        rm.m.add_hint(ua, ups[hi][1])


def _given(rm: RoomsModel, at: dict[str, int], uf_ua: dict[int, tuple[int, int]]) -> Placement:
    """Split each hotel's upgrades over the standard rooms of the needs placed there. Only the
    upgrades the standard rooms left make necessary are kept (phase 1 does not price them, so
    its answer may upgrade more than it must), family ones first as CP-SAT chose them."""
    out: Placement = {}
    by_id = {n.id: n for n in rm.needs}
    std: dict[int, int] = defaultdict(int)
    for nid, hi in at.items():
        std[hi] += by_id[nid].rooms.standard
    left: dict[int, list[int]] = {}
    for hi, (uf, ua) in uf_ua.items():
        must = max(0, std[hi] - rm.std_cap.get(hi, 0))  # uf + ua >= must in any feasible answer
        keep_f = min(uf, must)
        left[hi] = [keep_f, min(ua, must - keep_f)]
    for nid in sorted(at):
        hi, n = at[nid], by_id[nid]
        u = left.get(hi, [0, 0])
        gf = min(u[0], n.rooms.standard)
        ga = min(u[1], n.rooms.standard - gf)
        u[0] -= gf
        u[1] -= ga
        out[nid] = (hi, Rooms(n.rooms.standard - gf - ga, n.rooms.family + gf, n.rooms.accessible + ga))
    return out


class _Best(cp_model.CpSolverSolutionCallback):
    """Keeps the last (best) solution found, so a search stopped by the watchdog loses nothing."""

    def __init__(self, rm: RoomsModel) -> None:
        super().__init__()
        self.rm = rm
        self.at: dict[str, int] | None = None
        self.ups: dict[int, tuple[int, int]] = {}

    def on_solution_callback(self) -> None:
        self.at = {nid: hi for (nid, hi), v in self.rm.x.items() if self.boolean_value(v)}
        self.ups = {hi: (self.value(uf), self.value(ua)) for hi, (uf, ua) in self.rm.upgrades.items()}


def _run(rm: RoomsModel, seconds: float, workers: int = 2) -> tuple[str, Placement | None, float | None]:
    """Solve with a hard stop: (status name, best placement or None, objective bound or None)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.02, seconds - WATCHDOG_SLACK_S)
    solver.parameters.num_workers = workers
    best = _Best(rm)
    watchdog = threading.Timer(max(0.05, seconds), solver.stop_search)
    watchdog.daemon = True
    watchdog.start()
    try:
        st = solver.solve(rm.m, best)
    finally:
        watchdog.cancel()
    name = solver.status_name(st)
    if best.at is None:
        return name, None, None
    bound = solver.best_objective_bound if st in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    return name, _given(rm, best.at, best.ups), bound


def solve_rooms(scenario: Scenario, travel: Travel, inp: RoomsInput, *, time_limit_s: float,
                previous: Plan | None = None, k_candidates: int = 20) -> tuple[list[RoomAssignment], StageReport]:
    t0 = time.perf_counter()
    deadline = t0 + max(0.05, time_limit_s)
    total_w = sum(n.weight * n.people for n in inp.needs)
    hint, source = greedy_rooms(inp, urgency_order([n for n in inp.needs if inp.eligible.get(n.id)])), "greedy"
    # Greedy placing every need with an eligible hotel is optimal (rooms ample): no LP needed, and
    # above a few thousand pairs no CP-SAT polish either (at city scale the LP alone takes ~1 s).
    no_hotel_w = sum(n.weight * n.people for n in inp.needs if not inp.eligible.get(n.id))
    everyone = hint_w_of(hint, inp) == no_hotel_w
    if everyone and sum(len(inp.eligible.get(n.id, [])) for n in inp.needs) > MAX_POLISH_VARS:
        return _report(hint, inp, float(no_hotel_w), "greedy_places_all", source, no_hotel_w, "skipped",
                       Status.FEASIBLE, 0, t0, {})
    fits = fitting(inp)
    needs = [n for n in inp.needs if fits[n.id]]
    if not needs:
        return [], StageReport("rooms", Status.OPTIMAL, float(total_w), float(total_w), time.perf_counter() - t0,
                               {"bound_source": "nothing fits"})
    order = urgency_order(needs)
    lp = None if everyone else assignment_lp(inp, fits)
    if everyone:
        bound, bound_source = float(no_hotel_w), "greedy_places_all"
    else:
        bound, bound_source = (lp.bound, "assignment_lp") if lp is not None else (0.0, "none")
    info: dict = {"lp_bound": round(bound, 3), "t_lp": round(time.perf_counter() - t0, 3)}

    # Warm starts: the best on the goal (weighted people placed) of greedy and two LP dives, each
    # improved by eject-insert moves, then by ruin and recreate. Shares are of the time left now.
    info["warm_greedy"] = hint_w_of(hint, inp)
    pairs = sum(len(f) for f in fits.values())
    full = pairs <= MAX_FULL_PAIRS
    use_cp = pairs <= MAX_CP_PAIRS or full
    t1 = time.perf_counter()

    def share(f: float) -> float:
        return t1 + f * (deadline - t1) * (1.0 if use_cp else LOCAL_ONLY_STRETCH)

    if hint_w_of(hint, inp) > math.ceil(bound - 1e-6):  # rooms are short and greedy is not at the bound
        starts = [("greedy", hint)]
        # At city scale a careful dive's rounds cost seconds and lose to the plain one: plain only.
        for careful in (False, True) if use_cp else (False,):
            dive, dive_info = lp_dive(inp, order, share(DIVE_SHARE * (0.5 if careful == use_cp else 1.0)), lp,
                                      careful, near=None if full else max(k_candidates, DIVE_NEAR))
            name = "lp_dive_careful" if careful else "lp_dive"
            info[f"warm_{name}"] = hint_w_of(dive, inp)
            info[f"{name}_rounds"] = dive_info["dive_rounds"]
            info[f"t_{name}"] = round(time.perf_counter() - t0, 3)
            starts.append((name, dive))
        starts.sort(key=lambda s: -_placed_w(s[1], needs))  # the best first: it gets the time if short
        best_w = -1
        for i, (name, start) in enumerate(starts):
            stop = share(DIVE_SHARE + (EJECT_SHARE - DIVE_SHARE) * (i + 1) / len(starts))
            better, moves = eject_insert(inp, start, fits, stop)
            if _placed_w(better, needs) > best_w:
                best_w = _placed_w(better, needs)
                hint, source = better, f"{name}+eject" if moves else name
                info["eject_moves"] = moves
        info["t_eject"] = round(time.perf_counter() - t0, 3)
        # With CP-SAT to come, exact small steps (lns_exact) gain more per second than ruin and
        # recreate (measured: 3-5 improving steps a second against 0-1), so it only gets a slice.
        now = time.perf_counter()
        ruin_stop = share(RUIN_SHARE) if not use_cp else now + RUIN_SLICE * (deadline - now)
        better, steps = ruin_recreate(inp, hint, fits, ruin_stop)
        info["ruin_recreate_steps"] = steps
        info["t_ruin_recreate"] = round(time.perf_counter() - t0, 3)
        if _placed_w(better, needs) > _placed_w(hint, needs):
            hint, source = better, f"{source}+ruin_recreate"
        if use_cp and hint_w_of(hint, inp) > math.ceil(bound - 1e-6):
            better, steps = lns_exact(inp, hint, fits, share(LNS_SHARE))
            info["lns_steps"] = steps
            info["t_lns"] = round(time.perf_counter() - t0, 3)
            if _placed_w(better, needs) > _placed_w(hint, needs):
                hint, source = better, f"{source}+lns"
    hint_w = hint_w_of(hint, inp)
    at_bound = hint_w <= math.ceil(bound - 1e-6)
    if not use_cp or (at_bound and pairs > MAX_POLISH_VARS):
        # Too big for CP-SAT to improve in time (city scale: it returned UNKNOWN), or nothing left to
        # gain on the goal: shorten the drives among interchangeable needs, the bus stage gets the time.
        hint = polish_km(inp, hint, deadline - REPORT_S)
        return _report(hint, inp, bound, bound_source, source, hint_w, "skipped", Status.FEASIBLE, 0, t0, info)

    cands = _candidates(inp, needs, fits, hint, lp, previous, k_candidates, full)
    left = deadline - time.perf_counter()
    rm = build_model(inp, needs, cands, time.perf_counter() + BUILD_SHARE * left)
    if rm is None:
        logger.warning("rooms: model building ran out of its time; improving the warm start instead")
        if hint_w > math.ceil(bound - 1e-6):
            better, moves = eject_insert(inp, hint, fits, deadline - REPORT_S, max_passes=20)
            if _placed_w(better, needs) > _placed_w(hint, needs):
                hint, source, hint_w = better, f"{source}+eject", hint_w_of(better, inp)
                info["eject_moves"] = info.get("eject_moves", 0) + moves
        hint = polish_km(inp, hint, deadline - REPORT_S)
        return _report(hint, inp, bound, bound_source, source, hint_w, "build_out_of_time", Status.FEASIBLE,
                       0, t0, info)
    info["t_build"] = round(time.perf_counter() - t0, 3)
    placed, status, cp_status = hint, Status.FEASIBLE, "skipped"
    by_id = {n.id: n for n in needs}
    goal = [(n.weight * n.people) * v for (nid, _), v in rm.x.items() for n in (by_id[nid],)]
    best_w = _placed_w(hint, needs)
    if not at_bound:
        rm.m.maximize(sum(goal))
        _hint(rm, hint)
        left = deadline - time.perf_counter() - REPORT_S
        cp_status, found, cp_bound = _run(rm, left * (1 - POLISH_SHARE))
        if found is not None and _placed_w(found, needs) >= best_w:
            placed, best_w = found, _placed_w(found, needs)
        if full and cp_bound is not None:
            cp_unplaced = total_w - math.floor(cp_bound + 1e-6)
            info["cp_sat_bound"] = float(cp_unplaced)
            if cp_unplaced > bound:  # CP-SAT's own bound is valid here: it saw every fitting pair
                bound, bound_source = float(cp_unplaced), "cp_sat"
    # Phase 2: as many weighted people placed, then waiting, km, lateness, upgrades, churn.
    if deadline - time.perf_counter() > MIN_POLISH_S:
        wait_rank = {n.id: 100 - (100 * i) // max(1, len(order)) for i, n in enumerate(order)}
        prev_hotel = {r.need: r.hotel for r in (previous.rooms if previous else [])}
        rm.m.add(sum(goal) >= best_w)
        sec = [_value(by_id[nid], inp.hotels[hi], inp.km[(nid, hi)], wait_rank[nid], travel,
                      prev_hotel.get(nid) == inp.hotels[hi].id) * v for (nid, hi), v in rm.x.items()]
        sec += [-UPGRADE_COST * (uf + ua) for uf, ua in rm.upgrades.values()]
        rm.m.maximize(sum(sec))
        _hint(rm, placed)
        left = deadline - time.perf_counter() - REPORT_S
        if left > MIN_POLISH_S / 2:
            st2, found, _ = _run(rm, min(left, POLISH_ONLY_S) if at_bound else left)
            cp_status = st2 if cp_status == "skipped" else f"{cp_status}+{st2}"
            if found is not None and _placed_w(found, needs) >= best_w:
                placed = found
    if not cp_status.endswith(("OPTIMAL", "FEASIBLE")):  # phase 2 found nothing: drives polished here
        placed = polish_km(inp, placed, deadline - REPORT_S)
    if time.perf_counter() > deadline + OVERRUN_S:
        status = Status.OUT_OF_TIME
    return _report(placed, inp, bound, bound_source, source, hint_w, cp_status, status, len(rm.x), t0, info)


def lns_exact(inp: RoomsInput, placed: Placement, fits: dict[str, list[int]], deadline: float, seed: int = 1
              ) -> tuple[Placement, int]:
    """Large-neighbourhood search with exact steps on the goal: free a few hotels (a random one and
    the hotels its candidate needs could also use), and let a small CP-SAT model re-place the needs
    that were there and the unplaced needs that fit there, hinted with what was there, solved to
    optimality in milliseconds. Kept only when weighted people placed grows.

    Why: on many small hotels the tail of the knapsack needs exchanges across two or three hotels
    at once; CP-SAT's own neighbourhoods find them too, but on the whole model each of its steps
    pays presolve and it needs tens of seconds on a loaded 2-core machine."""
    import random

    rng = random.Random(seed)
    by_id = {n.id: n for n in inp.needs}
    out = dict(placed)
    fits_at: dict[int, list[str]] = defaultdict(list)
    for n in inp.needs:
        for hi in fits.get(n.id, []):
            fits_at[hi].append(n.id)
    hotels = sorted(fits_at)
    steps = tries = 0
    while time.perf_counter() < deadline - 0.05 and hotels:
        tries += 1
        first = rng.choice(hotels)
        waiting = [nid for nid in fits_at[first] if nid not in out]
        near = {hi for nid in rng.sample(waiting, min(3, len(waiting))) for hi in fits[nid]} - {first}
        pick = [first] + rng.sample(sorted(near), min(2, len(near)))
        pool = sorted({nid for nid, (hi, _) in out.items() if hi in pick}
                      | {nid for hi in pick for nid in fits_at[hi] if nid not in out})
        cap = {h: Rooms.of(v) for h, v in inp.residual.items()}
        for hi, got in out.values():
            if hi not in pick:
                cap[inp.hotels[hi].id] = cap[inp.hotels[hi].id] - got
        sub = RoomsInput([by_id[x] for x in pool], inp.hotels, {h: list(c) for h, c in cap.items()},
                         inp.eligible, inp.km)
        cands = {nid: [hi for hi in fits[nid] if hi in pick] for nid in pool}
        rm = build_model(sub, sub.needs, cands, deadline)
        if rm is None:
            break
        before = sum(by_id[nid].weight * by_id[nid].people for nid in pool if nid in out)
        rm.m.maximize(sum(rm.needs_w[nid] * v for (nid, _), v in rm.x.items()))
        _hint(rm, {nid: out[nid] for nid in pool if nid in out})
        st, found, _ = _run(rm, min(LNS_STEP_S, deadline - time.perf_counter()), workers=1)
        if found is None or sum(rm.needs_w[nid] for nid in found) <= before:
            continue
        for nid in pool:
            out.pop(nid, None)
        out.update(found)
        steps += 1
    logger.debug("rooms LNS: %d of %d steps improved", steps, tries)
    return out, steps


def polish_km(inp: RoomsInput, placed: Placement, deadline: float) -> Placement:
    """Shorter drives, the goal unchanged: needs asking the very same rooms may trade places
    (hotel and rooms given), so per kind of rooms asked the placed needs are re-assigned to the
    same hotel slots by least total km (exact min-cost flow), each only to hotels it may use."""
    by_id = {n.id: n for n in inp.needs}
    kinds: dict[Rooms, list[str]] = defaultdict(list)
    for nid in sorted(placed):
        kinds[by_id[nid].rooms].append(nid)
    out = dict(placed)
    for members in kinds.values():
        if len(members) < 2:
            continue
        if time.perf_counter() > deadline:
            break
        slots: dict[tuple[int, Rooms], int] = defaultdict(int)
        for nid in members:
            slots[placed[nid]] += 1
        keys = sorted(slots, key=lambda k: (k[0], tuple(k[1])))
        flow = min_cost_flow.SimpleMinCostFlow()
        nn = len(members)
        arcs = []
        for i, nid in enumerate(members):
            flow.set_node_supply(i, 1)
            ok = set(inp.eligible.get(nid, []))
            for j, (hi, _) in enumerate(keys):
                if hi in ok:
                    cost = int(round(inp.km.get((nid, hi), 1e4) * 100))
                    arcs.append((flow.add_arc_with_capacity_and_unit_cost(i, nn + j, 1, cost), nid, j))
        for j, key in enumerate(keys):
            flow.set_node_supply(nn + j, -slots[key])
        if flow.solve() != flow.OPTIMAL:
            continue
        for a, nid, j in arcs:
            if flow.flow(a) > 0:
                out[nid] = keys[j]
    return out


def _candidates(inp: RoomsInput, needs: list[TransferNeed], fits: dict[str, list[int]], hint: Placement,
                lp: AssignmentLP | None, previous: Plan | None, k: int, full: bool) -> dict[str, list[int]]:
    """Hotels CP-SAT may choose per need: all fitting ones when `full`, else the nearest `k`, the
    hotels the LP uses for the need's group, the warm start's and the previously proposed one."""
    if full:
        return {n.id: list(fits[n.id]) for n in needs}
    prev = {r.need: r.hotel for r in (previous.rooms if previous else [])}
    pos = {h.id: i for i, h in enumerate(inp.hotels)}
    lp_hotels: dict[str, list[int]] = {}
    if lp is not None:
        for members, alloc in zip(lp.groups, lp.alloc, strict=True):
            top = sorted(alloc, key=lambda hi: -alloc[hi])[:k]
            for n in members:
                lp_hotels[n.id] = top
    out: dict[str, list[int]] = {}
    for n in needs:
        ok = set(fits[n.id])
        c = list(fits[n.id][:k])
        seen = set(c)
        extra = lp_hotels.get(n.id, []) + ([hint[n.id][0]] if n.id in hint else [])
        ph = pos.get(prev.get(n.id, ""))
        if ph is not None:
            extra.append(ph)
        for hi in extra:
            if hi in ok and hi not in seen:
                c.append(hi)
                seen.add(hi)
        out[n.id] = c
    return out


def _report(placed: Placement, inp: RoomsInput, bound: float, bound_source: str, source: str, hint_w: int,
            cp_status: str, status: Status, candidates: int, t0: float, info: dict
            ) -> tuple[list[RoomAssignment], StageReport]:
    out = [RoomAssignment(nid, inp.hotels[hi].id, *got) for nid, (hi, got) in placed.items()]
    by_need = {n.id: n for n in inp.needs}
    unplaced_w = sum(n.weight * n.people for n in inp.needs if n.id not in placed)
    if unplaced_w <= math.ceil(bound - 1e-6):  # objective is an integer, so ceil(bound) is a bound
        status = Status.OPTIMAL  # the goal (weighted unplaced people) meets its proven bound
    upgrades = sum(r.family - by_need[r.need].rooms.family + r.accessible - by_need[r.need].rooms.accessible
                   for r in out)
    person_km = sum(by_need[nid].people * inp.km.get((nid, hi), 0.0) for nid, (hi, _) in placed.items())
    report = StageReport("rooms", status, float(unplaced_w), float(bound), time.perf_counter() - t0,
                         {"cp_sat_status": cp_status, "warm_start": source, "warm_start_objective": float(hint_w),
                          "upgrades": upgrades, "candidates": candidates, "bound_source": bound_source,
                          "person_km_per_person": round(person_km / max(1, sum(by_need[n].people for n in placed)), 2),
                          "gap": round(_gap(unplaced_w, bound), 5), **info})
    logger.info("rooms: %d/%d placed, weighted unplaced %d (bound %.1f from %s, warm start %d) in %.2fs",
                len(out), len(inp.needs), unplaced_w, bound, bound_source, hint_w, report.seconds)
    return out, report


def _gap(objective: float, bound: float) -> float:
    return 0.0 if objective <= 0 else max(0.0, (objective - bound) / objective)
