"""Snapshots: a state loaded from one derives the same capacity and the same work as the original;
finished needs leave the state, so the snapshot is the size of what is open."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from baolei_common.rooms import Rooms
from baolei_matcher.domain import snapshot
from baolei_matcher.domain.entities import Bus, Hold, Hotel, Need, Pick, Place, Stock, Stop, Trip
from baolei_matcher.domain.state import MatcherState

NOW = datetime(2022, 3, 14, 2, 0, 0, 123456, tzinfo=timezone.utc)
SITE = Place("s1", "莲花北", "福田", 22.5585, 114.0578)
HZB = Place("hzb", "会展北", "福田", 22.5367, 114.0545)
DEPOT = Place("d1", "车场", "福田", 22.5401, 114.0300)
WH = Place("w1", "布吉仓", "龙岗", 22.6, 114.1)


def transfer(nid: str, people: int = 2) -> Need:
    return Need(nid, "transfer", SITE, 1, NOW + timedelta(hours=3), NOW, "close_contact", people,
                Rooms(standard=people), NOW, {})


def supply(nid: str) -> Need:
    return Need(nid, "supply", SITE, 2, NOW + timedelta(hours=5), NOW, lines={"rice": 40, "oil": 5})


def trip(need_id: str, people: int, start: datetime) -> Trip:
    return Trip("b1", start, [Stop(SITE, start + timedelta(minutes=10), [(need_id, people)])], "hzb", HZB,
                start + timedelta(minutes=30))


def world() -> MatcherState:
    st = MatcherState()
    st.hotels["hzb"] = Hotel("hzb", "会展北", "投控公司", HZB, frozenset({"close_contact"}),
                             Rooms(standard=10, family=2, accessible=1), NOW)
    st.buses["b1"] = Bus("b1", "巴士集团", DEPOT, 40, 0.5, NOW, NOW + timedelta(hours=12), 30, plate="粤B12345")
    st.stock[("w1", "rice")] = Stock(WH, "食品物资集团", "rice", 100)
    for n in (transfer("n1"), transfer("n2", 3), transfer("n3"), supply("n4")):
        st.upsert_need(n)
    st.add_hold(Hold("a1", "n1", "confirmed", "hzb", Rooms(standard=2), [trip("n1", 2, NOW)], [], 2))
    st.add_hold(Hold("a4", "n4", "proposed", picks=[Pick("w1", "rice", 30, "食品物资集团")]))
    st.unmet["n3"] = "rooms_full"
    st.resources_changed = False
    return st


def derived(st: MatcherState) -> tuple:
    return (st.rooms_free(), st.stock_free(), st.bus_positions(), [(n.id, n.lines) for n in st.to_match()],
            {k: (h.need_id, h.status, h.rooms, h.people, len(h.trips)) for k, h in st.holds.items()}, st.unmet)


def test_round_trip_keeps_what_the_matcher_derives():
    st = world()
    offsets = {("p.baolei.needs.v1", 0): 12, ("p.baolei.assignments.v1", 2): 7}
    data = snapshot.encode(snapshot.to_doc(st, offsets, taken_at=NOW, events=19))
    back = snapshot.decode(data)
    assert back.offsets == offsets and back.taken_at == NOW and back.events == 19
    assert derived(back.state) == derived(st)
    assert back.state.needs["n2"] == st.needs["n2"]  # datetimes to the microsecond, places, rooms
    assert back.state.buses["b1"] == st.buses["b1"] and back.state.hotels["hzb"] == st.hotels["hzb"]
    assert back.state.holds["a1"].trips == st.holds["a1"].trips
    assert back.state.resources_changed  # a fresh process takes every open need once


def test_holds_in_flight_are_left_to_the_replay():
    st = world()
    back = snapshot.decode(snapshot.encode(snapshot.to_doc(st, {}, taken_at=NOW, skip_holds={"a4"})))
    assert set(back.state.holds) == {"a1"}
    assert [n.id for n in back.state.to_match()] == ["n2", "n3", "n4"]


def test_done_needs_leave_but_their_rooms_and_bus_time_stay_taken():
    st = world()
    before = (st.rooms_free(), st.bus_positions())
    st.release("a1", "done")
    assert "n1" not in st.needs and "a1" not in st.holds
    assert (st.rooms_free(), st.bus_positions()) == before  # people are in their rooms; the bus is at the hotel
    back = snapshot.decode(snapshot.encode(snapshot.to_doc(st, {}, taken_at=NOW)))
    assert (back.state.rooms_free(), back.state.bus_positions()) == before


def test_a_declined_hold_frees_its_resources_and_the_need_is_matched_again():
    st = world()
    st.release("a1", "declined: bus broke down")
    assert "n1" in st.needs and st.rooms_free()["hzb"].standard == 10
    assert st.resources_changed and "n1" in [n.id for n in st.to_match()]


def test_a_cancelled_need_leaves_with_its_last_hold():
    st = world()
    st.cancel_need("n4")
    assert "n4" in st.needs  # its proposal still holds stock until it is released
    st.release("a4", "cancelled")
    assert "n4" not in st.needs
    st.cancel_need("n3")
    assert "n3" not in st.needs and "n3" not in st.unmet


def test_a_need_sent_twice_is_not_reopened():
    st = world()
    st.add_hold(Hold("a2", "n2", "confirmed", "hzb", Rooms(standard=3)))
    st.add_hold(Hold("a2b", "n2", "confirmed", "hzb", Rooms(standard=0)))
    st.release("a2", "done")
    st.upsert_need(transfer("n2", 3))  # the outbox sent its submission again
    assert "n2" not in [n.id for n in st.to_match()]
    st.release("a2b", "done")
    assert "n2" not in st.needs


def test_snapshot_stays_the_size_of_what_is_open():
    st = world()
    for i in range(2000):
        nid = f"x{i}"
        st.upsert_need(transfer(nid))
        st.add_hold(Hold(f"ax{i}", nid, "proposed", "hzb", Rooms(standard=0), [trip(nid, 2, NOW)], [], 2))
        st.confirm(f"ax{i}")
        st.release(f"ax{i}", "done")
    assert len(st.needs) == 4 and len(st.holds) == 2
    small = len(snapshot.encode(snapshot.to_doc(world(), {}, taken_at=NOW)))
    assert len(snapshot.encode(snapshot.to_doc(st, {}, taken_at=NOW))) < small + 200


def test_an_unknown_format_is_refused():
    doc = snapshot.to_doc(world(), {}, taken_at=NOW)
    doc["format"] = 99
    with pytest.raises(ValueError):
        snapshot.from_doc(doc)
