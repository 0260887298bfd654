"""Stays end and rooms come back, over the API against the real broker, PostgreSQL and matcher:
people arrive at a full hotel, one must stay longer, everyone due today leaves, their rooms are
cleaned and the matcher gives them to a need waiting as "full" — to people arriving after the
cleaning; every step is audited and the occupancy panel's numbers follow."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll
from tests.integration.test_lifecycle_console_api import BUS, OP, SITE, VIEWER, city, proposed, raise_need, status

pytestmark = pytest.mark.integration
HOTEL = {"Authorization": "Bearer demo-hotel"}
EAST = {"Authorization": "Bearer demo-east"}


@pytest.fixture
def client(kafka_settings, pg_database):
    # a close contact stays 0.01 day (14.4 min: due today), rooms are cleaned for 15 minutes
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-stays",
                         inventory_url="http://127.0.0.1:9", stay_days={"close_contact": 0.01}, cleaning_hours=0.25)
    with TestClient(create_app(cfg)) as c:
        yield c


def small_city(c: TestClient) -> None:
    """The lifecycle tests' city, with a hotel of three rooms."""
    city(c)
    assert c.put("/api/hotels/H-hzb", headers=OP, json={
        "id": "H-hzb", "name": "会展北", "operator": "投控公司", "site_id": "hzb", "accepts": ["close_contact"],
        "rooms": {"standard": 3, "family": 0, "accessible": 0}}).status_code == 200


def hotel_row(c: TestClient, headers: dict = OP) -> dict:
    r = c.get("/api/occupancy", headers=headers, params={"hours": 72})
    assert r.status_code == 200, r.text
    return next(h for h in r.json()["hotels"] if h["id"] == "H-hzb")


def test_people_leave_rooms_are_cleaned_and_given_again_with_audit(client, matcher):
    c = client
    small_city(c)
    first = raise_need(c, SITE, people=3)
    a = proposed(c, first)
    for who in (BUS, HOTEL):
        assert c.post(f"/api/assignments/{a['id']}/accept", headers=who).status_code == 200
    status(c, first, "confirmed")
    assert c.post(f"/api/assignments/{a['id']}/start", headers=BUS).status_code == 200
    assert c.post(f"/api/assignments/{a['id']}/done", headers=BUS, json={"delivered": 3}).status_code == 200
    assert c.post(f"/api/assignments/{a['id']}/arrive", headers=HOTEL, json={}).status_code == 200
    row = hotel_row(c)
    assert (row["occupied"], row["people"], row["free"], row["cleaning"]) == (3, 3, 0, 0)
    assert row["freeing_expected"] == 3 and row["due_today"] == 3  # 14.4 min + 15 min of cleaning ahead

    # the hotel is full: a new need is told so, with when rooms free next (not "no hotel takes it")
    second = raise_need(c, SITE, people=2)
    need = status(c, second, "unmet")
    assert need["unmet_code"] == "rooms_full" and "房间已满" in need["unmet_reason_zh"], need
    assert "有房间腾出" in need["unmet_reason_zh"] and "rooms free next" in need["unmet_reason_en"]

    (stay,) = c.get("/api/hotels/H-hzb/stays", headers=HOTEL).json()
    assert stay["people"] == 3 and stay["rooms"]["standard"] == 3 and stay["due_today"]
    assert c.get("/api/hotels/H-hzb/stays", headers=EAST).status_code == 403
    # one of them must stay longer: the stay splits, that person keeps one room
    until = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    r = c.post(f"/api/stays/{stay['id']}/extend", headers=HOTEL, json={"until": until, "people": 1})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reason"
    r = c.post(f"/api/stays/{stay['id']}/extend", headers=HOTEL,
               json={"until": until, "people": 1, "reason": "复检阳性，延长观察"})
    assert r.status_code == 200, r.text
    assert sorted(x["people"] for x in r.json()) == [1, 2]
    assert c.post("/api/hotels/H-hzb/departures", headers=EAST, json={"due_today": True}).status_code == 403
    assert c.post("/api/hotels/H-hzb/departures", headers=VIEWER, json={"due_today": True}).status_code == 403
    r = c.post("/api/hotels/H-hzb/departures", headers=HOTEL, json={})
    assert r.status_code == 422
    # everyone due today left (the bulk action): the two, not the one who stays longer
    r = c.post("/api/hotels/H-hzb/departures", headers=HOTEL, json={"due_today": True})
    assert r.status_code == 200, r.text
    assert (r.json()["stays"], r.json()["people"], r.json()["rooms_vacated"]) == (1, 2, 2)
    row = hotel_row(c)
    assert (row["occupied"], row["people"], row["cleaning"]) == (1, 1, 2)
    assert row["freeing_certain"] == 2 and row["freeing"][0][0] == 2  # within the first hour
    assert hotel_row(c, HOTEL)["cleaning"] == 2 and hotel_row(c, VIEWER)["occupied"] == 1
    assert all(h["operator"] == "投控公司" for h in c.get("/api/occupancy", headers=HOTEL).json()["hotels"])

    # the matcher takes the two rooms off the occupied count and offers them after their cleaning
    def rooms():
        state = httpx.get(f"{matcher['url']}/state/rooms").json()
        return next(h for h in state if h["hotel"] == "H-hzb")
    m = poll(lambda: (h := rooms())["occupied"]["standard"] == 1 and h)
    assert m["free"]["standard"] >= 0 and m["over"]["standard"] == 0
    b = proposed(c, second)
    assert b["room"]["hotel"] == "H-hzb" and "终末消毒后" in b["explanation_zh"]
    cleaned = datetime.fromisoformat(r.json()["cleaning_until"])
    assert all(datetime.fromisoformat(t["arrive_at"]) >= cleaned - timedelta(seconds=1) for t in b["trips"])

    entries = c.get("/api/audit", headers=OP, params={"entity": f"stay:{stay['id']}"}).json()
    assert [e["action"] for e in entries] == ["stay.left", "stay.extend", "stay.begin"]
    assert entries[0]["actor"] == "投控公司调度" and entries[0]["after"]["left"] == 2
    assert entries[1]["after"]["reason"] == "复检阳性，延长观察"
