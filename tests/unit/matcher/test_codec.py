"""Protobuf mapping of the matcher round-trips what the domain needs."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from baolei_common.rooms import Rooms
from baolei_matcher.adapters import codec
from baolei_matcher.domain.decisions import Proposal
from baolei_matcher.domain.entities import Pick, Place, Stop, Trip

NOW = datetime(2022, 1, 14, 0, 0, tzinfo=timezone.utc)


def test_proposal_round_trip_to_hold():
    hotel = Place("hzb", "会展北", "福田", 22.53, 114.05)
    trip = Trip("b1", NOW, [Stop(Place("s1", "s1", "", 0, 0), NOW + timedelta(minutes=20), [("n1", 7)])],
                "H1", hotel, NOW + timedelta(minutes=50))
    p = Proposal("A-1", "n1", "transfer", "H1", "投控公司", Rooms(standard=5, family=1, accessible=0),
                 [trip], [Pick("w1", "rice", 3, "食品物资集团")], 7, explanation_zh="说明")
    ev = codec.proposed(p, solve_id="S1", hold_ttl_s=60, now=NOW, bus_operator={"b1": "巴士集团"}, kind="transfer")
    wire = type(ev).FromString(ev.SerializeToString())
    assert wire.proposed.trips[0].bus_operator == "巴士集团"
    assert wire.meta.event_id and wire.meta.recorded_at.seconds > 0
    hold = codec.hold(wire.proposed, {"H1": hotel})
    assert hold.assignment_id == "A-1" and hold.people == 7
    assert hold.rooms == Rooms(standard=5, family=1, accessible=0)
    assert hold.trips[0].arrive_at == trip.arrive_at and hold.trips[0].hotel_site == hotel
    assert [(k.warehouse_id, k.sku, k.quantity) for k in hold.picks] == [("w1", "rice", 3)]
