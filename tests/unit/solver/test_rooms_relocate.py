"""The rooms stage's time search (`rooms_relocate.py`, issue 17 point 1): at equal weighted people
placed, a need left in a far hotel moves to the near one — also when that takes an exchange the
same-rooms polish cannot make — and on generated scenarios the search never changes who is placed,
never breaks a room rule and never adds time."""
from __future__ import annotations

import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baolei_common.rooms import Rooms
from baolei_matcher.solver import parse_scenario, rules, solve
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import horizon_s
from baolei_matcher.solver.rooms_input import Placement, RoomsInput, greedy_rooms, prepare
from baolei_matcher.solver.rooms_local import polish_time
from baolei_matcher.solver.rooms_relocate import _Costs, shorten_time
from baolei_matcher.solver.rooms_time import HotelTimes
from baolei_matcher.solver.rooms_time_lns import time_goal, time_lns
from baolei_matcher.solver.travel import Travel

from .test_hand import base, bus, transfer

NEAR, FAR = 0, 1


def _crafted() -> dict:
    """BIG (4 rooms) lives by NEAR; S1 and S2 (2 rooms each) live by FAR. Both hotels have 4
    rooms: everyone fits, but only with BIG at NEAR and the two small groups at FAR is it quick."""
    hotels = [{"id": "NEAR", "site": "SH", "accepts": ["close_contact"], "rooms": {"standard": 4}},
              {"id": "FAR", "site": "SH2", "accepts": ["close_contact"], "rooms": {"standard": 4}}]
    needs = [transfer("BIG", "C1", 4, {"standard": 4}), transfer("S1", "W2", 2, {"standard": 2}),
             transfer("S2", "W2", 2, {"standard": 2})]
    return base(hotels=hotels, buses=[bus("B1"), bus("B2"), bus("B3")], needs=needs)


def _input(doc: dict) -> tuple[RoomsInput, Travel]:
    sc = parse_scenario(doc)
    travel = Travel(sc)
    residual = {h.id: h.rooms for h in sc.hotels}
    return prepare(sc, travel, sc.transfers, residual, horizon_s(sc, travel)), travel


def _total(inp: RoomsInput, placed: Placement) -> float:
    times = HotelTimes(inp.needs, inp.hotels, inp.travel)
    return sum(times.cost(nid, hi, inp.km.get((nid, hi))) for nid, (hi, _) in placed.items())


def _rules_hold(inp: RoomsInput, placed: Placement) -> None:
    by_id = {n.id: n for n in inp.needs}
    used = {h.id: Rooms() for h in inp.hotels}
    for nid, (hi, got) in placed.items():
        assert hi in inp.eligible[nid], (nid, hi)
        assert rules.rooms_cover(by_id[nid].rooms, got), (nid, got)
        used[inp.hotels[hi].id] = used[inp.hotels[hi].id] + got
    for hid, u in used.items():
        assert rules.within(u, inp.residual[hid]), (hid, u)


def test_a_far_hotel_at_equal_weighted_placed_gives_way_to_the_near_one():
    inp, _ = _input(_crafted())
    far_first = {"BIG": (FAR, Rooms(4)), "S1": (NEAR, Rooms(2)), "S2": (NEAR, Rooms(2))}
    # The same-rooms polish cannot help: no two needs ask the same rooms as BIG.
    assert polish_time(inp, far_first, time.perf_counter() + 5) == far_first
    out, stats = shorten_time(inp, far_first, time.perf_counter() + 5)
    assert out == {"BIG": (NEAR, Rooms(4)), "S1": (FAR, Rooms(2)), "S2": (FAR, Rooms(2))}
    assert stats["swap"] == 1 and stats["saved"] > 0
    assert _total(inp, out) < _total(inp, far_first)
    _rules_hold(inp, out)


def test_the_exact_re_placement_finds_the_same_exchange_on_its_own():
    inp, _ = _input(_crafted())
    far_first = {"BIG": (FAR, Rooms(4)), "S1": (NEAR, Rooms(2)), "S2": (NEAR, Rooms(2))}
    out, stats = time_lns(inp, far_first, time.perf_counter() + 5)
    assert out == {"BIG": (NEAR, Rooms(4)), "S1": (FAR, Rooms(2)), "S2": (FAR, Rooms(2))}
    assert stats["kept"] == 1 and stats["saved"] > 0


def test_a_need_moves_to_a_nearer_hotel_with_rooms_left():
    doc = _crafted()
    doc["needs"] = doc["needs"][:1]
    inp, _ = _input(doc)
    out, stats = shorten_time(inp, {"BIG": (FAR, Rooms(4))}, time.perf_counter() + 5)
    assert out == {"BIG": (NEAR, Rooms(4))} and stats["relocate"] == 1


def test_the_whole_solve_puts_the_big_group_near_and_passes_the_checker(check):
    doc = _crafted()
    plan = solve(parse_scenario(doc), time_limit_s=3).plan
    assert check(doc, plan.to_dict())["weighted_unserved_people"] == 0
    assert {r.need: r.hotel for r in plan.rooms} == {"BIG": "NEAR", "S1": "FAR", "S2": "FAR"}


def test_costs_per_need_are_the_rooms_stage_time_cost():
    inp, _ = _input(generate("small", "rooms_scarce", 3))
    costs, times = _Costs(inp), HotelTimes(inp.needs, inp.hotels, inp.travel)
    for n in inp.needs[:20]:
        for hi in inp.eligible[n.id]:
            assert abs(costs.cost(n.id, hi) - times.cost(n.id, hi, inp.km.get((n.id, hi)))) < 1e-6


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(family=st.sampled_from(["buses_ample_rooms_scarce", "rooms_small_hotels", "rooms_scarce"]),
       seed=st.integers(1, 50), shuffle=st.integers(0, 10**6))
def test_who_is_placed_never_changes_rules_hold_and_time_never_grows(family, seed, shuffle):
    inp, _ = _input(generate("small", family, seed))
    order = [n for n in inp.needs if inp.eligible.get(n.id)]
    random.Random(shuffle).shuffle(order)
    # A random order, each need at a random fitting hotel first: far hotels chosen on purpose.
    prefer = {n.id: random.Random(shuffle + i).sample(inp.eligible[n.id], len(inp.eligible[n.id]))
              for i, n in enumerate(order)}
    start = greedy_rooms(inp, order, prefer)
    out, stats = shorten_time(inp, start, time.perf_counter() + 5)
    assert set(out) == set(start)   # the same needs: weighted people placed unchanged
    _rules_hold(inp, out)
    assert _total(inp, out) <= _total(inp, start) + 1e-6
    assert abs((_total(inp, start) - _total(inp, out)) - stats["saved"]) < 1.0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(family=st.sampled_from(["buses_ample_rooms_scarce", "rooms_small_hotels"]), seed=st.integers(1, 50))
def test_the_whole_time_step_keeps_who_is_placed_and_the_rules(family, seed):
    inp, _ = _input(generate("small", family, seed))
    order = [n for n in inp.needs if inp.eligible.get(n.id)]
    far = {n.id: list(reversed(inp.eligible[n.id])) for n in order}  # farthest hotel first
    start = greedy_rooms(inp, order, far)
    info: dict = {}
    out = time_goal(inp, start, time.perf_counter() + 2, info)
    assert set(out) == set(start)
    _rules_hold(inp, out)
    assert _total(inp, out) <= _total(inp, start) + 1e-6
    assert info["time_lns"]["tried"] >= info["time_lns"]["kept"]
