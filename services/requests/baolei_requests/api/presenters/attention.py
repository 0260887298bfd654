"""What needs a decision now, for the command center (GET /api/attention): holds still waiting for
an answer (whose, and how long until they expire), unmet needs grouped by cause with the shortfall
and what would fix it, declines with their reasons, and remainders of partial deliveries.

Rooms and trips are short for the city, not for one cause group (`shortfalls.py`): rooms short by
R if buses were unlimited (every waiting person's rooms against the free rooms they can use), trips
short by T if rooms were unlimited, and the text says so when both are short — counted per group, a
room shortfall of 32 was shown for 11,816 people waiting and 1,055 free rooms, as most of them were
reported short of buses. Other causes count their own needs (people to house, units of a staple).
The fixes come from the registry: rooms out of use or a closed hotel that accepts the category, a
hotel opening later, buses out of service that could be put back.

Lists are capped (`NEEDS_SHOWN` needs a group, most urgent first, `HOLDS_SHOWN` holds, soonest to
expire first), each with its total and, for a group, the filter that lists the rest
(GET /api/needs?status=unmet&unmet_code=…): at 11,500 open needs the full lists made this answer
2.3 MB and 8.6 s.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session, selectinload

from baolei_common.citytime import hhmm
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, AuditEntry, Hotel, Need, StandingRule
from baolei_requests.api.presenters import asks, lateness
from baolei_requests.api.presenters.attention_late import late_proposals
from baolei_requests.api.presenters.labels import Names, count_en, need_text, risk, room, staple
from baolei_requests.api.presenters.shortfalls import BUS_CODES, city_shortfall, summary
from baolei_requests.api.presenters.unmet_summary import Group, group_needs, summarise
from baolei_requests.domain import lifecycle
from baolei_requests.domain.needs import NeedStatus
from baolei_requests.service.transitions import progress_of

ROOM_TYPES = ("standard", "family", "accessible")
STOCK_CODES = ("stock_short", "no_stock")
DECLINES_SHOWN = 20
NEEDS_SHOWN = 20  # needs listed per unmet group
HOLDS_SHOWN = 50
STRANDED_SHOWN = 50
ASKS_SHOWN = 20


def _need_ref(n: Any) -> dict:
    zh, en = need_text(n.kind, n.site.name, n.people, n.lines)
    return {"need_id": n.id, "priority": n.priority, "site_name": n.site.name, "label_zh": zh, "label_en": en,
            "status": n.status}


def _hhmm(t: datetime | None) -> str:
    return hhmm(as_utc(t)) if t else ""


def holds(session: Session, names: Names, now: datetime) -> list[dict]:
    """The proposals still waiting for an answer, soonest to expire first (at most HOLDS_SHOWN)."""
    rows = session.scalars(select(Assignment).where(Assignment.status == "proposed")
                           .options(selectinload(Assignment.need))
                           .order_by(Assignment.hold_expires_at).limit(HOLDS_SHOWN)).all()
    out = []
    for a in rows:
        waiting = lifecycle.awaiting(a.status, list(a.organisations or []), list(a.accepted_by or []))
        exp = as_utc(a.hold_expires_at) if a.hold_expires_at else None
        res_zh, res_en = names.resources(a)
        out.append({**_need_ref(a.need), "assignment_id": a.id, "awaiting": waiting,
                    "accepted_by": list(a.accepted_by or []), "expires_at": exp,
                    "expires_in_min": max(0, math.ceil((exp - now).total_seconds() / 60)) if exp else None,
                    "resources_zh": res_zh, "resources_en": res_en, **lateness.fields(a)})
    return out


def holds_by_organisation(session: Session, now: datetime) -> list[dict]:
    """Per organisation that still has to answer: how many holds, and when the soonest expires (all
    holds counted; the list above shows only the first HOLDS_SHOWN). The database groups the holds by
    who holds them and who has answered (a handful of combinations for thousands of holds)."""
    t = Assignment.__table__.c
    orgs_text, accepted_text = cast(t.organisations, Text), cast(t.accepted_by, Text)
    rows = session.connection().execute(select(orgs_text, accepted_text, func.count(), func.min(t.hold_expires_at))
                                        .where(t.status == "proposed").group_by(orgs_text, accepted_text)).all()
    count: dict[str, int] = defaultdict(int)
    soonest: dict[str, datetime] = {}
    for orgs, accepted, n, expires in rows:
        for org in lifecycle.awaiting("proposed", list(json.loads(orgs or "[]") or []),
                                      list(json.loads(accepted or "[]") or [])):
            count[org] += n
            exp = as_utc(expires) if expires else None
            if exp is not None and (org not in soonest or exp < soonest[org]):
                soonest[org] = exp
    far = datetime.max.replace(tzinfo=timezone.utc)
    order = sorted(count, key=lambda org: (soonest.get(org, far), -count[org]))
    return [{"organisation": org, "count": count[org], "soonest_expires_at": soonest.get(org),
             "soonest_in_min": max(0, math.ceil((soonest[org] - now).total_seconds() / 60)) if org in soonest else None}
            for org in order]


def cause_of(code: str) -> str:
    """The attention group of an unmet code (buses, rooms, stock, a room type full, or the code)."""
    if code.endswith("_rooms_full") and code.split("_")[0] in ROOM_TYPES:
        return code
    if code in ("rooms_full", "rooms_to_more_urgent"):
        return "rooms"
    if code in BUS_CODES:
        return "buses"
    if code in STOCK_CODES:
        return "stock"
    return code or "unknown"




def _room_fixes(hotels: list[Hotel], risks: set[str], kinds: tuple[str, ...], now: datetime) -> tuple[list, list]:
    zh, en = [], []
    for h in hotels:
        if not risks & set(h.accepts or []):
            continue
        if h.state == "closed":
            k = sum(h.rooms.get(t, 0) for t in kinds)
            if k:
                zh.append(f"{h.name}（已关闭）可重新开放 {k} 间")
                en.append(f"{h.name} (closed) could reopen {k} rooms")
            continue
        k = sum((h.out_of_use or {}).get(t, 0) for t in kinds)
        if k:
            zh.append(f"{h.name}可加开 {k} 间")
            en.append(f"{h.name} could open {k} more")
        if h.open_at and as_utc(h.open_at) > now:
            zh.append(f"{h.name} {_hhmm(h.open_at)} 开放")
            en.append(f"{h.name} opens at {_hhmm(h.open_at)}")
    return zh, en


def unmet_needs(session: Session) -> list[Need]:
    """Every unmet need, most urgent first, with its assignments (one query for all): for an ask, which
    weighs all of a cause's needs, not the sample the panel shows."""
    return list(session.scalars(select(Need).where(Need.status == NeedStatus.UNMET.value)
                                .options(selectinload(Need.assignments))
                                .order_by(Need.priority, Need.created_at)).unique().all())


