"""The HTTP API on PostgreSQL and the broker: permissions, error bodies, CSV all-or-nothing, reserve,
cover, demo. Holds are made the one way there is: a proposal on the assignments topic."""
from __future__ import annotations

import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
import uvicorn
from fastapi.testclient import TestClient
from inv_fixtures import make_config
from inv_kafkautil import eventually, propose_picks, wait_for

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_dev.demo_inventory import load_demo
from baolei_events.v1 import assignments_pb2
from baolei_inventory.app import create_app

OP = {"Authorization": "Bearer demo-operator"}
FMG = {"Authorization": "Bearer demo-fmg"}
VIEW = {"Authorization": "Bearer demo-viewer"}


@pytest.fixture
def client(pg_database, kafka_settings):
    app = create_app(make_config(pg_database, kafka_settings, consumer_group=f"inv-{kafka_settings.topic_prefix}"))
    with TestClient(app) as c:
        eventually(lambda: c.get("/readyz").status_code == 200)  # consuming the assignments topic
        c.post("/api/skus", headers=OP, json={"id": "rice", "name_zh": "大米", "name_en": "rice", "unit": "bag"})
        for wid, org, district in (("wh-fmg", "食品物资集团", "福田"), ("wh-other", "其他国企", "南山")):
            c.post("/api/warehouses", headers=OP, json={"id": wid, "name": wid, "organisation": org,
                                                        "district": district, "lat": 22.5, "lon": 114.0})
            c.post("/api/movements", headers=OP, json={"kind": "receipt", "warehouse_id": wid, "sku": "rice",
                                                       "lot": "L1", "quantity": 10})
        yield c


def _hold(client: TestClient, kafka: KafkaSettings, wid: str, aid: str, q: int = 2) -> None:
    """Hold rice for an assignment through its proposal on the broker; back once the hold shows."""
    propose_picks(kafka, aid, [(wid, "rice", q)])
    eventually(lambda: client.get("/api/holds", headers=OP, params={"assignment_id": aid}).json())


def test_permissions(client, kafka_settings):
    r = client.post("/api/movements", json={"kind": "receipt", "warehouse_id": "wh-fmg", "sku": "rice",
                                            "lot": "L2", "quantity": 1})
    assert r.status_code == 401 and r.json()["detail"][0]["field"] == "Authorization"
    assert client.get("/api/balances").status_code == 401
    assert client.get("/api/balances", headers=VIEW).status_code == 200
    move = {"kind": "issue", "sku": "rice", "quantity": 1}
    assert client.post("/api/movements", headers=VIEW, json=move | {"warehouse_id": "wh-fmg"}).status_code == 403
    assert client.post("/api/movements", headers=FMG, json=move | {"warehouse_id": "wh-fmg"}).status_code == 201
    r = client.post("/api/movements", headers=FMG, json=move | {"warehouse_id": "wh-other"})
    assert r.status_code == 403 and r.json()["detail"][0]["field"] == "warehouse_id"
    assert {b["warehouse_id"] for b in client.get("/api/balances", headers=FMG).json()} == {"wh-fmg"}
    # the read rule: a dispatcher reads its own organisation's warehouses only
    assert client.get("/api/warehouses/wh-fmg/lots", headers=FMG, params={"sku": "rice"}).status_code == 200
    others = (("/api/warehouses/wh-other/lots", {"sku": "rice"}), ("/api/movements", {"warehouse_id": "wh-other"}))
    for path, params in others:
        r = client.get(path, headers=FMG, params=params)
        assert r.status_code == 403 and r.json()["detail"][0]["field"] == "warehouse_id", r.text
        assert "无权查看其他单位的仓库" in r.json()["detail"][0]["reason_zh"]
    assert client.get("/api/warehouses/wh-other/lots", headers=VIEW, params={"sku": "rice"}).status_code == 200
    _hold(client, kafka_settings, "wh-fmg", "a2")
    _hold(client, kafka_settings, "wh-other", "a4")
    assert {h["assignment_id"] for h in client.get("/api/holds", headers=FMG).json()} == {"a2"}
    assert {h["assignment_id"] for h in client.get("/api/holds", headers=OP).json()} == {"a2", "a4"}
    assert client.post("/api/reserve/release", headers=FMG, json={
        "warehouse_id": "wh-fmg", "sku": "rice", "quantity": 1}).status_code == 403


