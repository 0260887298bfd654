"""Which unmet needs an event wakes (domain/wakeups.py), and the answers-first lanes of a round."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from baolei_common.rooms import Rooms
from baolei_matcher.domain import lanes
from baolei_matcher.domain.changes import Changes
from baolei_matcher.domain.entities import Bus, Hold, Hotel, Need, Place, Stop, Trip
from baolei_matcher.domain.state import MatcherState
from baolei_matcher.domain.wakeups import bus_gain, hotel_gain, woken

NOW = datetime(2022, 1, 14, 0, 0, tzinfo=timezone.utc)
SITE = Place("s1", "莲花北", "福田", 22.5585, 114.0578)
HZB = Place("hzb", "会展北", "福田", 22.5367, 114.0545)


def hotel(accepts: tuple[str, ...] = ("close_contact",), **usable: int) -> Hotel:
    return Hotel("hzb", "会展北", "投控公司", HZB, frozenset(accepts),
                 Rooms(**usable), None)


def bus(**kw) -> Bus:
    b = Bus("b1", "巴士集团", HZB, 40, 0.5, NOW, NOW + timedelta(hours=8), 30)
    return replace(b, **kw)


def transfer(nid: str, rooms: Rooms, risk: str = "close_contact") -> Need:
    return Need(nid, "transfer", SITE, 2, NOW + timedelta(hours=4), NOW, risk, rooms.total(), rooms, NOW)


def world() -> MatcherState:
    """Five needs found unmet: a standard, a family and an accessible request, an inbound group
    (no hotel takes it), and a supply need short of rice."""
    st = MatcherState()
    st.hotels["hzb"] = hotel(standard=0, family=0)
    st.buses["b1"] = bus()
    for n, code in ((transfer("std", Rooms(standard=2)), "buses_fully_booked"),
                    (transfer("fam", Rooms(family=1)), "family_rooms_full"),
                    (transfer("acc", Rooms(accessible=1)), "accessible_rooms_full"),
                    (transfer("inb", Rooms(standard=1), risk="inbound"), "no_hotel_for_risk"),
                    (Need("sup", "supply", SITE, 2, NOW + timedelta(hours=4), NOW, lines={"rice": 10}), "no_stock")):
        st.upsert_need(n)
        st.unmet[n.id] = code
    st.take_changes()
    return st


def test_a_hotel_update_counts_only_what_it_adds():
    old = hotel(standard=5, family=2)
    assert hotel_gain(None, old) == {"standard", "family", "accessible"}  # a new hotel
    assert hotel_gain(old, hotel(standard=5, family=3)) == {"family"}
    assert hotel_gain(old, hotel(standard=4, family=2)) == set()  # fewer rooms: nothing to wake
    assert hotel_gain(old, hotel(("close_contact", "inbound"), standard=5, family=2)) == {
        "standard", "family", "accessible"}  # takes another risk category
    assert hotel_gain(old, replace(hotel(standard=9), open=False)) == set()  # closed
    assert hotel_gain(replace(old, open=False), old) == {"standard", "family", "accessible"}  # opened


def test_a_bus_update_counts_only_more_time_or_seats():
    b = bus()
    assert bus_gain(None, b) and bus_gain(replace(b, in_service=False), b)
    assert bus_gain(b, replace(b, shift_end=b.shift_end + timedelta(hours=2)))
    assert bus_gain(b, replace(b, load_limit=1.0))
    assert not bus_gain(b, b)  # the same status sent again
    assert not bus_gain(b, replace(b, shift_end=b.shift_end - timedelta(hours=1)))
    assert not bus_gain(b, replace(b, in_service=False))


def test_rooms_wake_the_needs_that_can_use_their_type_at_a_hotel_taking_their_risk():
    st = world()
    assert woken(st, Changes(rooms={"hzb": {"family"}})) == {"std", "fam"}  # standard may be upgraded
    assert woken(st, Changes(rooms={"hzb": {"accessible"}})) == {"std", "acc"}
    assert woken(st, Changes(rooms={"hzb": {"standard"}})) == {"std"}  # never downgraded
    st.needs["std"].excluded.add("hotel:hzb")  # declined that hotel: its rooms do not wake it
    assert woken(st, Changes(rooms={"hzb": {"standard", "family"}})) == {"fam"}
    st.hotels["hzb"].accepts = frozenset({"close_contact", "inbound"})
    assert "inb" in woken(st, Changes(rooms={"hzb": {"standard"}}))


def test_a_bus_wakes_needs_short_of_buses_not_those_only_rooms_can_help():
    st = world()
    assert woken(st, Changes(buses={"b1"}), NOW) == {"std"}
    assert woken(st, Changes(buses={"b1"}), NOW + timedelta(hours=9)) == set()  # its shift is over
    st.needs["std"].excluded.add("bus:b1")
    assert woken(st, Changes(buses={"b1"}), NOW) == set()


def test_stock_wakes_supply_needs_of_that_sku_only():
    st = world()
    assert woken(st, Changes(stock={("w1", "rice")})) == {"sup"}
    assert woken(st, Changes(stock={("w1", "oil")})) == set()
    st.needs["sup"].excluded.add("warehouse:w1")
    assert woken(st, Changes(stock={("w1", "rice")})) == set()


def test_unrelated_events_wake_nothing_and_a_touch_or_an_edit_wakes_that_need():
    st = world()
    assert woken(st, st.take_changes()) == set()
    st.upsert_need(transfer("std", Rooms(standard=2)))  # the same event sent twice: no edit
    st.upsert_need(transfer("new", Rooms(standard=1)))  # a new need: answered anyway, wakes nobody
    assert woken(st, st.take_changes()) == set()
    st.upsert_need(transfer("fam", Rooms(family=2)))  # edited: two family rooms now
    assert woken(st, st.take_changes()) == {"fam"}
    st.exclude("acc", ["bus:b9"])
    assert woken(st, st.take_changes()) == {"acc"}
    assert woken(st, Changes(everything=True)) == set(st.unmet)


def test_a_released_hold_wakes_what_its_rooms_and_bus_time_can_serve():
    st = world()
    trip = Trip("b1", NOW, [Stop(SITE, NOW, [("x", 1)])], "hzb", HZB, NOW + timedelta(minutes=30))
    st.upsert_need(transfer("x", Rooms(family=1)))
    st.add_hold(Hold("a1", "x", hotel_id="hzb", rooms=Rooms(family=1), trips=[trip], people=1))
    st.take_changes()
    st.release("a1", "declined: hotel full")
    assert woken(st, st.take_changes(), NOW) == {"std", "fam"}  # family room freed; bus time freed


def test_answers_go_before_woken_needs_and_woken_needs_go_in_small_solves():
    fresh, old = transfer("new", Rooms(standard=1)), transfer("std", Rooms(standard=1))
    declined = frozenset({"hotel:h9"})
    pending = {frozenset(): {"std": old}, declined: {"new": fresh}}
    answered = {"std"}
    assert lanes.next_group(pending, answered) == declined  # the decline's answer first
    assert lanes.answers_waiting(pending, answered) == 1
    pending[frozenset()]["other"] = transfer("other", Rooms(standard=1))
    assert lanes.next_group(pending, answered) == frozenset()  # among equals, no exclusions first
    assert lanes.one_lane([old, fresh], answered, cut=set()) == [fresh]  # an answer is solved alone
    assert lanes.one_lane([old], answered, cut={"std"}) == [old]  # cut off: an answer, taken again at once
    many = [transfer(f"w{i}", Rooms(standard=1)) for i in range(250)]
    assert lanes.one_lane(many, {n.id for n in many}, cut=set()) == many[:lanes.RETRY_SOLVE_NEEDS]
