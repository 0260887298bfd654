"""A burst is matched in solves that fit their time: first answers and the oldest first, a need the
time limit cut off solved again in a smaller solve with the whole limit, never told a reason a
solve out of time cannot prove."""
from __future__ import annotations

from datetime import timedelta

from baolei_common.rooms import Rooms
from baolei_matcher import solver as sv
from baolei_matcher.domain.batch import (
    MAX_CUTS,
    Pacer,
    cut_off,
    max_needs_within,
    solve_budget,
    told_cut_off,
)
from baolei_matcher.domain.decisions import Decisions, Unmet
from baolei_matcher.domain.entities import Hold, Place
from baolei_matcher.domain.wakeups import next_batch
from tests.unit.matcher.test_batch import NOW, state, transfer


def aged(nid: str, minutes: int, prio: int = 3):
    n = transfer(nid, 1, Rooms(standard=1), prio=prio)
    n.submitted_at = NOW + timedelta(minutes=minutes)
    return n


def test_first_answers_first_then_oldest_and_each_solve_most_urgent_first():
    p = Pacer(max_needs=3, min_needs=1)
    needs = [aged("new-late", 9, prio=1), aged("old-told", 0), aged("new-early", 1, prio=4),
             aged("new-mid", 5, prio=2), aged("new-last", 12)]
    queue = p.order(needs, answered={"old-told"})
    assert [n.id for n in queue] == ["new-early", "new-mid", "new-late", "new-last", "old-told"]
    first, rest = p.take(queue)
    assert [n.id for n in first] == ["new-late", "new-mid", "new-early"]  # the solver sees priority order
    assert [n.id for n in rest] == ["new-last", "old-told"]


def test_a_solve_takes_whole_districts_in_the_order_of_their_oldest_need_within_a_window():
    p = Pacer(max_needs=3, min_needs=1, window=2)
    far = Place("bg", "坝光", "大鹏", 22.6, 114.1)
    needs = [aged("a-ft", 0), aged("b-dp", 1), aged("c-ft", 2), aged("d-dp", 3), aged("e-ft", 4),
             aged("f-ft", 5), aged("g-dp", 6), aged("h-dp", 7)]
    for n in needs:
        if n.id.endswith("dp"):
            n.site = far
    chunk, rest = p.take(p.order(needs, ()))
    assert {n.id for n in chunk} == {"a-ft", "c-ft", "e-ft"}  # the oldest need's district, within 2 x 3
    assert [n.id for n in rest] == ["b-dp", "d-dp", "f-ft", "g-dp", "h-dp"]
    chunk, rest = p.take(rest)
    assert {n.id for n in chunk} == {"b-dp", "d-dp", "g-dp"}  # b-dp waited one solve, no more
    chunk, rest = p.take(rest)
    assert {n.id for n in chunk} == {"f-ft", "h-dp"} and rest == []


def test_budget_grows_with_the_solve_and_never_passes_the_limit():
    assert solve_budget(1, 2.0) == 0.25  # one new need: an answer within a quarter of a second
    assert solve_budget(50, 2.0) >= 0.4  # 50 needs against a city's fleet got no bus in 0.25 s
    sizes = (10, 100, 250, 450)
    assert [solve_budget(n, 2.0) for n in sizes] == sorted(solve_budget(n, 2.0) for n in sizes)
    for limit in (0.5, 1.0, 2.0, 5.0):
        cap = max_needs_within(limit)
        assert solve_budget(cap, limit) <= limit and solve_budget(cap + 30, limit) == limit
    tiny = Pacer(max_needs=max_needs_within(0.1))  # a limit below the fleet's fixed cost: one need a solve
    tiny.after([aged("a", 0)], {"a"})
    assert tiny.size == 1


def test_with_a_backlog_every_solve_gets_the_whole_limit():
    p = Pacer(max_needs=200)
    chunk = [aged(f"n{i}", i) for i in range(50)]
    assert p.budget(chunk, 2.0) == solve_budget(50, 2.0) < 2.0  # nothing behind it: a quick answer
    assert p.budget(chunk, 2.0, queued=1) == 2.0


