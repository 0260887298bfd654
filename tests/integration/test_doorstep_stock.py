"""A 代购 task's staples drawn from a supply group's stock (issue 19 §2), on the real broker and
PostgreSQL with both services running (volunteers and inventory, each its own database): raising
the task reserves exactly its list's staples in the district's warehouse and shows the pickup;
a redelivered or repeated reserve holds nothing more; cancel releases; done issues; a list the
district cannot fill says why and what to do."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from baolei_common import topics
from baolei_events.v1 import volunteers_pb2
from baolei_inventory.app import create_app as inventory_app
from baolei_inventory.config import InventoryConfig
from baolei_volunteers.app import create_app as volunteers_app
from baolei_volunteers.config import VolunteersConfig
from tests.integration.conftest import poll
from tests.integration.inventory.inv_kafkautil import produce, wait_for
from tests.integration.test_permission_matrix_volunteers import City

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}
WORKER = {"Authorization": "Bearer demo-community"}


@pytest.fixture
def both(kafka_settings, pg_databases):
    inv_db, vol_db = pg_databases(), pg_databases()
    inv = inventory_app(InventoryConfig(database_url=inv_db, kafka=kafka_settings,
                                        consumer_group=f"inv-{kafka_settings.topic_prefix}"))
    vol = volunteers_app(VolunteersConfig(database_url=vol_db, kafka=kafka_settings, live_feed=False,
                                          consumer_group=f"vol-{kafka_settings.topic_prefix}", match_debounce_s=0.2))
    with TestClient(inv) as ic, TestClient(vol) as vc:
        poll(lambda: ic.get("/readyz").status_code == 200 and vc.get("/readyz").status_code == 200, timeout_s=60)
        for sku in ({"id": "rice", "name_zh": "大米", "name_en": "rice", "unit": "bag"},
                    {"id": "eggs", "name_zh": "鸡蛋", "name_en": "eggs", "unit": "tray"}):
            assert ic.post("/api/skus", json=sku, headers=OP).status_code == 200
        assert ic.post("/api/warehouses", headers=OP, json={
            "id": "wh-ft", "name": "食品物资集团福田仓", "organisation": "食品物资集团", "district": "福田",
            "lat": 22.541, "lon": 114.055}).status_code == 200
        for sku, q in (("rice", 10), ("eggs", 5)):
            r = ic.post("/api/movements", headers=OP, json={"kind": "receipt", "warehouse_id": "wh-ft", "sku": sku,
                                                           "lot": "L1", "quantity": q})
            assert r.status_code == 201, r.text
        City(vc)  # the demo community: compounds, households, volunteers (福田)
        yield ic, vc, inv_db


def balance(ic: TestClient, sku: str) -> tuple[int, int, int]:
    b = ic.get("/api/balances", params={"warehouse_id": "wh-ft", "sku": sku}, headers=OP).json()[0]
    return b["on_hand"], b["held"], b["available"]


def task(vc: TestClient, task_id: str) -> dict:
    register = vc.get("/api/community", headers=OP, params={"name": "莲花北社区"}).json()
    return next(t for t in register["tasks"] if t["id"] == task_id)


def settled(vc: TestClient, task_id: str, state: str) -> dict:
    return dict(poll(lambda: (t := task(vc, task_id))["stock"].get("state") == state and t, timeout_s=60))


def processed(inv_db: str, event_id: str) -> bool:
    engine = create_engine(inv_db)
    try:
        with engine.connect() as c:
            return c.execute(text("SELECT 1 FROM processed_events WHERE event_id = :e"), {"e": event_id}).first() \
                is not None
    finally:
        engine.dispose()


def test_a_shopping_task_reserves_exactly_its_staples_once_and_cancel_releases_them(both, kafka_settings):
    ic, vc, inv_db = both
    r = vc.post("/api/tasks", headers=WORKER, json={"household_id": "H-LHB1-0701", "kind": "代购",
                                                     "shopping_list": "大米 3袋、鸡蛋 2托、酱油 1瓶、香蕉 1把"})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    t = settled(vc, tid, "reserved")
    assert t["stock"]["warehouse_name"] == "食品物资集团福田仓"
    assert t["stock"]["lines"] == [{"sku": "rice", "quantity": 3}, {"sku": "eggs", "quantity": 2}]
    assert balance(ic, "rice") == (10, 3, 7) and balance(ic, "eggs") == (5, 2, 3)  # exactly the list

    # the reserve delivered again, and asked again under a new event id: nothing more is held
    def reserve_of(key: bytes, value: bytes):
        msg = volunteers_pb2.DoorstepStockEvent.FromString(value)
        return value if msg.task_id == tid and msg.WhichOneof("event") == "reserve" else None
    raw = wait_for(kafka_settings.bootstrap_servers, kafka_settings.topic(topics.DOORSTEP_STOCK), reserve_of)
    topic = kafka_settings.topic(topics.DOORSTEP_STOCK)
    produce(kafka_settings.bootstrap_servers, topic, tid.encode(), raw)
    again = volunteers_pb2.DoorstepStockEvent.FromString(raw)
    again.meta.event_id = f"again-{tid}"
    produce(kafka_settings.bootstrap_servers, topic, tid.encode(), again.SerializeToString())
    poll(lambda: processed(inv_db, f"again-{tid}"), timeout_s=60)
    assert balance(ic, "rice") == (10, 3, 7) and balance(ic, "eggs") == (5, 2, 3)

    # the community cancels it: the stock is available again
    assert vc.post(f"/api/tasks/{tid}/cancel", headers=WORKER).status_code == 200
    poll(lambda: balance(ic, "rice") == (10, 0, 10) and balance(ic, "eggs") == (5, 0, 5), timeout_s=60)
    assert task(vc, tid)["stock"]["state"] == "released" and task(vc, tid)["status"] == "cancelled"


def test_done_issues_the_reserved_staples_and_a_list_the_district_cannot_fill_says_why(both):
    ic, vc, _ = both
    r = vc.post("/api/tasks", headers=WORKER, json={"household_id": "H-LHB1-0701", "kind": "代购",
                                                     "shopping_list": "rice 2 bags", "duration_min": 5})
    tid = r.json()["id"]
    settled(vc, tid, "reserved")
    poll(lambda: task(vc, tid)["status"] == "proposed", timeout_s=60)
    assert vc.post(f"/api/tasks/{tid}/accept", headers=OP).status_code == 200
    assert vc.post(f"/api/tasks/{tid}/done", headers=OP, json={"note": "已送到"}).status_code == 200
    poll(lambda: balance(ic, "rice") == (8, 0, 8), timeout_s=60)  # issued: gone from the shelf
    short = vc.post("/api/tasks", headers=WORKER, json={"household_id": "H-LHB1-0701", "kind": "代购",
                                                         "shopping_list": "大米 20袋"}).json()["id"]
    s = settled(vc, short, "short")["stock"]
    assert "福田" in s["reason_zh"] and "大米 20 袋" in s["reason_zh"] and s["fix_zh"] and s["fix_en"]
    assert balance(ic, "rice") == (8, 0, 8)  # nothing held for a list that could not be filled
    bad = vc.post("/api/tasks", headers=WORKER, json={"household_id": "H-LHB1-0701", "kind": "代购",
                                                       "shopping_list": "大米 5斤"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "shopping_list"
