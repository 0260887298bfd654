"""The inventory app on the real broker and PostgreSQL: assignment events in, stock levels,
price alerts and dead letters out."""
from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from inv_fixtures import make_config
from inv_kafkautil import eventually, produce, wait_for

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import assignments_pb2, deadletter_pb2, stock_pb2
from baolei_inventory.app import create_app

OP = {"Authorization": "Bearer demo-operator"}


@pytest.fixture
def app_client(pg_database, kafka_settings):
    app = create_app(make_config(pg_database, kafka_settings,
                                 consumer_group=f"inv-{kafka_settings.topic_prefix}"))
    with TestClient(app) as client:
        eventually(lambda: client.get("/readyz").status_code == 200)
        for sku in ({"id": "rice", "name_zh": "大米", "name_en": "rice", "unit": "bag"},
                    {"id": "pork", "name_zh": "猪肉", "name_en": "pork", "unit": "kg"}):
            assert client.post("/api/skus", json=sku, headers=OP).status_code == 200
        assert client.post("/api/warehouses", headers=OP, json={
            "id": "wh-ft", "name": "福田仓", "organisation": "食品物资集团", "district": "福田",
            "lat": 22.541, "lon": 114.055}).status_code == 200
        r = client.post("/api/movements", headers=OP, json={
            "kind": "receipt", "warehouse_id": "wh-ft", "sku": "rice", "lot": "L1", "quantity": 30})
        assert r.status_code == 201, r.text
        yield client, kafka_settings


def _proposed(event_id: str, assignment_id: str, quantity: int) -> bytes:
    return assignments_pb2.AssignmentEvent(
        meta=meta(producer="matcher", event_id=event_id),
        proposed=assignments_pb2.AssignmentProposed(
            assignment_id=assignment_id, need_id="need-7",
            picks=[assignments_pb2.SupplyPick(sku="rice", warehouse_id="wh-ft", quantity=quantity)]),
    ).SerializeToString()


def test_proposed_assignment_holds_stock_and_publishes_the_level(app_client):
    client, kafka = app_client
    produce(kafka.bootstrap_servers, kafka.topic(topics.ASSIGNMENTS), b"need-7", _proposed("e-1", "as-7", 12))

    def reflected(key: bytes, value: bytes):
        msg = stock_pb2.StockChanged.FromString(value)
        return msg if "assignment=as-7" in msg.cause else None

    msg = wait_for(kafka.bootstrap_servers, kafka.topic(topics.STOCK), reflected)
    assert msg.cause.startswith("hold ")
    assert (msg.warehouse.id, msg.sku, msg.on_hand, msg.held, msg.available) == ("wh-ft", "rice", 30, 12, 18)
    assert msg.warehouse_operator == "食品物资集团" and msg.unit == "bag"
    ledger = client.get("/api/movements", params={"assignment_id": "as-7"}, headers=OP).json()
    assert sum(m["held_delta"] for m in ledger) == msg.held
    balance = client.get("/api/balances", params={"warehouse_id": "wh-ft", "sku": "rice"}, headers=OP).json()[0]
    assert (balance["held"], balance["available"]) == (msg.held, msg.available)


def test_poison_message_is_dead_lettered_and_consumption_goes_on(app_client):
    client, kafka = app_client
    poison = b"not a protobuf"
    produce(kafka.bootstrap_servers, kafka.topic(topics.ASSIGNMENTS), b"need-x", poison)
    produce(kafka.bootstrap_servers, kafka.topic(topics.ASSIGNMENTS), b"need-7", _proposed("e-2", "as-8", 5))

    def dead(key: bytes, value: bytes):
        msg = deadletter_pb2.DeadLetter.FromString(value)
        return msg if msg.value == poison else None

    letter = wait_for(kafka.bootstrap_servers, kafka.topic(topics.DEADLETTER), dead)
    assert letter.source_topic == kafka.topic(topics.ASSIGNMENTS) and letter.error
    holds = eventually(lambda: client.get("/api/holds", params={"assignment_id": "as-8"}, headers=OP).json())
    assert holds[0]["quantity"] == 5 and holds[0]["status"] == "held"


def test_price_above_the_band_raises_an_alert_on_kafka(app_client):
    client, kafka = app_client
    r = client.put("/api/baselines", headers=OP, json={"sku": "pork", "district": "福田", "baseline_fen": 3000})
    assert r.status_code == 200, r.text
    r = client.post("/api/prices", headers=OP, json={
        "sku": "pork", "district": "福田", "source": "market_survey", "price_fen": 3450})
    assert r.status_code == 201 and r.json()["grade"] == "alert"

    def alert(key: bytes, value: bytes):
        return stock_pb2.PriceAlert.FromString(value)

    msg = wait_for(kafka.bootstrap_servers, kafka.topic(topics.PRICE_ALERTS), alert)
    assert (msg.sku, msg.district, msg.grade) == ("pork", "福田", stock_pb2.PRICE_GRADE_ALERT)
    assert (msg.price_fen, msg.baseline_fen) == (3450, 3000)
    assert abs(msg.rise_ratio - 0.15) < 1e-9
    assert "猪肉" in msg.message_zh and "pork" in msg.message_en
    listed = client.get("/api/alerts", headers=OP).json()
    assert listed[0]["event_id"] == msg.meta.event_id


def test_a_hold_stays_held_until_the_log_says_expired(pg_database, kafka_settings):
    """One owner of hold expiry, the requests service: the inventory never expires a hold itself."""
    app = create_app(make_config(pg_database, kafka_settings,
                                 consumer_group=f"inv-{kafka_settings.topic_prefix}"))
    with TestClient(app) as client:
        eventually(lambda: client.get("/readyz").status_code == 200)
        client.post("/api/skus", headers=OP, json={"id": "rice", "name_zh": "大米", "name_en": "rice", "unit": "bag"})
        client.post("/api/warehouses", headers=OP, json={
            "id": "wh-ft", "name": "福田仓", "organisation": "食品物资集团", "district": "福田",
            "lat": 22.541, "lon": 114.055})
        client.post("/api/movements", headers=OP, json={
            "kind": "receipt", "warehouse_id": "wh-ft", "sku": "rice", "lot": "L1", "quantity": 10})
        produce(kafka_settings.bootstrap_servers, kafka_settings.topic(topics.ASSIGNMENTS), b"need-9",
                _proposed("e-9", "as-9", 4))
        eventually(lambda: client.get("/api/holds", params={"assignment_id": "as-9"}, headers=OP).json())
        time.sleep(2)  # no timer of the inventory's own releases it
        assert client.get("/api/holds", params={"assignment_id": "as-9"}, headers=OP).json()[0]["status"] == "held"
        released = assignments_pb2.AssignmentEvent(
            meta=meta(producer="requests", event_id="e-10", actor="system"),
            released=assignments_pb2.AssignmentReleased(assignment_id="as-9", need_id="need-7", reason="expired"))
        produce(kafka_settings.bootstrap_servers, kafka_settings.topic(topics.ASSIGNMENTS), b"need-7",
                released.SerializeToString())
        holds = eventually(lambda: (h := client.get("/api/holds", params={"assignment_id": "as-9"}, headers=OP)
                                    .json())[0]["status"] == "expired" and h)
        assert holds[0]["quantity"] == 4
        balance = client.get("/api/balances", headers=OP).json()[0]
        assert (balance["held"], balance["available"]) == (0, 10)
