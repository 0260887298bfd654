"""Bus stage, second phase: ruin-and-recreate local search over the routed plan.

Why: insertion routes requests one at a time, most urgent first, so a bus's day is shaped by the
order requests arrived in, not by their due times; late person-minutes pile up behind trips placed
early. This phase repeatedly takes some loads off the buses (related needs: nearby and due about
the same time; the latest ones; or a run of trips of one bus), re-inserts them together with
anything still unserved with the same insertion as the first phase (joins, new trips at the end or
between two trips), and keeps the change only if the plan is lexicographically no worse on
(weighted unserved people, person-minutes late, km). Every schedule is timed by the exact forward
pass of `fleet.py`, so every intermediate plan is valid; a rejected change is undone bus by bus.
"""
from __future__ import annotations

import logging
import random
import time
from collections import defaultdict

from .buses import Router
from .fleet import DraftStop, DraftTrip, Request
from .tripmoves import polish

logger = logging.getLogger(__name__)

Score = tuple[int, float, float]
MAX_STALL = 600          # consecutive iterations without a strict gain before giving up
REMOVE_MIN, REMOVE_MAX = 3, 12
BUSY_CHOICES = (0.0, 0.3, 1.0, 2.0)
MAX_UNSERVED_TRIED = 4   # requests still (partly) unserved offered a seat again per iteration
STEP_NEAR_BUSES = 3      # trip moves after each step: other buses a trip may move to (nearest first)


def score(router: Router, requests: dict[str, Request]) -> Score:
    """Lexicographic: weighted unserved people, person-minutes late, km."""
    unserved = sum(r.need.weight * r.remaining for r in requests.values())
    late = sum(b.timing.late_pm for b in router.fleet)
    km = sum(b.timing.km for b in router.fleet)
    return unserved, round(late, 3), round(km, 3)


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
        late: dict[str, float] = defaultdict(float)
        for b in self.router.fleet:
            for t in b.trips:
                for s in t.stops:
                    for n, p in s.loads.items():
                        late[n] += p * max(0, t.arrive_s - b.due[n]) * self.rng.uniform(0.5, 1.5)
        return set(sorted(served, key=lambda n: -late[n])[:k])

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
    def step(self, current: Score) -> Score:
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
        moves: list = []
        if router.chooser is not None:
            router.chooser.journal = moves
        router.busy_w = self.rng.choice(BUSY_CHOICES)
        todo = [self.requests[n] for n in drop if self.requests[n].remaining > 0]
        rest = [r for r in self.requests.values() if r.remaining > 0 and r.need.id not in drop]
        todo += self.rng.sample(rest, min(len(rest), MAX_UNSERVED_TRIED))
        noise = {r.need.id: self.rng.uniform(-1800, 1800) for r in todo}
        todo.sort(key=lambda r: (r.need.priority, r.due_s + noise[r.need.id]))
        for r in todo:
            router.route(r)
        polish(router, self.deadline, sorted(saved), rounds=1, near_buses=STEP_NEAR_BUSES)
        router.journal = None
        if router.chooser is not None:
            router.chooser.journal = None
        new_score = score(router, self.requests)
        self.iterations += 1
        if new_score[0] < current[0] or (new_score[0] == current[0] and new_score[1:] <= current[1:]):
            self.accepted += 1
            for bi in saved:
                self._reindex_bus(bi)
            return new_score
        if router.chooser is not None:
            router.chooser.undo(moves, self.requests)
        return self._undo(saved, remaining, current)

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


def improve(router: Router, requests: dict[str, Request], deadline: float, seed: int = 0) -> tuple[Score, dict]:
    """Run ruin-and-recreate until `deadline` (perf_counter) or MAX_STALL idle iterations."""
    busy_w = router.busy_w
    polish(router, deadline)
    imp = Improver(router, requests, seed)
    imp.deadline = deadline
    cur = score(router, requests)
    start = cur
    stall = 0
    while time.perf_counter() < deadline and stall < MAX_STALL:
        new = imp.step(cur)
        stall = 0 if new < cur else stall + 1
        cur = new
    router.busy_w = busy_w
    info = {"iterations": imp.iterations, "accepted": imp.accepted, "before": start, "after": cur}
    logger.debug("improve: %s", info)
    return cur, info
