"""Bus stage: moves of whole trips — re-order a bus's day, hand a trip to another bus, swap two.

Why: insertion fixes the order of a bus's trips by when each request was routed (most urgent
first), not by when its people are due, so people due early wait behind trips that could go
later. Moving whole trips never changes who is carried, only when: weighted unserved people stay
as they are and each accepted move strictly lowers (time cost, km): the time cost is
`rules.time_cost` (person-minutes from ready to the hotel, minutes past due counting extra). Each
candidate is timed by `BusState.splice`, the exact forward pass, so an accepted move is always feasible.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from .buses import Router
from .fleet import PRE_FREE, PRE_KM, BusState, DraftTrip

logger = logging.getLogger(__name__)

NEAR_BUSES = 10   # other buses tried for a trip (nearest depots/positions first)
SLOT_WINDOW_S = 2 * 3600  # slots of another bus tried for a trip: free within this of its start
EPS = 1e-6
TAILS = True      # also exchange the rest of the day between two buses


def _gain(old: tuple[float, float], new: tuple[float, float]) -> bool:
    return new[0] < old[0] - EPS or (abs(new[0] - old[0]) <= EPS and new[1] < old[1] - EPS)


def reorder(b: BusState) -> bool:
    """Best single relocation of one trip inside the bus's day; True if one was applied."""
    n = len(b.trips)
    if n < 2:
        return False
    cur = (b.timing.time, b.timing.km)
    best, best_key = None, cur
    for i in range(n):
        rest = b.trips[:i] + b.trips[i + 1:]
        for j in range(n):
            if j == i:
                continue
            trips = rest[:j] + [b.trips[i]] + rest[j:]
            lo = min(i, j)
            t = b.splice(lo, trips[lo:], n)
            if t.feasible and _gain(best_key, (t.time, t.km)):
                best, best_key = trips, (t.time, t.km)
    if best is None:
        return False
    b.commit(best)
    return True


def relocate(router: Router, ai: int, near: list[int]) -> bool:
    """Best move of one trip of bus `ai` to any slot of a nearby bus (or swap with one of its
    trips); True if the sum over both buses improved and the move was applied."""
    a = router.fleet[ai]
    best = None
    best_gain = 0.0
    for i, trip in enumerate(a.trips):
        if trip.people() == 0:
            continue
        ta = a.splice(i, [], i + 1)
        # Bounds that skip hopeless candidates (exact, by the triangle inequality): putting a trip
        # into a bus's day never makes anything earlier, so never lowers its time cost or km, and the
        # trip costs at least its floor where it goes; a move gains at most what taking the trip off
        # `a` saves less that floor; a swap at most what both buses' days cost above their floors
        # from the swapped trips on (moves keep the sum of the floors: `BusState.trip_floor`).
        floor = a.floor_from(i) - a.floor_from(i + 1)
        move_ub = (a.timing.time - ta.time - floor + 0.01 * (a.timing.km - ta.km)) if ta.feasible else -1.0
        a_tail = _tail(a, i)
        for ci in near:
            c = router.fleet[ci]
            if ci == ai or trip.people() > c.cap:
                continue
            base = a.timing.time + c.timing.time + 0.01 * (a.timing.km + c.timing.km)
            for j in _slots_near(c, trip.start_s):
                if ta.feasible and move_ub > best_gain + EPS:
                    tc = c.splice(j, [trip], j)
                    if tc.feasible:
                        g = base - (ta.time + tc.time + 0.01 * (ta.km + tc.km))
                        if g > best_gain + EPS:
                            best_gain, best = g, ("move", i, ci, j)
                c_tail = _tail(c, j)
                if j < len(c.trips) and c.trips[j].people() <= a.cap and a_tail + c_tail > best_gain + EPS:
                    sa = a.splice(i, [c.trips[j]], i + 1)
                    if sa.feasible:
                        sc = c.splice(j, [trip], j + 1)
                        if sc.feasible:
                            g = base - (sa.time + sc.time + 0.01 * (sa.km + sc.km))
                            if g > best_gain + EPS:
                                best_gain, best = g, ("swap", i, ci, j)
    if best is None:
        return False
    kind, i, ci, j = best
    c = router.fleet[ci]
    trip = a.trips[i]
    if router.journal is not None:
        for bi in (ai, ci):
            router.journal.setdefault(bi, [_copy(t) for t in router.fleet[bi].trips])
    if kind == "move":
        a.commit(a.trips[:i] + a.trips[i + 1:])
        c.commit(c.trips[:j] + [trip] + c.trips[j:])
    else:
        other = c.trips[j]
        a.commit(a.trips[:i] + [other] + a.trips[i + 1:])
        c.commit(c.trips[:j] + [trip] + c.trips[j + 1:])
    router._sync(ai)
    router._sync(ci)
    router.rebuild_keys()  # the trip now runs on another bus
    return True


