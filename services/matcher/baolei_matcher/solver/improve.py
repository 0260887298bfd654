"""Bus stage, second phase: ruin-and-recreate local search over the routed plan.

Why: insertion routes requests one at a time, most urgent first, so a bus's day is shaped by the
order requests arrived in, not by their due times; late person-minutes pile up behind trips placed
early. This phase repeatedly takes some loads off the buses (related needs: nearby and due about
the same time; the latest ones; or a run of trips of one bus), re-inserts them together with
anything still unserved with the same insertion as the first phase (joins, new trips at the end or
between two trips), and keeps the change only if the plan is lexicographically no worse on
(weighted unserved people, time cost, km); the time cost is `rules.time_cost` of every load
(person-minutes from ready to the hotel, minutes past due counting extra). Every schedule is timed by the exact forward
pass of `fleet.py`, so every intermediate plan is valid; a rejected change is undone bus by bus.
"""
from __future__ import annotations

import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from baolei_common.rooms import Rooms

from . import rules
from .buses import GOAL3_W, THROUGHPUT_W, Router
from .fleet import DraftStop, DraftTrip, Request
from .plan import RoomAssignment
from .tripmoves import polish

logger = logging.getLogger(__name__)

Score = tuple[int, float, float, float]  # weighted unserved people, time cost, km, person-minutes late
# buses' trips, requests' (remaining, hotel, hotel site, open_s), chooser's (rooms, residual)
_Snapshot = tuple[list[list[DraftTrip]], dict[str, tuple[int, str, str, int]],
                  tuple[dict[str, RoomAssignment], dict[str, Rooms]] | None]
MAX_STALL = 600          # consecutive iterations without a new best before giving up
SA_T0 = 0.0015           # starting temperature, as a share of the time cost at the start
NOISE, NOISE_SHARE = 0.2, 0.5  # relative noise on insertion costs, in this share of the steps
SA_MAX_FLEET = 300       # above: descent only (a snapshot of a city's plan per step costs too much)
SA_KM_W = 0.01           # km, in time-cost person-minutes, when judging how much worse a step is
REMOVE_MIN, REMOVE_MAX = 3, 12
BUSY_CHOICES = (0.0, 0.3, 1.0, 2.0)
# While people are left unserved, this share of the steps re-inserts with lateness only (waiting
# free, as before goal 3 counted it): that pools more pickups per trip, which is what frees seats;
# the step is still judged on the goals. buses_saturated at 10 s, weighted unserved (noisy, shared
# machine): seeds 2 / 1 left 53 / 78 with no such steps, 15 / 23 and 24 / 101 with half.
THROUGHPUT_SHARE = 0.5
MAX_UNSERVED_TRIED = 4   # requests still (partly) unserved offered a seat again per iteration
STEP_NEAR_BUSES = 3      # trip moves after each step: other buses a trip may move to (nearest first)


def score(router: Router, requests: dict[str, Request]) -> Score:
    """Lexicographic: weighted unserved people, time cost (`rules.time_cost`, weighted), km; then
    person-minutes late (weighted), which only the acceptance reads (see `improve`)."""
    unserved = sum(r.need.weight * r.remaining for r in requests.values())
    cost = sum(b.timing.time for b in router.fleet)
    km = sum(b.timing.km for b in router.fleet)
    late = sum(b.timing.late_pm for b in router.fleet)
    return unserved, round(cost, 3), round(km, 3), round(late, 3)


def sa_accept(new: Score, old: Score, temp: float, draw: Callable[[], float]) -> bool:
    """Simulated-annealing acceptance of `new` over `old` at temperature `temp`; `draw()` is
    uniform in [0, 1) and only called when chance decides. Fewer weighted unserved people is always
    taken, more never; at equal unserved, a step no worse on (time, km) in order, or no worse on
    their blend (later but shorter), is taken; a worse one with probability exp(-worse / temp).
    The exponent is only formed for worse > 0, where it is negative, so exp never overflows (it
    did for a later-but-shorter step at a small temperature: issue 17)."""
    if new[0] != old[0]:
        return new[0] < old[0]
    if new[1:] <= old[1:]:
        return True
    worse = new[1] - old[1] + SA_KM_W * (new[2] - old[2])
    if worse <= 0:
        return True
    if not temp > 0 or worse >= 20 * temp:
        return False
    return draw() < math.exp(-worse / temp)


