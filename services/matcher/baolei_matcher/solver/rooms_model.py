"""The rooms CP-SAT model, built one rule at a time, and the way it is run.

Why a module of its own: the rooms stage (`rooms.py`) decides *when* CP-SAT runs and on what;
this module says *what* the model is — a boolean per (need, hotel) pair the rules allow (the
hotel accepts the need's risk and its rooms fit there with upgrades, `rules.py`), at most one
hotel per need, and per hotel and room type never more given than left, with standard rooms
upgraded as per-hotel counts — and runs it behind a watchdog, keeping the best answer found.
`lns_exact` uses the same model on a few hotels at a time.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from baolei_common.rooms import Rooms

from . import rules
from .model import TransferNeed
from .rooms_input import Placement, RoomsInput

logger = logging.getLogger(__name__)

LNS_STEP_S = 0.15        # time for one exact small-neighbourhood step
WATCHDOG_SLACK_S = 0.1   # CP-SAT's own limit is soft: it gets this much less, the timer stops it on time


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
            if not rules.hotel_accepts(h.accepts, n.risk) or rules.fit(n.rooms, inp.residual[h.id]) is None:
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
    given integral placements, the totals always split over the needs (see `given`)."""
    m = rm.m
    for hi, placed in rm.by_hotel.items():
        cap = tuple(inp.residual[inp.hotels[hi].id])  # (standard, family, accessible) for the model
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


def set_hint(rm: RoomsModel, placed: Placement) -> None:
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


def given(rm: RoomsModel, at: dict[str, int], uf_ua: dict[int, tuple[int, int]]) -> Placement:
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


class _Best(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]  # OR-Tools ships no types
    """Keeps the last (best) solution found, so a search stopped by the watchdog loses nothing."""

    def __init__(self, rm: RoomsModel) -> None:
        super().__init__()
        self.rm = rm
        self.at: dict[str, int] | None = None
        self.ups: dict[int, tuple[int, int]] = {}

    def on_solution_callback(self) -> None:
        self.at = {nid: hi for (nid, hi), v in self.rm.x.items() if self.boolean_value(v)}
        self.ups = {hi: (self.value(uf), self.value(ua)) for hi, (uf, ua) in self.rm.upgrades.items()}


def run(rm: RoomsModel, seconds: float, workers: int = 2) -> tuple[str, Placement | None, float | None]:
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
    return name, given(rm, best.at, best.ups), bound


def neighbourhood(inp: RoomsInput, out: Placement, pick: list[int], needs: list[TransferNeed]) -> RoomsInput:
    """The rooms input of a small step: `needs` to place in the hotels `pick`, whose rooms are
    freed of what `out` gives there; every other hotel keeps what `out` takes from it."""
    cap = dict(inp.residual)
    for hi, got in out.values():
        if hi not in pick:
            cap[inp.hotels[hi].id] = cap[inp.hotels[hi].id] - got
    return RoomsInput(needs, inp.hotels, cap, inp.eligible, inp.km, inp.travel)


def lns_exact(inp: RoomsInput, placed: Placement, fits: dict[str, list[int]], deadline: float, seed: int = 1
              ) -> tuple[Placement, int]:
    """Large-neighbourhood search with exact steps on the goal: free a few hotels (a random one and
    the hotels its candidate needs could also use), and let a small CP-SAT model re-place the needs
    that were there and the unplaced needs that fit there, hinted with what was there, solved to
    optimality in milliseconds. Kept only when weighted people placed grows.

    Why: on many small hotels the tail of the knapsack needs exchanges across two or three hotels
    at once; CP-SAT's own neighbourhoods find them too, but on the whole model each of its steps
    pays presolve and it needs tens of seconds on a loaded 2-core machine."""
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
        sub = neighbourhood(inp, out, pick, [by_id[x] for x in pool])
        cands = {nid: [hi for hi in fits[nid] if hi in pick] for nid in pool}
        rm = build_model(sub, sub.needs, cands, deadline)
        if rm is None:
            break
        before = sum(by_id[nid].weight * by_id[nid].people for nid in pool if nid in out)
        rm.m.maximize(sum(rm.needs_w[nid] * v for (nid, _), v in rm.x.items()))
        set_hint(rm, {nid: out[nid] for nid in pool if nid in out})
        st, found, _ = run(rm, min(LNS_STEP_S, deadline - time.perf_counter()), workers=1)
        if found is None or sum(rm.needs_w[nid] for nid in found) <= before:
            continue
        for nid in pool:
            out.pop(nid, None)
        out.update(found)
        steps += 1
    logger.debug("rooms LNS: %d of %d steps improved", steps, tries)
    return out, steps
