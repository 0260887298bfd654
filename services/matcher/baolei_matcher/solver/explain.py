"""Per-need explanations and the reason a need got no rooms, for operators.

Why: the command center must see, for every need, what was decided and why not more, in
Simplified Chinese with English alongside; "家庭房已满 / no family rooms left" says what to do
(find family rooms), where "unserved" does not.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from baolei_common.citytime import hhmm
from baolei_common.lateness import late_words
from baolei_common.rooms import Rooms

from . import reasons, rules
from .lateness import Timing, timings
from .model import Scenario, TransferNeed
from .plan import Plan, SupplyAssignment, Trip, Unmet
from .rooms_input import RoomsInput
from .travel import Travel

logger = logging.getLogger(__name__)

def hhmm_up(t: datetime) -> str:
    """Shenzhen clock time rounded up to the minute, as the waits and lateness are."""
    up = t.replace(second=0, microsecond=0) + timedelta(minutes=1 if t.second or t.microsecond else 0)
    return hhmm(up)  # times are shown as people in Shenzhen read them


def when_words(t: Timing | None) -> tuple[str, str]:
    """"预计 21:40 上车、22:05 到达，等候 37 分钟；逾期 45 分钟：无更早可用车辆" and its English."""
    if t is None:
        return "尚未安排车辆", "no trip yet"
    up, at = (hhmm_up(x) for x in (t.pickup_at, t.arrive_at))
    zh = f"预计 {up} 上车、{at} 到达，等候 {t.wait_minutes} 分钟"
    en = f"pickup {up}, arrives {at}, {t.wait_minutes} min after ready"
    late_zh, late_en = late_words(t.late_minutes, t.late_cause)
    return (f"{zh}；{late_zh}", f"{en}; {late_en}") if late_zh else (zh, en)


def room_reason(n: TransferNeed, inp: RoomsInput, residual: dict[str, Rooms]) -> Unmet:
    """Why need `n` has no rooms, judged on the rooms left after the plan was made."""
    accepting = [h for h in inp.hotels if rules.hotel_accepts(h.accepts, n.risk)]
    if not accepting:
        return reasons.no_hotel_for_risk(n.id, n.risk, n.people)
    if not any(h.rooms.total() > 0 for h in accepting):  # they accept it, but are full (the streaming
        return reasons.rooms_full(n.id, None, n.people)  # matcher's hotels carry only their free rooms)
    eligible = [inp.hotels[i] for i in inp.eligible.get(n.id, [])]
    if not eligible:
        return reasons.hotel_not_open(n.id, n.people)
    left = sum((residual[h.id] for h in eligible), Rooms())
    short = rules.short_type(n.rooms, left)  # even pooled over every eligible hotel, this type is short
    if short is not None:
        return reasons.rooms_full(n.id, short, n.people)
    return reasons.rooms_given_to_more_urgent(n.id, n.people)


def explain(scenario: Scenario, plan: Plan, travel: Travel) -> dict[str, str]:
    """One line per need, "中文 / English": what it got (where, how far, when) and why not more."""
    hotels = {h.id: h for h in scenario.hotels}
    rooms = {r.need: r for r in plan.rooms}
    timing = timings(scenario, plan, travel)
    trips: dict[str, list[tuple[Trip, int]]] = defaultdict(list)
    for t in plan.trips:
        for s in t.stops:
            for ld in s.load:
                trips[ld.need].append((t, ld.people))
    picks: dict[str, list[SupplyAssignment]] = defaultdict(list)
    for a in plan.supply:
        if a.quantity > 0:
            picks[a.need].append(a)
    why: dict[str, list[Unmet]] = defaultdict(list)
    for u in plan.unmet:
        why[u.need].append(u)

    def name(site_id: str) -> str:
        return scenario.sites[site_id].name or site_id

    out: dict[str, tuple[str, str]] = {}
    for n in scenario.transfers:
        r = rooms.get(n.id)
        if r is None:
            out[n.id] = ("未安排房间", "no rooms")
            continue
        h = hotels[r.hotel]
        km = travel.km(n.site, h.site)
        moved = sum(p for _, p in trips[n.id])
        when_zh, when_en = when_words(timing.get(n.id))
        buses = sorted({t.bus for t, _ in trips[n.id]})
        upg = r.family - n.rooms.family + r.accessible - n.rooms.accessible
        given_zh = "、".join(f"{reasons.ROOM_ZH[k]}{v}间" for k, v in
                             (("standard", r.standard), ("family", r.family), ("accessible", r.accessible)) if v)
        given_en = ", ".join(f"{v} {k}" for k, v in
                             (("standard", r.standard), ("family", r.family), ("accessible", r.accessible)) if v)
        out[n.id] = (
            f"{h.name or name(h.site)}（{h.operator or r.hotel}）{given_zh}，距离 {km:.1f} 公里；"
            f"{len(buses)} 辆车 {len(trips[n.id])} 趟转运 {moved}/{n.people} 人，{when_zh}"
            f"{f'；升级 {upg} 间' if upg else ''}",
            f"{h.name or r.hotel} ({h.operator or r.hotel}): {given_en}, {km:.1f} km away; {moved}/{n.people} "
            f"people on {len(trips[n.id])} trip(s) by {len(buses)} bus(es), {when_en}"
            f"{f'; {upg} room(s) upgraded' if upg else ''}")
    for sn in scenario.supplies:
        parts_zh, parts_en = [], []
        for ln in sn.lines:
            zh, unit_zh, en, unit_en = reasons.sku_words(ln.sku)
            mine = [a for a in picks[sn.id] if a.sku == ln.sku]
            got = sum(a.quantity for a in mine)
            src_zh = "、".join(f"{name(a.warehouse)} {a.quantity}" for a in mine)
            src_en = ", ".join(f"{a.quantity} from {a.warehouse}" for a in mine)
            parts_zh.append(f"{zh} {got}/{ln.quantity} {unit_zh}" + (f"（{src_zh}）" if mine else ""))
            parts_en.append(f"{en} {got}/{ln.quantity} {unit_en}" + (f" ({src_en})" if mine else ""))
        out[sn.id] = ("；".join(parts_zh), "; ".join(parts_en))
    return {nid: "；".join([zh] + [u.zh for u in why[nid]]) + " / " + "; ".join([en] + [u.en for u in why[nid]])
            for nid, (zh, en) in out.items()}
