"""Bus stage: trips from pickups to hotels by cheapest insertion with consolidation.

Why this shape: the goals are, in order, weighted unserved people, time to isolation (person-
minutes from ready to the hotel, minutes past due counting extra: `rules.time_cost`), km.
When buses are tight, throughput comes from filling each trip (one risk category and one
hotel per trip, several pickups in order) rather than sending a bus per need. Requests are taken
most urgent first (then earliest due); each is placed where the cost *per person moved* is lowest,
either as a new pickup inside an existing trip to the same hotel (a detour) or as a new trip
appended to a nearby bus. Cost = added time cost (the newcomers' wait and the detour imposed on
those already aboard or queued after) + BUSY_W × added bus-minutes + KM_W × added km, so a bus's
time — the scarce resource when buses are short — is spent where it moves most people. A bus-
minute is how much later the bus is free again, idle gaps included: on a saturated fleet a gap
left waiting for a need ready later is capacity lost (pricing only the minutes worked left 70 times
more people unserved on buses_saturated). So the price suits tight fleets only; with buses to spare
it pushes people onto buses already busy, to wait behind their trips, and the bus stage then
prices bus-minutes at 0 first (`busstage.busy_weights`). A big need simply takes several loads.
Each candidate is timed by the exact forward pass in `fleet.py`, so every schedule written is
feasible.
"""
from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import reasons, rules
from .fleet import BusState, DraftStop, DraftTrip, Request
from .model import Hotel
from .plan import Trip, Unmet
from .rehotel import HotelChooser
from .travel import Travel

logger = logging.getLogger(__name__)

BUSY_W = 2.0      # cost of one bus-minute, in time-cost person-minutes
KM_W = 0.5        # cost of one km, in time-cost person-minutes
MAX_JOIN = 12     # existing trips tried per request
MAX_NEW = 6       # buses tried for a new trip per request
MAX_MID = 12      # buses tried for a new trip slipped in *between* two of their trips
MID_SLOTS = 2     # slots per bus tried for such a trip (the first ones after the need is ready)
MID_MAX_FLEET = 300  # larger fleets are ample: appending suffices, and slipping in costs too much time
# (waiting, late) person-minute weights of the insertion cost: goal 3's, and lateness only, which
# pools more pickups per trip and so carries more on a fleet that cannot carry everyone
GOAL3_W = (1.0, rules.LATE_EXTRA)
THROUGHPUT_W = (0.0, 1.0)
JOIN_KM = 12.0    # only join trips with a stop within this many road km
SCAN_TRIPS = 600  # look for trips to other hotels passing nearby only while there are this few trips


@dataclass
class _Option:
    cost: float
    amount: int
    bus: int
    trip: DraftTrip | None = None  # None: a new trip
    pos: int = 0                   # stop index to insert at (or merge into); trip index for a new trip
    merge: bool = False
    hotel: Hotel | None = None     # move the need's rooms to this hotel first (see rehotel.py)