def _no_worse(new: Score, cur: Score) -> bool:
    return new[0] < cur[0] or (new[0] == cur[0] and new[1:] <= cur[1:])


def _clone(trips: list[DraftTrip]) -> list[DraftTrip]:
    return [DraftTrip(t.hotel, t.hotel_site, t.risk, t.open_s, list(t.stops)) for t in trips]


def _without(trips: list[DraftTrip], drop: set[str], freed: dict[str, int]) -> list[DraftTrip]:
    """The trips with every load of the needs in `drop` taken off (people counted in `freed`);
    stops and trips left empty disappear. Never edits the given objects."""
    out = []
    for t in trips:
        stops = []
        for s in t.stops:
            if any(n in drop for n in s.loads):
                loads = {}
                for n, p in s.loads.items():
                    if n in drop:
                        freed[n] += p
                    else:
                        loads[n] = p
                if loads:
                    stops.append(DraftStop(s.site, loads))
            else:
                stops.append(s)
        if stops:
            out.append(t if len(stops) == len(t.stops) and stops == t.stops
                       else DraftTrip(t.hotel, t.hotel_site, t.risk, t.open_s, stops))
    return out


class Improver:
    def __init__(self, router: Router, requests: dict[str, Request], seed: int = 0) -> None:
        self.router = router
        self.requests = requests
        self.rng = random.Random(seed)
        self.where: dict[str, set[int]] = defaultdict(set)  # need id -> buses carrying it
        self._index()
        self.iterations = 0
        self.accepted = 0
        self.deadline = float("inf")

    def _index(self) -> None:
        self.where.clear()
        for bi, b in enumerate(self.router.fleet):
            for t in b.trips:
                for s in t.stops:
                    for n in s.loads:
                        self.where[n].add(bi)

    def _rebuild_keys(self) -> None:
        self.router.rebuild_keys()

    # --- choosing what to take off -------------------------------------------------------
    def _served(self) -> list[str]:
        return [n for n, bs in self.where.items() if bs and n in self.requests]

    def _related(self, served: list[str], k: int) -> set[str]:
        seed = self.requests[self.rng.choice(served)]
        tr = self.router.travel

        def dist(nid: str) -> float:
            r = self.requests[nid]
            return (tr.km(seed.need.site, r.need.site) / 5.0 + abs(seed.due_s - r.due_s) / 1800.0
                    + (0.0 if r.hotel == seed.hotel else 1.0) + self.rng.random())
        return set(sorted(served, key=dist)[:k])

    def _latest(self, served: list[str], k: int) -> set[str]:
        """The needs that cost the most time (waiting, and lateness counted extra), with noise."""
        cost: dict[str, float] = defaultdict(float)
        extra = rules.LATE_EXTRA
        for b in self.router.fleet:
            tw = b.time_weight
            for t in b.trips:
                for s in t.stops:
                    for n, p in s.loads.items():
                        c = t.arrive_s - b.ready[n] + extra * max(0, t.arrive_s - b.due[n])
                        cost[n] += tw.get(n, 1.0) * p * c * self.rng.uniform(0.5, 1.5)
        return set(sorted(served, key=lambda n: -cost[n])[:k])

    def _segment(self, k: int) -> set[str]:
        busy = [b for b in self.router.fleet if b.trips]
        b = self.rng.choice(busy)
        i = self.rng.randrange(len(b.trips))
        out: set[str] = set()
        for t in b.trips[i:i + self.rng.randint(1, 3)]:
            for s in t.stops:
                out.update(n for n in s.loads if n in self.requests)
        return out if len(out) <= 2 * k else set(self.rng.sample(sorted(out), k))

    # --- one move -----------------------------------------------------------------------
    def step(self, current: Score, accept: Callable[[Score, Score], bool] | None = None) -> Score:
        """One ruin-and-recreate step from the plan scored `current`; kept if `accept(new, current)`
        (default: lexicographically no worse), else undone. Returns the score of the plan kept."""
        served = self._served()
        if not served:
            return current
        k = self.rng.randint(REMOVE_MIN, min(REMOVE_MAX, max(REMOVE_MIN, len(served) // 3)))
        pick = self.rng.random()
        drop = self._related(served, k) if pick < 0.5 else self._latest(served, k) if pick < 0.75 else self._segment(k)
        if not drop:
            return current
        router, fleet = self.router, self.router.fleet
        saved: dict[int, list[DraftTrip]] = {}
        remaining = {n: r.remaining for n, r in self.requests.items()}
        freed: dict[str, int] = defaultdict(int)
        for bi in sorted(set().union(*(self.where[n] for n in drop))):
            b = fleet[bi]
            saved[bi] = _clone(b.trips)
            new = _without(b.trips, drop, freed)
            if not b.evaluate(new).feasible:  # cannot happen with the triangle inequality; be safe
                return self._undo(saved, remaining, current)
            b.commit(new)
            router._sync(bi)
        for n, p in freed.items():
            self.requests[n].remaining += p
        self._rebuild_keys()
        router.journal = saved
        moves: list[Any] = []
        if router.chooser is not None:
            router.chooser.journal = moves
        router.busy_w = self.rng.choice(BUSY_CHOICES)
        throughput = current[0] > 0 and self.rng.random() < THROUGHPUT_SHARE
        router.wait_w, router.late_w = THROUGHPUT_W if throughput else GOAL3_W
        router.noise = NOISE if self.rng.random() < NOISE_SHARE else 0.0
        todo = [self.requests[n] for n in drop if self.requests[n].remaining > 0]
        rest = [r for r in self.requests.values() if r.remaining > 0 and r.need.id not in drop]
        todo += self.rng.sample(rest, min(len(rest), MAX_UNSERVED_TRIED))
        noise = {r.need.id: self.rng.uniform(-1800, 1800) for r in todo}
        todo.sort(key=lambda r: (r.need.priority, r.due_s + noise[r.need.id]))
        for r in todo:
            router.route(r)
        polish(router, self.deadline, sorted(saved), rounds=1, near_buses=STEP_NEAR_BUSES)
        router.journal = None
        router.noise = 0.0
        router.wait_w, router.late_w = GOAL3_W
        if router.chooser is not None:
            router.chooser.journal = None
        new_score = score(router, self.requests)
        self.iterations += 1
        if (accept or _no_worse)(new_score, current):
            self.accepted += 1
            for bi in saved:
                self._reindex_bus(bi)
            return new_score
        if router.chooser is not None:
            router.chooser.undo(moves, self.requests)
        return self._undo(saved, remaining, current)

    # --- the best plan seen, kept while the search wanders off it ------------------------------
    def snapshot(self) -> _Snapshot:
        """Everything a step may change: the buses' trips, what each request still needs and its
        hotel, and (hotels may move) the rooms and their residual."""
        trips = [_clone(b.trips) for b in self.router.fleet]
        reqs = {n: (r.remaining, r.hotel, r.hotel_site, r.open_s) for n, r in self.requests.items()}
        ch = self.router.chooser
        rooms = None if ch is None else (dict(ch.room_of), dict(ch.residual))
        return trips, reqs, rooms

    def restore(self, snap: _Snapshot) -> None:
        trips, reqs, rooms = snap
        router = self.router
        for bi, b in enumerate(router.fleet):
            b.commit(_clone(trips[bi]))
            router._sync(bi)
        for n, (q, hid, hsite, open_s) in reqs.items():
            r = self.requests[n]
            r.remaining, r.hotel, r.hotel_site, r.open_s = q, hid, hsite, open_s
        ch = router.chooser
        if ch is not None and rooms is not None:
            ch.room_of.clear()
            ch.room_of.update(rooms[0])
            ch.residual.update(rooms[1])
        self._rebuild_keys()
        self._index()

    def _reindex_bus(self, bi: int) -> None:
        for bs in self.where.values():
            bs.discard(bi)
        for t in self.router.fleet[bi].trips:
            for s in t.stops:
                for n in s.loads:
                    self.where[n].add(bi)

    def _undo(self, saved: dict[int, list[DraftTrip]], remaining: dict[str, int], current: Score) -> Score:
        for bi, trips in saved.items():
            self.router.fleet[bi].commit(trips)
            self.router._sync(bi)
        for n, q in remaining.items():
            self.requests[n].remaining = q
        self._rebuild_keys()
        self.router.journal = None
        return current


def improve(router: Router, requests: dict[str, Request], deadline: float,
            seed: int = 0) -> tuple[Score, dict[str, Any]]:
    """Ruin-and-recreate until `deadline` (perf_counter) or MAX_STALL iterations without a new best.

    Acceptance is simulated annealing on the time cost at equal weighted unserved people
    (`sa_accept`: fewer unserved is always taken, more never): a step that makes the time cost a
    little worse is kept with probability exp(-worse / T), T falling linearly to zero at the
    deadline. Descent alone stalled within a few seconds on saturated fleets (90 s gained under 3 %
    over 10 s). While people are left unserved, the walk at equal unserved is judged on lateness
    instead: nearly every step changes someone's waiting, so a walk on the time cost rejects the
    moves that merely rearrange buses' days, and those are what later frees a seat (buses_saturated
    seed 2 at 10 s: ~300-390 weighted people unserved judged on time, 24 on lateness, 12-133
    before goal 3). The best plan seen, by the goals in order, is snapshotted when the search first
    leaves it and restored at the end."""
    busy_w = router.busy_w
    polish(router, deadline)
    imp = Improver(router, requests, seed)
    imp.deadline = deadline
    cur = score(router, requests)
    start = best = cur
    best_snap: _Snapshot | None = None   # None: the current plan is the best
    t_start = time.perf_counter()
    span = max(1e-3, deadline - t_start)
    t0 = SA_T0 * max(cur[1], 1.0) if len(router.fleet) <= SA_MAX_FLEET else 0.0
    t0_late = SA_T0 * max(cur[3], 1.0) if t0 else 0.0
    rng = imp.rng

    def accept(new: Score, old: Score) -> bool:
        cool = max(0.0, 1.0 - (time.perf_counter() - t_start) / span)
        if new[0] == old[0] > 0:  # people left unserved: wander on lateness (see the docstring)
            return sa_accept((new[0], new[3], new[2], 0.0), (old[0], old[3], old[2], 0.0), t0_late * cool, rng.random)
        return sa_accept(new, old, t0 * cool, rng.random)

    stall = 0
    while time.perf_counter() < deadline and stall < MAX_STALL:
        if best_snap is None:
            snap_if_left = imp.snapshot() if t0 > 0 else None
        new = imp.step(cur, accept)
        if new < best:
            best, best_snap, stall = new, None, 0
        else:
            stall += 1
            if best_snap is None and new != best:
                best_snap = snap_if_left  # the search left the best plan: keep it
        cur = new
    if best_snap is not None and best < cur:
        imp.restore(best_snap)
        cur = score(router, requests)
    router.busy_w = busy_w
    info = {"iterations": imp.iterations, "accepted": imp.accepted, "before": start, "after": cur}
    logger.debug("improve: %s", info)
    return cur, info