def _rest(codes: list[str]) -> str:
    return "/api/needs?" + urlencode([("status", "unmet")] + [("unmet_code", c) for c in codes])


def unmet_groups(needs: list[Any] | dict[str, Group], names: Names, now: datetime, sf: dict,
                 stock: asks.StockSource | None = None) -> list[dict]:
    """Unmet needs by cause (`unmet_summary.Group`s, or the needs themselves, grouped here); `sf`: the
    city's shortfalls (`shortfalls.summary`); `stock`: the inventory's warehouses and what they have
    (read only when a stock cause is there)."""
    groups = needs if isinstance(needs, dict) else group_needs(needs, cause_of, NEEDS_SHOWN)
    hotels = list(names.hotels.values())
    both = sf["rooms_short"] > 0 and sf["trips_short"] > 0
    out = []
    for cause, grp in groups.items():
        risks = grp.risks
        risk_zh = "、".join(risk(r)[0] for r in sorted(risks))
        risk_en = ", ".join(risk(r)[1] for r in sorted(risks))
        codes = sorted(grp.codes)
        first = grp.shown[0]
        g: dict[str, Any] = {"cause": cause, "codes": codes, "count": grp.count,
             "needs": [_need_ref(n) for n in grp.shown[:NEEDS_SHOWN]], "more": max(0, grp.count - NEEDS_SHOWN),
             "rest_url": _rest(codes), "reason_zh": first.unmet_reason_zh, "reason_en": first.unmet_reason_en}
        fix_zh: list[str] = []
        fix_en: list[str] = []
        if cause.endswith("_rooms_full") or cause == "rooms":
            kinds = (cause.split("_")[0],) if cause != "rooms" else ROOM_TYPES
            # every waiting need's rooms against the free rooms it can use, buses assumed available
            short = sf["rooms_short_by_type"].get(kinds[0], 0) if len(kinds) == 1 else sf["rooms_short"]
            label_zh = room(kinds[0])[0] if len(kinds) == 1 else "隔离房间"
            label_en = room(kinds[0])[1] if len(kinds) == 1 else "isolation rooms"
            g["title_zh"], g["title_en"] = f"{label_zh}不足", f"Not enough {label_en}"
            g["short_zh"], g["short_en"] = f"{'若车辆充足，仍' if both else ''}缺 {short} 间", \
                f"{short} short{' even with unlimited buses' if both else ''}"
            if not short:  # enough free rooms of the types and categories asked: not placed for other reasons
                g["short_zh"], g["short_en"] = f"按类型与接收类别，可用空房 {sf['rooms_free']} 间已足够", \
                    f"{sf['rooms_free']} free rooms of the types and categories asked: enough"
            g["shortfall"] = short
            fix_zh, fix_en = _room_fixes(hotels, risks, kinds, now)
            if not fix_zh:
                fix_zh = [f"需协调接收{risk_zh}的酒店新增{label_zh} {short} 间"]
                fix_en = [f"find {short} more {label_en} at hotels taking {risk_en}"]
        elif cause == "no_hotel_for_risk":
            short = grp.remaining
            g["title_zh"], g["title_en"] = f"没有接收{risk_zh}的酒店", f"No hotel takes {risk_en}"
            g["short_zh"], g["short_en"] = f"{short} 人待安置", f"{count_en(short, 'person', 'people')} to house"
            g["shortfall"] = short
            fix_zh = [f"登记或指定一家接收{risk_zh}的隔离酒店"]
            fix_en = [f"register or designate a hotel that takes {risk_en}"]
        elif cause == "hotel_not_open":
            short = grp.remaining
            g["title_zh"], g["title_en"] = "可接收的酒店尚未开放", "Accepting hotels not open yet"
            g["short_zh"], g["short_en"] = f"{short} 人待安置", f"{count_en(short, 'person', 'people')} to house"
            g["shortfall"] = short
            fix_zh, fix_en = _room_fixes(hotels, risks, ROOM_TYPES, now)
            if not fix_zh:
                fix_zh, fix_en = ["提前开放可接收的酒店"], ["open an accepting hotel earlier"]
        elif cause == "buses":
            # every waiting person, rooms assumed available (not only those reported short of buses)
            short, need_buses = sf["people"], sf["trips_short"]
            buses = list(names.buses.values())
            g["title_zh"], g["title_en"] = "车辆不足", "Not enough buses"
            if_zh, if_en = ("若房间充足，仍", " even with unlimited rooms") if both else ("", "")
            g["short_zh"], g["short_en"] = f"{short} 人待转运，{if_zh}约缺 {need_buses} 车次", \
                f"{count_en(short, 'person', 'people')} to move, " \
                f"about {count_en(need_buses, 'trip', 'trips')} short{if_en}"
            g["shortfall"], g["trips"] = short, need_buses
            stopped = [b for b in buses if b.state != "in_service"]
            if stopped:
                shown = "、".join(names.plate(b.id) for b in stopped[:3])
                fix_zh = [f"{len(stopped)} 辆车停运中可恢复运营（{shown}{'等' if len(stopped) > 3 else ''}）"]
                fix_en = [f"{count_en(len(stopped), 'bus', 'buses')} out of service could be put back "
                          f"({shown.replace('、', ', ')})"]
            else:
                fix_zh = [f"请公交企业增派约 {need_buses} 车次或延长班次"]
                fix_en = [f"ask the bus companies for about {count_en(need_buses, 'more trip', 'more trips')} "
                          "or longer shifts"]
        elif cause == "stock":
            per_sku = grp.per_sku
            parts_zh = [f"{staple(k)[0]} {v} {staple(k)[2]}" for k, v in per_sku.items()]
            parts_en = [f"{v} {staple(k)[3]} of {staple(k)[1]}" for k, v in per_sku.items()]
            g["title_zh"], g["title_en"] = "库存不足", "Out of stock"
            g["short_zh"], g["short_en"] = f"缺 {'、'.join(parts_zh)}", f"short: {', '.join(parts_en)}"
            g["stock"] = dict(per_sku)  # per staple, never added across staples (the ask's figures)
            g["shortfall"] = sum(per_sku.values())
            fix_zh, fix_en = ["投放储备或从其他区调拨"], ["release reserve stock or move stock from another district"]
        elif cause == "out_of_time":
            g["title_zh"], g["title_en"] = "本轮匹配超时", "Not matched in this round's time"
            g["short_zh"], g["short_en"] = f"{grp.count} 项需求", count_en(grp.count, "need", "needs")
            g["shortfall"] = grp.count
            fix_zh, fix_en = ["正在自动重新匹配，无需操作"], ["matched again automatically; nothing to do"]
        else:
            g["title_zh"], g["title_en"] = first.unmet_reason_zh or "暂无法满足", \
                first.unmet_reason_en or "unmet"
            g["short_zh"], g["short_en"] = f"{grp.count} 项需求", count_en(grp.count, "need", "needs")
            g["shortfall"] = grp.count
        g["fix_zh"], g["fix_en"] = "；".join(fix_zh), "; ".join(fix_en)
        # whom to ask, best placed first (where and when from the needs shown: a sample of the cause)
        g["ask_options"] = asks.options(g, list(grp.shown), names, now, stock=stock)
        g["text_zh"] = f"{g['title_zh']}：{g['short_zh']}" + (f"，{g['fix_zh']}" if g["fix_zh"] else "")
        g["text_en"] = f"{g['title_en']}: {g['short_en']}" + (f"; {g['fix_en']}" if g["fix_en"] else "")
        out.append(g)
    out.sort(key=lambda g: (g["needs"][0]["priority"], -g["count"]))
    return out


