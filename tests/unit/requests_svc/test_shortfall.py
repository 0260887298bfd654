"""Room and trip shortfalls, each with the other resource assumed available (domain/shortfall.py)."""
from __future__ import annotations

from baolei_requests.api.presenters.shortfalls import summary
from baolei_requests.domain.shortfall import FreeRooms, Waiting, rooms_short, shortfall

CC, INB = "close_contact", "inbound"


def cc_hotel(**free: int) -> FreeRooms:
    return FreeRooms(frozenset({CC}), free)


def test_with_buses_and_rooms_both_short_each_is_counted_against_all_waiting_people():
    """The panel said rooms were short by 32 for 11,816 people waiting and 1,055 free rooms: it
    counted only the needs the matcher had reported short of rooms. Here 10 of 600 needs were
    reported short of rooms and 590 short of buses; every one of them needs a room."""
    waiting = [Waiting(CC, {"standard": 2}, 2) for _ in range(600)]  # 1,200 people, 1,200 rooms
    hotels = [cc_hotel(standard=300, family=100), cc_hotel(standard=155),
              FreeRooms(frozenset({INB}), {"standard": 500})]
    sf = shortfall(waiting, hotels, per_trip=20, buses_short=True)
    assert (sf.people, sf.rooms_needed, sf.rooms_free) == (1200, 1200, 555)  # the inbound hotel's rooms do not count
    assert sf.rooms_short == 1200 - 555 and sf.rooms_short_by_type == {"standard": 645}
    assert sf.trips_short == 60  # 1,200 people, 20 a trip, rooms assumed available
    text = summary(sf)
    assert text["text_zh"] == "若车辆充足，仍缺房间 645 间；若房间充足，仍约缺 60 车次；1200 人待安置，可用空房 555 间"
    assert text["text_en"] == ("rooms short by 645 even with unlimited buses; about 60 trips short even with "
                               "unlimited rooms; 1200 people waiting, 555 free rooms they can use")


def test_only_rooms_short_says_no_more_than_that():
    sf = shortfall([Waiting(CC, {"standard": 5}, 5)], [cc_hotel(standard=3)], per_trip=20, buses_short=False)
    assert (sf.rooms_short, sf.trips_short) == (2, 0)
    assert summary(sf)["text_zh"] == "缺房间 2 间；5 人待安置，可用空房 3 间"
    assert summary(sf)["text_en"] == "rooms short by 2; 5 people waiting, 3 free rooms they can use"
    assert summary(shortfall([], [cc_hotel(standard=3)], 20, False))["text_zh"] == ""  # nothing short


def test_rooms_are_upgraded_never_downgraded_and_special_requests_keep_their_rooms():
    # 5 family and 5 standard requests, 5 family rooms and no standard rooms: the family rooms go to
    # the family requests (a standard room could not serve them); the standard requests are short
    short, by_type, needed, free = rooms_short([Waiting(CC, {"family": 5}, 10), Waiting(CC, {"standard": 5}, 5)],
                                               [cc_hotel(family=5)])
    assert (short, by_type, needed, free) == (5, {"standard": 5}, 10, 5)
    # standard requests take family and accessible rooms; accessible requests take only accessible
    short, by_type, _, _ = rooms_short([Waiting(CC, {"standard": 4, "accessible": 2}, 6)],
                                       [cc_hotel(family=3, accessible=1, standard=0)])
    assert (short, by_type) == (2, {"standard": 1, "accessible": 1})


def test_a_hotel_serves_only_the_risk_categories_it_accepts():
    both = FreeRooms(frozenset({CC, INB}), {"standard": 10})
    short, _, _, free = rooms_short([Waiting(CC, {"standard": 8}, 8), Waiting(INB, {"standard": 8}, 8)],
                                    [both, cc_hotel(standard=6)])
    assert (short, free) == (0, 16)  # the shared hotel's rooms go where only they can serve
    short, by_type, _, free = rooms_short([Waiting(INB, {"standard": 4}, 4)], [cc_hotel(standard=50)])
    assert (short, by_type, free) == (4, {"standard": 4}, 0)
