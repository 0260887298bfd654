"""The live feed on the real stack (uvicorn, PostgreSQL, the broker): opened with a single-use
ticket fetched with the bearer header, never with the token in the URL; and each role and
organisation receives only its share (a site its own street's needs, a bus company its own buses,
operators everything)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration import sse
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP, SITE, BUS = ({"Authorization": f"Bearer demo-{n}"} for n in ("operator", "site", "bus"))


@pytest.fixture
def server(kafka_settings, pg_database):
    app = create_app(RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-live",
                                    inventory_url="http://127.0.0.1:9"))
    with sse.served(app) as base:
        yield base


def Listener(base: str, ticket: str) -> sse.Listener:  # noqa: N802 — reads as the class it builds
    return sse.Listener(f"{base}/api/live", event="update", params={"ticket": ticket})


def ticket(base: str, headers: dict) -> str:
    r = httpx.post(f"{base}/api/live/ticket", headers=headers)
    assert r.status_code == 200, r.text
    assert 0 < r.json()["expires_in_s"] <= 60
    return r.json()["ticket"]


def test_tickets_not_tokens_and_each_organisation_gets_its_share(server):
    base = server
    now = datetime.now(timezone.utc)
    with httpx.Client(base_url=base, timeout=30) as c:
        for sid, org in (("c-lh", "莲花街道"), ("c-dm", "东门街道"), ("d-bus", "巴士集团")):
            assert c.put(f"/api/sites/{sid}", headers=OP, json={
                "id": sid, "name": sid, "district": "福田", "zone": "controlled", "lat": 22.55, "lon": 114.05,
                "organisation": org}).status_code == 200

        # the token never goes into a URL; a ticket opens the stream once
        r = c.get("/api/live", params={"token": "demo-site"})
        assert r.status_code == 401 and r.json()["detail"][0]["field"] == "token"
        assert "网址" in r.json()["detail"][0]["reason_zh"]
        assert c.post("/api/live/ticket").status_code == 401
        t_site = ticket(base, SITE)
        site = Listener(base, t_site)
        r = c.get("/api/live", params={"ticket": t_site})
        assert r.status_code == 401 and "已使用" in r.json()["detail"][0]["reason_zh"]
        forged = t_site.split(".")[0] + ".AAAA"
        assert c.get("/api/live", params={"ticket": forged}).status_code == 401
        op, bus = Listener(base, ticket(base, OP)), Listener(base, ticket(base, BUS))

        def need(headers: dict, site_id: str) -> str:
            r = c.post("/api/needs", headers=headers, json={
                "kind": "transfer", "site_id": site_id, "risk": "close_contact", "people": 2,
                "ready_at": (now + timedelta(minutes=5)).isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()})
            assert r.status_code == 201, r.text
            return r.json()["id"]

        mine, theirs = need(SITE, "c-lh"), need(OP, "c-dm")
        for bid, operator in (("B-own", "巴士集团"), ("B-east", "东部公交")):
            assert c.put(f"/api/buses/{bid}", headers=OP, json={
                "id": bid, "operator": operator, "plate": bid, "depot_id": "d-bus", "seats": 40, "load_limit": 0.5,
                "shift_start": now.isoformat(), "shift_end": (now + timedelta(hours=8)).isoformat()}).status_code == 200
        assert c.post(f"/api/needs/{theirs}/cancel", headers=OP, json={"reason": "测试"}).status_code == 200

        # operators see everything: both needs (the change and the Kafka events) and both buses
        poll(lambda: all(x in op.text() for x in (mine, theirs, "B-own", "B-east"))
             and sum(1 for e in op.events if e.get("need_id") == theirs and e["type"] == "need.cancelled"),
             timeout_s=60)
        poll(lambda: sum(1 for e in site.events if e.get("need_id") == mine) >= 2, timeout_s=30)  # changed + submitted
        poll(lambda: "B-own" in bus.text(), timeout_s=30)
        time.sleep(1.0)  # anything else on its way has arrived
        for listener in (site, op, bus):
            listener.stop()
    assert theirs not in site.text() and "东门街道" not in site.text()
    assert "B-own" not in site.text() and "B-east" not in bus.text()
    assert mine not in bus.text() and theirs not in bus.text()
    assert all("audience" not in e for e in op.events + site.events + bus.events)
