"""The matcher's app as built from a config (app.py, bootstrap.py, api/): the HTTP face answers
before anything has connected, and the solve hook reaches the process. No broker: the lifespan
(which starts the process) is not entered."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baolei_common import topics
from baolei_common.rooms import Rooms
from baolei_events.v1 import common_pb2, needs_pb2, resources_pb2
from baolei_matcher.adapters.inbound import apply_event
from baolei_matcher.app import create_app
from baolei_matcher.bootstrap import build
from baolei_matcher.config import MatcherConfig
from baolei_matcher.service.runtime import STARTING, Runtime


def test_the_app_answers_not_ready_while_the_process_has_not_started():
    app = create_app(MatcherConfig(app_id="t-app"))
    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert (body["ready"], body["role"], body["kafka"], body["replayed"]) == (False, STARTING, "down", False)
    assert client.get("/state/rooms").json() == [] and client.get("/state/stock").json() == []


def test_build_wires_the_source_topics_and_the_solve_hook():
    seen: list[object] = []
    cfg = MatcherConfig(app_id="t-build")
    m = build(cfg, on_solve=seen.append)
    assert m.on_solve is not None and m.cfg is cfg and m.rt.config is cfg
    assert set(m.sources.values()) == {topics.NEEDS, topics.ASSIGNMENTS, topics.HOTELS, topics.BUSES, topics.STOCK}
    assert m.feed.client_id == "t-build-feed"


def test_records_are_folded_in_and_a_record_it_cannot_use_raises():
    """adapters/inbound.py: decode, then service/fold.py; a poison record raises (the process
    dead-letters it) and leaves the state as it was."""
    rt = Runtime(MatcherConfig(app_id="t-fold"))
    hotel = resources_pb2.HotelRooms(hotel_id="hzb", name="会展北", free=common_pb2.RoomCounts(standard=5, family=1),
                                     state=resources_pb2.HOTEL_STATE_OPEN)
    assert "hotel hzb" in apply_event(rt, topics.HOTELS, hotel.SerializeToString())
    assert rt.state.hotels["hzb"].usable == Rooms(standard=5, family=1)
    assert rt.state.changes.rooms["hzb"] == {"standard", "family", "accessible"}  # a new hotel wakes every type
    with pytest.raises(ValueError):
        apply_event(rt, topics.HOTELS, resources_pb2.HotelRooms(name="no id").SerializeToString())
    with pytest.raises(ValueError):
        apply_event(rt, topics.NEEDS, needs_pb2.NeedEvent().SerializeToString())
    assert list(rt.state.hotels) == ["hzb"] and rt.state.needs == {}
