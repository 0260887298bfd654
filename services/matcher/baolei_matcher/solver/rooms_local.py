"""Local search for the rooms stage on the goal, and less time to isolation at no cost to it.

Why: the LP dive (`rooms_lp.py`) lands close to the bound but leaves the tail of the knapsack —
a few mid-priority needs that would fit if a low-priority group moved over. These moves find such
exchanges in milliseconds each, so they run within any budget, before (or, at city scale,
instead of) CP-SAT on the whole model. `polish_time` shortens the time to isolation among needs
asking the very same rooms, the goal unchanged. Every move checks the rules with `rules.fit`.
"""
from __future__ import annotations

import logging
import random
import time
from collections import defaultdict

from ortools.graph.python import min_cost_flow

from baolei_common.rooms import Rooms

from . import rules
from .model import TransferNeed
from .rooms_input import Placement, RoomsInput
from .rooms_time import HotelTimes

logger = logging.getLogger(__name__)


def nearest_first(inp: RoomsInput, n: TransferNeed, hotels: list[int]) -> list[int]:
    """`hotels` by road km from the need (those with no km known last)."""
    return sorted(hotels, key=lambda hi: inp.km.get((n.id, hi), 1e9))


def eject_insert(inp: RoomsInput, placed: Placement, fits: dict[str, list[int]], deadline: float,
                 max_passes: int = 4) -> tuple[Placement, int]:
    """Local improvement on the goal: give an unplaced need rooms at a hotel by taking them from
    needs worth less (fewer weighted people), which then go to other hotels where they fit as
    they are, or stay unplaced; kept only when weighted people placed grows. Returns the new
    placement and how many moves were made.

    Why: the LP dive and greedy leave the tail of the knapsack — a few mid-priority needs that
    would fit if one low-priority group moved over — and CP-SAT, short of time on a loaded machine,
    does not always find those exchanges."""
    by_id = {n.id: n for n in inp.needs}
    cap = dict(inp.residual)
    at: dict[int, dict[str, Rooms]] = {}
    for nid, (hi, got) in placed.items():
        hid = inp.hotels[hi].id
        cap[hid] = cap[hid] - got
        at.setdefault(hi, {})[nid] = got
    out = dict(placed)
    moves = 0

    def val(n: TransferNeed) -> int:
        return n.weight * n.people

    for _ in range(max_passes):
        improved = False
        for u in sorted((n for n in inp.needs if n.id not in out and fits.get(n.id)), key=lambda n: -val(n)):
            if time.perf_counter() > deadline:
                return out, moves
            best: tuple[int, int, list[TransferNeed], dict[str, int]] | None = None  # (loss, hotel, out, moved)
            for hi in fits[u.id]:
                hid = inp.hotels[hi].id
                room = cap[hid]
                ejected: list[TransferNeed] = []
                for m in sorted((by_id[x] for x in at.get(hi, {})), key=val):
                    if rules.fit(u.rooms, room) is not None or sum(map(val, ejected)) + val(m) >= val(u):
                        break
                    ejected.append(m)
                    room = room + at[hi][m.id]
                if rules.fit(u.rooms, room) is None:
                    continue
                # the ejected try other hotels where they fit as things stand
                trial = dict(cap)
                trial[hid] = room - rules.fit(u.rooms, room)  # type: ignore[operator]
                moved: dict[str, int] = {}
                loss = 0
                for m in sorted(ejected, key=lambda n: -val(n)):
                    for hj in nearest_first(inp, m, fits[m.id]):
                        if hj == hi:
                            continue
                        g = rules.fit(m.rooms, trial[inp.hotels[hj].id])
                        if g is not None:
                            trial[inp.hotels[hj].id] = trial[inp.hotels[hj].id] - g
                            moved[m.id] = hj
                            break
                    else:
                        loss += val(m)
                if loss < val(u) and (best is None or loss < best[0]):
                    best = (loss, hi, ejected, moved)
                    if loss == 0:
                        break
            if best is None:
                continue
            _, hi, ejected, moved = best
            hid = inp.hotels[hi].id
            for m in ejected:
                cap[hid] = cap[hid] + at[hi].pop(m.id)
                del out[m.id]
            given = rules.fit(u.rooms, cap[hid])
            assert given is not None
            cap[hid] = cap[hid] - given
            at.setdefault(hi, {})[u.id] = given
            out[u.id] = (hi, given)
            for m in ejected:
                to = moved.get(m.id)
                if to is None:
                    continue
                hj = to
                hjd = inp.hotels[hj].id
                g = rules.fit(m.rooms, cap[hjd])
                if g is not None:
                    cap[hjd] = cap[hjd] - g
                    at.setdefault(hj, {})[m.id] = g
                    out[m.id] = (hj, g)
            moves += 1
            improved = True
        if not improved:
            break
    return out, moves