def test_hold_writes_are_gone_from_http(client, kafka_settings):
    """Stock is held, issued and released by assignment events only: the requests service owns an
    assignment's life, so the inventory takes no hold write over HTTP."""
    body = {"assignment_id": "a1", "picks": [{"warehouse_id": "wh-fmg", "sku": "rice", "quantity": 1}]}
    assert client.post("/api/holds", headers=OP, json=body).status_code == 405
    _hold(client, kafka_settings, "wh-fmg", "a1")
    for path in ("/api/holds/a1/confirm", "/api/holds/a1/release"):
        assert client.post(path, headers=OP).status_code == 404
    assert [h["status"] for h in client.get("/api/holds", headers=OP, params={"assignment_id": "a1"}).json()] == [
        "held"]


def test_errors_name_the_field_in_chinese_and_english(client):
    move = {"kind": "issue", "warehouse_id": "wh-fmg", "sku": "rice"}
    r = client.post("/api/movements", headers=OP, json=move | {"quantity": -1})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "quantity"
    r = client.post("/api/movements", headers=OP, json=move | {"quantity": 11})
    body = r.json()["detail"][0]
    assert r.status_code == 409 and "不足" in body["reason_zh"] and "insufficient" in body["reason_en"]
    r = client.post("/api/movements", headers=OP, json={"kind": "receipt", "warehouse_id": "nope",
                                                        "sku": "rice", "lot": "L", "quantity": 1})
    assert r.status_code == 404 and r.json()["detail"][0]["field"] == "warehouse_id"


def test_csv_counts_all_or_nothing(client):
    bad = "warehouse_id,sku,lot,counted\nwh-fmg,rice,L1,7\nwh-fmg,rice,L2,x\nwh-zz,rice,L1,1\n"
    r = client.post("/api/stock-counts/csv", headers=OP, files={"file": ("c.csv", bad, "text/csv")})
    assert r.status_code == 422
    assert [(e["row"], e["field"]) for e in r.json()["detail"]] == [(3, "counted"), (4, "warehouse_id")]
    assert client.get("/api/balances", params={"warehouse_id": "wh-fmg"}, headers=OP).json()[0]["on_hand"] == 10
    theirs = "warehouse_id,sku,lot,counted\nwh-other,rice,L1,1\n"
    r = client.post("/api/stock-counts/csv", headers=FMG, files={"file": ("c.csv", theirs, "text/csv")})
    assert r.status_code == 403 and r.json()["detail"][0]["field"] == "warehouse_id"  # not theirs: refused
    good = "warehouse_id,sku,lot,counted,reserve\nwh-fmg,rice,L1,7,\nwh-fmg,rice,R1,50,true\n"
    r = client.post("/api/stock-counts/csv", headers=FMG, files={"file": ("c.csv", good, "text/csv")})
    assert r.status_code == 200 and r.json() == {"applied": 2}
    b = client.get("/api/balances", params={"warehouse_id": "wh-fmg"}, headers=OP).json()[0]
    assert (b["on_hand"], b["available"], b["reserve"]) == (7, 7, 50)
    survey = "sku,district,source,price_fen\nrice,福田,market_survey,5000\n"
    r = client.post("/api/prices/csv", headers=OP, files={"file": ("p.csv", survey, "text/csv")})
    assert r.json() == {"applied": 1}


def test_reserve_is_excluded_until_released_and_cover(client, kafka_settings):
    client.post("/api/movements", headers=OP, json={"kind": "receipt", "warehouse_id": "wh-fmg", "sku": "rice",
                                                    "lot": "R", "quantity": 100, "reserve": True})
    # reserve is not available to hold: the proposal is released as stock_short
    propose_picks(kafka_settings, "a7", [("wh-fmg", "rice", 11)])

    def short(_key: bytes, value: bytes):
        event = assignments_pb2.AssignmentEvent.FromString(value)
        return event.WhichOneof("event") == "released" and event.released.assignment_id == "a7" and event.released
    released = wait_for(kafka_settings.bootstrap_servers, kafka_settings.topic(topics.ASSIGNMENTS), short)
    assert released.reason == "stock_short"
    assert client.get("/api/holds", headers=OP, params={"assignment_id": "a7"}).json() == []
    r = client.post("/api/reserve/release", headers=OP, json={"warehouse_id": "wh-fmg", "sku": "rice", "quantity": 40})
    assert r.status_code == 200, r.text
    b = client.get("/api/balances", params={"warehouse_id": "wh-fmg"}, headers=OP).json()[0]
    assert (b["on_hand"], b["available"], b["reserve"]) == (50, 50, 60)
    day = datetime.now(timezone.utc) - timedelta(days=1)
    client.post("/api/movements", headers=OP, json={"kind": "issue", "warehouse_id": "wh-fmg", "sku": "rice",
                                                    "quantity": 35, "occurred_at": day.isoformat()})
    cover = {(x["sku"], x["district"]): x for x in client.get("/api/cover", headers=OP).json()}
    futian = cover[("rice", "福田")]
    assert futian["daily"] == 5 and futian["days"] == 3 and futian["available"] == 15
    assert cover[("rice", "南山")]["days"] is None


