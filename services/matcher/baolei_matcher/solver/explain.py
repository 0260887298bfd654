"""Per-need explanations and the reason a need got no rooms, for operators.

Why: the command center must see, for every need, what was decided and why not more, in
Simplified Chinese with English alongside; "家庭房已满 / no family rooms left" says what to do
(find family rooms), where "unserved" does not.
"""
from __future__ import annotations

import logging
from collections import defaultdict

from . import reasons
from .model import Scenario, TransferNeed
from .plan import Plan, Unmet
from .rooms import RoomsInput
from .travel import Travel

logger = logging.getLogger(__name__)


def room_reason(n: TransferNeed, inp: RoomsInput, residual: dict[str, list[int]]) -> Unmet:
    """Why need `n` has no rooms, judged on the rooms left after the plan was made."""
    accepting = [h for h in inp.hotels if n.risk in h.accepts and h.rooms.total() > 0]
    if not accepting:
        return reasons.no_hotel_for_risk(n.id, n.risk, n.people)
    eligible = [inp.hotels[i] for i in inp.eligible.get(n.id, [])]
    if not eligible:
        return reasons.hotel_not_open(n.id, n.people)
    left = [sum(residual[h.id][t] for h in eligible) for t in range(3)]
    if n.rooms.family > left[1]:
        return reasons.rooms_full(n.id, "family", n.people)
    if n.rooms.accessible > left[2]:
        return reasons.rooms_full(n.id, "accessible", n.people)
    if n.rooms.standard > left[0] + (left[1] - n.rooms.family) + (left[2] - n.rooms.accessible):
        return reasons.rooms_full(n.id, "standard" if n.rooms.standard else None, n.people)
    return reasons.rooms_given_to_more_urgent(n.id, n.people)


def explain(scenario: Scenario, plan: Plan, travel: Travel) -> dict[str, str]:
    """One line per need: what it got, in Chinese / English, plus its unmet reasons."""
    hotels = {h.id: h for h in scenario.hotels}
    rooms = {r.need: r for r in plan.rooms}
    trips: dict[str, list] = defaultdict(list)
    for t in plan.trips:
        for s in t.stops:
            for ld in s.load:
                trips[ld.need].append((t, ld.people))
    supplied: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in plan.supply:
        supplied[a.need][a.sku] += a.quantity
    why: dict[str, list[str]] = defaultdict(list)
    for u in plan.unmet:
        why[u.need].append(u.reason)
    out: dict[str, str] = {}
    for n in scenario.transfers:
        r = rooms.get(n.id)
        if r is None:
            text = "未安排房间 / no rooms"
        else:
            h = hotels[r.hotel]
            name = h.name or scenario.sites[h.site].name or h.id
            moved = sum(p for _, p in trips[n.id])
            last = max((t.arrive_at for t, _ in trips[n.id]), default=None)
            when = last.strftime("%H:%M") if last else "-"
            upg = r.family - n.rooms.family + r.accessible - n.rooms.accessible
            text = (f"安排至 {name}（{r.hotel}），{len(trips[n.id])} 趟车转运 {moved}/{n.people} 人，"
                    f"最晚 {when} 到达{'，升级 %d 间' % upg if upg else ''} / placed at {r.hotel}, "
                    f"{moved}/{n.people} people on {len(trips[n.id])} trips, last arrives {when}"
                    f"{', %d rooms upgraded' % upg if upg else ''}")
        out[n.id] = "; ".join([text] + why[n.id])
    for n in scenario.supplies:
        parts_zh, parts_en = [], []
        for ln in n.lines:
            zh, unit_zh, en, unit_en = reasons.sku_words(ln.sku)
            got = supplied[n.id][ln.sku]
            parts_zh.append(f"{zh} {got}/{ln.quantity} {unit_zh}")
            parts_en.append(f"{en} {got}/{ln.quantity} {unit_en}")
        out[n.id] = "; ".join([f"{'，'.join(parts_zh)} / {', '.join(parts_en)}"] + why[n.id])
    return out
