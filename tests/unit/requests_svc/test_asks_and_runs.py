"""Issue 18's use cases on the in-memory unit of work: asks sent and answered (the answer staged as
registry events the matcher hears), whom to ask, runs and hours as one decision, and the standing
rule that confirms automatically."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from baolei_common import policy, topics
from baolei_common.events import utcnow
from baolei_common.identity import Principal
from baolei_events.v1 import resources_pb2
from baolei_requests.domain import asks as rules
from baolei_requests.domain import runs
from baolei_requests.service import asks, bulk_decisions
from baolei_requests.service.errors import Conflict, Invalid
from tests.unit.requests_svc.fakes import FakeUnitOfWork

OP = Principal(user="值班员", role="operator", organisation="指挥部")
BUS = Principal(user="巴士调度", role="dispatcher", organisation="巴士集团", kind="bus")
EAST = Principal(user="东部调度", role="dispatcher", organisation="东部公交", kind="bus")
HOTEL = Principal(user="投控调度", role="dispatcher", organisation="投控公司", kind="hotel")


def bus_ask(uow: FakeUnitOfWork, kind: str = "extend_shifts"):
    return asks.send(uow, OP, asks.NewAsk(kind=kind, cause="buses", organisation="巴士集团", resource_id="D-1",
                                         risk="", figures=rules.Figures(trips=38, people=828),
                                         text_zh="延长班次：约缺 38 车次，828 人待转运", text_en="Longer shifts"))


def room_ask(uow: FakeUnitOfWork, kind: str = "open_rooms"):
    return asks.send(uow, OP, asks.NewAsk(kind=kind, cause="rooms", organisation="投控公司", resource_id="H-1",
                                         risk="close_contact", figures=rules.Figures(rooms=20),
                                         text_zh="开放房间：缺 20 间", text_en="Open rooms: 20 short"))


def test_an_ask_is_recorded_audited_and_published_only_by_the_command_center():
    uow = FakeUnitOfWork()
    ask = bus_ask(uow)
    assert ask.status == "open" and ask.figures["trips"] == 38 and uow.committed
    assert uow.kinds() == [f"{topics.ASKS}:sent"]
    assert uow.events[0][2].sent.organisation == "巴士集团" and uow.events[0][2].sent.trips == 38
    assert [e.action for e in uow.audited] == ["ask.send"]
    with pytest.raises(policy.Denied):
        asks.send(FakeUnitOfWork(), BUS, asks.NewAsk("add_buses", "buses", "巴士集团", "", "", rules.Figures(), "", ""))


def test_extending_shifts_and_adding_buses_reach_the_matcher_as_bus_events():
    uow = FakeUnitOfWork()
    b1, b2 = uow.bus("B-1"), uow.bus("B-2")
    uow.bus("E-1", operator="东部公交")
    ask = bus_ask(uow)
    until = utcnow() + timedelta(hours=12)
    done = asks.answer(uow, BUS, ask.id, asks.AnswerIn(extend_until=until, add_buses=2, seats=40))
    assert done.status == "answered" and done.answered_by == "巴士调度"
    assert done.answer["shifts_extended"] == 2 and done.answer["buses_added"] == 2
    assert b1.shift_end == until and b2.shift_end == until and uow.buses.rows["E-1"].shift_end < until
    new = [b for b in uow.buses.rows.values() if b.id.startswith(ask.id)]
    assert len(new) == 2 and all(b.operator == "巴士集团" and b.seats == 40 and b.depot_id == "D-1" for b in new)
    assert set(done.resources) == {"bus:B-1", "bus:B-2"} | {f"bus:{b.id}" for b in new}
    sent = [m for t, _, m in uow.events if t == topics.BUSES]
    assert len(sent) == 4 and all(m.state == resources_pb2.BUS_STATE_IN_SERVICE for m in sent)
    assert uow.kinds()[-1] == f"{topics.ASKS}:answered" and uow.events[-1][2].answered.buses_added == 2
    assert "ask.answer" in [e.action for e in uow.audited]


def test_only_the_asked_organisation_answers_once_and_a_refusal_needs_a_reason():
    uow = FakeUnitOfWork()
    uow.bus("B-1")
    ask = bus_ask(uow)
    with pytest.raises(policy.Denied):
        asks.answer(uow, EAST, ask.id, asks.AnswerIn(add_buses=1))
    with pytest.raises(Invalid) as nothing:
        asks.answer(uow, BUS, ask.id, asks.AnswerIn())
    assert nothing.value.field == "add_buses"
    with pytest.raises(Invalid) as no_reason:
        asks.answer(uow, BUS, ask.id, asks.AnswerIn(refuse=True, reason=" "))
    assert no_reason.value.field == "reason"
    refused = asks.answer(uow, BUS, ask.id, asks.AnswerIn(refuse=True, reason="司机不足"))
    assert refused.status == "refused" and refused.reason == "司机不足" and refused.resources == []
    with pytest.raises(Conflict):
        asks.answer(uow, OP, ask.id, asks.AnswerIn(add_buses=1))


def test_plates_of_added_buses_are_optional_and_each_wrong_one_is_named():
    uow = FakeUnitOfWork()
    uow.bus("B-1")  # plate 粤B·12345
    ask = bus_ask(uow, "add_buses")
    for plates, field in ((["粤B·D2001", "粤B·D2002", "粤B·D2003"], "plates"), (["粤B·D2001", " "], "plates.1"),
                          (["粤B·D2001", "粤B·D2001"], "plates.1"), (["粤B·12345"], "plates.0")):
        with pytest.raises(Invalid) as bad:
            asks.answer(uow, BUS, ask.id, asks.AnswerIn(add_buses=2, plates=plates))
        assert bad.value.field == field, plates
    assert ask.status == "open"
    done = asks.answer(uow, BUS, ask.id, asks.AnswerIn(add_buses=2, plates=[" 粤B·D2001 "]))
    new = sorted((b for b in uow.buses.rows.values() if b.id.startswith(ask.id)), key=lambda b: b.id)
    assert [b.plate for b in new] == ["粤B·D2001", "巴士集团增派2号"] and done.answer["buses_added"] == 2


def test_rooms_put_back_in_use_and_a_new_category_reach_the_matcher_as_hotel_rooms():
    uow = FakeUnitOfWork()
    h = uow.hotel(out_of_use={"standard": 30})
    ask = room_ask(uow)
    with pytest.raises(Invalid) as too_many:
        asks.answer(uow, HOTEL, ask.id, asks.AnswerIn(open_rooms={"standard": 31}))
    assert too_many.value.field == "open_rooms.standard"
    done = asks.answer(uow, HOTEL, ask.id, asks.AnswerIn(open_rooms={"standard": 20}, add_rooms={"family": 2},
                                                         accept_risks=["secondary_contact"]))
    assert h.out_of_use["standard"] == 10 and h.rooms["family"] == 12
    assert h.accepts == ["close_contact", "secondary_contact"]
    assert done.answer == {"rooms_opened": {"standard": 20, "family": 2, "accessible": 0},
                           "risks_accepted": ["secondary_contact"]}
    rooms = [m for t, _, m in uow.events if t == topics.HOTELS][-1]
    assert rooms.free.standard == 90 and rooms.free.family == 12 and len(rooms.accepts) == 2


def test_whom_to_ask_nearest_depot_with_buses_off_shift_then_hotels_with_rooms_out_of_use():
    now = datetime(2026, 12, 7, 13, 0, tzinfo=timezone.utc)
    where = rules.Point(22.56, 114.06)
    fleet = [rules.BusAt("巴士集团", "d-f", "福田车场", rules.Point(22.54, 114.03), True, now + timedelta(hours=1)),
             rules.BusAt("东部公交", "d-l", "龙岗车场", rules.Point(22.72, 114.25), True, now + timedelta(hours=1)),
             rules.BusAt("西部公交", "d-w", "宝安车场", rules.Point(22.58, 113.87), True, now + timedelta(hours=20))]
    best = rules.bus_options(fleet, where, until=now + timedelta(hours=6))
    assert [o.organisation for o in best] == ["巴士集团", "东部公交", "西部公交"]
    assert best[0].kind == "extend_shifts" and best[0].spare == 1 and best[-1].kind == "add_buses"
    hotels = [rules.HotelAt("H-a", "甲", "投控公司", rules.Point(22.6, 114.1), frozenset({"close_contact"}),
                            {"standard": 50}, True),
              rules.HotelAt("H-b", "乙", "酒店业商会", rules.Point(22.56, 114.06), frozenset({"secondary_contact"}),
                            {}, True),
              rules.HotelAt("H-c", "丙", "深业集团", rules.Point(22.56, 114.06), frozenset({"close_contact"}), {},
                            True),
              rules.HotelAt("H-d", "丁", "投控公司", rules.Point(22.56, 114.06), frozenset({"close_contact"}),
                            {"standard": 99}, False)]
    order = rules.room_options(hotels, {"close_contact"}, ("standard",), where)
    assert [(o.resource_id, o.kind) for o in order] == [("H-a", "open_rooms"), ("H-b", "accept_risk"),
                                                         ("H-c", "open_rooms")]
    zh, en = rules.ask_text("accept_risk", rules.Figures(rooms=20), "secondary_contact", "乙")
    assert zh == "接收次密接：缺 20 间（乙）" and "20 room(s) short" in en
    zh, _ = rules.ask_text("add_buses", rules.Figures(trips=38, people=828), "", "")
    assert zh == "增派车辆：约缺 38 车次，828 人待转运"


def test_what_an_answer_unlocked_counts_people_placed_since_on_what_it_changed():
    t = datetime(2026, 12, 7, 13, 38, tzinfo=timezone.utc)
    placed = [rules.Placed(t + timedelta(minutes=1), True, 22, frozenset({"bus:B-1", "hotel:H-1"})),
              rules.Placed(t + timedelta(minutes=2), False, 9, frozenset({"bus:B-1"})),  # released
              rules.Placed(t - timedelta(minutes=5), True, 7, frozenset({"bus:B-1"})),  # before the answer
              rules.Placed(t + timedelta(minutes=3), True, 5, frozenset({"bus:B-9"}))]  # another bus
    assert rules.unlocked(["bus:B-1", "bus:B-2"], t, placed) == 22


def _trip(bus: str, start: str, stops: list[tuple[str, str, list[tuple[str, int]]]], hotel: str = "H-1",
          operator: str = "巴士集团") -> dict:
    return {"bus": bus, "operator": operator, "start_at": start, "hotel": hotel,
            "arrive_at": "2026-12-07T15:40:00+00:00",
            "stops": [{"site": s, "at": at, "load": [{"need": n, "people": p} for n, p in load]}
                      for s, at, load in stops]}


def test_one_run_however_many_needs_it_carries_and_arrivals_by_hour():
    shared = _trip("B-1", "2026-12-07T15:09:00+00:00",
                   [("c-pingshan", "2026-12-07T15:20:00+00:00", [("N-1", 12), ("N-2", 10)])])
    other = _trip("B-2", "2026-12-07T15:30:00+00:00", [("c-buji", "2026-12-07T15:45:00+00:00", [("N-3", 4)])])
    work = [runs.Work("A-1", "N-1", "proposed", 12, [shared], {"hotel": "H-1", "operator": "投控公司", "standard": 12},
                      True),
            runs.Work("A-2", "N-2", "proposed", 10, [shared], {"hotel": "H-1", "operator": "投控公司", "standard": 10},
                      True),
            runs.Work("A-3", "N-3", "confirmed", 4, [other], {"hotel": "H-1", "operator": "投控公司", "family": 2})]
    found = runs.runs(work, "巴士集团")
    assert [(r.bus, r.people, r.assignment_ids, r.to_answer) for r in found] == [
        ("B-1", 22, ["A-1", "A-2"], ["A-1", "A-2"]), ("B-2", 4, ["A-3"], [])]
    assert runs.runs(work, "东部公交") == []
    hours = runs.arrivals(work, "投控公司")
    assert len(hours) == 1 and hours[0].hour == "2026-12-07T23:00" and hours[0].people == 26
    assert hours[0].rooms == {"standard": 22, "family": 2, "accessible": 0} and hours[0].to_answer == ["A-1", "A-2"]


def test_a_run_is_accepted_as_one_decision_and_a_stranger_answers_nothing():
    uow = FakeUnitOfWork()
    need = uow.need("N-1")
    a1, a2 = uow.assignment(need, "A-1"), uow.assignment(uow.need("N-2"), "A-2")
    a3 = uow.assignment(uow.need("N-3"), "A-3", organisations=("东部公交",))
    with pytest.raises(policy.Denied):
        bulk_decisions.decide_many(uow, BUS, ["A-1", "A-3"], True)
    assert a1.accepted_by == [] and not uow.events
    out = bulk_decisions.decide_many(uow, BUS, ["A-1", "A-2", "A-1"], True, label="B-1@23:09")
    assert out.answered == ["A-1", "A-2"] and out.confirming == [] and out.skipped == []
    assert a1.accepted_by == a2.accepted_by == ["巴士集团"] and a3.accepted_by == []
    decision = [e for e in uow.audited if e.action == "decision.accept"]
    assert len(decision) == 1 and decision[0].entity == "decision:B-1@23:09"
    # answered already: skipped, not refused; the hotel's accept confirms both
    again = bulk_decisions.decide_many(uow, BUS, ["A-1"], True)
    assert again.answered == [] and again.skipped[0]["id"] == "A-1"
    out = bulk_decisions.decide_many(uow, HOTEL, ["A-1", "A-2"], True)
    assert out.confirming == ["A-1", "A-2"] and uow.kinds().count(f"{topics.ASSIGNMENTS}:confirmed") == 2
    with pytest.raises(Invalid):
        bulk_decisions.decide_many(uow, BUS, ["A-3"], False)


def test_a_declined_run_releases_each_proposal_with_the_reason():
    uow = FakeUnitOfWork()
    uow.assignment(uow.need("N-1"), "A-1")
    uow.assignment(uow.need("N-2"), "A-2")
    out = bulk_decisions.decide_many(uow, BUS, ["A-1", "A-2"], False, reason="司机不足")
    assert out.answered == ["A-1", "A-2"]
    assert uow.kinds().count(f"{topics.ASSIGNMENTS}:released") == 2


def test_the_standing_rule_confirms_waiting_and_new_proposals_until_switched_off():
    uow = FakeUnitOfWork()
    a1 = uow.assignment(uow.need("N-1"), "A-1")
    with pytest.raises(policy.Denied):
        bulk_decisions.set_rule(uow, EAST, "巴士集团", True)
    rule = bulk_decisions.set_rule(uow, BUS, "巴士集团", True)
    assert rule.auto_confirm and a1.accepted_by == ["巴士集团"]
    accept = [e for e in uow.audited if e.action == "assignment.accept"][-1]
    assert accept.actor == "自动确认规则（巴士集团）" and accept.organisation == "巴士集团"
    assert [e.action for e in uow.audited if e.entity == "rule:巴士集团"] == ["rule.auto_confirm"]
    a2 = uow.assignment(uow.need("N-2"), "A-2")
    assert bulk_decisions.auto_confirm(uow) == 1 and a2.accepted_by == ["巴士集团"]
    assert bulk_decisions.auto_confirm(uow) == 0  # nothing left waiting on it
    bulk_decisions.set_rule(uow, OP, "巴士集团", False)  # an operator may switch it too
    a3 = uow.assignment(uow.need("N-3"), "A-3")
    assert bulk_decisions.auto_confirm(uow) == 0 and a3.accepted_by == []


def test_an_ask_event_reaches_the_asked_organisations_console_and_operators_only():
    from baolei_requests.adapters.live_events import summarise, visible

    uow = FakeUnitOfWork()
    bus_ask(uow)
    topic, _, message = uow.events[0]
    summary = summarise(topic, message.SerializeToString())
    assert summary == {"type": "ask.sent", "ask_id": message.sent.ask_id, "organisations": ["巴士集团"]}
    summary["audience"] = {"need_org": "", "orgs": ["巴士集团"]}  # as live_audience.py annotates it
    assert visible("dispatcher", "巴士集团", summary, "bus") and visible("operator", "指挥部", summary)
    assert not visible("dispatcher", "东部公交", summary, "bus") and not visible("site", "莲花街道", summary)


FMG = Principal(user="物资调度", role="dispatcher", organisation="食品物资集团", kind="supply")
AMOUNT = lambda sku, q: (f"{sku} {q}", f"{q} {sku}")  # noqa: E731


def stock_ask(uow: FakeUnitOfWork):
    return asks.send(uow, OP, asks.NewAsk(kind="move_stock", cause="stock", organisation="食品物资集团",
                                         resource_id="wh-futian", risk="",
                                         figures=rules.Figures(stock={"rice": 120, "oil": 30}),
                                         text_zh="调拨物资：缺 大米 120 袋、食用油 30 桶", text_en="Move stock"))


def test_whom_to_ask_for_staples_the_group_whose_warehouse_covers_most_then_nearest():
    here = rules.Point(22.53, 114.05)
    whs = [rules.WarehouseAt("wh-far", "远仓", "食品物资集团", rules.Point(22.70, 114.30), {"rice": 500}),
           rules.WarehouseAt("wh-near", "近仓", "食品物资集团", rules.Point(22.54, 114.06), {"rice": 20}),
           rules.WarehouseAt("wh-b", "乙仓", "农批公司", rules.Point(22.531, 114.051), {}),
           rules.WarehouseAt("wh-c", "丙仓", "粮油集团", rules.Point(22.60, 114.10), {"rice": 120, "oil": 5})]
    found = rules.stock_options(whs, {"rice": 120, "oil": 30}, here, AMOUNT)
    # one option per group, its warehouse covering most: 丙仓 covers 120 + 5, 食品物资集团's far one 120
    # (more than its near one's 20); a group with none of it comes last
    assert [(o.organisation, o.resource_id, o.spare) for o in found] == [
        ("粮油集团", "wh-c", 125), ("食品物资集团", "wh-far", 120), ("农批公司", "wh-b", 0)]
    assert all(o.kind == "move_stock" for o in found) and "有 oil 5、rice 120" in found[0].why_zh
    zh, en = rules.ask_text("move_stock", rules.Figures(stock={"rice": 120}), "", "丙仓",
                            rules.stock_text({"rice": 120, "oil": 0}, AMOUNT))
    assert zh == "调拨物资：缺 rice 120（丙仓）" and en == "Move stock: short of 120 rice (丙仓)"


def test_a_stock_answer_names_its_own_warehouses_and_goes_out_as_stock_moves():
    at = rules.Point(22.53, 114.05)
    whs = {"wh-futian": rules.WarehouseAt("wh-futian", "福田仓", "食品物资集团", at, {}),
           "wh-luohu": rules.WarehouseAt("wh-luohu", "罗湖仓", "食品物资集团", at, {"rice": 50}),
           "wh-other": rules.WarehouseAt("wh-other", "他仓", "粮油集团", at, {"rice": 900})}
    uow = FakeUnitOfWork()
    ask = stock_ask(uow)
    assert uow.events[-1][2].sent.stock == {"rice": 120, "oil": 30}
    move = asks.StockMoveIn
    for lines, field in (([], "stock"), ([move("eggs", 5, "wh-futian")], "stock.0.sku"),
                         ([move("rice", 5, "wh-other")], "stock.0.warehouse_id"),
                         ([move("rice", 5, "wh-futian", "wh-other")], "stock.0.from_warehouse_id"),
                         ([move("rice", 30, "wh-futian", "wh-luohu"), move("rice", 30, "wh-futian", "wh-luohu")],
                          "stock.1.quantity")):
        with pytest.raises(Invalid) as bad:
            asks.answer(uow, FMG, ask.id, asks.AnswerIn(stock=lines), warehouses=whs)
        assert bad.value.field == field, lines
    with pytest.raises(policy.Denied):  # a bus company cannot answer a supply group's ask
        asks.answer(uow, BUS, ask.id, asks.AnswerIn(stock=[move("rice", 5, "wh-futian")]), warehouses=whs)
    lines = [move("rice", 50, "wh-futian", "wh-luohu"), move("rice", 70, "wh-futian"), move("oil", 30, "wh-futian")]
    done = asks.answer(uow, FMG, ask.id, asks.AnswerIn(stock=lines), warehouses=whs)
    assert done.status == "answered" and done.resources == ["warehouse:wh-futian", "warehouse:wh-luohu"]
    sent = uow.events[-1][2].answered
    assert [(m.sku, m.quantity, m.warehouse_id, m.from_warehouse_id, m.lot) for m in sent.stock_moved] == [
        ("rice", 50, "wh-futian", "wh-luohu", ""), ("rice", 70, "wh-futian", "", f"{ask.id}-2"),
        ("oil", 30, "wh-futian", "", f"{ask.id}-3")]
    assert uow.audited[-1].action == "ask.answer"
    assert uow.audited[-1].after["answer"]["stock_moved"][0]["from_name"] == "罗湖仓"
    # what it unlocked, for staples: needs matched since the answer on the warehouses it filled
    t = done.answered_at
    placed = [rules.Placed(t + timedelta(seconds=5), True, 0, frozenset({"warehouse:wh-futian"})),
              rules.Placed(t + timedelta(seconds=6), True, 0, frozenset({"warehouse:wh-other"}))]
    assert rules.unlocked(done.resources, t, placed, count_needs=True) == 1
