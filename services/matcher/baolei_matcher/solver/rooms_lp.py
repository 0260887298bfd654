"""LP diving for the rooms stage: a near-optimal warm start when rooms are scarce.

Why: when rooms run short, which needs to place is a multi-knapsack (a family room holds up to
three people, a standard room one), and urgency-ordered greedy is several percent off the bound —
on many small hotels 30–50 %. CP-SAT alone climbs from there slowly. The per-need assignment LP
(`rooms_bound.assignment_lp`, over every hotel where a need fits) is nearly integral, so diving on
it lands close to the bound: solve, place every need the LP places whole, round up the largest
fractional placement, re-solve on what is left (rooms left, needs left, fits recomputed); when the
LP answer is integral it is the optimal completion. A deadline stops the dive; what is left is
placed greedily in urgency order.
"""
from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

from . import rules
from .model import Rooms, TransferNeed
from .rooms_bound import AssignmentLP, assignment_lp, fitting

if TYPE_CHECKING:
    from .rooms import Placement, RoomsInput

logger = logging.getLogger(__name__)

MAX_ROUNDS = 400


def lp_dive(inp: RoomsInput, order: list[TransferNeed], deadline: float, first: AssignmentLP | None = None,
            careful: bool = False, near: int | None = None) -> tuple[Placement, dict]:
    """A placement by LP diving (see the module docstring) and what the dive did (rounds, whether it
    ended on an integral LP). `first` is the LP already solved on `inp`, if any. `careful`: a
    group the LP splits fractionally waits until the LP places it whole (more rounds; neither
    way wins on every scenario, so the rooms stage tries both). `near`: the dive's LPs offer each
    need only its `near` nearest fitting hotels (`first` is then not used): the LP's optimum is
    highly degenerate, and over every hotel in a city it sends needs across town (twice the
    km per person of greedy, measured), which the buses then pay for."""
    from .rooms import RoomsInput, greedy_rooms, nearest_assignment

    cap = {h: Rooms.of(v) for h, v in inp.residual.items()}
    placed: Placement = {}
    left = list(inp.needs)
    rounds, integral = 0, False
    lp = first if near is None else None
    while left and rounds < MAX_ROUNDS and (lp is not None or time.perf_counter() < deadline):  # `first`: free
        sub = RoomsInput(left, inp.hotels, {h: list(c) for h, c in cap.items()}, inp.eligible, inp.km)
        if lp is None:
            fits = fitting(sub)
            lp = assignment_lp(sub, fits if near is None else {nid: f[:near] for nid, f in fits.items()})
            if lp is None:
                break
        rounds += 1
        whole = 0
        best_frac: tuple[float, int, int] | None = None  # (fraction, group, hotel)
        at: dict[int, list[TransferNeed]] = {}
        for g, (members, alloc) in enumerate(zip(lp.groups, lp.alloc, strict=True)):
            counts = {hi: int(math.floor(q + 1e-6)) for hi, q in alloc.items()}
            k = sum(counts.values())
            fractional = any(q - c > 1e-6 for (hi, q), c in zip(alloc.items(), counts.values(), strict=True))
            if k and not (careful and fractional):  # groups the LP splits wait for the next round
                for n, hi in nearest_assignment(inp, members[:k], {h: c for h, c in counts.items() if c}):
                    at.setdefault(hi, []).append(n)
            for hi, q in alloc.items():
                frac = q - math.floor(q + 1e-6)
                if frac > 1e-6 and (best_frac is None or frac > best_frac[0]):
                    best_frac = (frac, g, hi)
        for hi, group in at.items():
            whole += commit(inp, hi, group, cap, placed)
        if best_frac is None:
            integral = True
            break
        if not whole:  # all fractional: round up the largest one, the need next in its group's line
            _, g, hi = best_frac
            hid = inp.hotels[hi].id
            for n in lp.groups[g]:
                if n.id in placed:
                    continue
                got = rules.fit(n.rooms, cap[hid])
                if got is not None:
                    placed[n.id] = (hi, got)
                    cap[hid] = cap[hid] - got
                    break
        left = [n for n in left if n.id not in placed]
        lp = None
    sub = RoomsInput([n for n in order if n.id not in placed], inp.hotels, {h: list(c) for h, c in cap.items()},
                     inp.eligible, inp.km)
    placed.update(greedy_rooms(sub, sub.needs))
    return placed, {"dive_rounds": rounds, "dive_integral": integral}


def commit(inp: RoomsInput, hi: int, needs: list[TransferNeed], cap: dict[str, Rooms], placed: Placement) -> int:
    """Give `needs` rooms at hotel `hi` together: family and accessible rooms asked first, then the
    standard rooms asked from what is left (standard, then family, then accessible: upgrades). If
    they do not all fit, the least weighted are left out. Returns how many were placed."""
    hid = inp.hotels[hi].id
    group = sorted(needs, key=lambda n: -n.weight * n.people)
    while group:
        need = Rooms(sum(n.rooms.standard for n in group), sum(n.rooms.family for n in group),
                     sum(n.rooms.accessible for n in group))
        if rules.fit(need, cap[hid]) is not None:
            break
        group.pop()
    c = cap[hid]
    pool = c - Rooms(0, sum(n.rooms.family for n in group), sum(n.rooms.accessible for n in group))
    for n in group:
        gs = min(n.rooms.standard, pool.standard)
        gf = min(n.rooms.standard - gs, pool.family)
        ga = n.rooms.standard - gs - gf
        pool = pool - Rooms(gs, gf, ga)
        got = Rooms(gs, n.rooms.family + gf, n.rooms.accessible + ga)
        placed[n.id] = (hi, got)
        c = c - got
    cap[hid] = c
    return len(group)


def eject_insert(inp: RoomsInput, placed: Placement, fits: dict[str, list[int]], deadline: float,
                 max_passes: int = 4) -> tuple[Placement, int]:
    """Local improvement on the goal: give an unplaced need rooms at a hotel by taking them from
    needs worth less (fewer weighted people), which then go to other hotels where they fit as
    they are, or stay unplaced; kept only when weighted people placed grows. Returns the new
    placement and how many moves were made.

    Why: the LP dive and greedy leave the tail of the knapsack — a few mid-priority needs that
    would fit if one low-priority group moved over — and CP-SAT, short of time on a loaded machine,
    does not always find those exchanges."""
    from .rooms import nearest_first

    by_id = {n.id: n for n in inp.needs}
    cap = {h: Rooms.of(v) for h, v in inp.residual.items()}
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
    import random

    rng = random.Random(seed)
    by_id = {n.id: n for n in inp.needs}
    where: dict[int, list[str]] = {}
    for nid, (hi, _) in placed.items():
        where.setdefault(hi, []).append(nid)
    cap = {h: Rooms.of(v) for h, v in inp.residual.items()}
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
