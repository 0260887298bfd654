"""A supply need posted over HTTP is matched to stock the inventory published, and the inventory
holds that stock for the assignment; the dispatcher's accept turns the hold into an issue."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}
FMG = {"Authorization": "Bearer demo-fmg"}


@pytest.fixture
def requests_client(kafka_settings, pg_databases):
    cfg = RequestsConfig(database_url=pg_databases(), kafka=kafka_settings,
                         consumer_group=f"rq-{kafka_settings.topic_prefix}")
    with TestClient(create_app(cfg)) as client:
        yield client


def stock_up(inv_url: str) -> None:
    with httpx.Client(base_url=inv_url, headers=OP, timeout=10) as c:
        assert c.post("/api/skus", json={"id": "rice", "name_zh": "大米", "name_en": "rice", "unit": "袋",
                                         "staple": True}).status_code in (200, 201)
        r = c.post("/api/warehouses", json={"id": "wh-futian", "name": "食品物资集团福田仓",
                                            "organisation": "食品物资集团", "district": "福田", "lat": 22.5330,
                                            "lon": 114.0500})
        assert r.status_code in (200, 201), r.text
        r = c.post("/api/movements", json={"kind": "receipt", "warehouse_id": "wh-futian", "sku": "rice",
                                           "lot": "rice-1", "quantity": 100, "expiry": "2027-06-30",
                                           "reason": "opening stock"})
        assert r.status_code in (200, 201), r.text


def test_supply_assignment_holds_stock_in_inventory(requests_client, matcher, inventory):
    c = requests_client
    stock_up(inventory["url"])
    assert c.put("/api/sites/c-xixiang", headers=OP, json={
        "id": "c-xixiang", "name": "西乡社区", "district": "宝安", "zone": "controlled",
        "lat": 22.5770, "lon": 113.8700}).status_code == 200
    due = (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()
    r = c.post("/api/needs", headers=OP, json={"kind": "supply", "site_id": "c-xixiang", "due_at": due,
                                               "lines": [{"sku": "rice", "quantity": 30}]})
    assert r.status_code == 201, r.text
    need_id = r.json()["id"]

    need = poll(lambda: (n := c.get(f"/api/needs/{need_id}", headers=OP).json())["status"] == "proposed" and n)
    (a,) = need["assignments"]
    core = [{k: p[k] for k in ("sku", "warehouse", "operator", "quantity")} for p in a["picks"]]
    assert core == [{"sku": "rice", "warehouse": "wh-futian", "operator": "食品物资集团", "quantity": 30}]
    assert a["picks"][0]["sku_zh"] == "大米" and a["picks"][0]["unit_zh"] == "袋"

    inv = httpx.Client(base_url=inventory["url"], headers=OP, timeout=10)
    holds = poll(lambda: inv.get("/api/holds", params={"assignment_id": a["id"]}).json())
    assert sum(h["quantity"] for h in holds) == 30
    (bal,) = inv.get("/api/balances", params={"warehouse_id": "wh-futian", "sku": "rice"}).json()
    assert (bal["on_hand"], bal["held"], bal["available"]) == (100, 30, 70)

    # the supply group's dispatcher accepts: the hold becomes an issue from the earliest lot
    assert c.post(f"/api/assignments/{a['id']}/accept", headers=FMG).status_code == 200
    poll(lambda: c.get(f"/api/needs/{need_id}", headers=OP).json()["status"] == "confirmed")
    bal = poll(lambda: (b := inv.get("/api/balances", params={"warehouse_id": "wh-futian", "sku": "rice"}).json()[0])
               ["on_hand"] == 70 and b)
    assert (bal["held"], bal["available"]) == (0, 70)
