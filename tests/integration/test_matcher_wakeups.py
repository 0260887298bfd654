"""No re-try storm, through the real matcher process and the real broker: needs found unmet are not
solved again after events that cannot help them (a new need of another risk category, an accept,
a bus status sent again, a hotel with fewer rooms), and are solved again when capacity they can use
is added (a hotel taking their risk opens). Counted with `/readyz` `retried_needs` (needs taken
into solves that had been found unmet before)."""
from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from kafka import KafkaProducer

from baolei_common import topics
from baolei_common.events import meta
from baolei_events.v1 import common_pb2, resources_pb2
from bench.backlog_world import CC, SC, Outcomes, World, confirmed
from tests.integration.conftest import free_port, poll, start_service, stop

pytestmark = pytest.mark.integration

BACKLOG = 150


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
        return json.loads(r.read())


def settled(port: int) -> dict:
    """/readyz once no round is under way and two reads a second apart saw the same solves."""
    seen: list[dict] = []

    def quiet():
        s = status(port)
        same = bool(seen) and seen[-1]["solved_needs"] == s["solved_needs"] and s["backlog"] == 0
        seen.append(s)
        return s if same else None

    return poll(quiet, timeout_s=60, every_s=1.0)


def test_unmet_needs_are_solved_again_only_when_capacity_they_can_use_is_added(kafka_settings, tmp_path):
    k, world = kafka_settings, World(seed=3)
    prod = KafkaProducer(bootstrap_servers=k.bootstrap_servers, linger_ms=5)

    def send(logical: str, key: str, msg) -> None:
        prod.send(k.topic(logical), key=key.encode(), value=msg.SerializeToString())
        prod.flush()

    hotels = world.hotels()
    for h in hotels:
        send(topics.HOTELS, h.hotel_id, h)
    for b in world.buses():
        send(topics.BUSES, b.bus_id, b)
    port = free_port()
    proc = start_service("baolei_matcher", {
        "BAOLEI_KAFKA_BOOTSTRAP_SERVERS": k.bootstrap_servers, "BAOLEI_KAFKA_TOPIC_PREFIX": k.topic_prefix,
        "BAOLEI_MATCHER_APP_ID": f"wake-{uuid.uuid4().hex[:8]}", "BAOLEI_MATCHER_HTTP_PORT": str(port),
        "BAOLEI_MATCHER_BATCH_WINDOW_S": "0.2", "BAOLEI_MATCHER_SNAPSHOT_WRITE": "false"},
        f"http://127.0.0.1:{port}/readyz", tmp_path / "matcher.log")
    out = Outcomes(k.bootstrap_servers, k.topic(topics.ASSIGNMENTS))
    out.start()
    try:
        # 150 close-contact needs (~375 people) against 80 rooms and 12 buses: most are found unmet
        for i in range(BACKLOG):
            send(topics.NEEDS, f"K{i:03d}", world.need(f"K{i:03d}", risk=CC, people=1 + i % 4, priority=2))
        for i in range(BACKLOG):
            assert out.after(f"K{i:03d}", 0, 60) is not None, f"K{i:03d} got no outcome"
        before = settled(port)
        assert before["unmet"] > 50, before

        # unrelated: a secondary-contact need proposed and accepted, a bus status sent again, a hotel
        # of close contacts with fewer rooms — none can give a close-contact need found unmet a room
        send(topics.BUSES, "B00", world.buses()[0])
        fewer = resources_pb2.HotelRooms()
        fewer.CopyFrom(hotels[0])
        fewer.total.CopyFrom(common_pb2.RoomCounts(standard=30))
        fewer.free.CopyFrom(common_pb2.RoomCounts(standard=30))
        send(topics.HOTELS, fewer.hotel_id, fewer)
        send(topics.NEEDS, "P1", world.need("P1", risk=SC, people=2, priority=1))
        first = out.after("P1", 0, 30)
        assert first is not None and first.kind == "proposed", first
        send(topics.ASSIGNMENTS, "P1", confirmed(first.assignment_id, "P1"))
        after = settled(port)
        assert after["retried_needs"] == before["retried_needs"], (before, after)
        assert after["solved_needs"] == before["solved_needs"] + 1  # P1 alone

        # capacity they can use: a new hotel that takes close contacts, 100 standard rooms
        r = common_pb2.RoomCounts(standard=100)
        new = resources_pb2.HotelRooms(meta=meta(producer="test"), hotel_id="H9", operator="投控公司",
                                       site=common_pb2.Site(id="HS9", name="新开酒店", district="南山", lat=22.53,
                                                            lon=113.95),
                                       accepts=[CC], total=r, free=r, name="新开酒店",
                                       state=resources_pb2.HOTEL_STATE_OPEN)
        send(topics.HOTELS, "H9", new)
        woke = settled(port)
        assert woke["retried_needs"] >= before["retried_needs"] + after["unmet"], (after, woke)
    finally:
        out.halt.set()
        out.join(5)
        prod.close()
        stop(proc)
