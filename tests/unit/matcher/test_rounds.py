"""One round of the matcher (service/rounds.py `rematch_round`) with Kafka faked: a burst is solved in
parts of the pacer's size, a solve cut short by its time limit tells nobody a shortage, and the
needs it cut off are solved again at once with the whole limit."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from baolei_common.rooms import Rooms
from baolei_events.v1 import assignments_pb2
from baolei_matcher import solver as sv
from baolei_matcher.adapters.codec import AssignmentRecords
from baolei_matcher.config import MatcherConfig
from baolei_matcher.domain.batch import solve_budget
from baolei_matcher.domain.entities import Bus, Hotel, Need, Place
from baolei_matcher.service import solve as solve_case
from baolei_matcher.service.ports import Outlet
from baolei_matcher.service.rounds import rematch_round
from baolei_matcher.service.runtime import ACTIVE, Runtime

SITE = Place("s1", "莲花北", "福田区", 22.5585, 114.0578)
HZB = Place("hzb", "会展北", "福田区", 22.5367, 114.0545)


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[assignments_pb2.AssignmentEvent] = []

    async def send(self, topic: str, key: bytes, value: bytes) -> asyncio.Future:
        self.sent.append(assignments_pb2.AssignmentEvent.FromString(value))
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut


class FakeElector:
    async def lease(self) -> bool:
        return True


def runtime(n_needs: int, max_solve_needs: int = 10) -> Runtime:
    now = datetime.now(timezone.utc)
    rt = Runtime(MatcherConfig(max_solve_needs=max_solve_needs, snapshot_write=False))
    st = rt.state
    st.hotels["hzb"] = Hotel("hzb", "会展北", "投控公司", HZB, frozenset({"close_contact"}),
                             Rooms(standard=500, family=0, accessible=0), None)
    for i in range(4):
        st.buses[f"b{i}"] = Bus(f"b{i}", "巴士集团", HZB, 40, 0.5, now - timedelta(hours=1),
                                now + timedelta(hours=12), 10)
    for i in range(n_needs):
        st.upsert_need(Need(f"n{i:02d}", "transfer", SITE, 2, now + timedelta(hours=6), now + timedelta(seconds=i),
                            "close_contact", 2, Rooms(standard=2), now, {}))
    rt.role, rt.replayed, rt.kafka_up = ACTIVE, True, True
    return rt


def run_round(rt: Runtime) -> FakeProducer:
    producer = FakeProducer()
    asyncio.run(rematch_round(rt, Outlet(producer, FakeElector(), AssignmentRecords(900), "assignments")))
    return producer


def test_a_burst_is_solved_in_parts_oldest_first_and_each_need_proposed_once(monkeypatch):
    calls: list[tuple[list[str], float]] = []
    real = sv.solve

    def solve(scenario, *, time_limit_s):
        calls.append(([n.id for n in scenario.transfers], time_limit_s))
        return real(scenario, time_limit_s=time_limit_s)

    monkeypatch.setattr(solve_case.sv, "solve", solve)
    rt = runtime(25, max_solve_needs=10)
    producer = run_round(rt)
    assert [len(ids) for ids, _ in calls] == [10, 10, 5]
    assert sorted(calls[0][0]) == [f"n{i:02d}" for i in range(10)]  # the oldest first
    assert [b for _, b in calls] == [2.0, 2.0, solve_budget(5, 2.0)]  # while a backlog waits: the whole limit
    proposed = [e.proposed.need_id for e in producer.sent if e.WhichOneof("event") == "proposed"]
    assert sorted(proposed) == [f"n{i:02d}" for i in range(25)]


def test_needs_a_solve_out_of_time_left_unplaced_are_solved_again_and_never_told_a_shortage(monkeypatch):
    calls: list[tuple[list[str], float]] = []
    real = sv.solve

    def solve(scenario, *, time_limit_s):
        calls.append(([n.id for n in scenario.transfers], time_limit_s))
        if len(calls) == 1:  # the first solve runs out of time before the buses: nothing placed
            return sv.SolveResult(sv.Status.OUT_OF_TIME, sv.Plan(unmet=[
                sv.Unmet(n.id, "车辆已排满", "buses are fully booked", "buses_fully_booked", people=n.people)
                for n in scenario.transfers]))
        return real(scenario, time_limit_s=time_limit_s)

    monkeypatch.setattr(solve_case.sv, "solve", solve)
    rt = runtime(6, max_solve_needs=10)
    producer = run_round(rt)
    assert len(calls) == 2 and sorted(calls[1][0]) == sorted(calls[0][0])
    assert calls[0][1] < 2.0 and calls[1][1] == 2.0  # solved again with the whole limit
    kinds = [e.WhichOneof("event") for e in producer.sent]
    assert kinds == ["proposed"] * 6  # no "buses fully booked" went out
    assert rt.state.unmet == {} and rt.pacer.cuts == {}
