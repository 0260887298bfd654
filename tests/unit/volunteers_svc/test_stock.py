"""A 代购 task's staples through the inventory: the list read (Chinese or English names, with units),
the reserve asked with the task, the pickup or the shortfall shown, done consumes, cancel and a
passed deadline release, and an answer delivered twice is applied once."""
from __future__ import annotations

import pytest

from baolei_volunteers.domain.shopping import ListRefused, staples
from baolei_volunteers.service.errors import Invalid
from tests.unit.volunteers_svc.fakes import NOW, OP, WORKER, World, later, vol


@pytest.fixture
def world() -> World:
    return World()


def test_a_shopping_list_names_staples_in_chinese_or_english_with_their_units():
    assert staples("大米 2袋、鸡蛋1托, milk 1 case；酱油 1瓶\n2袋面粉, rice x1, 香蕉 3根, 猪肉 2公斤") == [
        ("rice", 3), ("eggs", 1), ("milk", 1), ("flour", 2), ("pork", 2)]
    assert staples("帮忙买些水果和药") == []
    with pytest.raises(ListRefused, match="袋"):
        staples("大米 5斤")  # rice is counted in bags: five jin is not five bags


def stock_events(world: World, ask: str) -> list[dict]:
    return [e.data for e in world.db.events if e.kind == "stock" and e.data["ask"] == ask]


def test_a_shopping_task_reserves_its_staples_shows_the_pickup_and_done_consumes_them(world: World):
    t = world.tasks.raise_task(WORKER, {"household_id": "H-LHB1-0701", "kind": "代购",
                                        "shopping_list": "大米 1袋、鸡蛋 2托、酱油一瓶"}, NOW)
    assert t is not None
    [reserve] = stock_events(world, "reserve")
    assert reserve["items"] == [{"sku": "rice", "quantity": 1}, {"sku": "eggs", "quantity": 2}]
    assert reserve["district"] == "福田" and reserve["community"] == "莲花北社区"
    pickup = {"warehouse_id": "W-FT-1", "warehouse_name": "福田粮油仓", "organisation": "食品物资集团",
              "lines": reserve["items"]}
    assert world.tasks.stock_answer("ev-1", t.id, "reserved", pickup)
    assert not world.tasks.stock_answer("ev-1", t.id, "reserved", pickup)  # redelivered: applied once
    held = world.task(t.id)
    assert held.stock["state"] == "reserved" and held.stock["warehouse_name"] == "福田粮油仓"
    who = held.volunteer_id
    assert who and next(x for x in world.views.me(vol(who))["tasks"] if x["id"] == t.id)["stock"]["warehouse_id"] == \
        "W-FT-1"
    world.tasks.accept(vol(who), t.id, NOW)
    world.tasks.done(vol(who), t.id, "已送到", later(30))
    [consume] = stock_events(world, "consume")
    assert consume["task_id"] == t.id and world.task(t.id).stock["state"] == "consumed"
    assert not stock_events(world, "release")


def test_cancel_releases_a_reservation_and_a_short_one_says_why_and_what_to_do(world: World):
    t = world.tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "代购",
                                        "shopping_list": "食用油 3瓶"}, NOW)
    short = {"reason_zh": "福田的物资集团仓库均无法一次备齐：食用油 3 瓶", "reason_en": "no warehouse has it",
             "fix_zh": "请社区改为分次代购或到超市采购", "fix_en": "buy it in parts"}
    world.tasks.stock_answer("ev-2", t.id, "short", short)
    assert world.task(t.id).stock == {"state": "short", **short}
    world.tasks.cancel(WORKER, t.id, NOW)
    assert not stock_events(world, "release")  # nothing was held
    u = world.tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "代购", "shopping_list": "面粉 1袋"},
                               NOW)
    world.tasks.cancel(WORKER, u.id, NOW)
    [release] = stock_events(world, "release")
    assert (release["task_id"], release["reason"]) == (u.id, "cancelled")
    assert world.task(u.id).status == "cancelled"


def test_a_reservation_past_its_deadline_is_released_and_bad_units_are_refused(world: World):
    t = world.tasks.raise_task(OP, {"household_id": "H-LHB2-0302", "kind": "代购", "shopping_list": "牛奶 1箱",
                                    "deadline": later(60)}, NOW)
    world.tasks.expire_holds(later(30))
    assert not stock_events(world, "release")
    world.tasks.expire_holds(later(61))
    [release] = stock_events(world, "release")
    assert (release["task_id"], release["reason"]) == (t.id, "expired")
    with pytest.raises(Invalid) as bad:
        world.tasks.raise_task(WORKER, {"household_id": "H-LHB2-0302", "kind": "代购", "shopping_list": "大米 5斤"},
                               NOW)
    assert bad.value.field == "shopping_list" and "袋" in bad.value.reason_zh


def test_the_asks_and_answers_round_trip_through_protobuf(world: World):
    from baolei_common import topics
    from baolei_events.v1 import volunteers_pb2 as pb
    from baolei_volunteers.adapters.proto import decode_stock_answer, encode

    t = world.tasks.raise_task(WORKER, {"household_id": "H-LHB1-0701", "kind": "代购",
                                        "shopping_list": "大米 1袋"}, NOW)
    [ask] = [e for e in world.db.events if e.kind == "stock"]
    topic, key, msg = encode(ask, NOW)
    assert (topic, key) == (topics.DOORSTEP_STOCK, t.id)
    back = pb.DoorstepStockEvent.FromString(msg.SerializeToString())
    assert back.WhichOneof("event") == "reserve" and [(x.sku, x.quantity) for x in back.reserve.lines] == [("rice", 1)]
    assert decode_stock_answer(msg.SerializeToString()) is None  # its own ask: not an answer
    answer = pb.DoorstepStockEvent(task_id=t.id, reserved=pb.DoorstepStockPickup(
        warehouse_id="W-1", warehouse_name="福田仓", lines=[pb.DoorstepStockLine(sku="rice", quantity=1)]))
    answer.meta.event_id = "ev-9"
    event_id, task_id, which, body = decode_stock_answer(answer.SerializeToString())
    assert (event_id, task_id, which, body["warehouse_name"]) == ("ev-9", t.id, "reserved", "福田仓")
    world.tasks.stock_answer(event_id, task_id, which, body)
    [told] = [e for e in world.db.events if e.kind == "task" and e.data["event"] == "stock"]  # the pages follow it
    _, _, wire = encode(told, NOW)
    assert wire.WhichOneof("event") == "stock" and wire.stock.warehouse_name == "福田仓"