def exchange_tails(router: Router, ai: int, near: list[int]) -> bool:
    """Best exchange of the rest of the day between bus `ai` and a nearby bus: `ai` takes the
    other's trips from slot j on and gives its own from slot i on (a 2-opt* move of vehicle
    routing). Relocate and swap move one trip; on a saturated fleet a bus that fell behind needs
    its whole afternoon handed to a bus that is ahead. True if the sum over both improved."""
    a = router.fleet[ai]
    best = None
    best_gain = 0.0
    na = len(a.trips)
    for ci in near:
        c = router.fleet[ci]
        if ci == ai:
            continue
        nc = len(c.trips)
        base = a.timing.time + c.timing.time + 0.01 * (a.timing.km + c.timing.km)
        a_fit = [t.people() <= c.cap for t in a.trips]
        c_fit = [t.people() <= a.cap for t in c.trips]
        for i in range(na + 1):
            if not all(a_fit[i:]):
                continue
            a_tail = _tail(a, i)
            for j in _slots_near(c, a._pre[i][PRE_FREE]):
                if (i == na and j == nc) or (i == 0 and j == 0) or not all(c_fit[j:]):
                    continue
                c_tail = _tail(c, j)
                if a_tail + c_tail <= best_gain + EPS:  # the tails' time cost and km is all there is to gain
                    continue
                sa = a.splice(i, c.trips[j:], na)
                if not sa.feasible:
                    continue
                sc = c.splice(j, a.trips[i:], nc)
                if not sc.feasible:
                    continue
                g = base - (sa.time + sc.time + 0.01 * (sa.km + sc.km))
                if g > best_gain + EPS:
                    best_gain, best = g, (ci, i, j)
    if best is None:
        return False
    ci, i, j = best
    c = router.fleet[ci]
    if router.journal is not None:
        for bi in (ai, ci):
            router.journal.setdefault(bi, [_copy(t) for t in router.fleet[bi].trips])
    a_trips, c_trips = a.trips, c.trips
    a.commit(a_trips[:i] + c_trips[j:])
    c.commit(c_trips[:j] + a_trips[i:])
    router._sync(ai)
    router._sync(ci)
    router.rebuild_keys()
    return True


def _tail(b: BusState, i: int) -> float:
    """What moves of the bus's trips from slot `i` on can gain at most: their time cost above
    its floor, and their km (at the moves' 0.01 per km)."""
    return b.timing.time - b.time_before(i) - b.floor_from(i) + 0.01 * (b.timing.km - b._pre[i][PRE_KM])


def _slots_near(c: BusState, start_s: int) -> list[int]:
    """Slots of bus `c` whose bus is free within SLOT_WINDOW_S of `start_s`: a trip moved hours
    away from its time almost never helps, and trying every slot is what made this move costly."""
    pre = c._pre
    return [j for j in range(len(c.trips) + 1) if abs(pre[j][PRE_FREE] - start_s) <= SLOT_WINDOW_S]


def _copy(t: DraftTrip) -> DraftTrip:
    return DraftTrip(t.hotel, t.hotel_site, t.risk, t.open_s, list(t.stops))


def polish(router: Router, deadline: float, buses: list[int] | None = None, rounds: int = 50,
           near_buses: int = NEAR_BUSES) -> int:
    """Descent with trip moves until no move helps or `deadline`; returns moves applied.
    Trips keep their identity; `relocate` re-indexes the router's (hotel, risk) index itself."""
    fleet = router.fleet
    todo = list(range(len(fleet))) if buses is None else list(buses)
    moves = 0
    seen_rounds = 0
    while todo and time.perf_counter() < deadline and seen_rounds < rounds:
        seen_rounds += 1
        changed: set[int] = set()
        for bi in todo:
            if time.perf_counter() > deadline:
                break
            b = fleet[bi]
            if not b.trips:
                continue
            if router.journal is not None and bi not in router.journal:
                router.journal[bi] = [_copy(t) for t in b.trips]
            while reorder(b):
                moves += 1
                changed.add(bi)
            router._sync(bi)
            near = _near(router, bi, near_buses)
            if near and relocate(router, bi, near):
                moves += 1
                changed.update((bi, *near))
            if near and TAILS and exchange_tails(router, bi, near):
                moves += 1
                changed.update((bi, *near))
        todo = sorted(changed)
    return moves


def _near(router: Router, bi: int, k: int = NEAR_BUSES) -> list[int]:
    n = len(router.fleet)
    if k <= 0:
        return []
    if n <= k + 1:
        return [i for i in range(n) if i != bi]
    site = router.fleet[bi].base_pos
    km = router.travel.km_from_many(router.base_pos, site)
    return [int(i) for i in np.argsort(km, kind="stable")[:k + 1] if int(i) != bi][:k]