def test_demo_loads_over_http(pg_database, kafka_settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(make_config(pg_database, kafka_settings, start_consumer=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        eventually(lambda: server.started)
        load_demo(f"http://127.0.0.1:{port}", "demo-operator")
        c = app.state.container
        assert len(c.catalog.warehouses()) == 6 and c.catalog.ledger_agrees()
        alerts = {(a.sku, a.district): a for a in c.prices.alerts()}
        assert alerts[("pork", "福田")].grade == "crisis"
        assert alerts[("pork", "福田")].recommended_reserve_release > 0
        assert alerts[("eggs", "罗湖")].grade == "alert"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_holds_are_paged_and_say_how_many_there_are(client, kafka_settings):
    """GET /api/holds used to stop at 500 rows without a word: now it says the total and where the
    next page starts, and the pages together are every hold exactly once."""
    for i in range(7):
        _hold(client, kafka_settings, "wh-fmg", f"as-{i}", 1)
    seen: list[int] = []
    before = None
    while True:
        params = {"limit": 3, **({"before_id": before} if before else {})}
        r = client.get("/api/holds", headers=OP, params=params)
        assert r.status_code == 200 and r.headers["X-Total-Count"] == "7"
        seen += [h["id"] for h in r.json()]
        before = r.headers.get("X-Next-Before-Id")
        if before is None:
            break
    assert len(seen) == 7 and len(set(seen)) == 7 and seen == sorted(seen, reverse=True)
    assert client.get("/api/holds", headers=OP, params={"limit": 0}).status_code == 422


def test_a_warehouse_outside_shenzhen_is_refused(client):
    body = {"id": "wh-far", "name": "远方仓", "organisation": "食品物资集团", "district": "福田",
            "lat": 39.9042, "lon": 116.4074}  # Beijing
    r = client.post("/api/warehouses", headers=OP, json=body)
    assert r.status_code == 422
    assert {d["field"] for d in r.json()["detail"]} == {"lat", "lon"}
    assert all("深圳" in d["reason_zh"] and "Shenzhen" in d["reason_en"] for d in r.json()["detail"])
    assert "wh-far" not in {w["id"] for w in client.get("/api/warehouses", headers=OP).json()}
    r = client.post("/api/warehouses", headers=OP, json=body | {"lat": 22.5960, "lon": 114.4780})  # 大鹏
    assert r.status_code == 200 and r.json()["lat"] == 22.596


def test_prices_only_for_known_districts_and_not_in_the_future(client):
    """火星 and a price dated 2099 were taken and stood as the latest for ever; now 422 naming the
    field, in the API and per CSV row (every bad row at once, nothing applied). A few minutes of clock
    drift ahead is taken."""
    price = {"sku": "rice", "source": "market_survey", "price_fen": 5000}
    r = client.post("/api/prices", headers=OP, json=price | {"district": "火星"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "district", r.text
    assert "火星" in r.json()["detail"][0]["reason_zh"] and "福田" in r.json()["detail"][0]["reason_zh"]
    r = client.post("/api/prices", headers=OP, json=price | {"district": "福田",
                                                           "observed_at": "2099-01-01T08:00:00+08:00"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "observed_at", r.text
    soon = (datetime.now(timezone.utc) + timedelta(minutes=2)).isoformat()
    r = client.post("/api/prices", headers=OP, json=price | {"district": "福田", "observed_at": soon})
    assert r.status_code == 201, r.text
    survey = ("sku,district,source,price_fen,observed_at\nrice,福田,market_survey,5000,\n"
              "rice,火星,market_survey,5000,\nrice,南山,market_survey,5000,2099-01-01T08:00:00+08:00\n")
    r = client.post("/api/prices/csv", headers=OP, files={"file": ("p.csv", survey, "text/csv")})
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"]) for e in r.json()["detail"]] == [(3, "district"), (4, "observed_at")]
    assert len(client.get("/api/prices", headers=OP, params={"sku": "rice"}).json()) == 1  # nothing applied
