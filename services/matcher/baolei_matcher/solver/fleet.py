"""Bus schedules as mutable drafts, timed by an exact forward pass.

Why: every routing heuristic here (the matcher's insertion, the greedy baseline, keeping the
previous plan) edits trips and must know at once whether the bus's whole day still fits its shift,
and what it costs. `BusState.evaluate` recomputes one bus's schedule from scratch with the
earliest feasible times, in integer seconds, exactly as the checker reads them: a trip starts
when the bus is free, waits at a stop for the `ready_at` of what it loads, and arrives no earlier
than the hotel opens. Times read back from the forward pass are what gets written.

The same pass prices goal 3 (`rules.time_cost`): person-minutes from each load's `ready_at` to its
trip's arrival, and those past `due_at`, each weighted by the need's `time_weight`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Final

from . import rules
from .model import Bus, Scenario, TransferNeed
from .plan import Load, Stop, Trip
from .travel import Travel

logger = logging.getLogger(__name__)

# what the forward pass needs of a stop: (latest ready_s, Σ weighted people, Σ weighted people ×
# ready_s, ((due_s, weighted people), ...)); weighted: people × the need's time_weight
StopKey = tuple[int, float, float, tuple[tuple[int, float], ...]]
# the state before a committed trip: position, free at, person-seconds late, km, person-seconds
# waited (both weighted)
PreState = tuple[str, int, float, float, float]
# indexes into a PreState, for the moves that read the committed prefix
PRE_FREE: Final = 1
PRE_KM: Final = 3


@dataclass
class Request:
    """People of one transfer need that have rooms at `hotel` and still need a seat."""

    need: TransferNeed
    hotel: str
    hotel_site: str
    open_s: int
    ready_s: int
    due_s: int
    remaining: int


@dataclass
class DraftStop:
    """A pickup. `loads` is never changed once the stop is built (edits make a new stop), so
    what the forward pass derives from it is cached on the stop."""

    site: str
    loads: dict[str, int] = field(default_factory=dict)  # need id -> people
    # cache for the forward pass: (latest ready_s, ((due_s, people), ...)); same for every bus
    timing_key: StopKey | None = field(default=None, compare=False, repr=False)


@dataclass
class DraftTrip:
    hotel: str
    hotel_site: str
    risk: str
    open_s: int
    stops: list[DraftStop] = field(default_factory=list)
    # filled by the forward pass
    start_s: int = 0
    at_s: list[int] = field(default_factory=list)
    arrive_s: int = 0

    def people(self) -> int:
        return sum(sum(s.loads.values()) for s in self.stops)


@dataclass
class Timing:
    """Person-times are weighted by each need's `time_weight` (1 unless an operator raised it) and
    kept in seconds, the forward pass's unit; read them in minutes."""

    feasible: bool
    late_ps: float = 0.0   # person-seconds past due
    km: float = 0.0
    free_s: int = 0        # when the bus is free after its last trip
    wait_ps: float = 0.0   # person-seconds from ready to arrival at the hotel

    @property
    def late_pm(self) -> float:
        return self.late_ps / 60.0

    @property
    def wait_pm(self) -> float:
        return self.wait_ps / 60.0

    @property
    def time(self) -> float:
        """Goal 3's cost of the schedule: `rules.time_cost` in person-minutes."""
        return rules.time_cost(self.wait_ps / 60.0, self.late_ps / 60.0)


