"""Asks for capacity and their answers (issue 18).

The command center sends an ask to a named organisation (`send`); that organisation's dispatcher
answers (`answer`): buses added or shifts extended, rooms put back in use or added, another risk
category taken — or a refusal with its reason. An answer changes the registry through the same
steps as any dispatcher's change (`registry.py`), so the matcher hears of the new capacity at once
(BusStatus / HotelRooms through the outbox) and wakes the needs it can help. A stock ask (调拨物资) is
answered with staples received into, or moved between, the supply group's own warehouses: the
answer carries the moves in its AskAnswered event, which the inventory applies once and publishes
as new stock levels the matcher uses at once. The ask, the answer
and what it changed are audited and published as AskEvents (baolei.asks.v1) for every replica's
consoles. Each use case commits its unit of work.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from baolei_common import policy, topics
from baolei_common.events import meta, utcnow
from baolei_common.identity import Principal
from baolei_events.v1 import asks_pb2
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Ask, Bus, Hotel
from baolei_requests.domain import asks as rules
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, Invalid, NotFound
from baolei_requests.service.registry import stage_bus, stage_hotel
from baolei_requests.service.unit_of_work import UnitOfWork

ROOM_TYPES = ("standard", "family", "accessible")


@dataclass(frozen=True)
class NewAsk:
    """What the command center asks, with the figures the matcher computed."""
    kind: str
    cause: str
    organisation: str
    resource_id: str
    risk: str
    figures: rules.Figures
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class StockMoveIn:
    """Staples a supply group adds: received into `warehouse_id`, or moved there from
    `from_warehouse_id` (both its own)."""
    sku: str
    quantity: int
    warehouse_id: str
    from_warehouse_id: str | None = None
    expiry: date | None = None


@dataclass
class AnswerIn:
    """A dispatcher's answer. Buses: extend shifts to `extend_until` (all the company's buses, or
    `bus_ids`), add `add_buses` buses of `seats` seats at `depot_id`. Rooms: put `open_rooms` back in
    use, add `add_rooms`, take `accept_risks`. Or refuse, with a reason."""
    refuse: bool = False
    reason: str = ""
    extend_until: datetime | None = None
    bus_ids: list[str] | None = None
    add_buses: int = 0
    seats: int = 45
    depot_id: str | None = None
    plates: list[str] = field(default_factory=list)
    open_rooms: dict[str, int] = field(default_factory=dict)
    add_rooms: dict[str, int] = field(default_factory=dict)
    accept_risks: list[str] = field(default_factory=list)
    stock: list[StockMoveIn] = field(default_factory=list)


def send(uow: UnitOfWork, actor: Principal, new: NewAsk) -> Ask:
    """Record the ask, audit it and publish it; returns it. Commits."""
    policy.require(actor, "ask.send", new.organisation, "organisation")
    if new.kind not in rules.KINDS:
        raise Invalid("kind", f"未知的请求类型：{new.kind}", f"unknown kind of ask: {new.kind}")
    with uow:
        ask = Ask(id=f"Q-{uuid.uuid4().hex[:10]}", kind=new.kind, cause=new.cause, organisation=new.organisation,
                  resource_id=new.resource_id, risk=new.risk, figures=new.figures.as_dict(), text_zh=new.text_zh,
                  text_en=new.text_en, status="open", asked_by=actor.user, asked_at=utcnow(), answer={},
                  resources=[], reason="")
        uow.add(ask)
        uow.flush()
        audit(uow, actor, "ask.send", f"ask:{ask.id}", None,
              {"kind": ask.kind, "organisation": ask.organisation, "resource": ask.resource_id,
               "figures": ask.figures, "text": ask.text_zh})
        f = new.figures
        uow.add_event(topics.ASKS, ask.id, asks_pb2.AskEvent(
            meta=meta(producer=codec.PRODUCER, correlation_id=ask.id, actor=actor.user),
            sent=asks_pb2.AskSent(ask_id=ask.id, kind=ask.kind, cause=ask.cause, organisation=ask.organisation,
                                  resource_id=ask.resource_id, trips=f.trips, rooms=f.rooms, people=f.people,
                                  risk=ask.risk, text_zh=ask.text_zh, text_en=ask.text_en, stock=f.stock)))
        uow.commit()
    return ask


def answer(uow: UnitOfWork, actor: Principal, ask_id: str, a: AnswerIn, now: datetime | None = None,
           warehouses: dict[str, rules.WarehouseAt] | None = None) -> Ask:
    """The asked organisation's answer (an operator may answer for it): the capacity it adds goes to
    the matcher in this transaction. `warehouses`: the inventory's, as the caller may read them (a
    stock answer is checked against them). Returns the ask. Commits."""
    now = now or utcnow()
    with uow:
        ask = uow.get(Ask, ask_id)
        if ask is None:
            raise NotFound("ask", ask_id)
        policy.require(actor, "ask.answer", ask.organisation, "ask_id")
        if ask.status != "open":
            raise Conflict(f"ask {ask.id} was already answered ({ask.status})", f"请求 {ask.id} 已答复", "status")
        if a.refuse:
            if not a.reason.strip():
                raise Invalid("reason", "拒绝请求须说明原因", "a refusal needs a reason")
            done: dict[str, Any] = {"refused": True}
            changed: list[str] = []
        elif ask.kind in rules.STOCK_KINDS:
            done, changed = _stock(ask, a, warehouses or {})
        elif a.stock:
            raise Invalid("stock", "这不是物资请求，请答复车辆或房间",
                          "this ask is not for stock: answer with buses or rooms")
        elif ask.kind in rules.BUS_KINDS:
            done, changed = _buses(uow, actor, ask, a, now)
        else:
            done, changed = _rooms(uow, actor, ask, a)
        ask.status = "refused" if a.refuse else "answered"
        ask.answered_by, ask.answered_at, ask.answer, ask.resources = actor.user, now, done, changed
        ask.reason = a.reason.strip()
        audit(uow, actor, "ask.answer", f"ask:{ask.id}", {"status": "open"},
              {"status": ask.status, "answer": done, "resources": changed, "reason": ask.reason})
        opened = done.get("rooms_opened") or {}
        uow.add_event(topics.ASKS, ask.id, asks_pb2.AskEvent(
            meta=meta(producer=codec.PRODUCER, correlation_id=ask.id, actor=actor.user),
            answered=asks_pb2.AskAnswered(
                ask_id=ask.id, organisation=ask.organisation, refused=a.refuse, reason=ask.reason, resources=changed,
                buses_added=done.get("buses_added", 0), shifts_extended=done.get("shifts_extended", 0),
                rooms_opened=codec.rooms_pb(opened), risks_accepted=done.get("risks_accepted", []),
                stock_moved=[asks_pb2.StockMove(sku=m["sku"], quantity=m["quantity"], warehouse_id=m["warehouse_id"],
                                                from_warehouse_id=m["from_warehouse_id"] or "", lot=m["lot"],
                                                expiry=m["expiry"] or "") for m in done.get("stock_moved", [])])))
        uow.commit()
    return ask


def _buses(uow: UnitOfWork, actor: Principal, ask: Ask, a: AnswerIn, now: datetime) -> tuple[dict, list[str]]:
    if a.open_rooms or a.add_rooms or a.accept_risks:
        raise Invalid("open_rooms", "这是车辆请求，请答复车辆或班次",
                      "this ask is for buses: answer with buses or shifts")
    fleet = list(uow.buses.of_operator(ask.organisation))
    changed: list[str] = []
    extended = 0
    if a.extend_until is not None:
        if a.extend_until <= now:
            raise Invalid("extend_until", "延长后的班次结束时间须晚于现在", "the new shift end must be in the future")
        chosen = [b for b in fleet if a.bus_ids is None or b.id in a.bus_ids]
        unknown = sorted(set(a.bus_ids or []) - {b.id for b in fleet})
        if unknown:
            raise Invalid("bus_ids", f"不是本单位的车辆：{'、'.join(unknown)}",
                          f"not buses of {ask.organisation}: {', '.join(unknown)}")
        for b in chosen:
            if codec.as_utc(b.shift_end) < a.extend_until:
                stage_bus(uow, actor, {"id": b.id, "depot_id": b.depot_id, "shift_end": a.extend_until})
                changed.append(f"bus:{b.id}")
                extended += 1
    added = _add_buses(uow, actor, ask, a, fleet, now) if a.add_buses else []
    changed += added
    if not changed:
        raise Invalid("add_buses", "答复未增加任何车辆或班次：请增派车辆、延长班次，或说明原因拒绝",
                      "the answer adds no bus and extends no shift: add buses, extend shifts, or refuse with a reason")
    return {"buses_added": len(added), "shifts_extended": extended,
            "until": a.extend_until.isoformat() if a.extend_until else None}, changed


def _add_buses(uow: UnitOfWork, actor: Principal, ask: Ask, a: AnswerIn, fleet: list[Bus],
               now: datetime) -> list[str]:
    depot = a.depot_id or ask.resource_id or (fleet[0].depot_id if fleet else "")
    if not depot:
        raise Invalid("depot_id", "请指定新增车辆的车场", "name the depot of the new buses")
    until = a.extend_until or now + timedelta(hours=8)
    limit = fleet[0].load_limit if fleet else 0.5
    turnaround = fleet[0].turnaround_min if fleet else 30
    _check_plates(uow, a)
    out = []
    for k in range(a.add_buses):
        plate = a.plates[k].strip() if k < len(a.plates) else f"{ask.organisation}增派{k + 1}号"
        bus_id = f"{ask.id}-{k + 1:02d}"
        if uow.get(Bus, bus_id) is not None:
            continue
        stage_bus(uow, actor, {"id": bus_id, "operator": ask.organisation, "plate": plate, "depot_id": depot,
                               "seats": a.seats, "load_limit": limit, "shift_start": now, "shift_end": until,
                               "turnaround_min": turnaround, "state": "in_service"})
        out.append(f"bus:{bus_id}")
    return out


def _stock(ask: Ask, a: AnswerIn, warehouses: dict[str, rules.WarehouseAt]) -> tuple[dict, list[str]]:
    """Staples received into, or moved between, the asked supply group's own warehouses; each line
    checked against what the inventory showed (a move never takes more than is available)."""
    if a.add_buses or a.extend_until is not None or a.open_rooms or a.add_rooms or a.accept_risks:
        raise Invalid("stock", "这是物资请求，请答复调拨或入库的物资", "this ask is for stock: answer with staples")
    if not a.stock:
        raise Invalid("stock", "答复未调拨或入库任何物资：请填写数量，或说明原因拒绝",
                      "the answer moves no stock: give quantities, or refuse with a reason")
    short = dict((ask.figures or {}).get("stock") or {})
    taking: dict[tuple[str, str], int] = {}
    moved, changed = [], set()

    def own(w: str | None, where: str) -> rules.WarehouseAt:
        found = warehouses.get(w or "")
        if found is None or found.organisation != ask.organisation:
            raise Invalid(where, f"不是{ask.organisation}的仓库：{w}", f"not a warehouse of {ask.organisation}: {w}")
        return found

    for k, m in enumerate(a.stock):
        if m.sku not in short:
            raise Invalid(f"stock.{k}.sku", f"此请求未缺此物资：{m.sku}", f"this ask is not short of {m.sku}")
        to = own(m.warehouse_id, f"stock.{k}.warehouse_id")
        src = own(m.from_warehouse_id, f"stock.{k}.from_warehouse_id") if m.from_warehouse_id else None
        if src is not None:
            if src.warehouse_id == to.warehouse_id:
                raise Invalid(f"stock.{k}.from_warehouse_id", "调出与调入仓库相同",
                              "source and destination are the same")
            key = (src.warehouse_id, m.sku)
            taking[key] = taking.get(key, 0) + m.quantity
            have = src.available.get(m.sku, 0)
            if taking[key] > have:
                raise Invalid(f"stock.{k}.quantity", f"{src.name}可调出的 {m.sku} 只有 {have}",
                              f"{src.name} has only {have} of {m.sku} available")
            changed.add(f"warehouse:{src.warehouse_id}")
        moved.append({"sku": m.sku, "quantity": m.quantity, "warehouse_id": to.warehouse_id, "warehouse_name": to.name,
                      "from_warehouse_id": src.warehouse_id if src else None,
                      "from_name": src.name if src else None, "lot": "" if src else f"{ask.id}-{k + 1}",
                      "expiry": m.expiry.isoformat() if m.expiry and not src else None})
        changed.add(f"warehouse:{to.warehouse_id}")
    return {"stock_moved": moved}, sorted(changed)


def _check_plates(uow: UnitOfWork, a: AnswerIn) -> None:
    """Plates are optional (default names "巴士集团增派1号"); given, one per added bus at most, each
    new to the city and not typed twice. The refusal names the one that is wrong (`plates.<k>`)."""
    if len(a.plates) > a.add_buses:
        raise Invalid("plates", f"车牌 {len(a.plates)} 个，多于增派车辆 {a.add_buses} 辆",
                      f"{len(a.plates)} plate(s) for {a.add_buses} bus(es) added")
    seen: set[str] = set()
    for k, plate in enumerate(a.plates):
        p = plate.strip()
        if not p:
            raise Invalid(f"plates.{k}", f"第 {k + 1} 个车牌为空", f"plate {k + 1} is empty")
        if p in seen:
            raise Invalid(f"plates.{k}", f"车牌重复：{p}", f"plate typed twice: {p}")
        seen.add(p)
        taken = uow.buses.with_plate(p)
        if taken is not None:
            raise Invalid(f"plates.{k}", f"车牌 {p} 已登记为车辆 {taken}", f"plate {p} is already bus {taken}")


def _rooms(uow: UnitOfWork, actor: Principal, ask: Ask, a: AnswerIn) -> tuple[dict, list[str]]:
    if a.add_buses or a.extend_until is not None:
        raise Invalid("add_buses", "这是房间请求，请答复房间或接收类别",
                      "this ask is for rooms: answer with rooms or categories")
    hotel = uow.get(Hotel, ask.resource_id)
    if hotel is None:
        raise NotFound("hotel", ask.resource_id)
    out_of_use = dict(hotel.out_of_use or {})
    rooms = dict(hotel.rooms or {})
    opened = {t: 0 for t in ROOM_TYPES}
    for t, k in a.open_rooms.items():
        if k > out_of_use.get(t, 0):
            raise Invalid(f"open_rooms.{t}", f"{hotel.name}停用的{t}房间只有 {out_of_use.get(t, 0)} 间",
                          f"{hotel.name} has only {out_of_use.get(t, 0)} {t} room(s) out of use")
        out_of_use[t] = out_of_use.get(t, 0) - k
        opened[t] += k
    for t, k in a.add_rooms.items():
        rooms[t] = rooms.get(t, 0) + k
        opened[t] += k
    accepts = list(hotel.accepts or [])
    taken = [r for r in a.accept_risks if r not in accepts]
    if not any(opened.values()) and not taken:
        raise Invalid("open_rooms", "答复未开放或新增任何房间：请开放房间、新增房间、接收新的类别，或说明原因拒绝",
                      "the answer opens no room and takes no category: open or add rooms, take a category, "
                      "or refuse with a reason")
    stage_hotel(uow, actor, {"id": hotel.id, "site_id": hotel.site_id, "rooms": rooms, "out_of_use": out_of_use,
                             "accepts": accepts + taken})
    return {"rooms_opened": opened, "risks_accepted": taken}, [f"hotel:{hotel.id}"]
