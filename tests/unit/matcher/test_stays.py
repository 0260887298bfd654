"""Stays end and rooms come back, on the matcher's state fed the events it reads from the log
(protobuf, through the codec): a month of arrivals, departures, extensions and cleaning keeps every
hotel's counts exact and never negative; a room being cleaned may be proposed to people who arrive
after its cleaning ends; full hotels are called full, with when rooms free next."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from baolei_common.events import meta, ts
from baolei_common.rooms import Rooms
from baolei_events.v1 import assignments_pb2, common_pb2
from baolei_matcher.adapters import codec
from baolei_matcher.domain import snapshot
from baolei_matcher.domain.batch import match_batch
from baolei_matcher.domain.entities import Delivered, Hold, Hotel, Place
from baolei_matcher.domain.state import MatcherState
from tests.unit.matcher.test_lifecycle import HZB, NOW, state, transfer

CLEAN_H = 4.0


def stay_event(aid: str, hotel: str, kind: str, staying: Rooms, people: int, until: datetime | None,
               vacated: Rooms | None = None, left: int = 0, cleaning_until: datetime | None = None) -> bytes:
    body = assignments_pb2.StayChanged(
        assignment_id=aid, need_id=f"N-{aid}", hotel_id=hotel, kind=kind,
        rooms_staying=common_pb2.RoomCounts(**staying.as_dict()), people_staying=people,
        rooms_vacated=common_pb2.RoomCounts(**(vacated or Rooms()).as_dict()), people_left=left, cleaning_hours=CLEAN_H)
    if until is not None:
        body.stay_until.CopyFrom(ts(until))
    if cleaning_until is not None:
        body.cleaning_until.CopyFrom(ts(cleaning_until))
    return assignments_pb2.AssignmentEvent(meta=meta(producer="test"), stay=body).SerializeToString()


def fold_stay(st: MatcherState, value: bytes) -> None:
    st.stay_changed(codec.stay(assignments_pb2.AssignmentEvent.FromString(value).stay))


def test_a_month_of_stays_keeps_every_hotels_count_exact_and_never_negative():
    rng = random.Random(7)
    st = MatcherState()
    hotels = {f"h{i}": Rooms(standard=rng.randint(5, 30), family=rng.randint(0, 5)) for i in range(12)}
    for hid, rooms in hotels.items():
        st.hotels[hid] = Hotel(hid, hid, "投控公司", HZB, frozenset({"close_contact"}), rooms, None)
    occupied = {hid: Rooms() for hid in hotels}  # the ground truth: arrivals less departures
    cleaning: list[tuple[str, datetime, Rooms]] = []
    stays: dict[str, tuple[str, Rooms, int]] = {}
    t, n = NOW, 0
    while t < NOW + timedelta(days=30):
        t += timedelta(minutes=rng.randint(5, 90))
        free = st.rooms_free(t)
        for hid in hotels:  # the matcher's free count is usable less occupied less still cleaning
            busy = sum((r for h, end, r in cleaning if h == hid and end > t), Rooms())
            expect = Rooms.of(max(0, k) for k in hotels[hid] - occupied[hid] - busy)
            assert free[hid] == expect, (hid, t)
            assert all(k >= 0 for k in free[hid])
        roll = rng.random()
        if roll < 0.5:  # an arrival: a hold done, then its stay
            hid = rng.choice(list(hotels))
            want = Rooms(standard=rng.randint(1, 3))
            if any(k < 0 for k in free[hid] - want):
                continue
            n += 1
            aid = f"A{n}"
            st.add_hold(Hold(aid, f"N{n}", "confirmed", hid, want, people=want.standard))
            st.release(aid, "done", Delivered(people=want.standard))
            fold_stay(st, stay_event(aid, hid, "arrived", want, want.standard, t + timedelta(days=7)))
            occupied[hid] = occupied[hid] + want
            stays[aid] = (hid, want, want.standard)
        elif roll < 0.85 and stays:  # some or all of a stay leave isolation
            aid = rng.choice(sorted(stays))
            hid, rooms, people = stays[aid]
            left = rng.randint(1, people)
            staying = rooms.kept_after(people - left) if people > left else Rooms()
            vacated = rooms - staying
            end = t + timedelta(hours=CLEAN_H)
            fold_stay(st, stay_event(aid, hid, "left", staying, people - left, t + timedelta(days=1),
                                     vacated, left, end))
            occupied[hid] = occupied[hid] - vacated
            cleaning.append((hid, end, vacated))
            if people > left:
                stays[aid] = (hid, staying, people - left)
            else:
                del stays[aid]
        elif stays:  # someone must stay longer: nothing is given back
            aid = rng.choice(sorted(stays))
            hid, rooms, people = stays[aid]
            fold_stay(st, stay_event(aid, hid, "extended", rooms, people, t + timedelta(days=3)))
    assert n > 300
    assert {h: r for h, r in st.rooms_taken.items()} == {h: r for h, r in occupied.items() if any(r)}
    back = snapshot.from_doc(snapshot.to_doc(st, {}, taken_at=t)).state
    assert back.rooms_free(t) == st.rooms_free(t) and back.occupancy.stays == st.occupancy.stays


def test_a_room_being_cleaned_is_proposed_to_people_arriving_after_its_cleaning_ends():
    st = state()
    del st.hotels["far"]
    st.rooms_taken = {"near": Rooms(standard=10)}  # full
    st.add_hold(Hold("a0", "n0", "confirmed", "near", Rooms(standard=1), people=1))
    st.release("a0", "done", Delivered(people=1))  # one more guest, over the usable count
    assert st.rooms_free(NOW)["near"] == Rooms() and st.rooms_over()["near"] == Rooms(standard=1)
    ends = NOW + timedelta(minutes=40)
    fold_stay(st, stay_event("s1", "near", "left", Rooms(), 0, None, Rooms(standard=3), 3, ends))
    assert st.rooms_taken["near"] == Rooms(standard=8) and st.rooms_free(NOW)["near"] == Rooms()
    assert st.rooms_free(ends)["near"] == Rooms(standard=2)
    st.upsert_need(transfer("n1", 2))
    d = match_batch(st, st.to_match(), NOW, 5)
    (p,) = d.proposals
    assert p.hotel_id == "near" and p.rooms == Rooms(standard=2)
    assert min(t.arrive_at for t in p.trips) >= ends  # the bus comes after the cleaning
    assert "终末消毒后" in p.explanation_zh and all(t.hotel_id == "near" for t in p.trips)
    st.add_hold(Hold(p.assignment_id, "n1", "proposed", "near", p.rooms, people=2))
    assert st.rooms_steps(NOW, timedelta(hours=24))["near"] == [(None, Rooms())]  # nothing left to give


def test_full_hotels_are_called_full_with_when_rooms_free_next_not_no_hotel_for_the_risk():
    st = state()
    st.rooms_taken = {"near": Rooms(standard=30), "far": Rooms(standard=50)}  # every close-contact hotel full
    st.hotels["inb"] = Hotel("inb", "入境酒店", "投控公司", HZB, frozenset({"inbound"}), Rooms(standard=50), None)
    fold_stay(st, stay_event("s1", "far", "arrived", Rooms(standard=2), 2, NOW + timedelta(days=2)))
    st.upsert_need(transfer("n1", 2))
    (u,) = match_batch(st, st.to_match(), NOW, 2).unmet
    assert u.code == "rooms_full" and "房间已满" in u.reason_zh and "hotels full" in u.reason_en
    # the stay ends in two days (Beijing 01-16 08:00) and its rooms are cleaned for 4 hours
    assert "最早 01-16 12:00 有房间腾出" in u.reason_zh and "rooms free next at 01-16 12:00" in u.reason_en


def test_free_rooms_are_never_negative_when_a_hotel_shrinks_under_its_guests():
    st = MatcherState()
    st.hotels["h"] = Hotel("h", "h", "o", Place("p", "p", "", 22.5, 114.0), frozenset({"close_contact"}),
                           Rooms(standard=5), None)
    st.rooms_taken = {"h": Rooms(standard=9)}
    assert st.rooms_free() == {"h": Rooms()} and st.rooms_over() == {"h": Rooms(standard=4)}
    assert NOW.tzinfo is timezone.utc
