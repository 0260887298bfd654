"""One streaming re-match: the open needs without a proposal, against what is left, by the solver.

Active proposals and confirmed assignments are not re-planned: their rooms, bus time and stock are
taken off first (each bus starts from where its last held trip leaves it), so nothing already
offered to a dispatcher changes under them — churn is zero by construction — and the OR-Tools core
places the new and the still-unmet needs optimally in what remains.

A need a dispatcher declined a resource for is solved in a group of its own (`groups`), in a world
without the resources it excluded, after the others: declines are rare, and the solver core stays
free of per-need exceptions.

A burst (a building ordered into isolation at once) is not one big solve: a solve of 2,000 needs
against a city's 2,000 buses overran its 2 s and routed only part of them. `Pacer` cuts the work
into solves of at most `max_needs` needs, the needs still waiting for a first answer first and
then the oldest, each with a time budget that fits (`Pacer.budget`); each solve's proposals hold
their resources before the next solve reads the residual world. A need the time limit cut off
(`cut_off`) is not told so: it goes to the front again, in a solve sized to what the last one
managed, with the whole limit; only after `MAX_CUTS` cut-offs is its reason published as it stands.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from baolei_common import skus
from baolei_common.citytime import city_time, hhmm
from baolei_matcher import solver as sv
from baolei_matcher.domain import faster
from baolei_matcher.domain.decisions import Decisions, Proposal, Unmet
from baolei_matcher.domain.entities import Need, Pick, Place, Stop, Trip
from baolei_matcher.domain.state import MatcherState
from baolei_matcher.solver.lateness import timings
from baolei_matcher.solver.reasons import OUT_OF_TIME, not_routed_in_time

# Reasons a solve cut short by its time limit does not prove: a stage that ran out of time leaves
# needs without rooms or buses that a solve in time would have placed (seen: "buses fully booked"
# for 50 of 50 needs with 2,000 buses idle, after a 0.25 s solve). Reasons about the world itself
# (no hotel takes the risk category, no bus in shift, no stock) stand.
TIME_BOUND_CODES = frozenset({OUT_OF_TIME, "buses_fully_booked", "rooms_to_more_urgent", "rooms_full",
                              "standard_rooms_full", "family_rooms_full", "accessible_rooms_full"})
HOTEL_OF = "hotel_of"  # Scenario.extra: the solver's hotel entry -> the hotel it is (rooms freeing later)
CLEANING_HORIZON = timedelta(hours=24)  # rooms being cleaned that free within this are offered from then on
FULL_CODES = frozenset({"rooms_full", "standard_rooms_full", "family_rooms_full", "accessible_rooms_full"})
MAX_CUTS = 3  # a need cut off this often is told so (`told_cut_off`), and matched again at once


def solve_budget(n_needs: int, limit_s: float) -> float:
    """Seconds for one solve of `n_needs`: a few new needs come back within a quarter of a second;
    a city's fleet costs the bus stage a fixed ~0.2 s before the first route (50 needs against
    2,000 buses in 0.25 s routed none, in 0.45 s all), then ~4 ms a need; never over the limit."""
    return min(limit_s, max(0.25, 0.2 + 0.004 * n_needs))


def max_needs_within(limit_s: float) -> int:
    """The most needs one solve takes so that its budget stays within `limit_s`."""
    return max(1, int((limit_s - 0.2) / 0.004))


def cut_off(result: sv.SolveResult, decisions: Decisions) -> set[str]:
    """Needs the time limit cut off in this solve: those the solver says it had no time for, and,
    when a stage ran out of time, those left without rooms or buses for a reason only a solve in
    time can prove."""
    timed_out = result.status == sv.Status.OUT_OF_TIME
    return {u.need_id for u in decisions.unmet
            if u.code == OUT_OF_TIME or (timed_out and u.code in TIME_BOUND_CODES)}


def told_cut_off(need: Need) -> Unmet:
    """What a need cut off MAX_CUTS times in a row is told: that time ran out this round and it is
    matched again automatically — never a shortage that no solve in time has found."""
    r = not_routed_in_time(need.id, need.people)
    return Unmet(need.id, OUT_OF_TIME, r.zh, r.en)


@dataclass
class Pacer:
    """How big the next solve is, and how long it may take.

    Two modes. With nothing queued behind it, a solve gets `solve_budget` for its size: a few new
    needs come back fast. With a backlog, every solve gets the whole limit: the bus stage's fixed
    cost is paid once for as many needs as fit, so the backlog drains fastest. The size starts at
    `max_needs`; after a solve that cut needs off it drops to what that solve did place, but to no
    less than half (one slow solve on a busy machine is noise) nor `min_needs`, and it grows back
    by a third after each solve that cut nobody off. `cuts` counts, per need, the cut-offs not yet
    told; a solve holding such a need gets the whole limit too."""
    max_needs: int = 250
    min_needs: int = 10
    window: int = 4  # solves' worth of the queue whose districts are grouped (`take`)
    size: int = 0
    cuts: dict[str, int] = field(default_factory=dict)
    # `solve_budget` is measured on an idle machine; a quick solve cut off doubles it (up to 8x, a
    # machine shared with other work), each quick solve in time takes a tenth of the excess back
    stretch: float = 1.0

    def __post_init__(self) -> None:
        self.min_needs = min(self.min_needs, self.max_needs)
        self.size = self.size or self.max_needs

    def order(self, needs: Iterable[Need], answered: Iterable[str]) -> list[Need]:
        """First answers first, oldest first; then the needs already answered (found unmet, tried
        again after a change of resources), oldest first. Priority decides within a solve."""
        told = set(answered)
        return sorted(needs, key=lambda n: (n.id in told and n.id not in self.cuts, n.submitted_at, n.id))

    def take(self, queue: list[Need]) -> tuple[list[Need], list[Need]]:
        """The next solve's needs (restored to most urgent first for the solver) and the rest.

        From the first `window` solves' worth of the queue, whole districts are taken in the order
        of their first need in the queue: the oldest need always goes, and needs of one district
        share a solve, so their trips can share buses. Offline, 2,000 city needs in 8 solves of 250
        with 2 s each (3 runs, a machine shared with other work): 738-776 trips with a window of 4
        against 867-1,039 in strict arrival order, and as many or more needs placed in time
        (lateness varied too much between runs to compare). A need waits at most `window` solves
        once it is among the first `window` x `size` of the queue."""
        if len(queue) <= self.size:
            return sorted(queue, key=lambda n: (n.priority, n.submitted_at)), []
        span = queue[:self.window * self.size]
        rank: dict[str, int] = {}
        for n in span:
            rank.setdefault(n.site.district, len(rank))
        pos = {n.id: i for i, n in enumerate(span)}
        chunk = sorted(span, key=lambda n: (rank[n.site.district], pos[n.id]))[:self.size]
        taken = {n.id for n in chunk}
        rest = [n for n in queue if n.id not in taken]
        return sorted(chunk, key=lambda n: (n.priority, n.submitted_at)), rest

    def budget(self, chunk: list[Need], limit_s: float, queued: int = 0) -> float:
        if queued or any(n.id in self.cuts for n in chunk):
            return limit_s
        return min(limit_s, solve_budget(len(chunk), limit_s) * self.stretch)

    def after(self, chunk: list[Need], cut: set[str], budget_s: float = 0.0, limit_s: float = 0.0) -> set[str]:
        """Record one solve's outcome; returns the needs to hold back and solve again (cut off
        fewer than MAX_CUTS times); the others are told what the solver found."""
        if budget_s < limit_s:  # a quick solve: did its budget fit this machine?
            self.stretch = min(8.0, self.stretch * 2) if cut else max(1.0, 1 + (self.stretch - 1) * 0.9)
        for n in chunk:
            if n.id not in cut:
                self.cuts.pop(n.id, None)
        again = set()
        for nid in cut:
            self.cuts[nid] = self.cuts.get(nid, 0) + 1
            if self.cuts[nid] < MAX_CUTS:
                again.add(nid)
            else:
                del self.cuts[nid]
        done = len(chunk) - len(cut)
        if cut:  # to what fit, but at most half at once: one slow solve on a busy machine is noise
            self.size = max(self.min_needs, min(self.size, max(done, self.size // 2)))
        else:
            self.size = min(self.max_needs, self.size + max(self.min_needs, self.size // 3))
        return again


def groups(needs: list[Need]) -> list[tuple[frozenset[str], list[Need]]]:
    """Needs solved together: those without exclusions first, then one group per set of excluded
    resources (each solved after the groups before it have taken their share)."""
    out: dict[frozenset[str], list[Need]] = {frozenset(): []}
    for n in needs:
        out.setdefault(frozenset(n.excluded), []).append(n)
    return [(k, v) for k, v in out.items() if v]


def scenario_for(state: MatcherState, needs: list[Need], now: datetime,
                 exclude: frozenset[str] = frozenset()) -> sv.Scenario:
    """The residual world as a solver scenario: free rooms, free bus time, unheld stock, without
    the resources in `exclude` ("bus:<id>", "hotel:<id>", "warehouse:<id>")."""
    sites: dict[str, sv.Site] = {}

    def site(p: Place) -> str:
        sites.setdefault(p.id, sv.Site(p.id, p.lat, p.lon, p.name, p.district))
        return p.id

    hotels, hotel_of = hotels_over_time(state, now, exclude, site)
    positions = state.bus_positions()
    buses = []
    for b in state.buses.values():
        where, free_at = positions[b.id]
        start = max(free_at, now, b.shift_start)
        if b.in_service and b.capacity > 0 and start < b.shift_end and f"bus:{b.id}" not in exclude:
            buses.append(sv.Bus(b.id, site(where), b.seats, b.load_limit, start, b.shift_end,
                                float(b.turnaround_min), b.operator))
    stock = [sv.StockItem(site(state.stock[key].warehouse), key[1], q)
             for key, q in state.stock_free().items() if q > 0 and f"warehouse:{key[0]}" not in exclude]
    transfers = [sv.TransferNeed(n.id, site(n.site), n.priority, n.risk, n.people,
                                 n.rooms,
                                 n.ready_at or now, n.due_at, n.submitted_at, time_weight=n.time_weight)
                 for n in needs if n.kind == "transfer"]
    supplies = [sv.SupplyNeed(n.id, site(n.site), n.priority, n.due_at,
                              tuple(sv.SupplyLine(k, q) for k, q in n.lines.items()), n.submitted_at)
                for n in needs if n.kind == "supply"]
    return sv.Scenario(now, sv.TravelModel(), sites, hotels, buses, stock, transfers, supplies,
                       extra={HOTEL_OF: hotel_of})


def hotels_over_time(state: MatcherState, now: datetime, exclude: frozenset[str], site: Callable[[Place], str]
                     ) -> tuple[list[sv.Hotel], dict[str, str]]:
    """The open hotels as the solver sees them: each with its rooms free now, and, for rooms being
    cleaned (终末消毒) that are free again within CLEANING_HORIZON, one more entry of the same hotel
    that "opens" when their cleaning ends: the solver then gives them only to people arriving after
    that (its open-by-arrival rule), and a proposal may use a room that frees before the bus comes.
    Returns the solver's hotels and, for each entry, the hotel it is."""
    hotels: list[sv.Hotel] = []
    hotel_of: dict[str, str] = {}
    steps = state.rooms_steps(now, CLEANING_HORIZON)
    for h in state.hotels.values():
        if not h.open or f"hotel:{h.id}" in exclude:
            continue
        for k, (at, rooms) in enumerate(steps[h.id]):
            sid = h.id if at is None else f"{h.id}@{k}"
            open_at = h.open_at if at is None else max(at, h.open_at or at)
            name = h.name if at is None else f"{h.name}（{hhmm(at)} 终末消毒后）"
            hotels.append(sv.Hotel(sid, site(h.site), h.accepts, rooms, open_at, h.operator, name))
            hotel_of[sid] = h.id
    return hotels, hotel_of


