"""The rooms stage leaves the time to the bus stage when there is nothing to gain on its goal."""
from __future__ import annotations

from baolei_matcher.solver import parse_scenario, solve
from baolei_matcher.solver.generator import generate


def _transfers_only(doc, n):
    return dict(doc, needs=[x for x in doc["needs"] if x["kind"] == "transfer"][:n])


def test_a_warm_start_at_the_bound_is_kept_without_cp_sat_when_the_model_is_big(check):
    doc = _transfers_only(generate("large", "mixed", 1), 400)  # rooms ample: greedy meets the bound
    result = solve(parse_scenario(doc), time_limit_s=3.0)
    rooms = result.stages["rooms"]
    assert rooms.detail["cp_sat_status"] == "skipped"
    assert rooms.objective == rooms.bound == 0 and rooms.status.value == "optimal"
    metrics = check(doc, result.plan.to_dict())
    assert not [u for u in result.plan.unmet if u.code == "out_of_time"]
    assert metrics["weighted_unserved_people"] == 0


def test_cp_sat_still_decides_when_rooms_are_short(check):
    doc = generate("small", "rooms_scarce", 2)
    result = solve(parse_scenario(doc), time_limit_s=3.0)
    rooms = result.stages["rooms"]
    # "phase 1+phase 2" (goal, then drives and waiting), or phase 2 alone when the warm start met the bound
    assert rooms.detail["cp_sat_status"].split("+")[0] in ("OPTIMAL", "FEASIBLE")
    assert rooms.objective >= rooms.bound - 1e-6
    check(doc, result.plan.to_dict())
