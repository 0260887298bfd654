"""A late proposal says how late and why, over the real broker, matcher and PostgreSQL; an operator's
faster alternative re-matches the need with a named bus, or says why the named bus cannot (issue 17).

The only hotel opens four hours from now and the need is due in one: whatever the buses do, the
proposal is late, and its cause is `hotel_opens_later`.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}
NOW = datetime.now(timezone.utc)


@pytest.fixture
def c(kafka_settings, pg_database, matcher):
    global NOW
    NOW = datetime.now(timezone.utc)  # per test: B-003's five-minute shift is counted from here
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-late")
    with TestClient(create_app(cfg)) as client:
        city(client)
        yield client


def put(c: TestClient, path: str, body: dict) -> None:
    r = c.put(path, headers=OP, json=body)
    assert r.status_code == 200, r.text


def bus(c: TestClient, bus_id: str, plate: str, shift_end: datetime) -> None:
    put(c, f"/api/buses/{bus_id}", {
        "id": bus_id, "operator": "巴士集团", "plate": plate, "depot_id": "depot", "seats": 40, "load_limit": 0.5,
        "shift_start": (NOW - timedelta(hours=1)).isoformat(), "shift_end": shift_end.isoformat(), "turnaround_min": 30,
    })


def city(c: TestClient) -> None:
    for site in ({"id": "lianhua", "name": "莲花北社区", "district": "福田", "zone": "sealed", "lat": 22.5585,
                  "lon": 114.0578},
                 {"id": "hzb", "name": "会展北", "district": "福田", "lat": 22.5367, "lon": 114.0545},
                 {"id": "depot", "name": "巴士集团福田车场", "district": "福田", "lat": 22.5401, "lon": 114.0300}):
        put(c, f"/api/sites/{site['id']}", site)
    put(c, "/api/hotels/H-hzb", {"id": "H-hzb", "name": "会展北", "operator": "投控公司", "site_id": "hzb",
                                 "accepts": ["close_contact"], "rooms": {"standard": 40, "family": 5, "accessible": 2},
                                 "open_at": (NOW + timedelta(hours=4)).isoformat()})
    bus(c, "B-001", "粤B·D1001", NOW + timedelta(hours=10))
    bus(c, "B-002", "粤B·D1002", NOW + timedelta(hours=10))
    bus(c, "B-003", "粤B·D1003", NOW + timedelta(minutes=5))  # off shift before it could reach anyone


def need(c: TestClient, need_id: str) -> dict:
    return c.get(f"/api/needs/{need_id}", headers=OP).json()


def proposed_other_than(c: TestClient, need_id: str, old: set[str]) -> dict | None:
    n = need(c, need_id)
    new = [a for a in n["assignments"] if a["id"] not in old and a["status"] == "proposed"]
    return new[0] if new else None


def test_late_proposal_carries_how_late_and_why_and_a_named_bus_answers(c):
    r = c.post("/api/needs", headers=OP, json={
        "kind": "transfer", "site_id": "lianhua", "risk": "close_contact", "people": 3,
        "ready_at": NOW.isoformat(), "due_at": (NOW + timedelta(hours=1)).isoformat()})
    assert r.status_code == 201, r.text
    nid = r.json()["id"]
    n = poll(lambda: (x := need(c, nid))["status"] == "proposed" and x, timeout_s=60)
    (a,) = n["assignments"]
    # the hotel opens three hours after due: late by about 180 minutes (the drive is inside the wait)
    assert a["late_cause"] == "hotel_opens_later" and 170 <= a["late_minutes"] <= 185, a
    assert n["late_minutes"] == a["late_minutes"] and n["late_cause"] == "hotel_opens_later"
    assert a["wait_minutes"] >= 230
    assert a["late_zh"].startswith(f"逾期 {a['late_minutes']} 分钟：酒店开放时间晚于截止时间")
    assert a["late_en"] == f"{a['late_minutes']} min late: hotel opens later"
    assert "等候" in a["explanation_zh"] and "逾期" in a["explanation_zh"] and "min late" in a["explanation_en"]
    late = c.get("/api/attention", headers=OP).json()["late"]
    assert late["count"] == 1 and late["items"][0]["need_id"] == nid and late["title_zh"] == "1 个方案逾期"

    # the operator asks for the bus the proposal does not use
    other = ({"B-001", "B-002"} - {t["bus"] for t in a["trips"]}).pop()
    r = c.post(f"/api/needs/{nid}/faster", headers=OP, json={"bus_id": other})
    assert r.status_code == 200, r.text
    b = poll(lambda: proposed_other_than(c, nid, {a["id"]}), timeout_s=60)
    assert {t["bus"] for t in b["trips"]} == {other}
    assert "指定车辆" in b["explanation_zh"] and "named bus" in b["explanation_en"]
    old = next(x for x in need(c, nid)["assignments"] if x["id"] == a["id"])
    assert old["status"] == "released" and old["release_reason"].startswith("faster: bus")
    said = [a["text_zh"] for a in c.get("/api/audit", headers=OP, params={"limit": 50}).json()]
    assert any("要求更快的方案" in t and "指定车辆 粤B·D100" in t for t in said), said

    # a named bus that cannot make it: the need is unmet, and the reason says so
    r = c.post(f"/api/needs/{nid}/faster", headers=OP, json={"bus_id": "B-003"})
    assert r.status_code == 200, r.text
    n = poll(lambda: (x := need(c, nid))["status"] == "unmet" and x, timeout_s=60)
    assert "无法承运" in n["unmet_reason_zh"] and "cannot carry it" in n["unmet_reason_en"], n
    # nothing waits for an answer now: nothing to replace
    r = c.post(f"/api/needs/{nid}/faster", headers=OP, json={})
    assert r.status_code == 409, r.text


def test_weighted_request_re_matches_and_a_dispatcher_may_not_ask(c):
    r = c.post("/api/needs", headers=OP, json={
        "kind": "transfer", "site_id": "lianhua", "risk": "close_contact", "people": 2,
        "ready_at": NOW.isoformat(), "due_at": (NOW + timedelta(hours=1)).isoformat()})
    nid = r.json()["id"]
    (a,) = poll(lambda: (x := need(c, nid))["status"] == "proposed" and x, timeout_s=60)["assignments"]
    r = c.post(f"/api/needs/{nid}/faster", headers={"Authorization": "Bearer demo-bus"}, json={})
    assert r.status_code == 403, r.text
    r = c.post(f"/api/needs/{nid}/faster", headers=OP, json={"time_weight": 10})
    assert r.status_code == 200, r.text
    b = poll(lambda: proposed_other_than(c, nid, {a["id"]}), timeout_s=60)
    assert "逾期加权（×10）" in b["explanation_zh"] and "lateness weighted ×10" in b["explanation_en"]
    assert b["late_cause"] == "hotel_opens_later"  # the hotel still opens when it opens
