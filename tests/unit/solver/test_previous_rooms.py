"""Re-solving with `previous`: a need the previous plan gave rooms but no bus keeps its rooms,
unless a need a bus can carry takes them.

The property `test_resolving_with_previous_keeps_rules` found this only when the first solve
returned the greedy floor's transfers (the floor holds rooms for needs no bus carries; the search
releases them), which depends on timing. Here the previous plan is greedy's, so it is the same
on every run.
"""
from __future__ import annotations

from typing import Any

from baolei_matcher.solver import parse_plan, parse_scenario, solve
from baolei_matcher.solver.greedy import solve_greedy

from .test_hand import _t, base, bus, carried, transfer


def hotel(standard: int) -> dict[str, Any]:
    return {"id": "H1", "site": "SH", "accepts": ["close_contact"],
            "rooms": {"standard": standard, "family": 0, "accessible": 0}}


def after_shift(nid: str, prio: int) -> dict[str, Any]:
    """Ready after every bus's shift has ended (bus() works 07:00-19:00): no bus can carry it."""
    return dict(transfer(nid, "C2", 2, {"standard": 2}, prio=prio), ready_at=_t(20), due_at=_t(22))


def test_rooms_of_a_need_no_bus_carries_are_kept_on_resolve(check):
    doc = base(hotels=[hotel(3)], buses=[bus()],
               needs=[after_shift("LATE", 1), transfer("SOON", "C1", 1, {"standard": 1})])
    first = solve_greedy(parse_scenario(doc)).plan
    assert {r.need: r.hotel for r in first.rooms} == {"LATE": "H1", "SOON": "H1"}
    assert "LATE" not in carried(first)

    again = solve(parse_scenario(doc), time_limit_s=2.0, previous=parse_plan(first.to_dict(), keep_raw=False))
    check(doc, again.plan.to_dict())
    assert {r.need: (r.hotel, r.standard) for r in again.plan.rooms} == {"LATE": ("H1", 2), "SOON": ("H1", 1)}
    assert carried(again.plan) == {"SOON": 1}
    late = [u for u in again.plan.unmet if u.need == "LATE"]
    assert len(late) == 1 and late[0].people == 2 and late[0].zh and late[0].en


def test_rooms_of_a_need_no_bus_carries_go_to_a_need_a_bus_carries(check):
    doc = base(hotels=[hotel(2)], buses=[bus()], needs=[after_shift("LATE", 1)])
    first = solve_greedy(parse_scenario(doc)).plan
    assert [r.need for r in first.rooms] == ["LATE"]

    doc["needs"].append(transfer("NEW", "C1", 2, {"standard": 2}, prio=4))
    again = solve(parse_scenario(doc), time_limit_s=2.0, previous=parse_plan(first.to_dict(), keep_raw=False))
    check(doc, again.plan.to_dict())
    assert {r.need: r.hotel for r in again.plan.rooms} == {"NEW": "H1"}
    assert carried(again.plan) == {"NEW": 2}
    late = [u for u in again.plan.unmet if u.need == "LATE"]
    assert len(late) == 1 and late[0].people == 2, "a need whose rooms went to another still has a reason"
