"""Protobuf at the edge: the use cases' events to wire messages on their topics, and the hotline's
task requests back to plain dicts. Nothing else in the service imports *_pb2."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from baolei_common import topics
from baolei_common.events import from_ts, meta, ts
from baolei_events.v1 import volunteers_pb2 as pb
from baolei_volunteers.events import Event

PRODUCER = "volunteers"
TOPIC_OF = {"zone": topics.ZONES, "volunteer": topics.VOLUNTEERS, "household": topics.HOUSEHOLDS,
            "task": topics.DOORSTEP_TASKS, "stock": topics.DOORSTEP_STOCK}
ANSWERS = ("accepted", "claimed", "declined", "started", "done", "confirmed")


def _task(data: dict[str, Any], m: Any) -> pb.DoorstepTaskEvent:
    msg = pb.DoorstepTaskEvent(meta=m, task_id=data["task_id"], household_id=data["household_id"],
                               community=data["community"], kind=data["kind"], status=data["status"],
                               volunteer_id=data.get("volunteer_id", ""))
    what, body = data["event"], data.get("body", {})
    if what == "raised":
        msg.raised.CopyFrom(pb.TaskRaised(source=body["source"], remote=body["remote"], deadline=ts(body["deadline"]),
                                          duration_min=body["duration_min"], every_days=body["every_days"]))
    elif what == "proposed":
        msg.proposed.CopyFrom(pb.TaskProposed(seq=body["seq"], start=ts(body["start"]), end=ts(body["end"]),
                                              hold_until=ts(body["hold_until"]), why_zh=body["why_zh"],
                                              why_en=body["why_en"]))
    elif what in ANSWERS:
        getattr(msg, what).CopyFrom(pb.TaskAnswered(note=body.get("note", "")))
    elif what == "released":
        msg.released.CopyFrom(pb.TaskReleased(**body))
    elif what == "unmet":
        msg.unmet.CopyFrom(pb.TaskUnmet(**body))
    elif what == "stock":
        msg.stock.CopyFrom(pb.TaskStock(state=body["state"], warehouse_name=body.get("warehouse_name", "")))
    else:
        raise ValueError(f"unknown task event {what!r}")
    return msg


def _stock(data: dict[str, Any], m: Any) -> pb.DoorstepStockEvent:
    """A 代购 task's ask of the inventory: reserve its lines, consume them (done) or release them."""
    msg = pb.DoorstepStockEvent(meta=m, task_id=data["task_id"], community=data["community"],
                                district=data["district"])
    if data["ask"] == "reserve":
        msg.reserve.CopyFrom(pb.DoorstepStockLines(lines=[pb.DoorstepStockLine(sku=x["sku"], quantity=x["quantity"])
                                                          for x in data["items"]]))
    else:
        getattr(msg, data["ask"]).CopyFrom(pb.DoorstepStockDone(reason=data.get("reason", "")))
    return msg


def decode_stock_answer(payload: bytes) -> tuple[str, str, str, dict[str, Any]] | None:
    """(event id, task id, "reserved" | "short", what it says) of the inventory's answer; None for the
    service's own asks on the same topic. ValueError when unusable."""
    msg = pb.DoorstepStockEvent.FromString(payload)
    which = msg.WhichOneof("event")
    if which not in ("reserved", "short"):
        return None
    if not msg.meta.event_id or not msg.task_id:
        raise ValueError("DoorstepStockEvent needs meta.event_id and task_id")
    if which == "reserved":
        r = msg.reserved
        body: dict[str, Any] = {"warehouse_id": r.warehouse_id, "warehouse_name": r.warehouse_name,
                                "organisation": r.organisation,
                                "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in r.lines]}
    else:
        body = {k: getattr(msg.short, k) for k in ("reason_zh", "reason_en", "fix_zh", "fix_en")}
    return msg.meta.event_id, msg.task_id, which, body


def encode(event: Event, occurred_at: datetime) -> tuple[str, str, Any]:
    """(logical topic, key, message) of one event."""
    d = dict(event.data)
    actor = str(d.pop("actor", "")) if event.kind == "task" else ""
    m = meta(producer=PRODUCER, occurred_at=occurred_at, actor=actor, correlation_id=event.key)
    if event.kind == "zone":
        msg: Any = pb.CompoundZone(meta=m, **d)
    elif event.kind == "volunteer":
        msg = pb.VolunteerState(meta=m, **d)
    elif event.kind == "household":
        msg = pb.HouseholdState(meta=m, **d)
    elif event.kind == "task":
        msg = _task(d, m)
    elif event.kind == "stock":
        msg = _stock(d, m)
    else:
        raise ValueError(f"unknown event kind {event.kind!r}")
    return TOPIC_OF[event.kind], event.key, msg


def decode_task_event(payload: bytes) -> pb.DoorstepTaskEvent:
    return pb.DoorstepTaskEvent.FromString(payload)


def decode_request(payload: bytes) -> tuple[str, dict[str, Any]]:
    """(event id, the task's fields) of a hotline's DoorstepTaskRequest; ValueError when unusable."""
    msg = pb.DoorstepTaskRequest.FromString(payload)
    if not msg.meta.event_id or not msg.household_id or not msg.kind:
        raise ValueError("DoorstepTaskRequest needs meta.event_id, household_id and kind")
    if len(msg.meta.event_id) > 200 or len(msg.household_id) > 64 or len(msg.note) > 2000:
        raise ValueError("DoorstepTaskRequest: event_id ≤ 200, household_id ≤ 64, note ≤ 2000 characters")
    return msg.meta.event_id, {"household_id": msg.household_id, "kind": msg.kind,
                               "deadline": from_ts(msg.deadline), "duration_min": msg.duration_min or None,
                               "note": msg.note, "actor": msg.meta.actor or "hotline"}


def request(household_id: str, kind: str, *, deadline: datetime | None = None, note: str = "",
            actor: str = "hotline", duration_min: int = 0) -> pb.DoorstepTaskRequest:
    """A hotline's request (for other systems and tests)."""
    return pb.DoorstepTaskRequest(meta=meta(producer="hotline", actor=actor), household_id=household_id, kind=kind,
                                  deadline=ts(deadline), note=note, duration_min=duration_min)
