"""The in-package validator and the contract's checker agree: on plans the solver makes (both find
nothing) and on plans broken on purpose, one hard rule at a time (both flag it)."""
from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from baolei_common.rooms import Rooms
from baolei_matcher.solver import parse_plan, parse_scenario, rules, solve
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.validate import validate

from .conftest import _load_checker

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def checker():
    return _load_checker()


@pytest.fixture(scope="module")
def solved() -> tuple[Doc, Doc]:
    """A plan with rooms, consolidated trips (several needs per trip) and supply."""
    doc = generate("small", "buses_tight", seed=3)
    plan = solve(parse_scenario(doc), time_limit_s=4.0).plan.to_dict()
    return doc, plan


def both(checker, scenario: Doc, plan: Doc) -> tuple[list[str], list[str]]:
    bad, _ = checker.check(scenario, plan)
    mine = [v.rule for v in validate(parse_scenario(scenario), parse_plan(plan, keep_raw=False))]
    return bad, mine


@pytest.mark.parametrize("size,family,seed", [("tiny", "mixed", 1), ("small", "mixed", 2),
                                              ("small", "rooms_scarce", 4), ("small", "stock_scarce", 5)])
def test_plans_the_solver_makes_are_valid_for_both(checker, size, family, seed):
    doc = generate(size, family, seed)
    plan = solve(parse_scenario(doc), time_limit_s=3.0).plan.to_dict()
    assert plan["rooms"] and plan["trips"]
    assert both(checker, doc, plan) == ([], [])


def test_the_solved_plan_is_valid_for_both(checker, solved):
    doc, plan = solved
    assert both(checker, doc, plan) == ([], [])


# --- each rule broken once --------------------------------------------------------------------

def _ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _need(doc: Doc, nid: str) -> Doc:
    return next(n for n in doc["needs"] if n["id"] == nid)


def _hotel(doc: Doc, hid: str) -> Doc:
    return next(h for h in doc["hotels"] if h["id"] == hid)


def _bus(doc: Doc, bid: str) -> Doc:
    return next(b for b in doc["buses"] if b["id"] == bid)


def _shared_trip(plan: Doc, doc: Doc) -> Doc:
    """A trip carrying two or more needs."""
    return next(t for t in plan["trips"] if len({ld["need"] for s in t["stops"] for ld in s["load"]}) >= 2)


def break_accepts(doc: Doc, plan: Doc) -> None:
    r = plan["rooms"][0]
    _hotel(doc, r["hotel"])["accepts"] = [a for a in _hotel(doc, r["hotel"])["accepts"]
                                          if a != _need(doc, r["need"])["risk"]] or ["nobody"]


def break_downgrade(doc: Doc, plan: Doc) -> None:
    r = next(r for r in plan["rooms"] if _need(doc, r["need"])["rooms"]["family"] > 0)
    r["family"] -= 1
    r["standard"] += 1


def break_room_count(doc: Doc, plan: Doc) -> None:
    plan["rooms"][0]["standard"] += 1


def break_one_hotel(doc: Doc, plan: Doc) -> None:
    r = plan["rooms"][0]
    other = next(h for h in doc["hotels"] if h["id"] != r["hotel"])
    plan["rooms"].append(dict(r, hotel=other["id"]))


def break_rooms_stock(doc: Doc, plan: Doc) -> None:
    r = next(r for r in plan["rooms"] if r["standard"] > 0)
    _hotel(doc, r["hotel"])["rooms"]["standard"] = r["standard"] - 1


def break_risk_per_trip(doc: Doc, plan: Doc) -> None:
    t = _shared_trip(plan, doc)
    nid = t["stops"][0]["load"][0]["need"]
    _need(doc, nid)["risk"] = "other_risk"
    _hotel(doc, t["hotel"])["accepts"].append("other_risk")


def break_seats(doc: Doc, plan: Doc) -> None:
    t = max(plan["trips"], key=lambda t: sum(ld["people"] for s in t["stops"] for ld in s["load"]))
    people = sum(ld["people"] for s in t["stops"] for ld in s["load"])
    b = _bus(doc, t["bus"])
    b["load_limit"] = (people - 1) / b["seats"]


def break_shift_start(doc: Doc, plan: Doc) -> None:
    t = plan["trips"][0]
    _bus(doc, t["bus"])["shift_start"] = (_ts(t["start_at"]) + timedelta(minutes=5)).isoformat()