class BusState:
    """One bus: where and when it is free after its fixed trips, and the trips drafted since."""

    def __init__(self, bus: Bus, travel: Travel, ready: dict[str, int], due: dict[str, int],
                 base_pos: str | None = None, base_free: int | None = None,
                 drive_cache: dict[tuple[str, str], tuple[int, float]] | None = None,
                 time_weight: dict[str, float] | None = None) -> None:
        self.bus = bus
        self.travel = travel
        self.cap = bus.capacity
        self.turn_s = rules.turnaround_s(bus.turnaround_min)
        self.shift_end = travel.sec_floor(bus.shift_end)
        self.base_pos = base_pos or bus.depot
        self.base_free = base_free if base_free is not None else travel.sec(bus.shift_start)
        self.trips: list[DraftTrip] = []
        self.ready, self.due = ready, due
        self.time_weight = time_weight or {}  # need id -> weight (absent: 1)
        self._legs = drive_cache if drive_cache is not None else {}  # (a, b) -> (drive s, km), shared
        self.timing = Timing(True, free_s=self.base_free)
        # state before committed trip k (k = len(trips): after the last): pos, free, late, km, wait
        self._pre: list[PreState] = [(self.base_pos, self.base_free, 0.0, 0.0, 0.0)]
        self._floor: list[float] = [0.0]  # trip_floor of the committed trips from k on

    @property
    def pos(self) -> str:
        return self.trips[-1].hotel_site if self.trips else self.base_pos

    def evaluate(self, trips: list[DraftTrip], write: bool = False) -> Timing:
        """Forward pass over `trips` from the base position; `write` stores the times."""
        pre: list[PreState] | None = [(self.base_pos, self.base_free, 0.0, 0.0, 0.0)] if write else None
        t = self._run(trips, self.base_pos, self.base_free, 0.0, 0.0, 0.0, write, pre)
        if pre is not None and t.feasible:
            self._pre = pre
        return t

    def _leg(self, a: str, b: str) -> tuple[int, float]:
        leg = self._legs.get((a, b))
        if leg is None:
            leg = self._legs[(a, b)] = (self.travel.drive_s(a, b), self.travel.km(a, b))
        return leg

    def _run(self, trips: list[DraftTrip], pos: str, free: int, late: float, km: float, wait: float,
             write: bool = False, pre: list[PreState] | None = None) -> Timing:
        # The hot loop of the whole bus stage: locals only, stop data cached on the stop; late and
        # wait in weighted person-seconds (no division in the loop).
        dwell, legs, leg, shift_end, turn = self.travel.dwell_s, self._legs, self._leg, self.shift_end, self.turn_s
        for t in trips:
            clock = free
            ats: list[int] | None = [] if write else None
            stops = t.stops
            for s in stops:
                key = s.timing_key
                if key is None:
                    key = s.timing_key = self._stop_key(s)
                site = s.site
                lg = legs.get((pos, site)) or leg(pos, site)
                at = clock + lg[0]
                if key[0] > at:
                    at = key[0]
                km += lg[1]
                if ats is not None:
                    ats.append(at)
                clock = at + dwell
                pos = site
            hsite = t.hotel_site
            lg = legs.get((pos, hsite)) or leg(pos, hsite)
            arrive = clock + lg[0]
            if t.open_s > arrive:
                arrive = t.open_s
            km += lg[1]
            if arrive > shift_end:
                return Timing(False)
            for s in stops:
                key = s.timing_key
                assert key is not None  # set by the pass above
                wait += arrive * key[1] - key[2]
                for due, wp in key[3]:
                    if arrive > due:
                        late += wp * (arrive - due)
            if ats is not None:
                t.start_s, t.at_s, t.arrive_s = free, ats, arrive
            pos, free = hsite, arrive + turn
            if pre is not None:
                pre.append((pos, free, late, km, wait))
        return Timing(True, late, km, free, wait)

    def _stop_key(self, s: DraftStop) -> StopKey:
        ready, due, tw = self.ready, self.due, self.time_weight
        w = wr = 0.0
        loads = []
        for n, q in s.loads.items():
            wq = tw.get(n, 1.0) * q
            w += wq
            wr += wq * ready[n]
            loads.append((due[n], wq))
        return (max([ready[n] for n in s.loads], default=0), w, wr, tuple(loads))

    def splice(self, k: int, middle: list[DraftTrip], j: int) -> Timing:
        """Timing of the committed trips[:k] + `middle` + trips[j:], without re-running the
        unchanged prefix, and stopping early once the bus is back on its committed schedule."""
        pos, free, late, km, wait = self._pre[k]
        t = self._run(middle, pos, free, late, km, wait)
        if not t.feasible:
            return t
        pos = middle[-1].hotel_site if middle else pos
        free, late, km, wait = t.free_s, t.late_ps, t.km, t.wait_ps
        n = len(self.trips)
        for i in range(j, n):
            c = self._pre[i]
            if c[0] == pos and c[1] == free:
                e = self._pre[n]
                return Timing(True, late + e[2] - c[2], km + e[3] - c[3], e[1], wait + e[4] - c[4])
            t = self._run(self.trips[i:i + 1], pos, free, late, km, wait)
            if not t.feasible:
                return t
            pos, free, late, km, wait = self.trips[i].hotel_site, t.free_s, t.late_ps, t.km, t.wait_ps
        return Timing(True, late, km, free, wait)

    def time_before(self, k: int) -> float:
        """Goal 3's cost (person-minutes) of the committed trips before index k."""
        pre = self._pre[k]
        return rules.time_cost(pre[4] / 60.0, pre[2] / 60.0)

    def commit(self, trips: list[DraftTrip]) -> None:
        self.trips = trips
        self.timing = self.evaluate(trips, write=True)
        if not self.timing.feasible:
            raise AssertionError(f"bus {self.bus.id}: committed an infeasible schedule")
        floors = [self.trip_floor(t) for t in trips]
        suffix = [0.0] * (len(trips) + 1)
        for k in range(len(trips) - 1, -1, -1):
            suffix[k] = suffix[k + 1] + floors[k]
        self._floor = suffix

    def trip_floor(self, t: DraftTrip) -> float:
        """The least time cost the trip's loads can have on any bus, at any place in a day: each
        picked up when ready, driven straight to the hotel after one dwell (no earlier than it
        opens). Moves of whole trips between days keep the sum of these, so what a day's trips
        cost above it bounds what such moves can gain (`tripmoves`)."""
        dwell, ready, due, tw = self.travel.dwell_s, self.ready, self.due, self.time_weight
        wait = late = 0.0
        for s in t.stops:
            d = self._leg(s.site, t.hotel_site)[0] + dwell
            for n, p in s.loads.items():
                r = ready[n]
                arrive = max(r + d, t.open_s)
                wp = tw.get(n, 1.0) * p
                wait += wp * (arrive - r)
                late += wp * max(0, arrive - due[n])
        return rules.time_cost(wait / 60.0, late / 60.0)

    def floor_from(self, k: int) -> float:
        """Sum of `trip_floor` of the committed trips from index k on."""
        return self._floor[k]

    def to_trips(self) -> list[Trip]:
        at = self.travel.at
        out = []
        for t in self.trips:
            if not t.people():
                continue
            stops = [Stop(s.site, at(a), [Load(n, p) for n, p in s.loads.items() if p > 0])
                     for s, a in zip(t.stops, t.at_s, strict=True)]
            out.append(Trip(self.bus.id, at(t.start_s), stops, t.hotel, at(t.arrive_s)))
        return out


def make_fleet(scenario: Scenario, travel: Travel, fixed_trips: list[Trip]) -> list[BusState]:
    """A `BusState` per bus, starting after its fixed trips (new trips only follow them)."""
    ready = {n.id: travel.sec(n.ready_at) for n in scenario.transfers}
    due = {n.id: travel.sec(n.due_at) for n in scenario.transfers}
    tw = {n.id: n.time_weight for n in scenario.transfers if n.time_weight != 1.0}
    last: dict[str, Trip] = {}
    for t in fixed_trips:
        if t.bus not in last or t.start_at > last[t.bus].start_at:
            last[t.bus] = t
    hotels = {h.id: h for h in scenario.hotels}
    legs: dict[tuple[str, str], tuple[int, float]] = {}
    fleet = []
    for b in scenario.buses:
        lt = last.get(b.id)
        if lt is None:
            fleet.append(BusState(b, travel, ready, due, drive_cache=legs, time_weight=tw))
        else:
            free = rules.free_after(travel.sec(lt.arrive_at), rules.turnaround_s(b.turnaround_min))
            fleet.append(BusState(b, travel, ready, due, hotels[lt.hotel].site, free, legs, tw))
    return fleet
