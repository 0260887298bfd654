"""The volunteers service (issue 19) as a real process on PostgreSQL and the real broker: the demo
community loaded over HTTP; a compound made a 管控区 goes out on the compacted zones topic and the
tasks it moves go out on the task log; a hotline's request over Kafka becomes one task however often
it is delivered; a message that cannot be used goes to the dead-letter topic."""
from __future__ import annotations

import uuid

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer

from baolei_common import topics
from baolei_events.v1 import deadletter_pb2, volunteers_pb2
from baolei_volunteers.adapters.proto import request
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
WORKER = {"Authorization": "Bearer demo-community"}
OP = {"Authorization": "Bearer demo-operator"}


def read_all(kafka_settings, topic: str, *, want: int = 1, timeout_s: float = 30) -> list:
    consumer = KafkaConsumer(kafka_settings.topic(topic), bootstrap_servers=kafka_settings.bootstrap_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             group_id=f"read-{uuid.uuid4().hex[:8]}", consumer_timeout_ms=1000)
    got: list = []
    try:
        def more():
            got.extend(consumer)
            return len(got) >= want
        poll(more, timeout_s=timeout_s, every_s=0.1)
    finally:
        consumer.close()
    return got


def tasks_of(base: str, headers=WORKER) -> list[dict]:
    return httpx.get(f"{base}/api/community", headers=headers, timeout=30).json()["tasks"]


def planned(base: str, task_id: str, headers=WORKER) -> dict:
    """The task once the matching loop has planned it (no longer 匹配中)."""
    def done():
        t = next((t for t in tasks_of(base, headers) if t["id"] == task_id), None)
        return t if t is not None and t["status"] != "matching" else None
    return poll(done, timeout_s=60)


def test_zone_change_and_task_moves_are_published_and_hotline_requests_are_applied_once(volunteers, kafka_settings):
    from baolei_dev.demo_volunteers import load_demo

    base = volunteers["url"]
    load_demo(base, "demo-operator", tasks=False)
    r = httpx.post(f"{base}/api/tasks", headers=WORKER, json={"household_id": "H-LHB2-0302", "kind": "快递代取"})
    assert r.status_code == 201 and (r.json()["status"], r.json()["status_zh"]) == ("matching", "匹配中"), r.text
    parcel = r.json()["id"]
    assert planned(base, parcel)["volunteer_id"] == "V-LH-01"  # 一助一 pair
    r = httpx.put(f"{base}/api/compounds/C-LHB-1/zone", headers=WORKER, json={"zone": "管控区"})
    assert r.status_code == 200 and r.json()["previous_zone"] == "常态", r.text
    assert r.json()["matching"] == "pending"

    zones = [volunteers_pb2.CompoundZone.FromString(m.value) for m in read_all(kafka_settings, topics.ZONES, want=5)]
    last = [z for z in zones if z.compound_id == "C-LHB-1"][-1]
    assert (last.zone, last.previous_zone, last.community) == ("管控区", "常态", "莲花北社区")
    assert all(m.meta.event_id and m.meta.producer == "volunteers" for m in zones)

    def moved():
        evs = [volunteers_pb2.DoorstepTaskEvent.FromString(m.value)
               for m in read_all(kafka_settings, topics.DOORSTEP_TASKS, want=3)]
        return [e for e in evs if e.task_id == parcel and e.WhichOneof("event") == "released"] and evs
    events = poll(moved, timeout_s=30)
    mine = [e for e in events if e.task_id == parcel]
    assert [e.WhichOneof("event") for e in mine][:2] == ["raised", "proposed"]
    released = next(e for e in mine if e.WhichOneof("event") == "released")
    assert released.volunteer_id == "V-LH-01" and released.released.reason_zh
    raw = read_all(kafka_settings, topics.DOORSTEP_TASKS, want=3)
    assert {m.key.decode() for m in raw if volunteers_pb2.DoorstepTaskEvent.FromString(m.value).task_id == parcel} \
        == {parcel}
    # no phone number on the bus: the volunteers' state carries only the mask
    states = [volunteers_pb2.VolunteerState.FromString(m.value)
              for m in read_all(kafka_settings, topics.VOLUNTEERS, want=4)]
    assert {s.phone_masked for s in states if s.volunteer_id == "V-LH-01"} == {"138****0001"}

    producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers, acks="all")
    msg = request("H-LHB1-0701", "送药", note="热线 12345：降压药", actor="热线话务员")
    for _ in range(2):  # delivered twice: applied once
        producer.send(kafka_settings.topic(topics.DOORSTEP_REQUESTS), key=b"H-LHB1-0701",
                      value=msg.SerializeToString())
    producer.send(kafka_settings.topic(topics.DOORSTEP_REQUESTS), key=b"junk", value=b"\xff\x00not protobuf")
    unknown = request("H-NOBODY", "送餐")
    producer.send(kafka_settings.topic(topics.DOORSTEP_REQUESTS), key=b"H-NOBODY", value=unknown.SerializeToString())
    producer.flush()
    producer.close()
    hotline = poll(lambda: [t for t in tasks_of(base) if t["source"] == "hotline" and t["status"] != "matching"],
                   timeout_s=60)
    assert len(hotline) == 1 and hotline[0]["kind"] == "送药"
    # inside the 管控区 now: only the volunteer living there may take it
    assert hotline[0]["volunteer_id"] == "V-LH-01", hotline
    dead = [deadletter_pb2.DeadLetter.FromString(m.value) for m in read_all(kafka_settings, topics.DEADLETTER, want=2)]
    assert {d.key for d in dead} >= {b"junk", b"H-NOBODY"}
    assert any("H-NOBODY" in d.error for d in dead)
    assert len([t for t in tasks_of(base) if t["source"] == "hotline"]) == 1

    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    assert "baolei_doorstep_match_rounds_total" in metrics and 'baolei_doorstep_tasks{status="proposed"}' in metrics
