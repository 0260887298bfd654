"""The Kafka edge inbound: decode one record of a source topic (adapters/codec.py) and fold it in
(service/fold.py). A record it cannot use raises, and is dead-lettered by the caller."""
from __future__ import annotations

from collections.abc import Callable

from baolei_common import topics
from baolei_events.v1 import assignments_pb2, needs_pb2, resources_pb2, stock_pb2
from baolei_matcher.adapters import codec
from baolei_matcher.domain.entities import Place
from baolei_matcher.domain.state import MatcherState
from baolei_matcher.service import fold
from baolei_matcher.service.runtime import Runtime


class HotelSites:
    """`codec.hold` looks hotel sites up by id; a view of the state instead of a dict per event."""

    def __init__(self, state: MatcherState) -> None:
        self.state = state

    def get(self, hotel_id: str, default: Place, /) -> Place:
        h = self.state.hotels.get(hotel_id)
        return h.site if h is not None else default


def apply_event(rt: Runtime, logical: str, value: bytes) -> str:
    """Decode one message of the logical topic `logical` and fold it into the state; says what it
    was. Raises on a message it cannot use."""
    decode = _BY_TOPIC.get(logical)
    if decode is None:
        raise ValueError(f"unexpected topic {logical}")
    return decode(rt, value)


def _need(rt: Runtime, value: bytes) -> str:
    ev = needs_pb2.NeedEvent.FromString(value)
    which = ev.WhichOneof("event")
    if which == "submitted":
        fold.need_submitted(rt, codec.need(ev))
        return f"need {ev.submitted.need_id} submitted"
    if which == "cancelled":
        fold.need_cancelled(rt, ev.cancelled.need_id)
        return f"need {ev.cancelled.need_id} cancelled"
    raise ValueError("NeedEvent without a body")


def _assignment(rt: Runtime, value: bytes) -> str:
    ev = assignments_pb2.AssignmentEvent.FromString(value)
    which = ev.WhichOneof("event")
    if which == "proposed":
        fold.proposal_read(rt, codec.hold(ev.proposed, HotelSites(rt.state)))
        return f"proposal {ev.proposed.assignment_id} holds for {ev.proposed.need_id}"
    if which == "confirmed":
        fold.confirmed(rt, ev.confirmed.assignment_id)
        return f"assignment {ev.confirmed.assignment_id} confirmed"
    if which == "released":
        r = ev.released
        fold.released(rt, r.need_id, r.assignment_id, r.reason, codec.declined(r),
                      codec.faster(r) if r.HasField("faster") else None, codec.delivered(r))
        return f"assignment {r.assignment_id} released ({r.reason})"
    if which == "unmet":
        fold.told_unmet(rt, ev.unmet.need_id, ev.unmet.code)
        return f"need {ev.unmet.need_id} unmet ({ev.unmet.code})"
    if which == "stay":
        fold.stay_changed(rt, codec.stay(ev.stay))
        return f"stay {ev.stay.assignment_id} at {ev.stay.hotel_id} {ev.stay.kind}"
    raise ValueError("AssignmentEvent without a body")


def _hotel(rt: Runtime, value: bytes) -> str:
    h = resources_pb2.HotelRooms.FromString(value)
    if not h.hotel_id:
        raise ValueError("HotelRooms without hotel_id")
    hotel = codec.hotel(h)
    fold.hotel_seen(rt, hotel)
    return f"hotel {h.hotel_id} rooms {hotel.usable.as_dict()}"


def _bus(rt: Runtime, value: bytes) -> str:
    b = resources_pb2.BusStatus.FromString(value)
    if not b.bus_id:
        raise ValueError("BusStatus without bus_id")
    bus = codec.bus(b)
    fold.bus_seen(rt, bus)
    return f"bus {b.bus_id} {'in service' if bus.in_service else 'out of service'}"


def _stock(rt: Runtime, value: bytes) -> str:
    s = stock_pb2.StockChanged.FromString(value)
    if not s.sku or not s.warehouse.id:
        raise ValueError("StockChanged without warehouse or sku")
    fold.stock_seen(rt, codec.stock(s), s.cause, s.assignment_id)
    return f"stock {s.warehouse.id}:{s.sku} available {s.available}"


_BY_TOPIC: dict[str, Callable[[Runtime, bytes], str]] = {
    topics.NEEDS: _need, topics.ASSIGNMENTS: _assignment, topics.HOTELS: _hotel, topics.BUSES: _bus,
    topics.STOCK: _stock}