def ruin_recreate(inp: RoomsInput, placed: Placement, fits: dict[str, list[int]], deadline: float,
                  seed: int = 1) -> tuple[Placement, int]:
    """Ruin and recreate on the goal: empty two hotels, refill them from the needs taken out and the
    needs still unplaced that fit there (most weighted people per room first, with a little noise),
    keep the result when it places at least as many weighted people. Returns the placement and how
    many steps improved it. Cheap (milliseconds a step), so it runs until `deadline`."""
    rng = random.Random(seed)
    by_id = {n.id: n for n in inp.needs}
    where: dict[int, list[str]] = {}
    for nid, (hi, _) in placed.items():
        where.setdefault(hi, []).append(nid)
    cap = dict(inp.residual)
    for hi, got in placed.values():
        cap[inp.hotels[hi].id] = cap[inp.hotels[hi].id] - got
    fits_at: dict[int, list[str]] = {}
    for n in inp.needs:
        for hi in fits.get(n.id, []):
            fits_at.setdefault(hi, []).append(n.id)
    hotels = [hi for hi in fits_at if any(nid not in placed for nid in fits_at[hi])]
    if not hotels:
        return placed, 0
    out = dict(placed)
    improved = 0

    def val(nid: str) -> int:
        n = by_id[nid]
        return n.weight * n.people

    while time.perf_counter() < deadline:
        pick = rng.sample(sorted(fits_at), min(2, len(fits_at)))
        taken = [nid for hi in pick for nid in where.get(hi, [])]
        trial_cap = dict(cap)
        for nid in taken:
            hi, got = out[nid]
            trial_cap[inp.hotels[hi].id] = trial_cap[inp.hotels[hi].id] + got
        pool = set(taken) | {nid for hi in pick for nid in fits_at[hi] if nid not in out}
        noise = {nid: rng.uniform(0.8, 1.25) for nid in sorted(pool)}  # sorted: the same on every run
        ranked = sorted(noise, key=lambda nid: -val(nid) / max(1, by_id[nid].rooms.total()) * noise[nid])
        new: dict[str, tuple[int, Rooms]] = {}
        for nid in ranked:
            for hi in pick:
                if hi not in fits.get(nid, []):
                    continue
                given = rules.fit(by_id[nid].rooms, trial_cap[inp.hotels[hi].id])
                if given is not None:
                    trial_cap[inp.hotels[hi].id] = trial_cap[inp.hotels[hi].id] - given
                    new[nid] = (hi, given)
                    break
        before = sum(val(nid) for nid in taken)
        after = sum(val(nid) for nid in new)
        if after < before:
            continue
        if after > before:
            improved += 1
        for nid in taken:
            del out[nid]
        for hi in pick:
            where[hi] = []
        for nid, (hi, got) in new.items():
            out[nid] = (hi, got)
            where[hi].append(nid)
        cap = trial_cap
    return out, improved


def polish_time(inp: RoomsInput, placed: Placement, deadline: float) -> Placement:
    """Less time to isolation, the goal unchanged: needs asking the very same rooms may trade
    places (hotel and rooms given), so per kind of rooms asked the placed needs are re-assigned to
    the same hotel slots by least total time cost (`rooms_time.py`: drive, wait for opening,
    lateness extra; exact min-cost flow), each only to hotels it may use."""
    by_id = {n.id: n for n in inp.needs}
    times = HotelTimes(inp.needs, inp.hotels, inp.travel)
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
                    cost = times.flow_cost(nid, hi, inp.km.get((nid, hi)))
                    arcs.append((flow.add_arc_with_capacity_and_unit_cost(i, nn + j, 1, cost), nid, j))
        for j, key in enumerate(keys):
            flow.set_node_supply(nn + j, -slots[key])
        if flow.solve() != flow.OPTIMAL:
            continue
        for a, nid, j in arcs:
            if flow.flow(a) > 0:
                out[nid] = keys[j]
    return out
