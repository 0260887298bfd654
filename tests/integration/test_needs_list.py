"""The needs list paged on the server with its total and filters (status, cause, district,
organisation, late, kind) and a search, on PostgreSQL: the table stopped at 300 of 504 without
saying so and had no filter."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from baolei_requests.adapters.models import Need
from tests.integration.test_lifecycle_console_api import OP, SITE, city, client, raise_need  # noqa: F401

pytestmark = pytest.mark.integration


def test_pages_totals_filters_and_search(client):  # noqa: F811
    city(client)
    lianhua = [raise_need(client, OP, "c-lianhua", people=n) for n in range(1, 8)]  # 福田, 莲花街道
    dongmen = [raise_need(client, OP, "c-dongmen", people=n) for n in range(1, 6)]  # 罗湖, 东门街道
    now = datetime.now(timezone.utc)
    r = client.post("/api/needs", headers=OP, json={"kind": "supply", "site_id": "c-dongmen", "note": "3 栋 独居老人",
                                                     "due_at": (now + timedelta(hours=5)).isoformat(),
                                                     "lines": [{"sku": "rice", "quantity": 80}]})
    assert r.status_code == 201, r.text
    with client.app.state.sessions() as s:  # two needs unmet for buses, one for rooms (as the matcher would say)
        s.execute(update(Need).where(Need.id.in_(lianhua[:2])).values(status="unmet", unmet_code="buses_fully_booked"))
        s.execute(update(Need).where(Need.id == dongmen[0]).values(status="unmet", unmet_code="rooms_full"))
        s.commit()

    page = client.get("/api/needs/page", headers=OP, params={"limit": 5}).json()
    assert page["total"] == 13 and len(page["items"]) == 5 and page["shown_zh"] == "显示 5 / 13"
    second = client.get("/api/needs/page", headers=OP, params={"limit": 5, "offset": 10}).json()
    assert len(second["items"]) == 3 and second["shown_zh"] == "显示 11–13 / 13" and second["shown_en"] == \
        "showing 11–13 of 13"
    ids = [n["id"] for k in range(3) for n in client.get(
        "/api/needs/page", headers=OP, params={"limit": 5, "offset": 5 * k}).json()["items"]]
    assert len(set(ids)) == 13  # pages neither repeat nor skip
    r = client.get("/api/needs", headers=OP, params={"limit": 3})
    assert len(r.json()) == 3 and r.headers["X-Total-Count"] == "13"

    def total(**params) -> int:
        return client.get("/api/needs/page", headers=OP, params=params).json()["total"]

    assert total(district="罗湖") == 6 and total(district="福田") == 7
    assert total(organisation="东门街道") == 6
    assert total(status="unmet") == 3 and total(status=["unmet", "submitted"]) == 13 and total(status="open") == 13
    assert total(cause="buses") == 2 and total(cause="rooms") == 1 and total(unmet_code="rooms_full") == 1
    assert total(kind="supply") == 1 and total(late="true") == 0
    assert total(q="独居") == 1 and total(q="莲花") == 7 and total(q=lianhua[3]) == 1
    assert total(district="福田", status="unmet") == 2
    assert total(q="\\") == total(q="%") == total(q="_") == 13  # words, not LIKE patterns: no 500
    # a site reads only its own, and the total says so too
    mine = client.get("/api/needs/page", headers=SITE, params={"limit": 2}).json()
    assert mine["total"] == 7 and {n["site_id"] for n in mine["items"]} == {"c-lianhua"}
    assert client.get("/api/needs/page", headers=OP, params={"status": "nonsense"}).status_code == 422
