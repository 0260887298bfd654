"""The bound on time to isolation (issue 17): never above what a plan achieves, tight where it can be
computed by hand, and the solve report's waiting figures equal to the checker's."""
from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baolei_matcher.solver import parse_plan, parse_scenario, solve, wait_bound
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import solve_greedy
from baolei_matcher.solver.travel import haversine_km
from baolei_matcher.solver.wait_report import waiting

from .test_properties import NOW, fixed_prefix, scenarios

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _bound_mean(doc: dict[str, Any], plan_doc: dict[str, Any], fixed: dict[str, Any] | None = None) -> float | None:
    scenario = parse_scenario(dict(doc, fixed=fixed) if fixed else doc)
    _, _, carried = waiting(scenario, parse_plan(plan_doc, keep_raw=False))
    b = wait_bound.wait_bound(scenario, carried, time_limit_s=5.0)
    assert b.kind != "none" or not b.people
    return b.mean_min


def _assert_below(check, doc: dict[str, Any], plan_doc: dict[str, Any], fixed: dict[str, Any] | None = None) -> None:
    m = check(dict(doc, fixed=fixed) if fixed else doc, plan_doc)
    people = sum(ld["people"] for t in plan_doc["trips"] for s in t["stops"] for ld in s["load"])
    bound = _bound_mean(doc, plan_doc, fixed)
    if people:
        assert bound is not None
        assert bound <= m["wait_person_minutes"] / people + 1e-6, (bound, m["wait_person_minutes"] / people)


@SETTINGS
@given(scenarios())
def test_bound_never_above_greedy_or_solver(check, doc):
    _assert_below(check, doc, solve_greedy(parse_scenario(doc)).plan.to_dict())
    _assert_below(check, doc, solve(parse_scenario(doc), time_limit_s=1.0).plan.to_dict())


@SETTINGS
@given(scenarios(), st.integers(0, 3))
def test_bound_never_above_a_plan_with_a_fixed_part(check, doc, keep):
    first = solve(parse_scenario(doc), time_limit_s=1.0).plan.to_dict()
    kept = {r["need"] for r in first["rooms"][:keep]}
    trips = fixed_prefix(first["trips"], kept)
    fixed = {"rooms": [r for r in first["rooms"] if r["need"] in kept], "trips": trips}
    plan = solve(parse_scenario(dict(doc, fixed=fixed)), time_limit_s=1.0).plan.to_dict()
    _assert_below(check, doc, plan, fixed)


@pytest.mark.parametrize("family", ["rooms_scarce", "rooms_small_hotels", "buses_saturated"])
def test_bound_below_greedy_on_generated_families(check, family):
    doc = generate("small", family, 3)
    _assert_below(check, doc, solve_greedy(parse_scenario(doc)).plan.to_dict())


# --- by hand ------------------------------------------------------------------------------------