def declines(session: Session, names: Names) -> list[dict]:
    """Recent declines whose need is still open, newest first, with the decliner and the reason."""
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "assignment.decline")
                              .order_by(AuditEntry.id.desc()).limit(200)).all()
    out = []
    for e in entries:
        a = session.get(Assignment, e.entity.partition(":")[2])
        if a is None or a.need.status in (NeedStatus.DONE, NeedStatus.CANCELLED):
            continue
        res_zh, res_en = names.resources(a)
        out.append({**_need_ref(a.need), "assignment_id": a.id, "at": as_utc(e.at), "by": e.actor,
                    "organisation": e.organisation, "reason": (e.after or {}).get("reason") or "",
                    "resources_zh": res_zh, "resources_en": res_en})
        if len(out) >= DECLINES_SHOWN:
            break
    return out


def stranded(session: Session) -> list[dict]:
    """Needs partly delivered whose rest waits for a new match (nothing live carries it)."""
    needs = session.scalars(select(Need).where(Need.status.in_(
        (NeedStatus.SUBMITTED.value, NeedStatus.UNMET.value))).join(Assignment)
        .where(Assignment.status == "done")).unique().all()
    out = []
    for n in needs:
        p = progress_of(n)
        if 0 < p.delivered and p.remaining > 0:
            out.append({**_need_ref(n), "delivered": p.delivered, "remaining": p.remaining, "asked": p.asked})
            if len(out) >= STRANDED_SHOWN:
                break
    return out


