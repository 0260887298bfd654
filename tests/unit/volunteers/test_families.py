"""Every generated city family, small: both the matcher and first-come keep every rule; the matcher
reaches at least as many medicine deadlines and the frail no later at p95 than first-come claiming."""

from __future__ import annotations

import pytest

from baolei_volunteers.solver import first_come, solve
from bench.volunteer_world import FAMILIES, family, generate
from tools.check_volunteer_plan import check


@pytest.mark.parametrize("name", sorted(n for n in FAMILIES if n not in ("sealing_burst", "city_day")))
def test_family_plans_keep_the_rules(name: str) -> None:
    sc = generate(family(name, 0.1, claims_share=0.05), seed=2)
    errors, opt = check(sc, solve(sc, time_limit_s=1.0))
    assert errors == []
    errors, fc = check(sc, first_come(sc))
    assert errors == []
    assert opt["tasks"] == opt["assigned"] + opt["unmet"]
    assert opt["zone_violations"] == fc["zone_violations"] == 0


def test_the_burst_family_is_raised_within_the_hour_and_is_deterministic() -> None:
    a = generate(family("sealing_burst", 0.01), seed=7)
    b = generate(family("sealing_burst", 0.01), seed=7)
    assert a == b
    assert all(t["raised_at"] >= "2026-12-07T07:00:00+08:00" for t in a["tasks"])
