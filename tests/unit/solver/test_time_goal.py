"""Goal 3, be quick and on time: people are not left waiting while buses stand idle.

Why these cases: they are the ones issue 17 found — needs at one site queued as consecutive trips
of one bus while others stood idle, a single need picked up hours after it was ready, and plans
whose people reach the hotel later than greedy's when buses are ample and rooms scarce. Every plan
is checked by the contract's checker (`check`) and the in-package validator.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest

from baolei_matcher.solver import parse_scenario, solve
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import solve_greedy
from baolei_matcher.solver.plan import Plan
from baolei_matcher.solver.travel import Travel
from baolei_matcher.solver.validate import validate

from .test_hand import base, bus, transfer

SLACK = timedelta(minutes=10)


def _checked(check, doc: dict[str, Any], plan: Plan) -> dict[str, Any]:
    assert validate(parse_scenario(doc), plan) == []
    return check(doc, plan.to_dict())


def _pickups(plan: Plan) -> dict[str, list[tuple[str, Any]]]:
    """need -> [(bus, pickup time)] of every load."""
    out: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for t in plan.trips:
        for s in t.stops:
            for ld in s.load:
                out[ld.need].append((t.bus, s.at))
    return out


def _trip_of(plan: Plan) -> dict[str, tuple[str, Any]]:
    """need -> (bus, trip start) of its only trip."""
    return {ld.need: (t.bus, t.start_at) for t in plan.trips for s in t.stops for ld in s.load}


def _one_site(n_buses: int) -> dict[str, Any]:
    """The hotel is next to the site (C3, 1.5 km from C1), the depot far (W2, ~40 min away): a
    bus back from its first trip is nearer than any idle one, as for 粤B·D1002 in issue 17."""
    hotels = [{"id": "H", "site": "C3", "accepts": ["close_contact"], "rooms": {"standard": 30}}]
    return base(hotels=hotels, buses=[dict(bus(f"B{i}"), depot="W2") for i in range(n_buses)], needs=[])


def _drive(doc: dict[str, Any], a: str, b: str) -> timedelta:
    return timedelta(seconds=Travel(parse_scenario(doc)).drive_s(a, b))


def _assert_not_queued(plan: Plan, names: list[str], ready: Any, limit: timedelta) -> None:
    """Each need picked up within `limit` of ready; needs sharing a bus share one trip."""
    trips = _trip_of(plan)
    for n in names:
        for _, at in _pickups(plan)[n]:
            assert ready <= at <= ready + limit, (n, at)
    by_bus: dict[str, set] = defaultdict(set)
    for n in names:
        by_bus[trips[n][0]].add(trips[n][1])
    assert all(len(starts) == 1 for starts in by_bus.values()), trips  # never consecutive trips of one bus


def test_three_needs_at_one_site_go_together_or_in_parallel(check):
    doc = _one_site(8)
    doc["needs"] = [transfer(n, "C1", 3, {"standard": 3}) for n in ("A", "B", "C")]
    plan = solve(parse_scenario(doc), time_limit_s=2).plan
    m = _checked(check, doc, plan)
    assert m["weighted_unserved_people"] == 0
    ready = parse_scenario(doc).transfers[0].ready_at
    _assert_not_queued(plan, ["A", "B", "C"], ready, _drive(doc, "W2", "C1") + SLACK)


def test_three_needs_raised_one_after_another_are_not_queued_behind_each_other(check):
    """The stream: each need is solved alone, the earlier answers confirmed (`fixed`)."""
    doc = _one_site(8)
    fixed = None
    for n in ("A", "B", "C"):
        doc["needs"].append(transfer(n, "C1", 3, {"standard": 3}))
        step = dict(doc, fixed=fixed.to_dict()) if fixed else doc
        fixed = solve(parse_scenario(step), time_limit_s=1).plan
        _checked(check, step, fixed)
    ready = parse_scenario(doc).transfers[0].ready_at
    _assert_not_queued(fixed, ["A", "B", "C"], ready, _drive(doc, "W2", "C1") + SLACK)


def test_a_single_need_is_picked_up_within_the_nearest_depots_drive(check):
    buses = [bus("FAR1"), bus("FAR2"), bus("NEAR")]
    for b in buses[:2]:
        b["depot"] = "W2"
    buses[2]["depot"] = "W1"
    doc = base(hotels=[{"id": "H", "site": "SH", "accepts": ["close_contact"], "rooms": {"standard": 10}}],
               buses=buses, needs=[transfer("A", "C3", 4, {"standard": 4})])
    plan = solve(parse_scenario(doc), time_limit_s=1).plan
    assert _checked(check, doc, plan)["weighted_unserved_people"] == 0
    ready = parse_scenario(doc).transfers[0].ready_at
    nearest = min(_drive(doc, d, "C3") for d in ("W1", "W2"))
    assert all(ready <= at <= ready + nearest + SLACK for _, at in _pickups(plan)["A"])


def test_a_new_need_goes_to_an_idle_bus_not_behind_a_busy_one(check):
    """Incremental (`previous`): BUSY's day is X's trip; Y, new and nearby, takes IDLE."""
    doc = base(hotels=[{"id": "H", "site": "SH", "accepts": ["close_contact"], "rooms": {"standard": 20}},
                       {"id": "H2", "site": "SH2", "accepts": ["close_contact"], "rooms": {"standard": 20}}],
               buses=[bus("BUSY"), bus("IDLE")], needs=[transfer("X", "W2", 8, {"standard": 8})])
    first = solve(parse_scenario(doc), time_limit_s=1).plan
    assert _checked(check, doc, first)["weighted_unserved_people"] == 0
    busy = {t.bus for t in first.trips}
    assert len(busy) == 1
    idle = ({"BUSY", "IDLE"} - busy).pop()
    doc["needs"].append(transfer("Y", "C1", 4, {"standard": 4}))
    plan = solve(parse_scenario(doc), time_limit_s=1, previous=first).plan
    assert _checked(check, doc, plan)["weighted_unserved_people"] == 0
    assert {b for b, _ in _pickups(plan)["Y"]} == {idle}
    ready = parse_scenario(doc).transfers[1].ready_at
    assert all(at <= ready + _drive(doc, "D", "C1") + SLACK for _, at in _pickups(plan)["Y"])


def _mean_to_hotel(m: dict[str, Any], plan: Plan) -> float:
    carried = sum(t.people() for t in plan.trips)
    return m["wait_person_minutes"] / max(1, carried)


@pytest.mark.parametrize("seed", [1, 2])
def test_buses_ample_rooms_scarce_people_reach_the_hotel_no_later_than_greedys(check, seed):
    doc = generate("small", "rooms_small_hotels", seed)
    extra = [dict(b, id=f"{b['id']}-x{k}") for k in range(2) for b in doc["buses"]]
    doc["buses"] = doc["buses"] + extra  # three times the fleet: buses ample
    plan = solve(parse_scenario(doc), time_limit_s=3).plan
    m = _checked(check, doc, plan)
    greedy = solve_greedy(parse_scenario(doc)).plan
    g = _checked(check, doc, greedy)
    assert m["weighted_unserved_people"] <= g["weighted_unserved_people"]
    assert _mean_to_hotel(m, plan) <= _mean_to_hotel(g, greedy) + 0.05, (_mean_to_hotel(m, plan),
                                                                          _mean_to_hotel(g, greedy))

