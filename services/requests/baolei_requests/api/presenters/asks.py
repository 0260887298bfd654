"""Asks for capacity as the consoles show them: whom the command center could ask about an unmet
cause (best placed first, `domain/asks.py`), and each ask's line "请求 21:31 → 答复 21:38 → 已匹配
124 人" — what its answer unlocked: people placed since the answer on the buses or hotel it
added or changed."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from baolei_common.citytime import hhmm
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Ask, Assignment, Need
from baolei_requests.api.presenters.labels import Names, staple
from baolei_requests.domain import asks as rules
from baolei_requests.domain.lifecycle import ACTIVE

OPTIONS_SHOWN = 5
ROOM_TYPES = ("standard", "family", "accessible")
log = logging.getLogger(__name__)
# the inventory's warehouses with what each has available; None when the inventory does not answer
StockSource = Callable[[], list[rules.WarehouseAt] | None]


def amount(sku: str, quantity: int) -> tuple[str, str]:
    """"大米 120 袋" / "120 bags of rice"."""
    zh, en, unit_zh, unit_en = staple(sku)
    return f"{zh} {quantity} {unit_zh}", f"{quantity} {unit_en} of {en}"


def inventory_stock(inventory_url: str, token: str) -> StockSource:
    """Reads the inventory's warehouses and balances over its HTTP API with the caller's token (the
    services never import each other), once, when first asked."""
    seen: list[list[rules.WarehouseAt] | None] = []

    def read() -> list[rules.WarehouseAt] | None:
        if not seen:
            seen.append(_read(inventory_url, token))
        return seen[0]
    return read


def _read(inventory_url: str, token: str) -> list[rules.WarehouseAt] | None:
    try:
        with httpx.Client(base_url=inventory_url, headers={"Authorization": f"Bearer {token}"}, timeout=3) as c:
            wh, bal = c.get("/api/warehouses"), c.get("/api/balances")
            wh.raise_for_status()
            bal.raise_for_status()
            warehouses, balances = wh.json(), bal.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("inventory at %s unavailable for stock asks: %s", inventory_url, exc)
        return None
    available: dict[str, dict[str, int]] = {}
    for b in balances:
        available.setdefault(b["warehouse_id"], {})[b["sku"]] = int(b["available"])
    return [rules.WarehouseAt(w["id"], w.get("name") or w["id"], w["organisation"],
                              rules.Point(float(w["lat"]), float(w["lon"])), available.get(w["id"], {}))
            for w in warehouses]


def _where(members: Iterable[Need]) -> rules.Point | None:
    return rules.centre(rules.Point(n.site.lat, n.site.lon) for n in members
                        if getattr(n.site, "lat", None) is not None)


def figures_of(group: dict) -> rules.Figures:
    """The matcher's figures behind an unmet cause (attention.unmet_groups)."""
    if group["cause"] == "buses":
        return rules.Figures(trips=group.get("trips", 0), people=group.get("shortfall", 0))
    if group["cause"] == "stock":
        return rules.Figures(stock=dict(group.get("stock") or {}))
    return rules.Figures(rooms=group.get("shortfall", 0), people=group.get("people", 0))


def options(group: dict, members: list[Need], names: Names, now: datetime,
            shown: int | None = OPTIONS_SHOWN, stock: StockSource | None = None) -> list[dict[str, Any]]:
    """Whom to ask about this cause, best placed first (empty for causes no ask can fix, and for
    staples when the inventory does not answer); the first `shown` (None: all)."""
    cause, where = group["cause"], _where(members)
    figures = figures_of(group)
    stock_words = rules.stock_text(figures.stock, amount)
    if cause == "buses":
        until = max((as_utc(n.due_at) for n in members if n.due_at), default=now)
        buses = [rules.BusAt(b.operator, b.depot_id, names.sites[b.depot_id].name if b.depot_id in names.sites
                             else b.depot_id, rules.Point(b.depot.lat, b.depot.lon), b.state == "in_service",
                             as_utc(b.shift_end)) for b in names.buses.values()]
        found = rules.bus_options(buses, where, until)
    elif cause == "rooms" or cause.endswith("_rooms_full") or cause in ("no_hotel_for_risk", "hotel_not_open"):
        kinds = (cause.split("_")[0],) if cause.endswith("_rooms_full") else ROOM_TYPES
        hotels = [rules.HotelAt(h.id, h.name, h.operator, rules.Point(h.site.lat, h.site.lon),
                                frozenset(h.accepts or []), dict(h.out_of_use or {}), h.state != "closed")
                  for h in names.hotels.values()]
        found = rules.room_options(hotels, {n.risk for n in members if n.risk}, kinds, where)
    elif cause == "stock" and stock is not None and figures.stock:
        warehouses = stock()
        if not warehouses:
            return []
        found = rules.stock_options(warehouses, figures.stock, where, amount)
    else:
        return []
    out = []
    for o in found[:shown]:
        zh, en = rules.ask_text(o.kind, figures, o.risk, o.resource_name, stock_words)
        kz, ke = rules.KIND_NAMES[o.kind]
        if o.kind == "accept_risk":
            rz, re_ = rules.RISK_NAMES.get(o.risk, (o.risk, o.risk))
            kz, ke = f"{kz}{rz}", f"{ke} {re_}"
        out.append({"kind": o.kind, "kind_zh": kz, "kind_en": ke, "organisation": o.organisation,
                    "resource_id": o.resource_id, "resource_name": o.resource_name, "risk": o.risk,
                    "why_zh": o.why_zh, "why_en": o.why_en, "figures": figures.as_dict(), "text_zh": zh, "text_en": en})
    return out


