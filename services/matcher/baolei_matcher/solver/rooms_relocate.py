"""Rooms stage, goal 3 after goal 1: move placed needs to hotels that get them to isolation sooner.

Why: the warm starts (greedy, LP dive, eject-insert, ruin and recreate) optimise weighted people
placed only, so where rooms are scarce they leave people in far hotels while nearer ones had
room for them after a move or two (issue 17: buses_ample_rooms_scarce seed 1, 75.5 min of direct
drive per person carried against greedy's 43.5). At that size CP-SAT's phase 2 is skipped, and
`polish_time` only trades hotels among needs asking the very same rooms. This search keeps the
set of needs placed (so weighted people placed, and who is placed — fairness's choice — stay as
they are) and lowers the summed time cost (`rooms_time.py`, the bus stage's unit) with three moves:

- relocate: a need to a cheaper hotel where its rooms fit in what is left;
- swap: two needs exchange hotels when each fits in what the other frees;
- eject chain: a need takes a cheaper hotel's rooms from a need there, which goes to any hotel
  where it fits (the first need's old one included) — kept only when the sum gets cheaper.

Each need's costs to its eligible hotels are computed once, vectorised (numpy), and only for the
needs the search looks at; needs are visited largest possible gain first, so a short budget goes
where it buys most. Every move checks the rules with `rules.fit` and the deadline is honoured.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from baolei_common.rooms import Rooms

from . import rules
from .model import TransferNeed
from .rooms_input import Placement, RoomsInput
from .rooms_time import UNKNOWN_KM, HotelTimes

EPS = 1e-6          # a move must save more than this (person-minutes) to count
MAX_PASSES = 50     # passes over the placed needs; the search stops early when a pass improves nothing
MAX_PARTNERS = 40   # per (need, cheaper hotel), at most this many needs there tried for a swap or chain


class _Costs:
    """Per need: its eligible hotels with their time costs, cheapest first, and a dense row of
    cost per hotel index (NaN: not eligible), computed on first use from `RoomsInput.km_row`."""

    def __init__(self, inp: RoomsInput) -> None:
        self.inp = inp
        self.times = HotelTimes(inp.needs, inp.hotels, inp.travel)
        self.open = np.array([np.nan if o is None else o for o in self.times.open], dtype=float)
        self.rows: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # `rules.time_cost` is linear in (wait, late): its coefficients price a whole row at once
        self.wait_w, self.late_w = rules.time_cost(1.0, 0.0), rules.time_cost(0.0, 1.0)

    def of(self, nid: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hotels cheapest first, their costs, cost by hotel index) for need `nid`."""
        row = self.rows.get(nid)
        if row is not None:
            return row
        el = np.asarray(self.inp.eligible.get(nid) or [], dtype=np.int64)
        km = self.inp.km_row.get(nid)
        if km is None or len(km) != len(el):
            km = np.fromiter((self.inp.km.get((nid, h), UNKNOWN_KM) for h in el.tolist()), dtype=float, count=len(el))
        ready, due, people, weight = self.times.need[nid]
        arrive = self.times.dwell + km * self.times.per_km
        if len(el):
            opens = self.open[el] - ready
            arrive = np.fmax(arrive, opens)   # fmax: a hotel with no opening time (NaN) keeps the drive
        late = np.maximum(0.0, arrive - (due - ready))
        cost = weight * people * (self.wait_w * arrive + self.late_w * late)
        order = np.argsort(cost, kind="stable")
        dense = np.full(len(self.inp.hotels), np.nan)
        dense[el] = cost
        row = (el[order], cost[order], dense)
        self.rows[nid] = row
        return row

    def cost(self, nid: str, hi: int) -> float | None:
        """Time cost of `nid` at hotel `hi`, None when the hotel is not eligible for it."""
        c = float(self.of(nid)[2][hi])
        return None if c != c else c

    def regret(self, nid: str, hi: int) -> float:
        """Time cost of `nid` at `hi` above its cheapest hotel (0 when `hi` is not eligible)."""
        c, cs = self.cost(nid, hi), self.of(nid)[1]
        return 0.0 if c is None or not len(cs) else c - float(cs[0])


def by_regret(ids: list[str], regret: Callable[[str], float], deadline: float) -> list[str] | None:
    """`ids` by regret (time cost above the need's cheapest hotel), largest first; the first call
    computes every need's costs (a second or so at city scale), so it watches the deadline: None
    when it passes."""
    keys: list[tuple[float, str]] = []
    for i, nid in enumerate(ids):
        if i % 128 == 0 and time.perf_counter() > deadline:
            return None
        keys.append((-regret(nid), nid))
    return [nid for _, nid in sorted(keys)]


def shorten_time(inp: RoomsInput, placed: Placement, deadline: float) -> tuple[Placement, dict[str, Any]]:
    """Lower the summed time cost of `placed` by relocations, swaps and eject chains, the set of
    needs placed unchanged. Returns the new placement and what was done (moves and minutes saved)."""
    by_id = {n.id: n for n in inp.needs}
    costs = _Costs(inp)
    cap = {hi: inp.residual[h.id] for hi, h in enumerate(inp.hotels)}
    at: dict[int, dict[str, Rooms]] = {}
    for nid, (hi, got) in placed.items():
        cap[hi] = cap[hi] - got
        at.setdefault(hi, {})[nid] = got
    out = dict(placed)
    stats = {"relocate": 0, "swap": 0, "chain": 0, "saved": 0.0, "passes": 0}

    def move(nid: str, to: int, given: Rooms) -> None:
        hi, got = out[nid]
        cap[hi] = cap[hi] + got
        del at[hi][nid]
        cap[to] = cap[to] - given
        at.setdefault(to, {})[nid] = given
        out[nid] = (to, given)

    def regret(nid: str) -> float:
        return costs.regret(nid, out[nid][0])

    for _ in range(MAX_PASSES):
        if time.perf_counter() > deadline:
            break
        stats["passes"] += 1
        improved = False
        todo = by_regret([nid for nid in out if nid in by_id], regret, deadline)
        for nid in todo or []:
            if time.perf_counter() > deadline:
                break
            if regret(nid) <= EPS:
                break  # sorted: nobody after this one can gain either
            if _improve(by_id, by_id[nid], out, cap, at, costs, move, stats, deadline):
                improved = True
        if not improved:
            break
    stats["saved"] = round(stats["saved"], 1)
    return out, stats


