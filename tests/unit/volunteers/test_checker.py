"""The checker catches what a broken plan would do: it is the referee of the property test."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

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


def test_the_command_exits_0_on_a_good_plan_1_on_a_broken_one_2_on_a_bad_file(tmp_path: Path) -> None:
    tool = Path(__file__).resolve().parents[3] / "tools" / "check_volunteer_plan.py"
    sc = city()
    plan = solve(sc)
    bad = copy.deepcopy(plan)
    bad["assignments"][0]["volunteer_id"] = "b"
    for name, doc in (("sc", sc), ("good", plan), ("bad", bad)):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")

    def run(p: str) -> int:
        return subprocess.run([sys.executable, str(tool), str(tmp_path / "sc.json"), str(tmp_path / p)],
                              capture_output=True, check=False).returncode

    assert (run("good.json"), run("bad.json"), run("broken.json")) == (0, 1, 2)


def test_enum_names_mean_the_same_to_the_solver_and_the_checker() -> None:
    sc = city()
    english = copy.deepcopy(sc)
    for c in english["compounds"]:
        c["zone"] = {"管控区": "controlled", "封控区": "SEALED"}[c["zone"]]
    for v in english["volunteers"]:
        v["skills"] = [{"送餐": "MEAL", "送药": "medicine"}[k] for k in v["skills"]]
    for t in english["tasks"]:
        t["kind"] = "meal"
    plan = solve(english)
    assert check(english, plan)[0] == []
    same = solve(sc)
    assert [(a["task_id"], a["volunteer_id"]) for a in plan["assignments"]] == \
        [(a["task_id"], a["volunteer_id"]) for a in same["assignments"]]
    assert [u["cause"] for u in plan["unmet"]] == [u["cause"] for u in same["unmet"]] == ["zone_sealed_no_one"]
