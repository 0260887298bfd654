"""The matcher rebuilds its state from the log after a crash: no room is offered twice."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import free_port, poll, start_service

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}


def test_restarted_matcher_does_not_double_book(kafka_settings, pg_database, tmp_path):
    now = datetime.now(timezone.utc)
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_MATCHER_APP_ID": f"matcher-{uuid.uuid4().hex[:8]}", "BAOLEI_MATCHER_HTTP_PORT": str(port),
           "BAOLEI_MATCHER_BATCH_WINDOW_S": "0.2"}
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="rq-restart")
    with TestClient(create_app(cfg)) as c:
        for site in ({"id": "s1", "name": "莲花北社区", "zone": "sealed", "lat": 22.5585, "lon": 114.0578},
                     {"id": "h1", "name": "会展北", "lat": 22.5367, "lon": 114.0545},
                     {"id": "d1", "name": "车场", "lat": 22.5401, "lon": 114.0300}):
            assert c.put(f"/api/sites/{site['id']}", json=site, headers=OP).status_code == 200
        assert c.put("/api/hotels/H1", headers=OP, json={
            "id": "H1", "name": "会展北", "operator": "投控公司", "site_id": "h1", "accepts": ["close_contact"],
            "rooms": {"standard": 3}}).status_code == 200
        assert c.put("/api/buses/B1", headers=OP, json={
            "id": "B1", "operator": "巴士集团", "depot_id": "d1", "seats": 40, "load_limit": 0.5,
            "shift_start": (now - timedelta(hours=1)).isoformat(),
            "shift_end": (now + timedelta(hours=10)).isoformat()}).status_code == 200

        def raise_need(people: int) -> str:
            r = c.post("/api/needs", headers=OP, json={
                "kind": "transfer", "site_id": "s1", "risk": "close_contact", "people": people,
                "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()})
            assert r.status_code == 201, r.text
            return r.json()["id"]

        def status(nid: str) -> str:
            return c.get(f"/api/needs/{nid}", headers=OP).json()["status"]

        first = start_service("baolei_matcher", env, f"http://127.0.0.1:{port}/readyz", tmp_path / "m1.log")
        n1 = raise_need(2)
        poll(lambda: status(n1) == "proposed")
        first.kill()  # a crash: no clean shutdown
        first.wait()

        second = start_service("baolei_matcher", env, f"http://127.0.0.1:{port}/readyz", tmp_path / "m2.log")
        try:
            n2 = raise_need(2)  # only 1 of 3 rooms is left after n1's hold
            poll(lambda: status(n2) in ("unmet", "proposed"))
            need2 = c.get(f"/api/needs/{n2}", headers=OP).json()
            assert need2["status"] == "unmet", need2
            assert "已满" in need2["unmet_reason_zh"]  # rooms full
            n3 = raise_need(1)  # the one room left is still offered
            poll(lambda: status(n3) == "proposed")
            need1 = c.get(f"/api/needs/{n1}", headers=OP).json()
            assert len(need1["assignments"]) == 1  # n1 was not proposed again after the restart
        finally:
            second.terminate()
            second.wait(timeout=20)
