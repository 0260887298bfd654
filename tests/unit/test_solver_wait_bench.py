"""The solver bench's issue 17 part: today's figures are read from the kept cd7f53f table, targets
are judged only where they apply, and a streamed need is planned from the moment it is raised."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from baolei_matcher.solver import parse_scenario
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import solve_greedy
from bench import solver_wait as wait


def test_baseline_is_parsed_from_the_kept_cd7f53f_table():
    base = wait.load_baseline()
    assert len(base) == 35  # seven families × seeds 1–5
    assert base[("medium", "rooms_scarce", 1)] == (3553, 10.0)
    assert base[("medium", "buses_saturated", 2)] == (2, 10.0)
    assert base[("city", "city_rooms_short", 5)] == (16394, 30.0)


def _metrics(wait_pm: float, late_pm: float, wu: int) -> dict:
    return {"wait_person_minutes": wait_pm, "late_person_minutes": late_pm, "weighted_unserved_people": wu}


def test_targets_apply_per_family_and_limit():
    doc = generate("small", "buses_ample_rooms_scarce", 1)
    plan = solve_greedy(parse_scenario(doc)).plan.to_dict()
    people = sum(ld["people"] for t in plan["trips"] for s in t["stops"] for ld in s["load"])
    m = _metrics(30.0 * people, 0.0, 0)
    g = _metrics(40.0 * people, 0.0, 0)
    _, met = wait.wait_cells(doc, plan, plan, m, g, {}, 5.0)
    assert met["no_later"] is True and met["saturated"] is None and met["wu"] is None
    assert met["ample"] is not None  # a bus per need: the 1.25× bound target applies
    baseline = {("small", "buses_ample_rooms_scarce", 1): (100, 10.0)}
    assert wait.wait_cells(doc, plan, plan, _metrics(30.0 * people, 0, 101), g, baseline, 10.0)[1]["wu"] is True
    assert wait.wait_cells(doc, plan, plan, _metrics(30.0 * people, 0, 102), g, baseline, 10.0)[1]["wu"] is False
    assert wait.wait_cells(doc, plan, plan, _metrics(30.0 * people, 0, 102), g, baseline, 5.0)[1]["wu"] is None
    assert "missed on seeds [2]" in wait.summary("x", {1: met, 2: dict(met, no_later=False)})


def test_a_streamed_need_is_planned_from_when_it_is_raised():
    doc = generate("small", "stream_one_site", 1)
    needs = sorted(doc["needs"], key=lambda n: n["raised_at"])
    step = wait._step(doc, needs[:3], None)
    assert step["now"] == needs[2]["raised_at"]
    assert all(b["shift_start"] >= step["now"] for b in step["buses"])
    held = {"rooms": [], "trips": [{"bus": doc["buses"][0]["id"]}]}
    kept = wait._step(doc, needs[:3], held)["buses"][0]
    assert kept["shift_start"] == doc["buses"][0]["shift_start"]  # a bus with a held trip is left as it was


def test_slow_pickups_count_delays_past_the_earliest_a_bus_could_be_there():
    doc = generate("small", "stream_one_site", 1)
    plan = solve_greedy(parse_scenario(doc)).plan.to_dict()
    carried, slow, worst = wait.slow_pickups(doc, plan)
    assert carried == len({ld["need"] for t in plan["trips"] for s in t["stops"] for ld in s["load"]}) > 0
    later = copy.deepcopy(plan)
    for t in later["trips"]:
        for s in t["stops"]:
            s["at"] = (datetime.fromisoformat(s["at"]) + timedelta(hours=1)).isoformat()
    carried2, slow2, worst2 = wait.slow_pickups(doc, later)
    assert (carried2, slow2) == (carried, carried)
    assert worst2 == pytest.approx(worst + 60)
