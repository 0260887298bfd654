"""First-fit matching, need by need: the walking skeleton's matcher and the streaming fallback.

Most urgent first, then first come; the nearest open hotel that accepts the risk and has the rooms
(upgrades allowed, never downgrades); the bus that can be at the pickup first; the nearest stock.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from baolei_matcher.domain.decisions import Decisions, Proposal, Unmet
from baolei_matcher.domain.state import Bus, MatcherState, Need, Pick, Place, Stop, Trip
from baolei_matcher.domain.travel import Travel

UPGRADES = {"standard": ("standard", "accessible", "family"), "family": ("family",), "accessible": ("accessible",)}
RISK_ZH = {"close_contact": "密接", "secondary_contact": "次密接", "inbound": "入境人员"}
ROOM_ZH = {"standard": "标准间", "family": "家庭房", "accessible": "无障碍房"}


def _allocate_rooms(asked: dict[str, int], free: dict[str, int]) -> dict[str, int] | None:
    """Rooms by the hotel's type for the asked rooms, or None if they do not fit."""
    left = dict(free)
    given = {"standard": 0, "family": 0, "accessible": 0}
    for want in ("family", "accessible", "standard"):
        n = asked.get(want, 0)
        for t in UPGRADES[want]:
            take = min(n, left.get(t, 0))
            left[t] = left.get(t, 0) - take
            given[t] += take
            n -= take
        if n:
            return None
    return given


def _room_reason(need: Need, state: MatcherState, free: dict[str, dict[str, int]]) -> Unmet:
    accepting = [h for h in state.hotels.values() if h.open and need.risk in h.accepts]
    if not accepting:
        return Unmet(need.id, "no_hotel_accepts_risk", f"没有接收{RISK_ZH.get(need.risk, need.risk)}的隔离酒店",
                     f"no hotel accepts the risk category {need.risk}")
    for t in ("family", "accessible"):
        if need.rooms.get(t) and all(free[h.id].get(t, 0) < need.rooms[t] for h in accepting):
            return Unmet(need.id, f"no_{t}_rooms", f"{ROOM_ZH[t]}已满（需要 {need.rooms[t]} 间）",
                         f"no {t} rooms left (needs {need.rooms[t]})")
    return Unmet(need.id, "no_rooms", f"没有一家酒店能一次容纳 {need.people} 人所需的房间",
                 f"no single hotel has the rooms for all {need.people} people")


def _best_bus(buses: list[Bus], pos: dict[str, tuple[Place, datetime]], need: Need, hotel_site: Place,
              travel: Travel, now: datetime) -> tuple[Bus, Trip] | None:
    best = None
    for bus in buses:
        where, free_at = pos[bus.id]
        start = max(free_at, now, bus.shift_start)
        pickup = max(start + timedelta(minutes=travel.minutes(where.at, need.site.at)), need.ready_at or now)
        arrive = pickup + timedelta(minutes=travel.dwell_min + travel.minutes(need.site.at, hotel_site.at))
        if arrive > bus.shift_end:
            continue
        if best is None or pickup < best[1].stops[0].at:
            start_at = pickup - timedelta(minutes=travel.minutes(where.at, need.site.at))
            best = (bus, Trip(bus.id, start_at, [Stop(need.site, pickup, [])], "", hotel_site, arrive))
    return best