def _split(text: str) -> tuple[str, str]:
    zh, _, en = text.partition(" / ")
    return zh, en or zh


def context(need: Need) -> tuple[str, str]:
    """What an operator must know before the plan of a need: that it is the remainder of a partial
    delivery, and which resources were declined for it and so are not offered again."""
    zh, en = [], []
    if need.is_remainder:
        if need.kind == "transfer":
            zh.append(f"剩余部分重新匹配：已送达 {need.delivered_people} 人，尚余 {need.people} 人")
            en.append(f"re-match of the remainder: {need.delivered_people} delivered, {need.people} left")
        else:
            done, left = sorted((k, q) for k, q in need.delivered_lines.items() if q), sorted(need.lines.items())
            zh.append(f"剩余部分重新匹配：已送达 {skus.amounts_zh(done)}，尚余 {skus.amounts_zh(left)}")
            en.append(f"re-match of the remainder: delivered {skus.amounts_en(done)}; left {skus.amounts_en(left)}")
    if need.excluded - need.narrowed:
        ids = ", ".join(sorted(x.partition(":")[2] for x in need.excluded - need.narrowed))
        zh.append(f"已排除调度拒绝过的资源：{ids}")
        en.append(f"declined for this need, not offered again: {ids}")
    asked_zh, asked_en = faster.describe(need)
    if asked_zh:
        zh.append(asked_zh)
        en.append(asked_en)
    return "；".join(zh), "; ".join(en)