def auto_confirming(session: Session) -> list[dict]:
    """Organisations whose standing rule confirms their proposals automatically (operators see who)."""
    return [{"organisation": r.organisation, "set_by": r.set_by, "set_at": as_utc(r.set_at)}
            for r in session.scalars(select(StandingRule).where(StandingRule.auto_confirm.is_(True))
                                     .order_by(StandingRule.organisation))]


def attention(session: Session, now: datetime | None = None, stock: asks.StockSource | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    names = Names.of(session)
    unmet = summarise(session, names, cause_of, BUS_CODES, NEEDS_SHOWN)
    sf = summary(city_shortfall(session, names, unmet.waiting, unmet.buses_short))
    waiting = session.scalar(select(func.count()).select_from(Assignment).where(Assignment.status == "proposed"))
    groups = unmet_groups(unmet.groups, names, now, sf, stock)
    sent = asks.ask_reads(session, asks.recent(session, limit=ASKS_SHOWN), names)
    for g in groups:
        g["asks"] = [a for a in sent if a["cause"] == g["cause"]]
    return {"at": now, "holds": holds(session, names, now), "holds_total": waiting or 0,
            "holds_by_organisation": holds_by_organisation(session, now),
            "unmet": groups, "shortfall": sf, "asks": sent, "asks_total": asks.count(session),
            "auto_confirm": auto_confirming(session),
            "declines": declines(session, names), "stranded": stranded(session),
            "late": late_proposals(session)}
