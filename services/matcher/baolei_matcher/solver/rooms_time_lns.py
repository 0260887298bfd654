"""Rooms stage, goal 3 after goal 1: exact small re-placements for less time to isolation.

Why: `rooms_relocate.py` moves one need (and those it ejects) at a time; where rooms are scarce
every hotel is full, and a need stuck in a far hotel often gets a near one only if three or four
needs of other sizes move at once across several hotels. Here a small CP-SAT model does that: the
needs now in a far-placed need's hotel and in the few hotels cheaper for it are re-placed among
those same hotels, every one of them placed again (so weighted people placed, and who is placed,
never change), at the least summed time cost (`rooms_time.py`, the bus stage's unit), hinted with
the current placement, solved in milliseconds. A step is kept only when it saves time. Needs are
tried largest regret first (time cost above their cheapest hotel); the deadline is honoured.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from .model import TransferNeed
from .rooms_input import Placement, RoomsInput
from .rooms_local import polish_time
from .rooms_model import build_model, neighbourhood, run, set_hint
from .rooms_relocate import EPS, _Costs, by_regret, shorten_time

logger = logging.getLogger(__name__)

STEP_S = 0.1        # CP-SAT time for one step
CHEAPER = 3         # hotels cheaper for the need freed with its own
MAX_POOL = 120      # needs in one step at most (a bigger pool is skipped: its step would not finish)
SCALE = 10          # objective in tenths of a person-minute (CP-SAT wants integers)
MIN_STEP_S = 0.03   # no step started with less time than this left
MAX_PASSES = 5      # passes over the needs by regret; stops after one that keeps nothing
LNS_SHARE = 0.8     # of the time left after the cheap moves (they and the polish after take little); the rest goes on


def time_lns(inp: RoomsInput, placed: Placement, deadline: float) -> tuple[Placement, dict[str, Any]]:
    """Re-place the needs of a few hotels at a time for less time cost, everyone placed again.
    Returns the placement and what was done (steps tried, kept, minutes saved)."""
    by_id = {n.id: n for n in inp.needs}
    costs = _Costs(inp)
    out = dict(placed)
    stats = {"tried": 0, "kept": 0, "saved": 0.0}

    def regret(nid: str) -> float:
        return costs.regret(nid, out[nid][0])

    for _ in range(MAX_PASSES):
        kept = stats["kept"]
        for nid in by_regret([x for x in out if x in by_id], regret, deadline) or []:
            if deadline - time.perf_counter() < MIN_STEP_S or regret(nid) <= EPS:
                break   # sorted by regret: nobody after this one can gain
            h1 = out[nid][0]
            c1 = costs.cost(nid, h1) or 0.0
            hotels, cs, _ = costs.of(nid)
            pick = [h1] + [int(h) for h, c in zip(hotels.tolist(), cs.tolist(), strict=True)
                           if c < c1 - EPS and h != h1][:CHEAPER]
            pool = sorted(x for x, (hi, _) in out.items() if hi in pick)
            if len(pick) < 2 or len(pool) > MAX_POOL:
                continue
            stats["tried"] += 1
            step = _step(inp, by_id, costs, out, pick, pool, deadline)
            if step is None:
                break
            found, saved = step
            if saved > EPS:
                out.update(found)
                stats["kept"] += 1
                stats["saved"] += saved
        if stats["kept"] == kept or deadline - time.perf_counter() < MIN_STEP_S:
            break
    stats["saved"] = round(stats["saved"], 1)
    logger.debug("rooms time LNS: %s", stats)
    return out, stats


def _step(inp: RoomsInput, by_id: dict[str, TransferNeed], costs: _Costs, out: Placement, pick: list[int],
          pool: list[str], deadline: float) -> tuple[Placement, float] | None:
    """The needs `pool` (all those now in the hotels `pick`) re-placed among `pick`, each exactly
    once, at least time cost (CP-SAT, hinted with `out`): (placement, time saved); saved is 0 when
    nothing better was found. None if the model could not be built before `deadline`."""
    sub = neighbourhood(inp, out, pick, [by_id[x] for x in pool])
    rm = build_model(sub, sub.needs, {x: [hi for hi in pick if costs.cost(x, hi) is not None] for x in pool},
                     deadline)
    if rm is None:
        return None
    for x in pool:
        rm.m.add_exactly_one(v for _, v in rm.by_need.get(x, []))
    rm.m.minimize(sum(int(round(SCALE * (costs.cost(x, hi) or 0.0))) * v for (x, hi), v in rm.x.items()))
    set_hint(rm, {x: out[x] for x in pool})
    _, found, _ = run(rm, min(STEP_S, deadline - time.perf_counter()), workers=1)
    if found is None or set(found) != set(pool):
        return {}, 0.0
    before = sum(costs.cost(x, out[x][0]) or 0.0 for x in pool)
    after = sum(costs.cost(x, found[x][0]) or 0.0 for x in pool)
    return found, before - after


def time_goal(inp: RoomsInput, placed: Placement, deadline: float, info: dict[str, Any]) -> Placement:
    """The rooms stage's last step, goal 3 with goal 1 kept: `shorten_time` (relocations, swaps,
    chains), `time_lns` on at most LNS_SHARE of the time left, the cheap moves again, then
    `polish_time` (exact, among needs asking the same rooms: 0.4 s at city scale, so last, on what
    time is left); what was done goes into `info`."""
    info["time_goal_s"] = round(max(0.0, deadline - time.perf_counter()), 3)
    placed, moves = shorten_time(inp, placed, deadline)
    now = time.perf_counter()
    placed, lns = time_lns(inp, placed, now + LNS_SHARE * max(0.0, deadline - now))
    if lns["kept"]:
        placed, again = shorten_time(inp, placed, deadline)
        moves = {k: round(moves[k] + again[k], 1) for k in moves}
    info["time_moves"], info["time_lns"] = moves, lns
    return polish_time(inp, placed, deadline)