def _placed(session: Session, since: datetime) -> list[rules.Placed]:
    rows = session.execute(select(Assignment.proposed_at, Assignment.status, Assignment.people, Assignment.trips,
                                  Assignment.room, Assignment.picks).where(Assignment.proposed_at >= since)).all()
    out = []
    for proposed_at, status, people, trips, room, picks in rows:
        res = {f"bus:{t.get('bus')}" for t in trips or []} | ({f"hotel:{room.get('hotel')}"} if room else set()) \
            | {f"warehouse:{p.get('warehouse')}" for p in picks or []}
        out.append(rules.Placed(as_utc(proposed_at), status in ACTIVE, people or 0, frozenset(res)))
    return out


def _clock(t: datetime | None) -> str:
    return hhmm(as_utc(t)) if t is not None else ""


def _line(ask: Ask, people: int | None) -> tuple[str, str]:
    zh = [f"请求 {_clock(ask.asked_at)}"]
    en = [f"asked {_clock(ask.asked_at)}"]
    if ask.status == "open":
        zh.append("等待答复")
        en.append("awaiting an answer")
    elif ask.status == "refused":
        zh.append(f"拒绝 {_clock(ask.answered_at)}（{ask.reason}）")
        en.append(f"refused {_clock(ask.answered_at)} ({ask.reason})")
    elif ask.kind in rules.STOCK_KINDS:
        zh += [f"答复 {_clock(ask.answered_at)}", f"已匹配 {people or 0} 项需求"]
        en += [f"answered {_clock(ask.answered_at)}", f"{people or 0} need(s) matched"]
    else:
        zh += [f"答复 {_clock(ask.answered_at)}", f"已匹配 {people or 0} 人"]
        en += [f"answered {_clock(ask.answered_at)}", f"{people or 0} people matched"]
    return " → ".join(zh), " → ".join(en)


def answer_text(ask: Ask) -> tuple[str, str]:
    """What the answer added, in words."""
    a = ask.answer or {}
    zh, en = [], []
    if a.get("buses_added"):
        zh.append(f"增派 {a['buses_added']} 辆车")
        en.append(f"{a['buses_added']} bus(es) added")
    if a.get("shifts_extended"):
        zh.append(f"{a['shifts_extended']} 辆车班次延长")
        en.append(f"{a['shifts_extended']} shift(s) extended")
    opened = sum((a.get("rooms_opened") or {}).values())
    if opened:
        zh.append(f"开放 {opened} 间房")
        en.append(f"{opened} room(s) opened")
    for m in a.get("stock_moved") or []:
        z, e = amount(m["sku"], m["quantity"])
        src = m.get("from_warehouse_id")
        to = m.get("warehouse_name") or m["warehouse_id"]
        zh.append(f"{'调拨' if src else '入库'} {z} 至{to}")
        en.append(f"{e} {'moved' if src else 'received'} into {to}")
    for r in a.get("risks_accepted") or []:
        rz, re_ = rules.RISK_NAMES.get(r, (r, r))
        zh.append(f"接收{rz}")
        en.append(f"takes {re_}")
    return "，".join(zh), ", ".join(en)


def ask_reads(session: Session, asks: list[Ask], names: Names | None = None) -> list[dict[str, Any]]:
    """Asks as the API shows them, each with its line and what its answer unlocked."""
    answered = [as_utc(a.answered_at) for a in asks if a.status == "answered" and a.answered_at]
    placed = _placed(session, min(answered)) if answered else []
    out = []
    for a in asks:
        people = rules.unlocked(a.resources or [], as_utc(a.answered_at), placed, a.kind in rules.STOCK_KINDS) \
            if a.status == "answered" and a.answered_at else None
        line_zh, line_en = _line(a, people)
        ans_zh, ans_en = answer_text(a)
        resource = ""
        if names is not None:
            resource = names.hotels[a.resource_id].name if a.resource_id in names.hotels else \
                names.sites[a.resource_id].name if a.resource_id in names.sites else ""
        out.append({"id": a.id, "kind": a.kind, "cause": a.cause, "organisation": a.organisation,
                    "resource_id": a.resource_id, "resource_name": resource, "risk": a.risk, "figures": a.figures,
                    "text_zh": a.text_zh, "text_en": a.text_en, "status": a.status, "asked_by": a.asked_by,
                    "asked_at": as_utc(a.asked_at), "answered_by": a.answered_by, "answered_at": as_utc(a.answered_at),
                    "answer": a.answer or {}, "answer_zh": ans_zh, "answer_en": ans_en, "reason": a.reason,
                    "resources": a.resources or [], "unlocked_people": people, "line_zh": line_zh, "line_en": line_en})
    return out


def _asks(organisation: str | None) -> Select:
    q = select(Ask)
    return q if organisation is None else q.where(Ask.organisation == organisation)


def recent(session: Session, organisation: str | None = None, limit: int = 50, offset: int = 0) -> list[Ask]:
    """The asks (of one organisation, or all), open ones first, then the latest first: an open ask is
    never pushed out of the list by newer answered ones."""
    q = _asks(organisation).order_by(case((Ask.status == "open", 0), else_=1), Ask.asked_at.desc(), Ask.id)
    return list(session.scalars(q.offset(offset).limit(limit)).all())


def count(session: Session, organisation: str | None = None) -> int:
    """How many asks there are (of one organisation, or all)."""
    return int(session.scalar(_asks(organisation).with_only_columns(func.count(Ask.id))) or 0)
