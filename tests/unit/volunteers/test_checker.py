"""The checker catches what a broken plan would do: it is the referee of the property test."""

from __future__ import annotations

import copy

from baolei_volunteers.solver import solve
from tests.unit.volunteers.scenarios import compound, household, scenario, task, volunteer
from tools.check_volunteer_plan import check


def city() -> dict:
    return scenario([compound("A", "管控区"), compound("B", "管控区", lat=22.551), compound("S", "封控区", lat=22.552)],
                    [volunteer("a", "A", ["送餐", "送药"]), volunteer("b", "B", ["送餐"])],
                    [household("ha", "A", ["独居老人"]), household("hs", "S", ["病患"])],
                    [task("t", "ha", "送餐"), task("s", "hs", "送餐")])


def test_a_volunteer_sent_out_of_their_controlled_compound_is_a_zone_violation() -> None:
    sc = city()
    plan = solve(sc)
    assert check(sc, plan)[0] == []
    bad = copy.deepcopy(plan)
    bad["assignments"][0]["volunteer_id"] = "b"
    bad["routes"][0]["volunteer_id"] = "b"
    errors, metrics = check(sc, bad)
    assert metrics["zone_violations"] >= 1 and any("管控区" in e for e in errors)


def test_a_doorstep_in_a_sealed_compound_cannot_be_assigned_or_mislabelled() -> None:
    sc = city()
    plan = solve(sc)
    bad = copy.deepcopy(plan)
    bad["unmet"] = [u for u in bad["unmet"] if u["task_id"] != "s"]
    bad["assignments"].append({**bad["assignments"][0], "task_id": "s", "seq": 2})
    errors, _ = check(sc, bad)
    assert any("封控区" in e for e in errors)
    relabelled = copy.deepcopy(plan)
    relabelled["unmet"][0]["cause"] = "no_hours"
    assert any("zone_sealed_no_one" in e for e in check(sc, relabelled)[0])


def test_missing_paper_time_travel_and_lost_tasks_are_caught() -> None:
    sc = city()
    sc["tasks"][0]["kind"] = "送药"
    sc["tasks"][0]["deadline"] = "2026-12-07T09:05:00+08:00"
    plan = solve(sc)
    assert [u["task_id"] for u in plan["unmet"]] == ["t", "s"] or {u["task_id"] for u in plan["unmet"]} == {"t", "s"}
    forced = copy.deepcopy(plan)
    forced["unmet"] = [u for u in forced["unmet"] if u["task_id"] != "t"]
    forced["assignments"] = [{"task_id": "t", "volunteer_id": "a", "seq": 1, "start": "2026-12-07T09:00:00+08:00",
                              "end": "2026-12-07T09:10:00+08:00", "claimed": False, "why_zh": "x", "why_en": "x"}]
    errors, _ = check(sc, forced)
    assert any("health_check" in e for e in errors) and any("deadline" in e for e in errors)
    lost = copy.deepcopy(plan)
    lost["unmet"] = []
    assert any("neither assigned nor unmet" in e for e in check(sc, lost)[0])
