"""The backlog bench's world and its traffic: a small city short of rooms and buses for close
contacts, as protobuf events, the events a bench or a test writes in a dispatcher's place, and a
reader of the matcher's outcomes per need (bench/backlog_bench.py, tests/integration/test_matcher_wakeups.py).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from baolei_common.events import meta, ts
from baolei_events.v1 import assignments_pb2, common_pb2, needs_pb2, resources_pb2
from bench.burst_bench import Listener

DISTRICTS = ("福田", "罗湖", "南山", "宝安", "龙岗", "龙华")
CC, SC = needs_pb2.RISK_CLOSE_CONTACT, needs_pb2.RISK_SECONDARY_CONTACT


class World:
    """A small city short of rooms and buses for close contacts, as protobuf events."""

    def __init__(self, seed: int = 1, cc_rooms: int = 40, buses: int = 12) -> None:
        rnd = random.Random(seed)
        self.now = datetime.now(timezone.utc)
        self.sites = [common_pb2.Site(id=f"S{i:03d}", name=f"社区{i:03d}", district=DISTRICTS[i % len(DISTRICTS)],
                                      lat=22.50 + rnd.random() * 0.2, lon=113.90 + rnd.random() * 0.4)
                      for i in range(120)]
        self.cc_rooms, self.n_buses, self.rnd = cc_rooms, buses, rnd

    def hotels(self) -> list[resources_pb2.HotelRooms]:
        out = []
        for i, (accepts, rooms) in enumerate([(CC, self.cc_rooms)] * 2 + [(SC, 200)] * 3):
            site = common_pb2.Site(id=f"HS{i}", name=f"隔离酒店{i}", district=DISTRICTS[i], lat=22.55 + 0.02 * i,
                                   lon=114.0 + 0.03 * i)
            r = common_pb2.RoomCounts(standard=rooms)
            out.append(resources_pb2.HotelRooms(
                meta=meta(producer="bench"), hotel_id=f"H{i}", operator="投控公司", site=site, accepts=[accepts],
                total=r, free=r, name=site.name, state=resources_pb2.HOTEL_STATE_OPEN))
        return out

    def buses(self) -> list[resources_pb2.BusStatus]:
        return [resources_pb2.BusStatus(
            meta=meta(producer="bench"), bus_id=f"B{i:02d}", operator="巴士集团", depot=self.sites[i * 7],
            seats=40, load_limit=0.5, shift_start=ts(self.now - timedelta(hours=1)),
            shift_end=ts(self.now + timedelta(hours=10)), turnaround_min=30, state=resources_pb2.BUS_STATE_IN_SERVICE)
            for i in range(self.n_buses)]

    def need(self, nid: str, *, risk: int, people: int, priority: int, age_s: float = 0) -> needs_pb2.NeedEvent:
        body = needs_pb2.NeedSubmitted(
            need_id=nid, site=self.rnd.choice(self.sites), priority=priority, kind=needs_pb2.NEED_KIND_TRANSFER,
            risk=risk, people=people, rooms=common_pb2.RoomCounts(standard=people),
            ready_at=ts(self.now - timedelta(minutes=30)), due_at=ts(self.now + timedelta(hours=4)))
        return needs_pb2.NeedEvent(meta=meta(producer="bench", correlation_id=nid,
                                             occurred_at=self.now - timedelta(seconds=age_s)), submitted=body)


def found_unmet(nid: str) -> assignments_pb2.AssignmentEvent:
    """What a previous matcher published for a backlog need."""
    return assignments_pb2.AssignmentEvent(
        meta=meta(producer="bench", correlation_id=nid, actor="matcher"),
        unmet=assignments_pb2.NeedUnmet(need_id=nid, code="buses_fully_booked", solve_id="S-bench",
                                        reason_zh="车辆已排满", reason_en="buses are fully booked"))


def released(aid: str, nid: str, reason: str, hotel: str = "") -> assignments_pb2.AssignmentEvent:
    body = assignments_pb2.AssignmentReleased(assignment_id=aid, need_id=nid, reason=reason)
    if hotel:
        body.declined.append(assignments_pb2.ResourceRef(kind=assignments_pb2.RESOURCE_KIND_HOTEL, id=hotel))
    return assignments_pb2.AssignmentEvent(meta=meta(producer="bench", correlation_id=nid, actor="bench"),
                                           released=body)


def confirmed(aid: str, nid: str) -> assignments_pb2.AssignmentEvent:
    return assignments_pb2.AssignmentEvent(meta=meta(producer="bench", correlation_id=nid, actor="bench"),
                                           confirmed=assignments_pb2.AssignmentConfirmed(
                                               assignment_id=aid, need_id=nid, organisation="投控公司"))


@dataclass
class Outcome:
    at: float
    kind: str  # "proposed" or the unmet code
    assignment_id: str = ""
    hotel: str = ""


class Outcomes(Listener):
    """Every proposal and unmet reason the matcher put on the assignments topic, per need, with the
    time it was read."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(bootstrap, topic)
        self.of: dict[str, list[Outcome]] = {}

    def note(self, ev: assignments_pb2.AssignmentEvent, now: float) -> None:
        if ev.meta.actor != "matcher":
            return
        which = ev.WhichOneof("event")
        if which == "proposed":
            p = ev.proposed
            self.of.setdefault(p.need_id, []).append(Outcome(now, "proposed", p.assignment_id, p.room.hotel_id))
        elif which == "unmet":
            self.of.setdefault(ev.unmet.need_id, []).append(Outcome(now, ev.unmet.code))

    def after(self, nid: str, index: int, timeout_s: float) -> Outcome | None:
        """The need's outcome number `index` (0: first), waiting up to `timeout_s` for it."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            with self.lock:
                got = self.of.get(nid, [])
                if len(got) > index:
                    return got[index]
            time.sleep(0.005)
        return None