def _min(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_km(*a, *b) * 1.3 / 30 * 60


P0, NEAR, MID, FAR = (22.50, 114.00), (22.51, 114.00), (22.55, 114.00), (22.60, 114.00)


def _hand(hotels: list[dict[str, Any]], needs: list[dict[str, Any]], depot=P0) -> dict[str, Any]:
    sites = [{"id": "P0", "lat": P0[0], "lon": P0[1]}, {"id": "D", "lat": depot[0], "lon": depot[1]}]
    for h in hotels:
        at = h.pop("at")
        sites.append({"id": h["site"], "lat": at[0], "lon": at[1]})
    return {"schema": "scenario/v1", "now": NOW, "travel": {"speed_kmh": 30, "detour": 1.3, "dwell_min": 10},
            "sites": sites, "hotels": hotels, "stock": [],
            "buses": [{"id": "B", "depot": "D", "seats": 40, "load_limit": 0.5, "shift_start": NOW,
                       "shift_end": "2022-01-14T20:00:00+08:00", "turnaround_min": 30}],
            "needs": [{"kind": "transfer", "site": "P0", "priority": 1, "risk": "close_contact",
                       "ready_at": NOW, "due_at": "2022-01-14T12:00:00+08:00", **n} for n in needs]}


def _hotel(hid: str, at: tuple[float, float], rooms: dict[str, int], **extra) -> dict[str, Any]:
    return {"id": hid, "site": f"S{hid}", "at": at, "accepts": ["close_contact"],
            "rooms": {"standard": 0, "family": 0, "accessible": 0, **rooms}, **extra}


def _bound(doc: dict[str, Any], carried: dict[str, int]) -> wait_bound.WaitBound:
    return wait_bound.wait_bound(parse_scenario(doc), carried, time_limit_s=5.0)


ONE = {"people": 1, "rooms": {"standard": 1}}


def test_rooms_send_the_second_need_further():
    doc = _hand([_hotel("N", NEAR, {"standard": 1}), _hotel("F", FAR, {"standard": 5})],
                [{"id": "A", **ONE}, {"id": "B", **ONE}])
    b = _bound(doc, {"A": 1, "B": 1})
    want = 10 + _min(P0, NEAR) + 10 + _min(P0, FAR) - 2 * wait_bound.MARGIN_MIN
    assert b.kind == "lp"
    assert b.person_minutes == pytest.approx(want, abs=1e-4)


def test_spill_keeps_the_bound_equal_when_hotels_are_cut(monkeypatch):
    doc = _hand([_hotel("N", NEAR, {"standard": 1}), _hotel("M", MID, {"standard": 1}),
                 _hotel("F", FAR, {"standard": 5})], [{"id": "A", **ONE}, {"id": "B", **ONE}, {"id": "C", **ONE}])
    full = _bound(doc, {"A": 1, "B": 1, "C": 1}).person_minutes
    monkeypatch.setattr(wait_bound, "K", 1)
    cut = _bound(doc, {"A": 1, "B": 1, "C": 1}).person_minutes
    assert cut <= full + 1e-9
    # with one hotel kept, the spill prices both others at the middle hotel: below the full LP
    want = 30 + _min(P0, NEAR) + 2 * _min(P0, MID) - 3 * wait_bound.MARGIN_MIN
    assert cut == pytest.approx(want, abs=1e-4)


def test_family_rooms_are_not_taken_from_standard_ones():
    doc = _hand([_hotel("N", NEAR, {"standard": 9}), _hotel("F", FAR, {"family": 1})],
                [{"id": "A", "people": 3, "rooms": {"family": 1}}])
    b = _bound(doc, {"A": 3})
    assert b.mean_min == pytest.approx(10 + _min(P0, FAR) - wait_bound.MARGIN_MIN, abs=1e-4)


def test_depot_drive_and_hotel_opening_count():
    far_depot = (22.70, 114.00)
    doc = _hand([_hotel("N", NEAR, {"standard": 1})], [{"id": "A", **ONE}], depot=far_depot)
    assert _bound(doc, {"A": 1}).mean_min == pytest.approx(
        _min(far_depot, P0) + 10 + _min(P0, NEAR) - wait_bound.MARGIN_MIN, abs=1e-4)
    doc = _hand([_hotel("N", NEAR, {"standard": 1}, open_at="2022-01-14T09:00:00+08:00")], [{"id": "A", **ONE}])
    assert _bound(doc, {"A": 1}).mean_min == pytest.approx(120 - wait_bound.MARGIN_MIN, abs=1e-4)


def test_a_need_that_fits_nowhere_gives_no_bound():
    doc = _hand([_hotel("N", NEAR, {"standard": 1})], [{"id": "A", "people": 3, "rooms": {"family": 1}}])
    assert _bound(doc, {"A": 3}).kind == "none"
    doc = _hand([], [{"id": "A", **ONE}])  # e.g. its hotel closed since: no bound, and no error
    b = _bound(doc, {"A": 1})
    assert (b.kind, b.people, b.person_minutes) == ("none", 1, 0.0)


# --- the solve report ---------------------------------------------------------------------------

@pytest.mark.parametrize("family", ["mixed", "rooms_scarce"])
def test_report_fields_agree_with_the_checker(check, family):
    doc = generate("small", family, 2)
    out = solve(parse_scenario(doc), time_limit_s=2.0).to_dict()
    m = check(doc, out)
    rep = out["solver"]
    people = sum(ld["people"] for t in out["trips"] for s in t["stops"] for ld in s["load"])
    assert rep["people_carried"] == people > 0
    assert rep["wait_person_minutes"] == pytest.approx(m["wait_person_minutes"], abs=0.2)
    assert rep["late_person_minutes"] == pytest.approx(m["late_person_minutes"], abs=0.2)
    assert rep["mean_wait_min"] == pytest.approx(m["wait_person_minutes"] / people, abs=0.01)
    assert 0 < rep["wait_bound_mean_min"] <= rep["mean_wait_min"]
    assert rep["wait_gap"] == pytest.approx(rep["mean_wait_min"] / rep["wait_bound_mean_min"] - 1, abs=1e-3)
    assert rep["wait_bound_kind"] in ("lp", "nearest")
    assert math.isfinite(rep["wait_bound_seconds"])
