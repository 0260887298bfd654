"""The matcher on hand-made cases: each hard rule, claims, pairs, and every unmet task explained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from baolei_volunteers.solver import ScenarioError, solve
from tests.unit.volunteers.scenarios import at, compound, household, scenario, task, volunteer

Checked = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def by_task(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["task_id"]: a for a in plan["assignments"]}


def unmet(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["task_id"]: u for u in plan["unmet"]}


def test_controlled_compound_medicine_goes_to_a_resident_before_its_deadline(checked: Checked) -> None:
    sc = scenario(
        [compound("A", "管控区"), compound("B", "常态", lat=22.551)],
        [volunteer("outsider", "B", ["送药"], health_check=True),
         volunteer("inside", "A", ["送药"], health_check=True)],
        [household("h1", "A", ["独居老人"])],
        [task("t1", "h1", "送药", deadline=at("09:30"))],
    )
    plan = solve(sc)
    checked(sc, plan)
    a = by_task(plan)["t1"]
    assert a["volunteer_id"] == "inside" and a["end"] <= at("09:30")
    assert "管控区" in a["why_zh"] and "controlled zone" in a["why_en"]


def test_a_doorstep_in_a_sealed_compound_is_unmet_with_the_fix(checked: Checked) -> None:
    sc = scenario([compound("S", "封控区")], [volunteer("v", "S", ["送餐", "电话关怀"])],
                  [household("h", "S", ["独居老人"])], [task("meal", "h", "送餐"), task("call", "h", "电话关怀")])
    plan = solve(sc)
    checked(sc, plan)
    u = unmet(plan)["meal"]
    assert u["cause"] == "zone_sealed_no_one"
    assert u["fix_zh"] == "封控区 S小区 内无可上门志愿者：请街道安排下沉干部或防护到位的工作人员"
    assert u["fix_en"] and u["reason_en"]
    assert by_task(plan)["call"]["volunteer_id"] == "v"  # the sealed volunteer takes the call from home


def test_medicine_needs_a_health_check_and_the_kind_offered(checked: Checked) -> None:
    sc = scenario([compound("N", "常态")],
                  [volunteer("nocheck", "N", ["送药"]), volunteer("nokind", "N", ["送餐"], health_check=True)],
                  [household("h", "N", ["病患"])], [task("m", "h", "送药")])
    plan = solve(sc)
    checked(sc, plan)
    assert unmet(plan)["m"]["cause"] == "no_skill" and "健康监测" in unmet(plan)["m"]["reason_zh"]


def test_a_claim_is_kept_and_a_rule_breaking_claim_is_released(checked: Checked) -> None:
    sc = scenario([compound("A", "管控区"), compound("N", "常态", lat=22.552)],
                  [volunteer("a", "A", ["送餐"]), volunteer("n", "N", ["送餐"])],
                  [household("ha", "A", []), household("hn", "N", ["特困"])],
                  [task("kept", "hn", "送餐", claimed_by="n"), task("bad", "ha", "送餐", claimed_by="n")])
    plan = solve(sc)
    checked(sc, plan)
    got = by_task(plan)
    assert got["kept"]["volunteer_id"] == "n" and got["kept"]["claimed"] is True
    assert got["bad"]["volunteer_id"] == "a" and got["bad"]["claimed"] is False  # reassigned inside the compound
    released = plan["released_claims"]
    assert [(r["task_id"], r["volunteer_id"], r["cause"]) for r in released] == [("bad", "n", "zone")]


def test_the_paired_volunteer_gets_their_household_first(checked: Checked) -> None:
    sc = scenario([compound("N", "常态")],
                  [volunteer("near", "N", ["送餐"]), volunteer("pair", "N", ["送餐"], pairs=["h"])],
                  [household("h", "N", ["特困"])], [task("t", "h", "送餐")])
    plan = solve(sc)
    checked(sc, plan)
    a = by_task(plan)["t"]
    assert a["volunteer_id"] == "pair" and a["basis"] == "pair" and "一助一" in a["why_zh"]


def test_declined_volunteers_never_get_the_task_and_the_frail_come_first(checked: Checked) -> None:
    sc = scenario([compound("N", "常态")], [volunteer("v", "N", ["送餐"], minutes_left_today=15),
                                          volunteer("w", "N", ["送餐"])],
                  [household("old", "N", ["独居老人"]), household("iso", "N", ["居家隔离"])],
                  [task("late", "iso", "送餐", raised_at=at("06:00"), excluded=["w"]),
                   task("frail", "old", "送餐", raised_at=at("08:30"), excluded=["w"])])
    plan = solve(sc)
    checked(sc, plan)
    assert by_task(plan)["frail"]["volunteer_id"] == "v"
    assert unmet(plan)["late"]["cause"] == "no_hours"
    assert plan["suggestions"] == [{"volunteer_id": "v", "task_ids": ["late"]}]  # w declined it: not suggested


def test_visits_follow_the_walk_and_stay_within_the_day(checked: Checked) -> None:
    sc = scenario([compound("N", "常态")], [volunteer("v", "N", ["送餐", "代购"], minutes_left_today=120)],
                  [household(f"h{i}", "N", ["残障"], lat=22.55 + 0.002 * i, lon=113.95) for i in range(5)],
                  [task(f"t{i}", f"h{i}", "送餐") for i in range(5)])
    plan = solve(sc)
    metrics = checked(sc, plan)
    assert metrics["assigned"] == 5
    route = plan["routes"][0]
    assert route["stops"] == [a["task_id"] for a in sorted(plan["assignments"], key=lambda a: a["seq"])]
    assert route["travel_min"] > 0


def test_an_unreadable_scenario_names_the_field() -> None:
    sc = scenario([compound("N", "常态")], [], [household("h", "N", [])], [task("t", "h", "送花")])
    with pytest.raises(ScenarioError) as err:
        solve(sc)
    assert err.value.field == "tasks[0].kind"


def test_a_call_nobody_can_take_says_so_for_remote_help(checked: Checked) -> None:
    sc = scenario([compound("N", "常态")], [], [household("h", "N", ["独居老人"])], [task("c", "h", "电话关怀")])
    plan = solve(sc)
    checked(sc, plan)
    u = unmet(plan)["c"]
    assert u["cause"] == "no_volunteer_in_reach" and "远程" in u["reason_zh"] and "remote" in u["reason_en"]


def test_when_a_compound_becomes_controlled_its_volunteers_reach_shrinks_at_once(checked: Checked) -> None:
    sc = scenario([compound("A", "常态"), compound("B", "常态", lat=22.553)],
                  [volunteer("a", "A", ["送餐", "送药"], health_check=True)],
                  [household("ha", "A", ["独居老人"]), household("hb", "B", ["独居老人"])],
                  [task("in", "ha", "送药", deadline=at("11:00")), task("out", "hb", "送餐")])
    first = solve(sc)
    checked(sc, first)
    assert {a["task_id"] for a in first["assignments"]} == {"in", "out"}
    sc["compounds"][0]["zone"] = "管控区"               # A is now a 管控区: the accepted tasks come back as claims
    for t in sc["tasks"]:
        t["claimed_by"] = "a"
    second = solve(sc)
    checked(sc, second)
    assert [(a["task_id"], a["claimed"]) for a in second["assignments"]] == [("in", True)]
    assert [(r["task_id"], r["cause"]) for r in second["released_claims"]] == [("out", "zone")]
    assert unmet(second)["out"]["cause"] == "no_volunteer_in_reach"


def test_a_duplicate_task_id_is_refused_with_its_field() -> None:
    sc = scenario([compound("N", "常态")], [], [household("h", "N", [])],
                  [task("t", "h", "送餐"), task("t", "h", "代购")])
    with pytest.raises(ScenarioError) as err:
        solve(sc)
    assert err.value.field == "tasks[1].id" and "duplicate" in err.value.reason