def _improve(by_id: dict[str, TransferNeed], n: TransferNeed, out: Placement, cap: dict[int, Rooms],
             at: dict[int, dict[str, Rooms]], costs: _Costs, move: Callable[[str, int, Rooms], None],
             stats: dict[str, Any],
             deadline: float) -> bool:
    """The first improving move for need `n`, cheapest hotel first: relocate there if it fits,
    else eject needs there into `n`'s old hotel or any hotel with room; True if a move was made."""
    h1, _ = out[n.id]
    hotels, cs, _ = costs.of(n.id)
    c1 = costs.cost(n.id, h1)
    if c1 is None:
        return False
    for h2, c2 in zip(hotels.tolist(), cs.tolist(), strict=True):
        if c2 >= c1 - EPS or time.perf_counter() > deadline:
            return False
        if h2 == h1:
            continue
        given = rules.fit(n.rooms, cap[h2])
        if given is not None:
            move(n.id, h2, given)
            stats["relocate"] += 1
            stats["saved"] += c1 - c2
            return True
        chain = _eject(by_id, n, c1 - c2, h1, h2, out, cap, at, costs)
        if chain is not None:
            gain, dest = chain
            _apply(n.id, h2, dest, out, cap, at, by_id)
            stats["swap" if all(h == h1 for h in dest.values()) else "chain"] += 1
            stats["saved"] += gain
            return True
    return False


def _short(asked: Rooms, room: Rooms) -> int:
    """How many rooms `asked` lacks in `room` (0: it fits; upgrades counted as `rules.fits_counts`)."""
    f = max(0, asked.family - room.family)
    a = max(0, asked.accessible - room.accessible)
    spare = room.standard + max(0, room.family - asked.family) + max(0, room.accessible - asked.accessible)
    return f + a + max(0, asked.standard - spare)


def _eject(by_id: dict[str, TransferNeed], n: TransferNeed, gain_n: float, h1: int, h2: int, out: Placement,
           cap: dict[int, Rooms], at: dict[int, dict[str, Rooms]], costs: _Costs
           ) -> tuple[float, dict[str, int]] | None:
    """Needs at `h2` to take out so `n` fits there, each sent where it costs least among `h1` (with
    the rooms `n` frees) and the hotels with room left; (gain, need -> new hotel) if the whole
    exchange saves time, else None. Needs cheapest to send to `h1` are taken out first, and only
    those that bring `n` closer to fitting."""
    def to_h1(mid: str) -> float:
        c = costs.cost(mid, h1)
        return (c if c is not None else 1e12) - (costs.cost(mid, h2) or 0.0)

    room = cap[h2]
    taken: list[str] = []
    for k, mid in enumerate(sorted(at.get(h2, {}), key=lambda x: (to_h1(x), x))):
        if k >= MAX_PARTNERS:
            return None
        if _short(n.rooms, room + at[h2][mid]) < _short(n.rooms, room):
            room = room + at[h2][mid]
            taken.append(mid)
            if rules.fit(n.rooms, room) is not None:
                break
    if rules.fit(n.rooms, room) is None:
        return None
    trial = {h1: cap[h1] + out[n.id][1]}
    gain = gain_n
    dest: dict[str, int] = {}
    for mid in sorted(taken, key=lambda x: -by_id[x].rooms.total()):
        m = by_id[mid]
        cm = costs.cost(mid, h2) or 0.0
        hotels, cs, _ = costs.of(mid)
        for h3, c3 in zip(hotels.tolist(), cs.tolist(), strict=True):
            if h3 == h2:
                continue
            space = trial.get(h3, cap[h3])
            got = rules.fit(m.rooms, space)
            if got is not None:
                trial[h3] = space - got
                dest[mid] = h3
                gain += cm - c3
                break
        else:
            return None
    return (gain, dest) if gain > EPS else None


def _apply(nid: str, h2: int, dest: dict[str, int], out: Placement, cap: dict[int, Rooms],
           at: dict[int, dict[str, Rooms]], by_id: dict[str, TransferNeed]) -> None:
    """Need `nid` to `h2`, the needs it ejects there to `dest`, rooms re-fitted in the order
    `_eject` checked them (the ejected freed first, then `nid`, then each ejected, largest first)."""
    h1, got_n = out[nid]
    for mid in dest:
        cap[h2] = cap[h2] + at[h2].pop(mid)
    cap[h1] = cap[h1] + at[h1].pop(nid)
    placed_at: list[tuple[str, int]] = [(nid, h2)] + [(mid, dest[mid]) for mid in
                                                       sorted(dest, key=lambda x: -by_id[x].rooms.total())]
    for x, h in placed_at:
        got = rules.fit(by_id[x].rooms, cap[h])
        assert got is not None, "rooms_relocate: a checked move no longer fits"
        cap[h] = cap[h] - got
        at.setdefault(h, {})[x] = got
        out[x] = (h, got)

