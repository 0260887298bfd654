"""Hypothesis tries to break the zone rule and the other hard rules over random small cities.

Zones, homes, skills, papers, hours, windows, deadlines, claims (often against a rule) and declines
are all drawn at random; every plan must pass the checker (tools/check_volunteer_plan.py), and a
doorstep in a 封控区 must always be unmet with the street-office fix.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baolei_volunteers.solver import first_come, solve
from tests.unit.volunteers.scenarios import NOW, at
from tools.check_volunteer_plan import check

ZONES = ["封控区", "管控区", "防范区", "常态"]
KINDS = ["送餐", "送药", "送检上门", "代购", "快递代取", "垃圾清运", "定期探访", "电话关怀", "线上答疑", "核酸",
         "心理疏导"]
MARKS = ["独居老人", "独居儿童", "残障", "病患", "特困", "居家隔离"]


@st.composite
def cities(draw: st.DrawFn) -> dict[str, Any]:
    n_c = draw(st.integers(1, 5))
    compounds = [{"id": f"C{i}", "name": f"C{i}", "district": draw(st.sampled_from(["南山区", "福田区"])),
                  "community": f"社区{i % 2}", "zone": draw(st.sampled_from(ZONES)),
                  "lat": 22.55 + draw(st.floats(0, 0.03)), "lon": 113.95 + draw(st.floats(0, 0.03))}
                 for i in range(n_c)]
    n_v = draw(st.integers(0, 6))
    volunteers = []
    for i in range(n_v):
        start = draw(st.integers(0, 240))
        volunteers.append({
            "id": f"V{i}", "name": f"V{i}", "community": f"社区{i % 2}",
            "compound_id": f"C{draw(st.integers(0, n_c - 1))}",
            "party_member": draw(st.booleans()), "skills": draw(st.lists(st.sampled_from(KINDS), max_size=6)),
            "health_check": draw(st.booleans()), "nucleic_training": draw(st.booleans()),
            "counselling_cert": draw(st.booleans()), "minutes_left_today": draw(st.integers(0, 200)),
            "mode": draw(st.sampled_from(["foot", "ebike"])),
            "available_from": at(f"{9 + start // 60:02d}:{start % 60:02d}"),
            "available_until": at(f"{draw(st.integers(10, 23)):02d}:00"),
            "buildings": [f"C{draw(st.integers(0, n_c - 1))}/1"] if draw(st.booleans()) else [],
            "pairs": [f"H{draw(st.integers(0, 5))}"] if draw(st.booleans()) else [],
        })
    households = [{"id": f"H{i}", "community": f"社区{i % 2}", "compound_id": f"C{draw(st.integers(0, n_c - 1))}",
                   "building": "1", "unit": "1", "floor": "3",
                   "vulnerability": draw(st.lists(st.sampled_from(MARKS), max_size=2, unique=True))} for i in range(6)]
    tasks = []
    for i in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(KINDS))
        deadline = draw(st.one_of(st.none(), st.integers(0, 600)))
        vol_ids = [v["id"] for v in volunteers] + ["nobody"]
        tasks.append({
            "id": f"T{i}", "household_id": f"H{draw(st.integers(0, 5))}", "kind": kind,
            "remote": draw(st.booleans()), "earliest": None if draw(st.booleans()) else at("10:00"),
            "deadline": None if deadline is None else at(f"{9 + deadline // 60:02d}:{deadline % 60:02d}"),
            "duration_min": draw(st.integers(1, 60)), "raised_at": at("08:00"),
            "claimed_by": draw(st.one_of(st.none(), st.sampled_from(vol_ids))),
            "excluded": draw(st.lists(st.sampled_from(vol_ids), max_size=2)),
        })
    return {"now": NOW, "compounds": compounds, "volunteers": volunteers, "households": households, "tasks": tasks}


def assert_rules_hold(sc: dict[str, Any], plan: dict[str, Any]) -> None:
    errors, metrics = check(sc, plan)
    assert errors == [], errors
    assert metrics["zone_violations"] == 0
    zone = {c["id"]: c["zone"] for c in sc["compounds"]}
    home = {h["id"]: h["compound_id"] for h in sc["households"]}
    unmet = {u["task_id"]: u for u in plan["unmet"]}
    for t in sc["tasks"]:
        flagged = t["remote"] and t["kind"] in ("定期探访", "心理疏导")
        doorstep = t["kind"] not in ("电话关怀", "线上答疑") and not flagged
        if doorstep and zone[home[t["household_id"]]] == "封控区":
            assert unmet[t["id"]]["cause"] == "zone_sealed_no_one"
            assert unmet[t["id"]]["fix_zh"].endswith("请街道安排下沉干部或防护到位的工作人员")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cities())
def test_the_matcher_never_breaks_a_hard_rule(sc: dict[str, Any]) -> None:
    assert_rules_hold(sc, solve(sc, time_limit_s=0.5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cities())
def test_first_come_claiming_keeps_the_rules_too(sc: dict[str, Any]) -> None:
    assert_rules_hold(sc, first_come(sc))
