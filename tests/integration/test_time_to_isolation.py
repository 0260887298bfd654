"""Time to isolation over the real broker and matcher (issue 17): with buses idle at their depots,
a need is picked up about as soon as a bus can drive to it, and needs raised one after another at
one site are carried together or on parallel buses — never queued as later trips of one bus.

Before issue 17 the demo city proposed a pickup at 23:10 for a group ready at 21:02 with idle buses
at the depot, and three needs at 莲花北社区 rode one bus as three trips picked up 10, 62 and 115
minutes after they were ready while 12 buses stood idle.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from baolei_dev.demo_requests import COMMUNITIES, DEPOTS, load_demo_with
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}
SLACK_MIN = 10.0          # the target: the nearest depot's drive time + 10 minutes
SPEED_KMH, DETOUR = 30.0, 1.3  # the matcher's travel model (contracts/solve.md defaults)


@pytest.fixture
def city(kafka_settings, pg_database):
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-test")
    with TestClient(create_app(cfg)) as client:
        client.headers.update(OP)
        load_demo_with(client, with_needs=False)
        yield client


def _drive_min(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    km = 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h))) * DETOUR
    return km / SPEED_KMH * 60.0


def nearest_depot_min(site_id: str) -> float:
    (lat, lon), = [(c[5], c[6]) for c in COMMUNITIES if c[0] == site_id]
    return min(_drive_min((lat, lon), (d[3], d[4])) for d in DEPOTS)


def raise_need(c: TestClient, site: str, people: int, ready: datetime) -> str:
    r = c.post("/api/needs", json={"kind": "transfer", "site_id": site, "risk": "close_contact", "people": people,
                                   "ready_at": ready.isoformat(), "due_at": (ready + timedelta(hours=3)).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def proposed(c: TestClient, need_id: str) -> dict:
    return poll(lambda: (n := c.get(f"/api/needs/{need_id}").json())["status"] == "proposed" and n)


def pickups(need: dict) -> list[tuple[str, datetime, datetime]]:
    """(bus, trip start, pickup time) of every stop that loads this need."""
    out = []
    for a in need["assignments"]:
        for t in a["trips"]:
            for s in t["stops"]:
                if any(ld["need"] == need["id"] for ld in s["load"]):
                    out.append((t["bus"], datetime.fromisoformat(t["start_at"]), datetime.fromisoformat(s["at"])))
    return out


def test_a_need_is_picked_up_within_the_depot_drive_plus_ten_minutes(city, matcher):
    ready = datetime.now(timezone.utc).replace(microsecond=0)
    need = proposed(city, raise_need(city, "c-huaqiang-nan", 6, ready))
    limit = nearest_depot_min("c-huaqiang-nan") + SLACK_MIN
    stops = pickups(need)
    assert stops, need
    for bus, _, at in stops:
        waited = (at - ready).total_seconds() / 60.0
        assert waited <= limit, f"{bus} picks up {waited:.0f} min after ready (limit {limit:.0f} min)"
    assert "等候" in need["assignments"][0]["explanation_zh"]


def test_needs_raised_one_after_another_at_one_site_are_not_queued_on_one_bus(city, matcher):
    ready = datetime.now(timezone.utc).replace(microsecond=0)
    needs = []
    for people in (4, 2, 5):  # one after another, each matched before the next is raised
        needs.append(proposed(city, raise_need(city, "c-lianhua-bei", people, ready)))
    limit = nearest_depot_min("c-lianhua-bei") + SLACK_MIN
    trips_of_bus: dict[str, set[datetime]] = {}
    for need in needs:
        for bus, start, at in pickups(need):
            trips_of_bus.setdefault(bus, set()).add(start)
            waited = (at - ready).total_seconds() / 60.0
            assert waited <= limit, f"{need['id']} on {bus} picked up {waited:.0f} min after ready"
    # together on one trip, or on parallel buses: never two trips of one bus while others stand idle
    assert all(len(starts) == 1 for starts in trips_of_bus.values()), trips_of_bus
