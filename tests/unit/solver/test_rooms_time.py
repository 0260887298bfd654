"""Room choice weighs the time to isolation it causes (issue 17, point 1: "room choice weighs the
drive it causes"): a nearer hotel that opens hours later loses to a farther one open now, and
needs asking the same rooms trade hotels for less time in all. Plans pass the contract's checker."""
from __future__ import annotations

import time

from baolei_common.rooms import Rooms
from baolei_matcher.solver import parse_scenario, solve
from baolei_matcher.solver.model import TravelModel
from baolei_matcher.solver.rooms_input import RoomsInput, prepare
from baolei_matcher.solver.rooms_local import polish_time
from baolei_matcher.solver.rooms_time import to_hotel_cost, to_hotel_minutes
from baolei_matcher.solver.travel import Travel

from .test_hand import _t, base, bus, transfer


def _two_hotels(near_opens: str) -> dict:
    hotels = [{"id": "NEAR", "site": "SH", "accepts": ["close_contact"], "rooms": {"standard": 10},
               "open_at": near_opens},
              {"id": "FAR", "site": "SH2", "accepts": ["close_contact"], "rooms": {"standard": 10}}]
    return base(hotels=hotels, buses=[bus("B1"), bus("B2")], needs=[transfer("A", "C1", 4, {"standard": 4})])


def test_a_farther_hotel_open_now_beats_a_nearer_one_opening_later(check):
    doc = _two_hotels(_t(10))  # NEAR opens two hours after A is ready (still before its due time)
    sc = parse_scenario(doc)
    near, far = sc.hotels
    km = Travel(sc)
    need = sc.transfers[0]
    assert km.km("C1", "SH") < km.km("C1", "SH2")
    assert to_hotel_minutes(need, far, km.km("C1", "SH2"), sc.travel) < to_hotel_minutes(
        need, near, km.km("C1", "SH"), sc.travel)
    plan = solve(sc, time_limit_s=2).plan
    assert check(doc, plan.to_dict())["weighted_unserved_people"] == 0
    assert [r.hotel for r in plan.rooms] == ["FAR"]


def test_the_nearer_hotel_wins_when_both_are_open(check):
    doc = _two_hotels(_t(7))
    plan = solve(parse_scenario(doc), time_limit_s=2).plan
    assert check(doc, plan.to_dict())["weighted_unserved_people"] == 0
    assert [r.hotel for r in plan.rooms] == ["NEAR"]


def test_lateness_a_hotel_forces_counts_extra():
    sc = parse_scenario(_two_hotels(_t(12)))  # NEAR opens an hour after A is due (11:00)
    need, near = sc.transfers[0], sc.hotels[0]
    minutes = to_hotel_minutes(need, near, 10.0, TravelModel())
    assert minutes == 240  # ready 08:00 -> opens 12:00
    assert to_hotel_cost(need, near, 10.0, TravelModel()) == 4 * (240 + 2.0 * 60)


def test_needs_asking_the_same_rooms_swap_hotels_for_less_time():
    # X at C1 and Y at W2, both 4 standard rooms; X placed at FAR (near W2), Y at NEAR (near C1):
    # swapping gives both the nearer hotel.
    doc = _two_hotels(_t(7))
    doc["needs"] = [transfer("X", "C1", 4, {"standard": 4}), transfer("Y", "W2", 4, {"standard": 4})]
    sc = parse_scenario(doc)
    travel = Travel(sc)
    inp: RoomsInput = prepare(sc, travel, sc.transfers, {h.id: h.rooms for h in sc.hotels}, 10**9)
    near, far = 0, 1
    swapped = polish_time(inp, {"X": (far, Rooms(4)), "Y": (near, Rooms(4))}, time.perf_counter() + 5)
    assert swapped == {"X": (near, Rooms(4)), "Y": (far, Rooms(4))}
