"""One streaming re-match: the open needs without a proposal, against what is left, by the solver.

Active proposals and confirmed assignments are not re-planned: their rooms, bus time and stock are
taken off first (each bus starts from where its last held trip leaves it), so nothing already
offered to a dispatcher changes under them — churn is zero by construction — and the OR-Tools core
places the new and the still-unmet needs optimally in what remains.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from baolei_matcher import solver as sv
from baolei_matcher.domain.decisions import Decisions, Proposal, Unmet
from baolei_matcher.domain.state import ROOM_TYPES, MatcherState, Need, Pick, Place, Stop, Trip


def scenario_for(state: MatcherState, needs: list[Need], now: datetime) -> sv.Scenario:
    """The residual world as a solver scenario: free rooms, free bus time, unheld stock."""
    sites: dict[str, sv.Site] = {}

    def site(p: Place) -> str:
        sites.setdefault(p.id, sv.Site(p.id, p.lat, p.lon, p.name, p.district))
        return p.id

    free_rooms = state.rooms_free()
    hotels = [sv.Hotel(h.id, site(h.site), h.accepts,
                       sv.Rooms(*(max(0, free_rooms[h.id][t]) for t in ROOM_TYPES)), h.open_at, h.operator, h.name)
              for h in state.hotels.values() if h.open]
    positions = state.bus_positions()
    buses = []
    for b in state.buses.values():
        where, free_at = positions[b.id]
        start = max(free_at, now, b.shift_start)
        if b.in_service and b.capacity > 0 and start < b.shift_end:
            buses.append(sv.Bus(b.id, site(where), b.seats, b.load_limit, start, b.shift_end,
                                float(b.turnaround_min), b.operator))
    stock = [sv.StockItem(site(state.stock[key].warehouse), key[1], q)
             for key, q in state.stock_free().items() if q > 0]
    transfers = [sv.TransferNeed(n.id, site(n.site), n.priority, n.risk, n.people,
                                 sv.Rooms(*(n.rooms.get(t, 0) for t in ROOM_TYPES)),
                                 n.ready_at or now, n.due_at, n.submitted_at)
                 for n in needs if n.kind == "transfer"]
    supplies = [sv.SupplyNeed(n.id, site(n.site), n.priority, n.due_at,
                              tuple(sv.SupplyLine(k, q) for k, q in n.lines.items()), n.submitted_at)
                for n in needs if n.kind == "supply"]
    return sv.Scenario(now, sv.TravelModel(), sites, hotels, buses, stock, transfers, supplies)


def _split(text: str) -> tuple[str, str]:
    zh, _, en = text.partition(" / ")
    return zh, en or zh


def decisions_from(state: MatcherState, needs: list[Need], scenario: sv.Scenario,
                   result: sv.SolveResult) -> Decisions:
    """Per need: one proposal of what it got (rooms, its trips, picks), or why it got nothing."""
    plan = result.plan
    places = {s.id: Place(s.id, s.name or s.id, s.district, s.lat, s.lon) for s in scenario.sites.values()}
    hotel_site = {h.id: places[h.site] for h in scenario.hotels}
    operator = {h.id: h.operator for h in scenario.hotels}
    wh_operator = {(s.warehouse.id, s.sku): s.operator for s in state.stock.values()}
    rooms = {r.need: r for r in plan.rooms}
    unmet: dict[str, list[sv.Unmet]] = {}
    for u in plan.unmet:
        unmet.setdefault(u.need, []).append(u)
    out = Decisions(solve_id=f"S-{uuid.uuid4().hex[:12]}", status=result.status.value)
    for need in needs:
        reasons = unmet.get(need.id, [])
        zh_why = "；".join(u.zh for u in reasons)
        en_why = "; ".join(u.en for u in reasons)
        p = Proposal(f"A-{uuid.uuid4().hex[:16]}", need.id, need.kind)
        if need.kind == "transfer" and need.id in rooms:
            r = rooms[need.id]
            p.hotel_id, p.hotel_operator = r.hotel, operator.get(r.hotel, "")
            p.rooms = {"standard": r.standard, "family": r.family, "accessible": r.accessible}
            for t in plan.trips:
                if any(ld.need == need.id for s in t.stops for ld in s.load):
                    p.trips.append(Trip(t.bus, t.start_at,
                                        [Stop(places[s.site], s.at, [(ld.need, ld.people) for ld in s.load])
                                         for s in t.stops], t.hotel, hotel_site[t.hotel], t.arrive_at))
            p.people = sum(n for t in p.trips for s in t.stops for nid, n in s.load if nid == need.id)
            p.people_unserved = need.people - p.people
        elif need.kind == "supply":
            p.picks = [Pick(s.warehouse, s.sku, s.quantity, wh_operator.get((s.warehouse, s.sku), ""))
                       for s in plan.supply if s.need == need.id and s.quantity > 0]
            got: dict[str, int] = {}
            for k in p.picks:
                got[k.sku] = got.get(k.sku, 0) + k.quantity
            p.quantity_unserved = {sku: q - got.get(sku, 0) for sku, q in need.lines.items() if q > got.get(sku, 0)}
        if p.people == 0 and not p.picks:
            first = reasons[0] if reasons else None
            out.unmet.append(Unmet(need.id, first.code if first else "unserved",
                                   zh_why or "暂无可用资源", en_why or "no resources available"))
            continue
        p.explanation_zh, p.explanation_en = _split(result.explanations.get(need.id, ""))
        out.proposals.append(p)
    return out


def match_batch(state: MatcherState, needs: list[Need], now: datetime, time_limit_s: float,
                tz: str = "Asia/Shanghai") -> Decisions:
    """Runs off the event loop on a snapshot of the state. Plans in the city's time zone, so the
    times in explanations are the ones people on the ground read."""
    scenario = scenario_for(state, needs, now.astimezone(ZoneInfo(tz)))
    result = sv.solve(scenario, time_limit_s=time_limit_s)
    return decisions_from(state, needs, scenario, result)
