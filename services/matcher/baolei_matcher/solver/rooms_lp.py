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
from typing import Any

from baolei_common.rooms import Rooms

from . import rules
from .model import TransferNeed
from .rooms_bound import AssignmentLP, assignment_lp, fitting
from .rooms_input import Placement, RoomsInput, greedy_rooms, nearest_assignment

logger = logging.getLogger(__name__)

MAX_ROUNDS = 400


def lp_dive(inp: RoomsInput, order: list[TransferNeed], deadline: float, first: AssignmentLP | None = None,
            careful: bool = False, near: int | None = None) -> tuple[Placement, dict[str, Any]]:
    """A placement by LP diving (see the module docstring) and what the dive did (rounds, whether it
    ended on an integral LP). `first` is the LP already solved on `inp`, if any. `careful`: a
    group the LP splits fractionally waits until the LP places it whole (more rounds; neither
    way wins on every scenario, so the rooms stage tries both). `near`: the dive's LPs offer each
    need only its `near` nearest fitting hotels (`first` is then not used): the LP's optimum is
    highly degenerate, and over every hotel in a city it sends needs across town (twice the
    km per person of greedy, measured), which the buses then pay for."""
    cap = dict(inp.residual)
    placed: Placement = {}
    left = list(inp.needs)
    rounds, integral = 0, False
    lp = first if near is None else None
    while left and rounds < MAX_ROUNDS and (lp is not None or time.perf_counter() < deadline):  # `first`: free
        sub = RoomsInput(left, inp.hotels, dict(cap), inp.eligible, inp.km, inp.travel)
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
    sub = RoomsInput([n for n in order if n.id not in placed], inp.hotels, dict(cap),
                     inp.eligible, inp.km, inp.travel)
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
