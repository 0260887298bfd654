"""The command center's doorstep coverage (issue 19 §5) grouped in PostgreSQL: two districts, a sealed
compound, vulnerable households visited and not, medicine past its deadline, a task nobody may reach.
The expected figures are counted from the seed below, not from the service's code; then the requests
service's command center reads the same figures through `GET /api/city/coverage`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from baolei_volunteers.app import create_app
from baolei_volunteers.config import VolunteersConfig
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}

COMPOUNDS = [  # id, district, zone
    ("C-A-1", "福田", "常态"), ("C-A-2", "福田", "封控区"), ("C-B-1", "罗湖", "管控区"), ("C-B-2", "罗湖", "常态"),
]
HOUSEHOLDS = [  # id, compound, vulnerability, last visit (days ago; None = never)
    ("H-A1-1", "C-A-1", ["独居老人"], 1), ("H-A1-2", "C-A-1", ["残障"], None), ("H-A1-3", "C-A-1", [], None),
    ("H-A2-1", "C-A-2", ["病患", "独居老人"], 5), ("H-B1-1", "C-B-1", ["特困"], None),
    ("H-B2-1", "C-B-2", ["居家隔离"], 0.5),
]


def seed(c: TestClient, now: datetime) -> None:
    for i, (cid, district, zone) in enumerate(COMPOUNDS):
        r = c.put(f"/api/compounds/{cid}", headers=OP, json={
            "id": cid, "name": f"小区{cid}", "district": district, "street": f"{district}街道",
            "community": f"{district}社区", "zone": zone, "lat": 22.55 + i * 0.002, "lon": 114.05})
        assert r.status_code in (200, 201), r.text
    for hid, cid, vulnerability, _days in HOUSEHOLDS:
        body = {"id": hid, "compound_id": cid, "building": "1", "unit": "1", "floor": 3, "room": "301",
                "contact": "住户", "phone": "13900000000", "residents": 1, "vulnerability": vulnerability,
                "needs": ""}
        r = c.put(f"/api/households/{hid}", headers=OP, json=body)
        assert r.status_code in (200, 201), r.text
    # last visits are what done tasks record; set them in the database as a month of history would
    from sqlalchemy import update

    from baolei_volunteers.adapters.orm import HouseholdRow
    store = c.app.state.container.store
    with store.sessions() as s, s.begin():
        for hid, _, _, days in HOUSEHOLDS:
            if days is not None:
                s.execute(update(HouseholdRow).where(HouseholdRow.id == hid)
                          .values(last_visit_at=now - timedelta(days=days)))


@pytest.fixture
def client(kafka_settings, pg_database):
    cfg = VolunteersConfig(database_url=pg_database, kafka=kafka_settings, start_consumer=False,
                           match_debounce_s=0.2, visit_gap_days=3)
    with TestClient(create_app(cfg)) as c:
        yield c


def test_coverage_is_counted_by_district_in_the_database(client: TestClient):
    now = datetime.now(timezone.utc)  # at the test's start (a module-level time is stale by then)
    seed(client, now)
    # a medicine delivery inside the sealed compound (nobody may go in) whose deadline is already past,
    # and a meal in the 常态 compound of 罗湖 with nobody registered there
    late = client.post("/api/tasks", headers=OP, json={
        "household_id": "H-A2-1", "kind": "送药", "deadline": (now + timedelta(minutes=30)).isoformat()})
    assert late.status_code == 201, late.text
    meal = client.post("/api/tasks", headers=OP, json={"household_id": "H-B2-1", "kind": "送餐"})
    assert meal.status_code == 201, meal.text

    def settled():
        cov = client.get("/api/coverage", headers=OP).json()
        rows = {r["district"]: r for r in cov["districts"]}
        return rows if sum(r["unmet"] for r in rows.values()) == 2 else None
    rows = poll(settled, timeout_s=60)
    a, b = rows["福田"], rows["罗湖"]
    assert (a["vulnerable"], a["not_visited"], a["sealed_compounds"], a["controlled_compounds"]) == (3, 2, 1, 0)
    assert (b["vulnerable"], b["not_visited"], b["sealed_compounds"], b["controlled_compounds"]) == (2, 1, 0, 1)
    assert a["unmet_by_cause"] == {"zone_sealed_no_one": 1}
    assert a["unmet_causes"][0]["zh"] == "封控区内无人可上门" and a["unmet_causes"][0]["n"] == 1
    assert b["unmet"] == 1 and b["open"] == 0
    assert a["overdue_medicine"] == 0  # its deadline is half an hour away

    from sqlalchemy import update

    from baolei_volunteers.adapters.orm import TaskRow
    with client.app.state.container.store.sessions() as s, s.begin():
        s.execute(update(TaskRow).where(TaskRow.id == late.json()["id"])
                  .values(deadline=now - timedelta(minutes=5)))
    a = {r["district"]: r for r in client.get("/api/coverage", headers=OP).json()["districts"]}["福田"]
    assert a["overdue_medicine"] == 1


def test_a_community_worker_may_not_read_the_city_coverage(client: TestClient):
    r = client.get("/api/coverage", headers={"Authorization": "Bearer demo-community"})
    assert r.status_code == 403, r.text


def test_the_command_center_reads_the_coverage_through_the_requests_service(kafka_settings, pg_databases,
                                                                             volunteers):
    """The operator's console reads `/api/city/coverage` from the requests service, which asks the
    volunteers process with the operator's token; a community worker is refused by both; when the
    volunteers service does not answer, the panel says so instead of failing the page."""
    import httpx

    from baolei_requests.app import create_app as requests_app
    from baolei_requests.config import RequestsConfig

    with httpx.Client(base_url=volunteers["url"], headers=OP, timeout=30) as v:
        for i, (cid, district, zone) in enumerate(COMPOUNDS):
            r = v.put(f"/api/compounds/{cid}", json={
                "id": cid, "name": f"小区{cid}", "district": district, "street": f"{district}街道",
                "community": f"{district}社区", "zone": zone, "lat": 22.55 + i * 0.002, "lon": 114.05})
            assert r.status_code in (200, 201), r.text
        for hid, cid, vulnerability, _ in HOUSEHOLDS:
            r = v.put(f"/api/households/{hid}", json={
                "id": hid, "compound_id": cid, "building": "1", "unit": "1", "floor": 3, "room": "301",
                "contact": "住户", "phone": "13900000000", "residents": 1, "vulnerability": vulnerability})
            assert r.status_code in (200, 201), r.text
    cfg = RequestsConfig(database_url=pg_databases(), kafka=kafka_settings, inventory_url="http://127.0.0.1:9",
                         volunteers_url=volunteers["url"], consumer_group=f"rq-{kafka_settings.topic_prefix}")
    with TestClient(requests_app(cfg)) as c:
        got = c.get("/api/city/coverage", headers=OP).json()
        assert got["available"] is True
        rows = {r["district"]: r for r in got["districts"]}
        assert (rows["福田"]["vulnerable"], rows["罗湖"]["vulnerable"]) == (3, 2)
        assert (rows["福田"]["not_visited"], rows["罗湖"]["not_visited"]) == (3, 2)  # nobody visited yet
        for token in ("demo-site", "demo-bus"):  # a community and a bus dispatcher: not theirs to read
            r = c.get("/api/city/coverage", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 403, r.text
    cfg = cfg.model_copy(update={"volunteers_url": "http://127.0.0.1:9"})  # nothing listens
    with TestClient(requests_app(cfg)) as c:
        got = c.get("/api/city/coverage", headers=OP).json()
        assert got["available"] is False and got["error"]
