"""OR-Tools routing: a zigzag day is straightened; a full 管控区 compound is re-planned frail first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from baolei_volunteers.solver import solve
from baolei_volunteers.solver.itinerary import Route
from baolei_volunteers.solver.model import read_scenario
from baolei_volunteers.solver.routing import reorder
from tests.unit.volunteers.scenarios import at, compound, household, scenario, task, volunteer

Checked = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def test_a_zigzag_day_is_reordered_into_a_shorter_walk() -> None:
    lats = [0.004, 0.0, 0.003, 0.001, 0.002]
    sc = read_scenario(scenario(
        [compound("N", "常态")], [volunteer("v", "N", ["送餐"], minutes_left_today=300)],
        [household(f"h{i}", "N", ["特困"], lat=22.55 + d, lon=113.95) for i, d in enumerate(lats)],
        [task(f"t{i}", f"h{i}", "送餐") for i in range(len(lats))]))
    route = Route(sc.volunteers[0], sc.travel)
    assert route.set_order(sc.tasks)
    zigzag = route.travel_min
    assert reorder(route, 1.0)
    assert route.travel_min < zigzag
    assert sorted(t.id for t in route.tasks) == [f"t{i}" for i in range(len(lats))]


def test_a_full_controlled_compound_serves_its_frail_first_and_keeps_claims(checked: Checked) -> None:
    marks = [["独居老人"], [], ["独居老人"], [], ["残障"], [], ["独居儿童"], []]
    sc = scenario(
        [compound("A", "管控区")],
        [volunteer("a", "A", ["送餐"], minutes_left_today=40), volunteer("b", "A", ["送餐"], minutes_left_today=30)],
        [household(f"h{i}", "A", m, lat=22.55 + 0.0004 * i) for i, m in enumerate(marks)],
        [task(f"t{i}", f"h{i}", "送餐", raised_at=at("08:00"), claimed_by="b" if i == 7 else None)
         for i in range(len(marks))])
    plan = solve(sc, time_limit_s=5.0)
    checked(sc, plan)
    served = {a["task_id"] for a in plan["assignments"]}
    assert {"t0", "t2", "t4", "t6"} <= served          # every frail household
    assert {"t7"} <= served and next(a for a in plan["assignments"] if a["task_id"] == "t7")["claimed"]
    assert plan["metrics"]["compounds_tried"] >= 1
    assert {u["cause"] for u in plan["unmet"]} == {"no_hours"}


def test_a_resident_free_only_after_the_others_day_does_not_break_the_compound_plan(checked: Checked) -> None:
    sc = scenario(
        [compound("A", "管控区")],
        [volunteer("early", "A", ["送餐"], minutes_left_today=20, available_until=at("10:00")),
         volunteer("late", "A", ["送餐"], available_from=at("19:00"), available_until=at("18:30"))],
        [household(f"h{i}", "A", ["独居老人"]) for i in range(4)],
        [task(f"t{i}", f"h{i}", "送餐") for i in range(4)])
    plan = solve(sc, time_limit_s=2.0)
    checked(sc, plan)
    assert {a["volunteer_id"] for a in plan["assignments"]} == {"early"}
    assert len(plan["unmet"]) == 2
