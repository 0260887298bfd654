"""Protobuf at the edge: domain values to wire messages and back. Nothing else imports *_pb2."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from baolei_common.events import from_ts, meta
from baolei_events.v1 import asks_pb2, assignments_pb2, common_pb2, stock_pb2, volunteers_pb2
from baolei_inventory.domain.commands import (
    AnswerAsk,
    AskMove,
    Command,
    ConfirmAssignment,
    EndTask,
    HoldPicks,
    Ignore,
    ReleaseAssignment,
    ReserveForTask,
)
from baolei_inventory.domain.model import Level, Pick, Warehouse
from baolei_inventory.domain.prices import Assessment, Grade

PRODUCER = "inventory"
SOURCES = {"market_survey": stock_pb2.PRICE_SOURCE_MARKET_SURVEY,
           "supply_group_sale": stock_pb2.PRICE_SOURCE_SUPPLY_GROUP_SALE}
GRADES = {Grade.NORMAL: stock_pb2.PRICE_GRADE_NORMAL, Grade.STRESS: stock_pb2.PRICE_GRADE_STRESS,
          Grade.ALERT: stock_pb2.PRICE_GRADE_ALERT, Grade.CRISIS: stock_pb2.PRICE_GRADE_CRISIS}


def stock_key(warehouse_id: str, sku: str) -> str:
    return f"{warehouse_id}:{sku}"


def cause(kind: str, movement_id: str, assignment_id: str = "") -> str:
    """`<kind> movement=<id>[ assignment=<id>]`: the matcher finds its hold reflected by the id."""
    text = f"{kind} movement={movement_id}"
    return f"{text} assignment={assignment_id}" if assignment_id else text


def stock_changed(level: Level, warehouse: Warehouse, unit: str, *, cause_text: str,
                  occurred_at: datetime, actor: str, correlation_id: str = "", assignment_id: str = "",
                  movement_kind: str = "") -> stock_pb2.StockChanged:
    """`assignment_id` is the structured name of the assignment whose hold, issue or release made
    this level (the matcher matches its holds on it); `cause` keeps the same for people to read."""
    return stock_pb2.StockChanged(
        meta=meta(producer=PRODUCER, occurred_at=occurred_at, actor=actor, correlation_id=correlation_id),
        warehouse=common_pb2.Site(id=warehouse.id, name=warehouse.name, district=warehouse.district,
                                  lat=warehouse.lat, lon=warehouse.lon),
        warehouse_operator=warehouse.organisation, sku=level.sku, on_hand=level.on_hand,
        held=level.held, available=level.available, reserve=level.reserve, cause=cause_text, unit=unit,
        assignment_id=assignment_id, movement_kind=movement_kind)


def level_of(msg: stock_pb2.StockChanged) -> Level:
    return Level(msg.warehouse.id, msg.sku, msg.on_hand, msg.held, msg.reserve)


def assignment_released(assignment_id: str, need_id: str, reason: str, *, actor: str = "inventory"
                        ) -> assignments_pb2.AssignmentEvent:
    return assignments_pb2.AssignmentEvent(
        meta=meta(producer=PRODUCER, correlation_id=need_id, actor=actor),
        released=assignments_pb2.AssignmentReleased(assignment_id=assignment_id, need_id=need_id,
                                                    reason=reason))


def price_observed(sku: str, district: str, source: str, price_fen: int, unit: str,
                   occurred_at: datetime, actor: str) -> stock_pb2.PriceObserved:
    return stock_pb2.PriceObserved(
        meta=meta(producer=PRODUCER, occurred_at=occurred_at, actor=actor), sku=sku,
        district=district, source=SOURCES.get(source, stock_pb2.PRICE_SOURCE_UNSPECIFIED),
        price_fen=price_fen, unit=unit)


def price_alert(sku: str, district: str, a: Assessment, release: int, zh: str, en: str, *,
                event_id: str, occurred_at: datetime, actor: str) -> stock_pb2.PriceAlert:
    return stock_pb2.PriceAlert(
        meta=meta(producer=PRODUCER, occurred_at=occurred_at, actor=actor, event_id=event_id),
        sku=sku, district=district, grade=GRADES[a.grade], price_fen=a.price_fen,
        baseline_fen=a.baseline_fen, rise_ratio=a.rise_ratio, recommended_reserve_release=release,
        message_zh=zh, message_en=en)


def decode_assignment(payload: bytes) -> Command:
    """A command from AssignmentEvent bytes; raises on bytes that are not a usable event (the
    consumer loop then dead-letters the message)."""
    if not payload:
        raise ValueError("empty message")
    event = assignments_pb2.AssignmentEvent()
    event.ParseFromString(payload)
    event_id = event.meta.event_id
    if not event_id:
        raise ValueError("AssignmentEvent without meta.event_id")
    which = event.WhichOneof("event")
    actor = event.meta.actor
    if which == "proposed":
        p = event.proposed
        if not p.assignment_id:
            raise ValueError("proposed without assignment_id")
        picks = tuple(Pick(x.warehouse_id, x.sku, int(x.quantity)) for x in p.picks)
        if not picks:
            return Ignore(event_id, "proposal without supply picks")
        for x in picks:
            if not x.warehouse_id or not x.sku or x.quantity <= 0:
                raise ValueError(f"invalid pick {x}")
        return HoldPicks(event_id, p.assignment_id, p.need_id, picks, from_ts(p.hold_expires_at),
                         actor or "matcher")
    if which == "confirmed":
        c = event.confirmed
        return ConfirmAssignment(event_id, c.assignment_id, c.need_id, actor)
    if which == "released":
        r = event.released
        return ReleaseAssignment(event_id, r.assignment_id, r.need_id, r.reason, actor)
    if which == "unmet":
        return Ignore(event_id, "need unmet")
    if which == "stay":
        return Ignore(event_id, "hotel stay")
    raise ValueError("AssignmentEvent without an event")


def decode_ask(payload: bytes) -> Command:
    """An AskEvent: an answered ask that adds stock becomes AnswerAsk; anything else is ignored."""
    ev = asks_pb2.AskEvent.FromString(payload)
    event_id = ev.meta.event_id
    if not event_id:
        raise ValueError("ask event without an event id")
    if ev.WhichOneof("event") != "answered" or ev.answered.refused or not ev.answered.stock_moved:
        return Ignore(event_id, "no stock in this ask event")
    a = ev.answered
    moves = tuple(AskMove(m.sku, int(m.quantity), m.warehouse_id, m.from_warehouse_id, m.lot,
                          date.fromisoformat(m.expiry) if m.expiry else None) for m in a.stock_moved)
    if any(m.quantity <= 0 or not m.warehouse_id or not m.sku or (not m.from_warehouse_id and not m.lot)
           for m in moves):
        raise ValueError(f"ask {a.ask_id}: a stock move without sku, quantity, warehouse or lot")
    return AnswerAsk(event_id, a.ask_id, a.organisation, moves, ev.meta.actor or "dispatcher")


def decode_doorstep_stock(value: bytes) -> Command:
    """A 代购 task's ask (reserve, consume, release); the inventory's own answers are ignored."""
    ev = volunteers_pb2.DoorstepStockEvent.FromString(value)
    which = ev.WhichOneof("event")
    if not ev.meta.event_id or not ev.task_id:
        raise ValueError("DoorstepStockEvent needs meta.event_id and task_id")
    actor = ev.meta.actor or "volunteers"
    if which == "reserve":
        lines = tuple((ln.sku, ln.quantity) for ln in ev.reserve.lines if ln.quantity > 0)
        if not lines:
            return Ignore(ev.meta.event_id, "a reserve without lines")
        return ReserveForTask(ev.meta.event_id, ev.task_id, ev.district, lines, actor)
    if which in ("consume", "release"):
        return EndTask(ev.meta.event_id, ev.task_id, which == "consume", getattr(ev, which).reason, actor)
    return Ignore(ev.meta.event_id, f"doorstep stock {which or 'empty'}: not an ask")


def doorstep_answer(task_id: str, *, warehouse: Warehouse | None = None, lines: Sequence[tuple[str, int]] = (),
                    short: tuple[str, str, str, str] | None = None) -> volunteers_pb2.DoorstepStockEvent:
    """The inventory's answer to a reserve: the pickup, or short with (reason_zh, reason_en, fix_zh, fix_en)."""
    msg = volunteers_pb2.DoorstepStockEvent(meta=meta(producer=PRODUCER, correlation_id=task_id), task_id=task_id)
    if short is not None:
        zh, en, fzh, fen = short
        msg.short.CopyFrom(volunteers_pb2.DoorstepStockShort(reason_zh=zh, reason_en=en, fix_zh=fzh, fix_en=fen))
    elif warehouse is not None:
        msg.district = warehouse.district
        msg.reserved.CopyFrom(volunteers_pb2.DoorstepStockPickup(
            warehouse_id=warehouse.id, warehouse_name=warehouse.name, organisation=warehouse.organisation,
            lines=[volunteers_pb2.DoorstepStockLine(sku=k, quantity=q) for k, q in lines]))
    return msg
