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
   (time left) keeps that many placed and prefers needs waiting longest, then the hotel that gets
   people to isolation soonest (drive and any wait for its opening, lateness extra:
   `rooms_time.py`), few upgrades and the hotel proposed before. At city scale
   (more than `MAX_CP_PAIRS` pairs) CP-SAT is not tried: it returned UNKNOWN in 12 s there, and
   the local search gets within a fraction of a percent of the bound; the stage then returns
   early and the bus stage gets the time.
5. time to isolation, the goal and who is placed unchanged (`rooms_time_lns.time_goal`): needs
   asking the very same rooms trade places (`polish_time`), needs move to cheaper hotels alone, by
   swaps or by ejecting others (`rooms_relocate.py`), and a few hotels at a time are re-placed
   exactly (`time_lns`); after the warm start when CP-SAT is skipped, and after phase 2, which
   leaves it TIME_GOAL_SHARE of its time (phase 2 on the whole model is often cut off or UNKNOWN).
Every CP-SAT call runs behind a watchdog (`stop_search` from a timer) and keeps the best plan found
so far; model building stops at its own deadline and the warm start is kept.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Any

from .model import Scenario, TransferNeed
from .plan import Plan, RoomAssignment
from .result import StageReport, Status
from .rooms_bound import AssignmentLP, assignment_lp, fitting
from .rooms_input import (
    Placement,
    RoomsInput,
    greedy_rooms,
    hint_w_of,
    placed_w,
    time_costs,
    urgency_order,
)
from .rooms_local import eject_insert, ruin_recreate
from .rooms_lp import lp_dive
from .rooms_model import build_model, lns_exact, run, set_hint
from .rooms_time_lns import time_goal
from .travel import Travel

logger = logging.getLogger(__name__)

UPGRADE_COST = 20
CHURN_BONUS = 30
TIME_CAP = 600   # phase 2: person-minutes a hotel may add over the need's quickest one, at most counted
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
LNS_SHARE = 0.45        # exact small-neighbourhood steps (CP-SAT on a few hotels) stop after this share
POLISH_SHARE = 0.2       # phase 2's share of the time left after the warm start
MIN_POLISH_S = 0.2       # phase 2 only runs with at least this much time left
CITY_TIME_SHARE = 0.35   # at city scale (no CP-SAT), the time search's share of the time left; the rest goes on
TIME_GOAL_SHARE = 0.5    # of phase 2's time, kept for the time search after it (`rooms_time_lns.time_goal`)
REPORT_S = 0.15          # kept back for stopping CP-SAT's workers, reading the answer, the report
OVERRUN_S = 0.25         # past the limit by more than this, the stage reports out_of_time