def _transfer(need: Need, state: MatcherState, free: dict[str, dict[str, int]],
              pos: dict[str, tuple[Place, datetime]], travel: Travel, now: datetime) -> Proposal | Unmet:
    hotels = sorted((h for h in state.hotels.values() if h.open and need.risk in h.accepts),
                    key=lambda h: travel.km(need.site.at, h.site.at))
    for hotel in hotels:
        given = _allocate_rooms(need.rooms, free[hotel.id])
        if given is None:
            continue
        buses = [b for b in state.buses.values() if b.in_service and b.capacity > 0]
        scratch = dict(pos)
        trips: list[Trip] = []
        left = need.people
        while left > 0:
            found = _best_bus(buses, scratch, need, hotel.site, travel, now)
            if found is None:
                break
            bus, trip = found
            if hotel.open_at and trip.arrive_at < hotel.open_at:
                break
            load = min(left, bus.capacity)
            trip.stops[0].load.append((need.id, load))
            trip.hotel_id = hotel.id
            trips.append(trip)
            scratch[bus.id] = (hotel.site, trip.arrive_at + timedelta(minutes=bus.turnaround_min))
            left -= load
        if left > 0:
            return Unmet(need.id, "no_bus_in_shift", "班次结束前没有车辆能把全部人员送达",
                         "no bus can carry everyone before its shift ends")
        for t, n in given.items():
            free[hotel.id][t] -= n
        pos.update(scratch)
        upgrades = sum(given.values()) - sum(min(given[t], need.rooms.get(t, 0)) for t in given)
        km = travel.km(need.site.at, hotel.site.at)
        ops = sorted({state.buses[t.bus_id].operator for t in trips})
        zh = (f"{hotel.name}（{hotel.operator}）" + "、".join(f"{ROOM_ZH[t]}{n}间" for t, n in given.items() if n)
              + f"，距离 {km:.1f} 公里；{len(trips)} 趟车（{'、'.join(ops)}），"
              + f"首车 {trips[0].stops[0].at.astimezone().strftime('%H:%M')} 接人"
              + (f"；升级 {upgrades} 间" if upgrades else ""))
        en = (f"{hotel.name} ({hotel.operator}): " + ", ".join(f"{n} {t}" for t, n in given.items() if n)
              + f", {km:.1f} km away; {len(trips)} trip(s) by {', '.join(ops)}"
              + (f"; {upgrades} room(s) upgraded" if upgrades else ""))
        return Proposal(_aid(), need.id, "transfer", hotel.id, hotel.operator, given, trips, [], need.people,
                        explanation_zh=zh, explanation_en=en)
    return _room_reason(need, state, free)


def _supply(need: Need, state: MatcherState, free: dict[tuple[str, str], int], travel: Travel) -> Proposal | Unmet:
    picks: list[Pick] = []
    short: dict[str, int] = {}
    for sku, qty in need.lines.items():
        stores = sorted((s for (w, k), s in state.stock.items() if k == sku and free.get((w, k), 0) > 0),
                        key=lambda s: travel.km(need.site.at, s.warehouse.at))
        left = qty
        for s in stores:
            take = min(left, free[(s.warehouse.id, sku)])
            picks.append(Pick(s.warehouse.id, sku, take, s.operator))
            free[(s.warehouse.id, sku)] -= take
            left -= take
            if left == 0:
                break
        if left:
            short[sku] = left
    why_zh = "；".join(f"{sku} 缺口 {n}" for sku, n in short.items())
    why_en = "; ".join(f"{sku} short by {n}" for sku, n in short.items())
    if not picks:
        return Unmet(need.id, "stock_short", f"库存不足：{why_zh}", f"stock short: {why_en}")
    whs = sorted({p.warehouse_id for p in picks})
    zh = f"从 {len(whs)} 个仓库配货（{'、'.join(whs)}）" + (f"；{why_zh}" if short else "")
    en = f"picked from {len(whs)} warehouse(s) ({', '.join(whs)})" + (f"; {why_en}" if short else "")
    return Proposal(_aid(), need.id, "supply", picks=picks, quantity_unserved=short,
                    explanation_zh=zh, explanation_en=en)


def _aid() -> str:
    return f"A-{uuid.uuid4().hex[:16]}"


def first_fit(state: MatcherState, needs: list[Need], now: datetime, travel: Travel | None = None) -> Decisions:
    travel = travel or Travel()
    rooms = state.rooms_free()
    stock = state.stock_free()
    pos = state.bus_positions()
    out = Decisions(solve_id=f"S-{uuid.uuid4().hex[:12]}")
    for need in needs:
        result = _transfer(need, state, rooms, pos, travel, now) if need.kind == "transfer" else \
            _supply(need, state, stock, travel)
        (out.proposals if isinstance(result, Proposal) else out.unmet).append(result)
    return out