class Router:
    def __init__(self, fleet: list[BusState], travel: Travel, busy_w: float = BUSY_W, km_w: float = KM_W,
                 chooser: HotelChooser | None = None) -> None:
        self.fleet = fleet
        self.chooser = chooser
        self.busy_w, self.km_w = busy_w, km_w
        self.wait_w, self.late_w = GOAL3_W  # or THROUGHPUT_W (busstage, improve)
        self.travel = travel
        self.by_key: dict[tuple[str, str], list[tuple[int, DraftTrip]]] = defaultdict(list)
        self.free = np.array([b.timing.free_s for b in fleet], dtype=np.int64)
        self.pos = np.array([travel.index[b.pos] for b in fleet], dtype=np.int64)
        self.end = np.array([b.shift_end for b in fleet], dtype=np.int64)
        self.cap = np.array([b.cap for b in fleet], dtype=np.int64)
        self.base_free = np.array([b.base_free for b in fleet], dtype=np.int64)
        self.base_pos = np.array([travel.index[b.base_pos] for b in fleet], dtype=np.int64)
        self.journal: dict[int, list[DraftTrip]] | None = None  # bus -> its trips before a change (undo)
        # relative noise on insertion costs (the local search sets it, so that re-inserting what it
        # took off does not put everything back where it was); 0 when routing for real
        self.noise = 0.0
        self.rng = random.Random(0)

    def rebuild_keys(self) -> None:
        """Index every drafted trip by (hotel, risk) with the bus that now runs it; needed after
        trips move between buses (trip moves, undo of a search step)."""
        keys: dict[tuple[str, str], list[tuple[int, DraftTrip]]] = defaultdict(list)
        for bi, b in enumerate(self.fleet):
            for t in b.trips:
                keys[(t.hotel, t.risk)].append((bi, t))
        self.by_key = keys

    def _sync(self, bi: int) -> None:
        b = self.fleet[bi]
        self.free[bi] = b.timing.free_s
        self.pos[bi] = self.travel.index[b.pos]

    def seed(self, bi: int, trip: DraftTrip) -> bool:
        """Append a trip (kept from the previous plan) if the bus can still do it."""
        b = self.fleet[bi]
        if not rules.seats_ok(trip.people(), b.bus.seats, b.bus.load_limit) or not trip.stops:
            return False
        if not b.evaluate(b.trips + [trip]).feasible:
            return False
        b.commit(b.trips + [trip])
        self.by_key[(trip.hotel, trip.risk)].append((bi, trip))
        self._sync(bi)
        return True

    def route(self, req: Request) -> int:
        """Place as many of the request's people as possible; return how many were placed."""
        placed = 0
        while req.remaining > 0:
            opt = self._best(req)
            if opt is None:
                break
            self._apply(req, opt)
            req.remaining -= opt.amount
            placed += opt.amount
        return placed

    def _best(self, req: Request) -> _Option | None:
        best = self._best_here(req)
        ch = self.chooser
        if ch is None or not ch.movable(req):
            return best
        own = (req.hotel, req.hotel_site, req.open_s)
        alts = {h.id: h for h in ch.candidates(req) + self._passing(req)}
        for h in alts.values():
            req.hotel, req.hotel_site, req.open_s = h.id, h.site, self.travel.sec(h.open_at, -10**9)
            opt = self._best_here(req, mid=False)  # slipping a trip in between: own hotel only (costly)
            if opt is not None and (best is None or opt.cost < best.cost):
                opt.hotel = h
                best = opt
        req.hotel, req.hotel_site, req.open_s = own
        return best

    def _passing(self, req: Request) -> list[Hotel]:
        """Hotels of trips of the need's risk with seats left and a stop nearby, where it fits."""
        ch = self.chooser
        if ch is None or sum(len(v) for v in self.by_key.values()) > SCAN_TRIPS:
            return []
        out: dict[str, Hotel] = {}
        site = req.need.site
        for (hid, risk), trips in self.by_key.items():
            if risk != req.need.risk or hid == req.hotel or hid in out:
                continue
            for bi, t in trips:
                if self.fleet[bi].cap > t.people() and any(self.travel.km(s.site, site) <= JOIN_KM for s in t.stops):
                    h = ch.hotel_by_id[hid]
                    if ch.fits(req.need, h):
                        out[hid] = h
                    break
        return list(out.values())

    def _best_here(self, req: Request, mid: bool = True) -> _Option | None:
        best: _Option | None = None
        for opt in self._join_options(req):
            if best is None or opt.cost < best.cost:
                best = opt
        for opt in self._new_options(req):
            if best is None or opt.cost < best.cost:
                best = opt
        for opt in (self._mid_options(req) if mid else ()):
            if best is None or opt.cost < best.cost:
                best = opt
        return best


    def _delta(self, b: BusState, k: int, middle: list[DraftTrip], j: int) -> float | None:
        """Added cost of replacing the bus's trips[k:j] by `middle`."""
        t = b.splice(k, middle, j)
        if not t.feasible:
            return None
        cur = b.timing
        d = ((self.wait_w * (t.wait_ps - cur.wait_ps) + self.late_w * (t.late_ps - cur.late_ps)) / 60.0
             + self.busy_w * (t.free_s - cur.free_s) / 60.0 + self.km_w * (t.km - cur.km))
        if self.noise:
            d *= 1.0 + self.noise * (2.0 * self.rng.random() - 1.0)
        return d

    def _join_options(self, req: Request) -> Iterator[_Option]:
        tr = self.travel
        cands = []
        for bi, trip in self.by_key.get((req.hotel, req.need.risk), []):
            spare = self.fleet[bi].cap - trip.people()
            if spare <= 0:
                continue
            d = min(tr.km(s.site, req.need.site) for s in trip.stops)
            if d <= JOIN_KM:
                cands.append((d, bi, trip, spare))
        cands.sort(key=lambda c: c[0])
        for _, bi, trip, spare in cands[:MAX_JOIN]:
            b = self.fleet[bi]
            amount = min(spare, req.remaining)
            k = next((i for i, t in enumerate(b.trips) if t is trip), None)  # by identity: equal trips may exist
            if k is None:
                raise AssertionError(f"trip index out of date: a trip to {trip.hotel} is not on bus {b.bus.id}")
            same = [j for j, s in enumerate(trip.stops) if s.site == req.need.site]
            positions = [(j, True) for j in same] or [(j, False) for j in range(len(trip.stops) + 1)]
            for j, merge in positions:
                new = _with_load(trip, req.need.id, req.need.site, amount, j, merge)
                delta = self._delta(b, k, [new], k + 1)
                if delta is not None:
                    yield _Option(delta / amount, amount, bi, trip, j, merge)

    def _new_options(self, req: Request) -> Iterator[_Option]:
        tr = self.travel
        site, hsite = req.need.site, req.hotel_site
        to_site = np.ceil(tr.km_from_many(self.pos, site) / tr.speed * 3600.0 + 1e-6).astype(np.int64)
        leg = tr.drive_s(site, hsite)
        at = np.maximum(self.free + to_site, req.ready_s)
        arrive = np.maximum(at + tr.dwell_s + leg, req.open_s)
        ok = (arrive <= self.end) & (self.cap > 0)
        idx = np.nonzero(ok)[0]
        if len(idx) == 0:
            return
        amount = np.minimum(self.cap[idx], req.remaining)
        # the newcomers' time cost, and how much later the bus is free
        wait = (self.wait_w * (arrive[idx] - req.ready_s) + self.late_w * np.maximum(0, arrive[idx] - req.due_s)) / 60.0
        busy = (arrive[idx] - self.free[idx]) / 60.0
        approx = req.need.time_weight * wait + self.busy_w * busy / amount
        for k in np.argsort(approx, kind="stable")[:MAX_NEW]:
            bi = int(idx[k])
            b = self.fleet[bi]
            amt = int(amount[k])
            trip = DraftTrip(req.hotel, hsite, req.need.risk, req.open_s, [DraftStop(site, {req.need.id: amt})])
            delta = self._delta(b, len(b.trips), [trip], len(b.trips))
            if delta is not None:
                yield _Option(delta / amt, amt, bi, None, len(b.trips))

    def _mid_options(self, req: Request) -> Iterator[_Option]:
        """A new trip inserted before one of a bus's later trips (which then shift later): lets a
        need due early use a bus whose day was filled by less urgent ones routed before it."""
        if len(self.fleet) > MID_MAX_FLEET:
            return
        busy = [bi for bi, b in enumerate(self.fleet)
                if b.trips and b.trips[-1].arrive_s > req.ready_s and b.cap > 0]
        if not busy:
            return
        if len(busy) > MAX_MID:
            idx = np.array(busy, dtype=np.int64)
            km = self.travel.km_from_many(self.base_pos[idx], req.need.site)
            busy = [busy[int(k)] for k in np.argsort(km, kind="stable")[:MAX_MID]]
        site, hsite = req.need.site, req.hotel_site
        for bi in busy:
            b = self.fleet[bi]
            amt = min(b.cap, req.remaining)
            tried = 0
            for k, t in enumerate(b.trips):
                if t.arrive_s <= req.ready_s:
                    continue
                trip = DraftTrip(req.hotel, hsite, req.need.risk, req.open_s, [DraftStop(site, {req.need.id: amt})])
                delta = self._delta(b, k, [trip], k)
                if delta is not None:
                    yield _Option(delta / amt, amt, bi, None, k)
                tried += 1
                if tried >= MID_SLOTS:
                    break

    def _apply(self, req: Request, opt: _Option) -> None:
        b = self.fleet[opt.bus]
        if opt.hotel is not None and opt.hotel.id != req.hotel and self.chooser is not None:
            self.chooser.move(req, opt.hotel, self.travel.sec(opt.hotel.open_at, -10**9))
        if self.journal is not None and opt.bus not in self.journal:
            self.journal[opt.bus] = [DraftTrip(t.hotel, t.hotel_site, t.risk, t.open_s, list(t.stops)) for t in b.trips]
        if opt.trip is None:
            trip = DraftTrip(req.hotel, req.hotel_site, req.need.risk, req.open_s,
                             [DraftStop(req.need.site, {req.need.id: opt.amount})])
            b.commit(b.trips[:opt.pos] + [trip] + b.trips[opt.pos:])
            self.by_key[(req.hotel, req.need.risk)].append((opt.bus, trip))
        else:
            new = _with_load(opt.trip, req.need.id, req.need.site, opt.amount, opt.pos, opt.merge)
            opt.trip.stops = new.stops
            b.commit(b.trips)
        self._sync(opt.bus)

    def why_not(self, req: Request) -> Unmet:
        """Reason for people of `req` left without a seat."""
        n = req.need
        if not self.fleet:
            return reasons.no_buses(n.id, req.remaining)
        tr = self.travel
        to_site = np.ceil(tr.km_from_many(self.base_pos, n.site) / tr.speed * 3600.0).astype(np.int64)
        at = np.maximum(self.base_free + to_site, req.ready_s)
        arrive = np.maximum(at + tr.dwell_s + tr.drive_s(n.site, req.hotel_site), req.open_s)
        if not np.any(arrive <= self.end):
            return reasons.no_bus_in_shift(n.id, req.remaining)
        return reasons.buses_fully_booked(n.id, req.remaining)

    def trips(self) -> list[Trip]:
        out: list[Trip] = []
        for b in self.fleet:
            out.extend(b.to_trips())
        return out


def _with_load(trip: DraftTrip, need: str, site: str, amount: int, j: int, merge: bool) -> DraftTrip:
    stops = list(trip.stops)
    if merge:
        loads = dict(stops[j].loads)
        loads[need] = loads.get(need, 0) + amount
        stops[j] = DraftStop(site, loads)
    else:
        stops.insert(j, DraftStop(site, {need: amount}))
    return DraftTrip(trip.hotel, trip.hotel_site, trip.risk, trip.open_s, stops)


def route_all(router: Router, requests: list[Request], deadline: float) -> list[Unmet]:
    """Route requests most urgent first, then earliest due. Past `deadline` the rest are left
    unserved and reported as such, so a solve never overruns its time limit by much."""
    unmet: list[Unmet] = []
    order = sorted(requests, key=lambda r: (r.need.priority, r.due_s, r.ready_s, r.need.id))
    for i, req in enumerate(order):
        if time.perf_counter() > deadline:
            logger.warning("bus routing out of time after %d/%d requests", i, len(order))
            for r in order[i:]:
                if r.remaining:
                    unmet.append(reasons.not_routed_in_time(r.need.id, r.remaining))
            break
        router.route(req)
        if req.remaining > 0:
            unmet.append(router.why_not(req))
    return unmet