def _value(n: TransferNeed, wait_rank: int, extra_time: float, was_prev: bool) -> int:
    """Phase-2 coefficient of placing `n` at a hotel: waiting longest, minus the time cost that
    hotel adds over the need's quickest one (`extra_time`, capped at TIME_CAP: the order of
    placement stays fairness's, the hotel's choice goal 3's), plus a small bonus for the hotel
    proposed before."""
    return wait_rank * n.weight * n.people - int(min(extra_time, TIME_CAP)) + (CHURN_BONUS if was_prev else 0)


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
    info: dict[str, Any] = {"lp_bound": round(bound, 3), "t_lp": round(time.perf_counter() - t0, 3)}

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
        starts.sort(key=lambda s: -placed_w(s[1], needs))  # the best first: it gets the time if short
        best_w = -1
        for i, (name, start) in enumerate(starts):
            stop = share(DIVE_SHARE + (EJECT_SHARE - DIVE_SHARE) * (i + 1) / len(starts))
            better, moves = eject_insert(inp, start, fits, stop)
            if placed_w(better, needs) > best_w:
                best_w = placed_w(better, needs)
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
        if placed_w(better, needs) > placed_w(hint, needs):
            hint, source = better, f"{source}+ruin_recreate"
        if use_cp and hint_w_of(hint, inp) > math.ceil(bound - 1e-6):
            better, steps = lns_exact(inp, hint, fits, share(LNS_SHARE))
            info["lns_steps"] = steps
            info["t_lns"] = round(time.perf_counter() - t0, 3)
            if placed_w(better, needs) > placed_w(hint, needs):
                hint, source = better, f"{source}+lns"
    hint_w = hint_w_of(hint, inp)
    at_bound = hint_w <= math.ceil(bound - 1e-6)
    if not use_cp or (at_bound and pairs > MAX_POLISH_VARS):
        # Too big for CP-SAT to improve in time (city scale: it returned UNKNOWN), or nothing left to
        # gain on the goal: the time search; at city scale only a share, the bus stage gets the rest.
        now = time.perf_counter()
        until = deadline - REPORT_S if use_cp else now + CITY_TIME_SHARE * max(0.0, deadline - REPORT_S - now)
        hint = time_goal(inp, hint, until, info)
        return _report(hint, inp, bound, bound_source, source, hint_w, "skipped", Status.FEASIBLE, 0, t0, info)

    cands = _candidates(inp, needs, fits, hint, lp, previous, k_candidates, full)
    left = deadline - time.perf_counter()
    rm = build_model(inp, needs, cands, time.perf_counter() + BUILD_SHARE * left)
    if rm is None:
        logger.warning("rooms: model building ran out of its time; improving the warm start instead")
        if hint_w > math.ceil(bound - 1e-6):
            better, moves = eject_insert(inp, hint, fits, deadline - REPORT_S, max_passes=20)
            if placed_w(better, needs) > placed_w(hint, needs):
                hint, source, hint_w = better, f"{source}+eject", hint_w_of(better, inp)
                info["eject_moves"] = info.get("eject_moves", 0) + moves
        hint = time_goal(inp, hint, deadline - REPORT_S, info)
        return _report(hint, inp, bound, bound_source, source, hint_w, "build_out_of_time", Status.FEASIBLE,
                       0, t0, info)
    info["t_build"] = round(time.perf_counter() - t0, 3)
    placed, status, cp_status = hint, Status.FEASIBLE, "skipped"
    by_id = {n.id: n for n in needs}
    goal = [(n.weight * n.people) * v for (nid, _), v in rm.x.items() for n in (by_id[nid],)]
    best_w = placed_w(hint, needs)
    if not at_bound:
        rm.m.maximize(sum(goal))
        set_hint(rm, hint)
        left = deadline - time.perf_counter() - REPORT_S
        cp_status, found, cp_bound = run(rm, left * (1 - POLISH_SHARE))
        if found is not None and placed_w(found, needs) >= best_w:
            placed, best_w = found, placed_w(found, needs)
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
        extra = time_costs(inp, list(rm.x))
        sec = [_value(by_id[nid], wait_rank[nid], extra[(nid, hi)], prev_hotel.get(nid) == inp.hotels[hi].id) * v
               for (nid, hi), v in rm.x.items()]
        sec += [-UPGRADE_COST * (uf + ua) for uf, ua in rm.upgrades.values()]
        rm.m.maximize(sum(sec))
        set_hint(rm, placed)
        left = (deadline - time.perf_counter() - REPORT_S) * (1 - TIME_GOAL_SHARE)
        if left > MIN_POLISH_S / 2:
            st2, found, _ = run(rm, min(left, POLISH_ONLY_S) if at_bound else left)
            cp_status = st2 if cp_status == "skipped" else f"{cp_status}+{st2}"
            if found is not None and placed_w(found, needs) >= best_w:
                placed = found
    # Needs asking the same rooms trade hotels for less time to isolation: also after phase 2,
    # which is often cut off before it is optimal and weighs time below fairness (rooms_small_hotels
    # seed 1: 86.4 direct-drive minutes per person carried without this, see the commit).
    placed = time_goal(inp, placed, deadline - REPORT_S, info)
    if time.perf_counter() > deadline + OVERRUN_S:
        status = Status.OUT_OF_TIME
    return _report(placed, inp, bound, bound_source, source, hint_w, cp_status, status, len(rm.x), t0, info)


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
            cp_status: str, status: Status, candidates: int, t0: float, info: dict[str, Any]
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