def break_shift_end(doc: Doc, plan: Doc) -> None:
    t = plan["trips"][0]
    _bus(doc, t["bus"])["shift_end"] = (_ts(t["arrive_at"]) - timedelta(minutes=5)).isoformat()


def break_turnaround(doc: Doc, plan: Doc) -> None:
    by_bus: dict[str, list[Doc]] = {}
    for t in plan["trips"]:
        by_bus.setdefault(t["bus"], []).append(t)
    bid, trips = next((b, ts) for b, ts in by_bus.items() if len(ts) >= 2)
    trips.sort(key=lambda t: t["start_at"])
    gap = (_ts(trips[1]["start_at"]) - _ts(trips[0]["arrive_at"])).total_seconds() / 60
    _bus(doc, bid)["turnaround_min"] = gap + 5


def break_ready(doc: Doc, plan: Doc) -> None:
    s = plan["trips"][0]["stops"][0]
    _need(doc, s["load"][0]["need"])["ready_at"] = (_ts(s["at"]) + timedelta(minutes=5)).isoformat()


def break_open(doc: Doc, plan: Doc) -> None:
    t = plan["trips"][0]
    _hotel(doc, t["hotel"])["open_at"] = (_ts(t["arrive_at"]) + timedelta(minutes=5)).isoformat()


def break_drive(doc: Doc, plan: Doc) -> None:
    t = plan["trips"][0]
    t["arrive_at"] = t["stops"][-1]["at"]  # at the hotel the moment it leaves the last stop


def break_stock(doc: Doc, plan: Doc) -> None:
    a = next(a for a in plan["supply"] if a["quantity"] > 0)
    drawn = sum(x["quantity"] for x in plan["supply"] if (x["warehouse"], x["sku"]) == (a["warehouse"], a["sku"]))
    held = [s for s in doc["stock"] if (s["warehouse"], s["sku"]) == (a["warehouse"], a["sku"])]
    for s in held:
        s["quantity"] = 0
    held[0]["quantity"] = drawn - 1


BREAKERS: list[tuple[Callable[[Doc, Doc], None], str]] = [
    (break_accepts, "accepts"), (break_downgrade, "rooms_cover"), (break_room_count, "rooms_cover"),
    (break_one_hotel, "one_hotel"), (break_rooms_stock, "rooms_stock"), (break_risk_per_trip, "risk_per_trip"),
    (break_seats, "seats"), (break_shift_start, "timing"), (break_shift_end, "timing"),
    (break_turnaround, "timing"), (break_ready, "timing"), (break_open, "timing"), (break_drive, "timing"),
    (break_stock, "stock")]


@pytest.mark.parametrize("breaker,rule", BREAKERS, ids=[b.__name__ for b, _ in BREAKERS])
def test_each_broken_rule_is_flagged_by_both(checker, solved, breaker, rule):
    doc, plan = copy.deepcopy(solved[0]), copy.deepcopy(solved[1])
    breaker(doc, plan)
    bad, mine = both(checker, doc, plan)
    assert bad, "the contract's checker missed it"
    assert rule in mine, mine


# --- the rules themselves ---------------------------------------------------------------------

def test_fit_upgrades_standard_rooms_and_never_downgrades():
    asked = Rooms(3, 1, 0)
    assert rules.fit(asked, Rooms(1, 2, 1)) == Rooms(1, 2, 1)   # 2 standard upgraded: family, accessible
    assert rules.fit(asked, Rooms(5, 0, 0)) is None             # a family room is never given as standard
    assert rules.short_type(asked, Rooms(5, 0, 0)) == "family"
    assert rules.short_type(Rooms(2, 0, 1), Rooms(9, 9, 0)) == "accessible"
    assert rules.short_type(Rooms(4, 0, 0), Rooms(1, 1, 1)) == "standard"
    for cap in (Rooms(1, 2, 1), Rooms(3, 1, 0), Rooms(0, 4, 0), Rooms(2, 1, 3)):
        got = rules.fit(asked, cap)
        assert got is not None and rules.rooms_cover(asked, got) and rules.within(got, cap)


def test_bus_capacity_is_seats_times_load_limit_rounded_down():
    assert rules.bus_capacity(45, 0.5) == 22
    assert rules.bus_capacity(44, 0.5) == 22
    assert rules.seats_ok(22, 45, 0.5) and not rules.seats_ok(23, 45, 0.5)
