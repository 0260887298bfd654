"""Issue 17's generator families make valid scenarios of the shape they promise, and the demo
city is the one `make run` loads."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from baolei_dev import demo_requests as demo
from baolei_matcher.solver import parse_scenario
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.generator_data import FAMILIES
from baolei_matcher.solver.greedy import solve_greedy

NEW = ("buses_ample_rooms_scarce", "stream_one_site", "night_wave")


def test_new_families_are_listed():
    assert set(NEW) <= set(FAMILIES)


@pytest.mark.parametrize("family", NEW)
def test_valid_deterministic_and_greedy_plans_check(check, family):
    doc = generate("small", family, 1)
    assert doc == generate("small", family, 1)
    assert doc != generate("small", family, 2)
    scenario = parse_scenario(doc)  # raises on a malformed document
    assert scenario.transfers and not scenario.supplies
    assert doc["generator"] == {"size": "small", "family": family, "seed": 1}
    check(doc, solve_greedy(scenario).plan.to_dict())


def test_buses_ample_rooms_scarce_shape():
    s = parse_scenario(generate("medium", "buses_ample_rooms_scarce", 1))
    assert len(s.transfers) == len(s.buses) == 300
    for t in ("standard", "family", "accessible"):
        asked = sum(n.rooms.get(t) for n in s.transfers)
        have = sum(h.rooms.get(t) for h in s.hotels)
        assert 0.6 * asked <= have <= 0.7 * asked + 2, (t, have, asked)


def test_stream_one_site_shape():
    s = parse_scenario(generate("medium", "stream_one_site", 1))
    assert len({n.site for n in s.transfers}) == 1 and len(s.transfers) == 12
    raised = [n.raised_at for n in s.transfers]
    assert raised == sorted(raised) and len(set(raised)) == len(raised)
    assert all(n.ready_at == n.raised_at for n in s.transfers)
    assert len(s.buses) <= 30


def test_night_wave_is_the_demo_city():
    doc = generate("medium", "night_wave", 1)
    s = parse_scenario(doc)
    assert len(s.transfers) == 500
    ready = [n.ready_at for n in s.transfers]
    assert max(ready) - min(ready) <= timedelta(minutes=10) and min(ready) >= s.now
    assert {h.id for h in s.hotels} == {h[0] for h in demo.HOTELS}
    assert Counter(b.depot for b in s.buses) == {d[0]: d[6] for d in demo.DEPOTS}
    assert {n.site for n in s.transfers} <= {c[0] for c in demo.COMMUNITIES}
    assert s.now == datetime.fromisoformat("2022-01-14T21:00:00+08:00")