def test_a_quick_solve_cut_off_on_a_busy_machine_stretches_the_next_quick_budgets():
    p = Pacer()
    few = [aged(f"n{i}", i) for i in range(8)]
    fresh = [aged(f"m{i}", i) for i in range(8)]  # needs never cut off (those get the whole limit)
    quick = p.budget(fresh, 2.0)
    p.after(few, {"n1"}, quick, 2.0)
    assert p.budget(fresh, 2.0) == 2 * quick
    p.after(few, {"n1"}, 2 * quick, 2.0)
    p.after(few, {"n2"}, 4 * quick, 2.0)
    assert p.budget(fresh, 2.0) == 2.0  # never over the limit
    for _ in range(100):
        p.after(few, set(), quick, 2.0)
    assert abs(p.budget(fresh, 2.0) - quick) < 0.01  # back to the idle machine's budget once solves fit
    p.after(few, {"n1"}, 2.0, 2.0)
    assert abs(p.budget(fresh, 2.0) - quick) < 0.01  # a solve with the whole limit says nothing about it


def test_a_cut_off_need_goes_again_with_the_whole_limit_in_a_solve_sized_to_what_fit_then_is_told():
    p = Pacer(max_needs=200, min_needs=10)
    chunk = [aged(f"n{i}", i) for i in range(200)]
    again = p.after(chunk, {f"n{i}" for i in range(120)})
    assert again == {f"n{i}" for i in range(120)} and p.size == 100  # 80 placed in time: no less than half
    p.after(chunk[120:], {f"n{i}" for i in range(120, 130)})
    assert p.size == 70  # 70 placed in time: 70 next
    retry = [n for n in chunk if n.id in {"n3", "n7"}] + [aged("n300", 300)]
    assert p.budget(retry, 2.0) == 2.0
    assert p.after(retry, {"n3"}) == {"n3"} and p.size == 35 and "n7" not in p.cuts
    for _ in range(MAX_CUTS - 2):
        assert p.after(retry, {"n3"}) == set()  # cut off MAX_CUTS times: told what the solver found
    assert "n3" not in p.cuts
    p.size = 100
    p.after(chunk[:10], {n.id for n in chunk[:10]})  # nothing placed: half
    assert p.size == 50
    for _ in range(8):
        p.after(retry, set())
    assert p.size == 200  # clean solves grow it back, up to the cap


def test_only_time_bound_reasons_of_a_solve_out_of_time_count_as_cut_off():
    d = Decisions("S-1", unmet=[Unmet("a", "buses_fully_booked", "", ""), Unmet("b", "no_hotel_for_risk", "", ""),
                                Unmet("c", "out_of_time", "", ""), Unmet("d", "family_rooms_full", "", "")])
    late = sv.SolveResult(sv.Status.OUT_OF_TIME, sv.Plan())
    in_time = sv.SolveResult(sv.Status.FEASIBLE, sv.Plan())
    assert cut_off(late, d) == {"a", "c", "d"}
    assert cut_off(in_time, d) == {"c"}  # a solve in time proves its shortages


def test_a_need_proposed_or_cancelled_while_the_round_ran_is_not_solved_again():
    st = state()
    a, b, c = aged("a", 0), aged("b", 1), aged("c", 2)
    for n in (a, b, c):
        st.upsert_need(n)
    taken = next_batch(st)
    st.add_hold(Hold("h1", "a", hotel_id="far", rooms=Rooms(standard=1)))
    st.cancel_need("b")
    assert [n.id for n in taken if st.still_open(n)] == ["c"]


def test_a_need_cut_off_too_often_is_told_time_ran_out_not_a_shortage():
    u = told_cut_off(transfer("n1", 6, Rooms(standard=6)))
    assert u.need_id == "n1" and u.code == "out_of_time"
    assert "自动重新匹配" in u.reason_zh and "6" in u.reason_zh and "matched again automatically" in u.reason_en
    st = state()
    st.upsert_need(transfer("n1", 6, Rooms(standard=6)))
    st.unmet["n1"] = u.code
    st.resources_changed = False
    assert [n.id for n in next_batch(st)] == ["n1"]  # and the stream takes it again at once
