"""Kafka messages to the small JSON summaries the console receives live.

A summary names what changed (type, ids, organisations) and a few numbers to show at once; the
console then re-reads what it needs through the API, where permissions apply.
"""
from __future__ import annotations

from baolei_common import policy, topics
from baolei_common.identity import Principal
from baolei_events.v1 import asks_pb2, assignments_pb2, needs_pb2, resources_pb2, stock_pb2


def _rooms(r) -> dict[str, int]:
    return {"standard": r.standard, "family": r.family, "accessible": r.accessible}


def summarise(logical_topic: str, value: bytes) -> dict | None:
    """The summary of one message, or None for topics the console does not follow."""
    if logical_topic == topics.NEEDS:
        ev = needs_pb2.NeedEvent.FromString(value)
        which = ev.WhichOneof("event")
        body = getattr(ev, which)
        out = {"type": f"need.{which}", "need_id": body.need_id}
        if which == "submitted":
            out["organisation"] = body.organisation
        return out
    if logical_topic == topics.ASSIGNMENTS:
        ev = assignments_pb2.AssignmentEvent.FromString(value)
        which = ev.WhichOneof("event")
        body = getattr(ev, which)
        out = {"type": f"assignment.{which}", "need_id": body.need_id}
        if which != "unmet":
            out["assignment_id"] = body.assignment_id
        if which == "proposed":
            orgs = {body.room.hotel_operator} | {t.bus_operator for t in body.trips} | {
                p.warehouse_operator for p in body.picks}
            out["organisations"] = sorted(o for o in orgs if o)
        elif which == "unmet":
            out["reason_zh"], out["reason_en"] = body.reason_zh, body.reason_en
        elif which == "released":
            out["reason"] = body.reason
        return out
    if logical_topic == topics.HOTELS:
        h = resources_pb2.HotelRooms.FromString(value)
        return {"type": "hotel", "hotel_id": h.hotel_id, "operator": h.operator, "name": h.name,
                "free": _rooms(h.free), "cleaning": _rooms(h.cleaning),
                "state": "open" if h.state == resources_pb2.HOTEL_STATE_OPEN else "closed"}
    if logical_topic == topics.BUSES:
        b = resources_pb2.BusStatus.FromString(value)
        return {"type": "bus", "bus_id": b.bus_id, "operator": b.operator, "plate": b.plate,
                "state": "in_service" if b.state == resources_pb2.BUS_STATE_IN_SERVICE else "out_of_service"}
    if logical_topic == topics.STOCK:
        s = stock_pb2.StockChanged.FromString(value)
        return {"type": "stock", "warehouse_id": s.warehouse.id, "district": s.warehouse.district,
                "operator": s.warehouse_operator, "sku": s.sku, "available": s.available, "reserve": s.reserve}
    if logical_topic == topics.ASKS:
        q = asks_pb2.AskEvent.FromString(value)
        which = q.WhichOneof("event")
        body = getattr(q, which)
        return {"type": f"ask.{which}", "ask_id": body.ask_id, "organisations": [body.organisation]}
    if logical_topic == topics.PRICE_ALERTS:
        a = stock_pb2.PriceAlert.FromString(value)
        return {"type": "price_alert", "sku": a.sku, "district": a.district, "rise_ratio": a.rise_ratio,
                "message_zh": a.message_zh, "message_en": a.message_en}
    return None


def visible(role: str, organisation: str, summary: dict, kind: str = "") -> bool:
    """Whether a console signed in as this role, organisation and kind receives this summary: the
    read rules `event.read` and `price_alert.read` of baolei_common.policy. Whose an event is comes
    from its `audience` (live/audience.py); an event without one reaches those who see everything."""
    caller = Principal(user="", role=role, organisation=organisation, kind=kind)
    if summary.get("type") == "price_alert":
        return policy.sees(caller, "price_alert.read")
    if policy.sees_all(caller, "event.read"):
        return True
    audience = summary.get("audience")
    if audience is None:
        return False
    return policy.sees(caller, "event.read", need_owners=[audience.get("need_org") or ""],
                       resource_owners=audience.get("orgs", ()))


def public(summary: dict) -> dict:
    """The summary as sent: without the audience it was filtered by."""
    return {k: v for k, v in summary.items() if k != "audience"}
