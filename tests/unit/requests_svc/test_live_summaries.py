"""Kafka messages become small summaries for the console, and each role gets only its share."""
from __future__ import annotations

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import assignments_pb2, needs_pb2, resources_pb2, stock_pb2
from baolei_requests.adapters.live_events import summarise, visible


def test_assignment_proposed_names_its_organisations():
    ev = assignments_pb2.AssignmentEvent(meta=meta(producer="t"), proposed=assignments_pb2.AssignmentProposed(
        assignment_id="A1", need_id="N1", room=assignments_pb2.RoomGrant(hotel_id="H", hotel_operator="投控公司"),
        trips=[assignments_pb2.Trip(bus_id="B", bus_operator="巴士集团")]))
    s = summarise(topics.ASSIGNMENTS, ev.SerializeToString())
    assert s == {"type": "assignment.proposed", "need_id": "N1", "assignment_id": "A1",
                 "organisations": ["巴士集团", "投控公司"]}
    s["audience"] = {"need_org": "莲花街道", "orgs": s["organisations"]}  # adapters/live_audience.py adds it
    assert visible("dispatcher", "巴士集团", s, "bus") and not visible("dispatcher", "东部公交", s, "bus")
    assert visible("operator", "", s) and visible("site", "莲花街道", s) and not visible("site", "东门街道", s)


def test_resources_stock_alerts_and_needs():
    bus = resources_pb2.BusStatus(bus_id="B", operator="巴士集团", state=resources_pb2.BUS_STATE_OUT_OF_SERVICE)
    s = summarise(topics.BUSES, bus.SerializeToString())
    assert s["state"] == "out_of_service" and not visible("dispatcher", "东部公交", s)
    hotel = resources_pb2.HotelRooms(hotel_id="H", operator="投控公司", state=resources_pb2.HOTEL_STATE_OPEN)
    assert summarise(topics.HOTELS, hotel.SerializeToString())["state"] == "open"
    alert = stock_pb2.PriceAlert(sku="pork", district="福田", rise_ratio=0.2, message_zh="猪肉上涨")
    s = summarise(topics.PRICE_ALERTS, alert.SerializeToString())
    assert s["message_zh"] == "猪肉上涨" and not visible("site", "x", s)
    need = needs_pb2.NeedEvent(meta=meta(producer="t"), cancelled=needs_pb2.NeedCancelled(need_id="N1"))
    assert summarise(topics.NEEDS, need.SerializeToString()) == {"type": "need.cancelled", "need_id": "N1"}
    assert summarise(topics.DEADLETTER, b"") is None
