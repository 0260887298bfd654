"""A need posted over HTTP comes back matched through the real broker and the Faust matcher."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, KafkaProducer

from baolei_common import topics
from baolei_events.v1 import deadletter_pb2
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}


def iso(d: datetime) -> str:
    return d.isoformat()


@pytest.fixture
def requests_client(kafka_settings, pg_database):
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-test")
    with TestClient(create_app(cfg)) as client:
        yield client


def raise_transfer(c: TestClient, risk: str, people: int, **extra) -> dict:
    """A transfer need at 莲花北社区, ready now, due in three hours; asserts it was accepted."""
    now = datetime.now(timezone.utc)
    r = c.post("/api/needs", headers=OP, json={
        "kind": "transfer", "site_id": "lianhua", "risk": risk, "people": people,
        "ready_at": iso(now), "due_at": iso(now + timedelta(hours=3)), **extra})
    assert r.status_code == 201, r.text
    return r.json()


def register_city(c: TestClient) -> None:
    now = datetime.now(timezone.utc)
    for site in (
        {"id": "lianhua", "name": "莲花北社区", "district": "福田", "zone": "sealed", "lat": 22.5585, "lon": 114.0578},
        {"id": "hzb", "name": "会展北", "district": "福田", "lat": 22.5367, "lon": 114.0545},
        {"id": "depot-futian", "name": "巴士集团福田车场", "district": "福田", "lat": 22.5401, "lon": 114.0300},
    ):
        assert c.put(f"/api/sites/{site['id']}", json=site, headers=OP).status_code == 200
    r = c.put("/api/hotels/H-hzb", headers=OP, json={
        "id": "H-hzb", "name": "会展北", "operator": "投控公司", "site_id": "hzb",
        "accepts": ["close_contact", "secondary_contact"], "rooms": {"standard": 40, "family": 5, "accessible": 2}})
    assert r.status_code == 200, r.text
    r = c.put("/api/buses/B-001", headers=OP, json={
        "id": "B-001", "operator": "巴士集团", "plate": "粤B·D1234", "depot_id": "depot-futian", "seats": 40,
        "load_limit": 0.5, "shift_start": iso(now - timedelta(hours=1)), "shift_end": iso(now + timedelta(hours=10)),
        "turnaround_min": 30})
    assert r.status_code == 200, r.text


def test_transfer_need_is_matched_end_to_end(requests_client, matcher):
    c = requests_client
    register_city(c)
    created = raise_transfer(c, "close_contact", 25, rooms={"standard": 19, "family": 2})
    need_id = created["id"]
    assert created["priority"] == 1  # sealed zone

    need = poll(lambda: (n := c.get(f"/api/needs/{need_id}", headers=OP).json())["status"] == "proposed" and n)
    (a,) = need["assignments"]
    assert a["room"]["hotel"] == "H-hzb"
    assert a["room"]["family"] == 2 and a["room"]["standard"] == 19
    # 25 people, 20 aboard at most (40 seats x 0.5): two trips of the one bus (which goes first is the
    # search's choice: both orders are valid and equally late)
    assert sorted(sum(x["people"] for s in t["stops"] for x in s["load"]) for t in a["trips"]) == [5, 20]
    assert all(t["bus"] == "B-001" and t["hotel"] == "H-hzb" for t in a["trips"])
    assert "会展北" in a["explanation_zh"]
    assert sorted(a["organisations"]) == ["巴士集团", "投控公司"]
    assert need["progress"] == {"asked": 25, "proposed": 25, "confirmed": 0, "delivered": 0, "remaining": 25}


def test_unservable_need_gets_a_reason(requests_client, matcher):
    c = requests_client
    register_city(c)
    need_id = raise_transfer(c, "inbound", 2)["id"]
    need = poll(lambda: (n := c.get(f"/api/needs/{need_id}", headers=OP).json())["status"] == "unmet" and n)
    assert need["unmet_code"] == "no_hotel_for_risk"
    assert "入境" in need["unmet_reason_zh"]
    # a hotel opens for inbound travellers: the unmet need is tried again and matched
    assert c.put("/api/sites/bg", headers=OP, json={"id": "bg", "name": "坝光国际酒店", "district": "大鹏",
                                                    "lat": 22.6510, "lon": 114.5420}).status_code == 200
    r = c.put("/api/hotels/H-bg", headers=OP, json={
        "id": "H-bg", "name": "坝光国际酒店", "operator": "投控公司", "site_id": "bg", "accepts": ["inbound"],
        "rooms": {"standard": 100, "family": 10, "accessible": 5}})
    assert r.status_code == 200, r.text
    need = poll(lambda: (n := c.get(f"/api/needs/{need_id}", headers=OP).json())["status"] == "proposed" and n)
    assert need["assignments"][0]["room"]["hotel"] == "H-bg"


def test_poison_message_goes_to_dead_letter_and_matching_goes_on(kafka_settings, requests_client, matcher):
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers)
    producer.send(kafka_settings.topic(topics.NEEDS), key=b"junk", value=b"\xff\xfe not a protobuf \x00\x01")
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(kafka_settings.topic(topics.DEADLETTER),
                             bootstrap_servers=kafka_settings.bootstrap_servers,
                             auto_offset_reset="earliest", consumer_timeout_ms=30000)
    record = next(iter(consumer))
    consumer.close()
    dl = deadletter_pb2.DeadLetter.FromString(record.value)
    assert dl.source_topic == kafka_settings.topic(topics.NEEDS)
    assert dl.value == b"\xff\xfe not a protobuf \x00\x01"
    assert dl.error  # the cause, e.g. DecodeError
    assert dl.meta.event_id
    # the consumer did not stop: a real need after the poison is still matched
    c = requests_client
    register_city(c)
    need_id = raise_transfer(c, "close_contact", 3)["id"]
    poll(lambda: c.get(f"/api/needs/{need_id}", headers=OP).json()["status"] == "proposed")


def test_requests_consumer_dead_letters_poison_and_goes_on(kafka_settings, requests_client):
    c = requests_client
    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers)
    producer.send(kafka_settings.topic(topics.ASSIGNMENTS), key=b"x", value=b"\x08\x96\x01garbage")
    producer.flush()
    consumer = KafkaConsumer(kafka_settings.topic(topics.DEADLETTER),
                             bootstrap_servers=kafka_settings.bootstrap_servers,
                             auto_offset_reset="earliest", consumer_timeout_ms=30000)
    record = next(iter(consumer))
    consumer.close()
    dl = deadletter_pb2.DeadLetter.FromString(record.value)
    assert dl.consumer == "requests-test" and dl.source_topic == kafka_settings.topic(topics.ASSIGNMENTS)
    assert dl.value == b"\x08\x96\x01garbage" and dl.error
    # the consumer is still alive: a valid event for an unknown need is dead-lettered too, by its own cause
    from baolei_common.events import meta
    from baolei_events.v1 import assignments_pb2
    ev = assignments_pb2.AssignmentEvent(meta=meta(producer="test"), unmet=assignments_pb2.NeedUnmet(need_id="nope"))
    producer.send(kafka_settings.topic(topics.ASSIGNMENTS), key=b"nope", value=ev.SerializeToString())
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(kafka_settings.topic(topics.DEADLETTER),
                             bootstrap_servers=kafka_settings.bootstrap_servers,
                             auto_offset_reset="earliest", consumer_timeout_ms=30000)
    records = [r for _, r in zip(range(2), consumer, strict=False)]
    consumer.close()
    assert "unknown need nope" in deadletter_pb2.DeadLetter.FromString(records[1].value).error
    assert c.get("/readyz").json()["consumer"] is True