def _with_context(need: Need, zh: str, en: str) -> tuple[str, str]:
    czh, cen = context(need)
    if not czh:
        return zh, en
    return f"{czh}。{zh}", f"{cen[:1].upper()}{cen[1:]}. {en[:1].upper()}{en[1:]}"


def decisions_from(state: MatcherState, needs: list[Need], scenario: sv.Scenario,
                   result: sv.SolveResult) -> Decisions:
    """Per need: one proposal of what it got (rooms, its trips, picks), or why it got nothing."""
    plan = result.plan
    places = {s.id: Place(s.id, s.name or s.id, s.district, s.lat, s.lon) for s in scenario.sites.values()}
    hotel_site = {h.id: places[h.site] for h in scenario.hotels}
    hotel_of: dict[str, str] = scenario.extra.get(HOTEL_OF, {})
    operator = {h.id: h.operator for h in scenario.hotels}
    wh_operator = {(s.warehouse.id, s.sku): s.operator for s in state.stock.values()}
    rooms = {r.need: r for r in plan.rooms}
    trips_of: dict[str, list[sv.Trip]] = {}  # need -> its trips (a scan of every trip per need was O(n^2))
    for t in plan.trips:
        for nid in dict.fromkeys(ld.need for s in t.stops for ld in s.load):
            trips_of.setdefault(nid, []).append(t)
    unmet: dict[str, list[sv.Unmet]] = {}
    for u in plan.unmet:
        unmet.setdefault(u.need, []).append(u)
    out = Decisions(solve_id=f"S-{uuid.uuid4().hex[:12]}", status=result.status.value)
    timing = timings(scenario, plan)
    for need in needs:
        reasons = unmet.get(need.id, [])
        zh_why = "；".join(u.zh for u in reasons)
        en_why = "; ".join(u.en for u in reasons)
        p = Proposal(f"A-{uuid.uuid4().hex[:16]}", need.id, need.kind)
        if need.kind == "transfer" and need.id in rooms:
            r = rooms[need.id]
            p.hotel_id, p.hotel_operator = hotel_of.get(r.hotel, r.hotel), operator.get(r.hotel, "")
            p.rooms = r.rooms
            for t in trips_of.get(need.id, []):
                p.trips.append(Trip(t.bus, t.start_at,
                                    [Stop(places[s.site], s.at, [(ld.need, ld.people) for ld in s.load])
                                     for s in t.stops], hotel_of.get(t.hotel, t.hotel), hotel_site[t.hotel],
                                    t.arrive_at))
            p.people = sum(n for t in p.trips for s in t.stops for nid, n in s.load if nid == need.id)
            p.people_unserved = need.people - p.people
            if (tm := timing.get(need.id)) is not None:
                p.wait_minutes, p.late_minutes, p.late_cause = tm.wait_minutes, tm.late_minutes, tm.late_cause
        elif need.kind == "supply":
            p.picks = [Pick(s.warehouse, s.sku, s.quantity, wh_operator.get((s.warehouse, s.sku), ""))
                       for s in plan.supply if s.need == need.id and s.quantity > 0]
            got: dict[str, int] = {}
            for k in p.picks:
                got[k.sku] = got.get(k.sku, 0) + k.quantity
            p.quantity_unserved = {sku: q - got.get(sku, 0) for sku, q in need.lines.items() if q > got.get(sku, 0)}
        if p.people == 0 and not p.picks:
            first = reasons[0] if reasons else None
            if first is not None and first.code in FULL_CODES:
                zh_why, en_why = _when_free(state, need, scenario.now, zh_why, en_why)
            zh, en = _with_context(need, *faster.unmet_words(need, zh_why or "暂无可用资源",
                                                             en_why or "no resources available"))
            out.unmet.append(Unmet(need.id, first.code if first else "unserved", zh, en))
            continue
        p.explanation_zh, p.explanation_en = _with_context(need, *_split(result.explanations.get(need.id, "")))
        out.proposals.append(p)
    return out


def _when_free(state: MatcherState, need: Need, now: datetime, zh: str, en: str) -> tuple[str, str]:
    """"房间已满" says when rooms at the hotels that accept the need's risk are next given back."""
    accepting = {h.id for h in state.hotels.values() if h.open and need.risk in h.accepts}
    at = state.occupancy.next_free(accepting, now)
    if at is None:
        return f"{zh}（暂无房间即将腾出）", f"{en} (no rooms due to free up)"
    when = f"{city_time(at):%m-%d} {hhmm(at)}"
    return f"{zh}（最早 {when} 有房间腾出）", f"{en} (rooms free next at {when})"


def match_batch(state: MatcherState, needs: list[Need], now: datetime, time_limit_s: float) -> Decisions:
    """Runs off the event loop on a snapshot of the state. Plans in the city's time zone, so the
    times in explanations are the ones people on the ground read."""
    excluded = frozenset(x for n in needs for x in n.excluded)  # one solve: the union (the process groups them)
    scenario = scenario_for(state, needs, city_time(now), excluded)
    result = sv.solve(scenario, time_limit_s=time_limit_s)
    return decisions_from(state, needs, scenario, result)
