"""Registration refuses coordinates outside Shenzhen (a 422 naming the field, nothing stored), and the
map read model carries what was registered, the warehouses as null when the inventory does not answer."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}


@pytest.fixture
def client(kafka_settings, pg_database):
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-test",
                         inventory_url="http://127.0.0.1:9")  # nothing listens
    with TestClient(create_app(cfg)) as c:
        yield c


def test_sites_outside_shenzhen_are_refused_and_the_map_keeps_the_rest(client):
    site = {"id": "h-baguang", "name": "坝光国际酒店", "district": "大鹏", "lat": 22.6510, "lon": 114.5420,
            "organisation": "投控公司"}
    assert client.put("/api/sites/h-baguang", json=site, headers=OP).status_code == 200
    swapped = site | {"id": "c-swapped", "name": "填反社区", "lat": 114.0578, "lon": 22.5585}
    r = client.put("/api/sites/c-swapped", json=swapped, headers=OP)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert [d["field"] for d in detail] == ["lat", "lon"]
    assert "填反" in detail[0]["reason_zh"] and "swapped" in detail[0]["reason_en"]
    # inside both ranges, outside both boxes: one item, the latitude
    r = client.put("/api/sites/c-north", json=site | {"id": "c-north", "lat": 23.0, "lon": 114.0}, headers=OP)
    assert r.status_code == 422 and [d["field"] for d in r.json()["detail"]] == ["lat"], r.text
    # the site already registered may not be moved out either
    r = client.put("/api/sites/h-baguang", json=site | {"lat": 22.55, "lon": 114.80}, headers=OP)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "lon"
    m = client.get("/api/map", headers=OP).json()
    assert [(s["id"], s["lat"], s["lon"]) for s in m["sites"]] == [("h-baguang", 22.651, 114.542)]
    assert m["warehouses"] is None and m["lines"] == []
