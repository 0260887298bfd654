"""Issue 18: an ask for staples (调拨物资) over the real broker. A supply need finds no rice; the
attention panel names the supply group best placed (its warehouse read from the inventory) with
the figures ("缺 大米 30 袋"); the operator asks; the group's dispatcher answers with rice received
into its warehouse; the inventory applies the answer once (from baolei.asks.v1) and publishes the
new level; the matcher uses it at once and the unmet need is matched; the ask says what it unlocked."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll, rice_warehouses

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}
FMG = {"Authorization": "Bearer demo-fmg"}
BUS = {"Authorization": "Bearer demo-bus"}


@pytest.fixture
def requests_client(kafka_settings, pg_databases, inventory):
    """The requests service reading the inventory's warehouses (for whom to ask and the answer's checks)."""
    with TestClient(create_app(RequestsConfig(
            database_url=pg_databases(), kafka=kafka_settings, inventory_url=inventory["url"],
            consumer_group=f"rq-{kafka_settings.topic_prefix}"))) as client:
        yield client


def unmet_count(c: TestClient) -> int:
    return c.get("/api/overview", headers=OP).json()["needs"]["by_status"].get("unmet", 0)


def test_an_ask_for_rice_answered_by_the_supply_group_lets_the_matcher_meet_the_need(
        requests_client, matcher, inventory):
    c = requests_client
    rice_warehouses(inventory["url"], (("wh-futian", "食品物资集团福田仓", 22.5330, 114.0500),
                                       ("wh-baoan", "食品物资集团宝安仓", 22.5550, 113.8830)))
    site = {"id": "c-xixiang", "name": "西乡社区", "district": "宝安", "zone": "controlled",
            "lat": 22.577, "lon": 113.87}
    assert c.put(f"/api/sites/{site['id']}", headers=OP, json=site).status_code == 200
    need = {"kind": "supply", "site_id": site["id"], "lines": [{"sku": "rice", "quantity": 30}],
            "due_at": (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()}
    need_id = c.post("/api/needs", headers=OP, json=need).json()["id"]
    poll(lambda: c.get(f"/api/needs/{need_id}", headers=OP).json()["status"] == "unmet")
    assert unmet_count(c) == 1

    # the panel names the group and its nearest warehouse, with the figures
    group = next(g for g in c.get("/api/attention", headers=OP).json()["unmet"] if g["cause"] == "stock")
    best = group["ask_options"][0]
    assert (best["kind"], best["organisation"], best["resource_id"]) == ("move_stock", "食品物资集团", "wh-baoan")
    assert best["text_zh"] == "调拨物资：缺 大米 30 袋（食品物资集团宝安仓）", best
    assert best["figures"]["stock"] == {"rice": 30}

    # only the command center asks; a bus company cannot answer the supply group's ask
    assert c.post("/api/asks", headers=FMG, json={"cause": "stock", "organisation": "食品物资集团"}).status_code == 403
    r = c.post("/api/asks", headers=OP, json={"cause": "stock", "organisation": "食品物资集团"})
    assert r.status_code == 201, r.text
    ask = r.json()
    assert ask["kind"] == "move_stock" and ask["status"] == "open" and ask["figures"]["stock"] == {"rice": 30}

    # the supply group sees it on its page, with its own warehouses, and answers
    (mine,) = [a for a in c.get("/api/asks", headers=FMG).json() if a["id"] == ask["id"]]
    assert {w["id"] for w in mine["warehouses"]} == {"wh-futian", "wh-baoan"}
    assert c.get("/api/asks", headers=BUS).json() == []
    body = {"stock": [{"sku": "rice", "quantity": 30, "warehouse_id": "wh-baoan", "expiry": "2027-06-30"}]}
    assert c.post(f"/api/asks/{ask['id']}/answer", headers=BUS, json=body).status_code == 403
    bad = c.post(f"/api/asks/{ask['id']}/answer", headers=FMG,
                 json={"stock": [{"sku": "rice", "quantity": 30, "warehouse_id": "wh-nowhere"}]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "stock.0.warehouse_id", bad.text
    r = c.post(f"/api/asks/{ask['id']}/answer", headers=FMG, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered" and "入库 大米 30 袋 至食品物资集团宝安仓" in r.json()["answer_zh"]

    # the inventory applies it once; the matcher uses it at once; the unmet count falls
    inv = httpx.Client(base_url=inventory["url"], headers=OP, timeout=10)
    bal = poll(lambda: inv.get("/api/balances", params={"warehouse_id": "wh-baoan", "sku": "rice"}).json())
    assert bal[0]["on_hand"] == 30, bal
    moves = inv.get("/api/movements", params={"warehouse_id": "wh-baoan"}).json()
    assert [(m["on_hand_delta"], m["lot"], m["reason"], m["actor"]) for m in moves if m["kind"] == "receipt"] == [
        (30, f"{ask['id']}-1", f"ask:{ask['id']}", "食品物资集团调度")], moves
    need = poll(lambda: (n := c.get(f"/api/needs/{need_id}", headers=OP).json())["status"] == "proposed" and n,
                timeout_s=60)
    assert [p["warehouse"] for p in need["assignments"][0]["picks"]] == ["wh-baoan"]
    assert unmet_count(c) == 0

    # the ask says what it unlocked; ask and answer are audited
    done = poll(lambda: (a := next(x for x in c.get("/api/asks", headers=OP).json() if x["id"] == ask["id"]))
                ["unlocked_people"] and a)
    assert done["unlocked_people"] == 1 and "已匹配 1 项需求" in done["line_zh"], done
    actions = [e["action"] for e in c.get("/api/audit", params={"entity": f"ask:{ask['id']}"}, headers=OP).json()]
    assert sorted(actions) == ["ask.answer", "ask.send"], actions
