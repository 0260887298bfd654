"""Instants in the inventory: sent with +08:00 or Z, stored in UTC, read back with their zone on
SQLite (a file, as `make run` uses) and PostgreSQL alike, and carried by the events on the broker.

SQLite keeps text: before `UTCDateTime` it stored 20:00+08:00 as "20:00" and gave back a naive
20:00 (read as 20:00Z, eight hours late), so `as_of` and the price list disagreed with the truth.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from inv_fixtures import make_config
from inv_kafkautil import eventually, propose_picks, wait_for

from baolei_common import topics
from baolei_events.v1 import stock_pb2
from baolei_inventory.app import create_app

OP = {"Authorization": "Bearer demo-operator"}
UTC = timezone.utc
EVENING = "2026-12-02T20:00:00+08:00"  # 12:00Z
LATER_Z = "2026-12-02T12:30:00Z"
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HALF_PAST = datetime(2026, 12, 2, 12, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request, tmp_path: Path, kafka_settings):
    url = f"sqlite:///{tmp_path / 'inventory.db'}" if request.param == "sqlite" else request.getfixturevalue(
        "pg_database")
    app = create_app(make_config(url, kafka_settings, consumer_group=f"inv-{kafka_settings.topic_prefix}",
                                 db_pool_size=4, db_max_overflow=2))
    with TestClient(app) as c:
        assert c.post("/api/skus", headers=OP, json={"id": "rice", "name_zh": "大米", "name_en": "rice",
                                                     "unit": "bag"}).status_code == 200
        assert c.post("/api/warehouses", headers=OP, json={
            "id": "wh-ft", "name": "福田仓", "organisation": "食品物资集团", "district": "福田", "lat": 22.5,
            "lon": 114.0}).status_code == 200
        # ready (the outbox relay's producer started) before the test, so closing the app never
        # cancels a producer half way through its start
        eventually(lambda: c.get("/readyz").status_code == 200, deadline_s=60)
        yield c


def instant(text: str) -> datetime:
    """An aware datetime from the API's text; fails on a time without a zone."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.utcoffset() is not None, f"{text} has no zone"
    return value


def receipt(c: TestClient, lot: str, at: str, quantity: int) -> str:
    r = c.post("/api/movements", headers=OP, json={"kind": "receipt", "warehouse_id": "wh-ft", "sku": "rice",
                                                    "lot": lot, "quantity": quantity, "occurred_at": at})
    assert r.status_code == 201, r.text
    return r.json()["movement_id"]


def test_instants_are_kept_with_their_zone(client, kafka_settings):
    first = receipt(client, "L1", EVENING, 10)
    second = receipt(client, "L2", LATER_Z, 5)
    moves = {m["movement_id"]: m for m in client.get("/api/movements", headers=OP).json()}
    assert instant(moves[first]["occurred_at"]) == NOON
    assert instant(moves[second]["occurred_at"]) == HALF_PAST
    assert abs((instant(moves[first]["recorded_at"]) - datetime.now(UTC)).total_seconds()) < 120

    # balances as of 20:10 Shenzhen time = 12:10Z: the first receipt only
    at_1210 = client.get("/api/balances", headers=OP, params={"as_of": "2026-12-02T20:10:00+08:00"}).json()
    assert [(b["warehouse_id"], b["on_hand"]) for b in at_1210] == [("wh-ft", 10)]
    at_1240 = client.get("/api/balances", headers=OP, params={"as_of": "2026-12-02T12:40:00Z"}).json()
    assert at_1240[0]["on_hand"] == 15

    r = client.post("/api/prices", headers=OP, json={"sku": "rice", "district": "福田", "source": "market_survey",
                                                      "price_fen": 5000, "observed_at": EVENING})
    assert r.status_code == 201, r.text
    assert instant(r.json()["observed_at"]) == NOON
    listed = client.get("/api/prices", headers=OP, params={"sku": "rice"}).json()
    assert [instant(p["observed_at"]) for p in listed] == [NOON]

    # a hold, made by a proposal on the broker (the HTTP API has no hold writes), read back over HTTP
    # its expiry is the proposal's own deadline (the one hold TTL is the matcher's), not a setting of the inventory
    deadline = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=7)
    propose_picks(kafka_settings, "A-time", [("wh-ft", "rice", 2)], hold_expires_at=deadline)
    hold = eventually(lambda: client.get("/api/holds", headers=OP, params={"assignment_id": "A-time"}).json())[0]
    assert instant(hold["expires_at"]) == deadline

    # the events carry the same instants
    stock_topic = kafka_settings.topic_prefix + topics.STOCK

    def occurred(_key: bytes, value: bytes):
        msg = stock_pb2.StockChanged.FromString(value)
        return msg if msg.sku == "rice" and (msg.on_hand, msg.held) == (10, 0) else None  # the first receipt

    event = wait_for(kafka_settings.bootstrap_servers, stock_topic, occurred)
    assert event.meta.occurred_at.ToDatetime(tzinfo=UTC) == NOON


def test_a_time_without_its_zone_is_refused(client):
    r = client.post("/api/movements", headers=OP, json={
        "kind": "receipt", "warehouse_id": "wh-ft", "sku": "rice", "lot": "L1", "quantity": 1,
        "occurred_at": "2026-12-02T20:00:00"})
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["field"] == "occurred_at" and "时区" in item["reason_zh"] and item["reason_en"]
    r = client.get("/api/balances", headers=OP, params={"as_of": "2026-12-02T20:00:00"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "as_of"
