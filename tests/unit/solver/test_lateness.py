"""Lateness of a carried need and its cause, on crafted scenarios (one per cause).

Geometry: the need's site P is at 22.54 N; a near hotel 0.02° north (about 2.9 road km, a 6-minute
drive), a far one 0.10° north (about 14.4 road km, 29 minutes). Dwell is 10 minutes. The need is
ready at 21:00 Shenzhen time (13:00 UTC, so the explanation must convert the zone).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from baolei_common.rooms import Rooms
from baolei_matcher.solver import explain as ex
from baolei_matcher.solver.lateness import DUE_UNREACHABLE, HOTEL_OPENS_LATER, NO_BUS_EARLIER, NO_ROOM_NEARER, timings
from baolei_matcher.solver.model import Bus, Hotel, Scenario, Site, TransferNeed, TravelModel
from baolei_matcher.solver.plan import Load, Plan, RoomAssignment, Stop, Trip
from baolei_matcher.solver.travel import Travel

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
READY = NOW + timedelta(hours=1)  # 21:00 in Shenzhen
SITES = {"P": Site("P", 22.54, 114.05, "莲花北社区"), "NEAR": Site("NEAR", 22.56, 114.05, "近酒店"),
         "FAR": Site("FAR", 22.64, 114.05, "远酒店"), "DEPOT": Site("DEPOT", 22.54, 114.06, "车场")}


def at(minutes: float) -> datetime:
    return READY + timedelta(minutes=minutes)


def scenario(due_min: float, near_rooms: int = 3, near_open: datetime | None = None,
             with_near: bool = True) -> Scenario:
    hotels = [Hotel("H-FAR", "FAR", frozenset({"close_contact"}), Rooms(10), operator="投控")]
    if with_near:
        hotels.append(Hotel("H-NEAR", "NEAR", frozenset({"close_contact"}), Rooms(near_rooms), near_open, "投控"))
    need = TransferNeed("N1", "P", 1, "close_contact", 3, Rooms(3), READY, at(due_min))
    bus = Bus("B1", "DEPOT", 40, 0.5, NOW, NOW + timedelta(hours=12), 30.0, "巴士集团")
    return Scenario(NOW, TravelModel(), dict(SITES), hotels, [bus], [], [need], [])


def plan(hotel: str, pickup_min: float, sc: Scenario) -> Plan:
    travel = Travel(sc)
    site = sc.hotel(hotel).site
    arrive = at(pickup_min) + timedelta(seconds=travel.dwell_s + travel.drive_s("P", site))
    opens = sc.hotel(hotel).open_at
    arrive = max(arrive, opens) if opens else arrive
    trip = Trip("B1", at(pickup_min - 5), [Stop("P", at(pickup_min), [Load("N1", 3)])], hotel, arrive)
    return Plan(rooms=[RoomAssignment("N1", hotel, 3)], trips=[trip])


def test_on_time_has_wait_and_no_cause() -> None:
    sc = scenario(due_min=60)
    t = timings(sc, plan("H-NEAR", 0, sc))["N1"]
    assert (t.late_minutes, t.late_cause) == (0, "")
    assert t.pickup_at == READY and t.wait_minutes == 16  # 10 min dwell + 6 min drive


def test_no_bus_earlier_when_the_hotel_was_reachable_in_time() -> None:
    sc = scenario(due_min=30)  # a bus at the site at 21:00 would arrive 21:16
    t = timings(sc, plan("H-NEAR", 60, sc))["N1"]  # the plan's bus comes an hour after ready
    assert t.late_cause == NO_BUS_EARLIER and t.late_minutes == 46


def test_no_room_nearer_when_a_nearer_accepting_hotel_is_full() -> None:
    sc = scenario(due_min=30, near_rooms=0)  # the far hotel is 39 min away, the full near one 16
    t = timings(sc, plan("H-FAR", 0, sc))["N1"]
    assert t.late_cause == NO_ROOM_NEARER and t.late_minutes == 9


def test_hotel_opens_later_than_due() -> None:
    sc = scenario(due_min=30, near_open=at(120))
    t = timings(sc, plan("H-NEAR", 0, sc))["N1"]
    assert t.late_cause == HOTEL_OPENS_LATER and t.late_minutes == 90


def test_due_unreachable_when_no_hotel_could_make_it() -> None:
    sc = scenario(due_min=20, with_near=False)
    t = timings(sc, plan("H-FAR", 0, sc))["N1"]
    assert t.late_cause == DUE_UNREACHABLE and t.late_minutes == 19


def test_explanation_says_pickup_arrival_wait_and_lateness_in_shenzhen_time() -> None:
    sc = scenario(due_min=30)
    text = ex.explain(sc, plan("H-NEAR", 40, sc), Travel(sc))["N1"]
    zh, _, en = text.partition(" / ")
    assert "预计 21:40 上车、21:56 到达，等候 56 分钟；逾期 26 分钟：无更早可用车辆" in zh, zh
    assert "pickup 21:40, arrives 21:56, 56 min after ready; 26 min late: no bus free earlier" in en, en


def test_explanation_of_an_on_time_need_has_no_lateness() -> None:
    sc = scenario(due_min=60)
    text = ex.explain(sc, plan("H-NEAR", 0, sc), Travel(sc))["N1"]
    assert "预计 21:00 上车、21:16 到达，等候 16 分钟" in text and "逾期" not in text and "late" not in text


def test_every_late_need_of_a_solved_generated_scenario_has_a_cause() -> None:
    from baolei_matcher import solver as sv
    from baolei_matcher.solver.generator import generate
    from baolei_matcher.solver.lateness import CAUSES
    from baolei_matcher.solver.model import parse_scenario

    sc = parse_scenario(generate("small", "buses_saturated", 2))
    plan = sv.solve(sc, time_limit_s=3).plan
    due = {n.id: n.due_at for n in sc.transfers}
    tm = timings(sc, plan)
    assert tm and any(t.late_minutes for t in tm.values())  # the family is made to be late
    for t in tm.values():
        assert (t.late_minutes > 0) == (t.arrive_at > due[t.need]) and t.wait_minutes >= t.late_minutes
        assert (t.late_cause in CAUSES) if t.late_minutes else t.late_cause == ""
