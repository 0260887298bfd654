"""Lifecycle, permissions, audit and exports over the API, against the real broker and matcher:
accept / decline / expire, start and done with partial delivery, who may see and do what."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from baolei_common.events import utcnow
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from baolei_requests.service import decisions
from baolei_requests.service.sql_uow import SqlUnitOfWork
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP, BUS, EAST, HOTEL, SITE, VIEWER = ({"Authorization": f"Bearer demo-{n}"}
                                      for n in ("operator", "bus", "east", "hotel", "site", "viewer"))


@pytest.fixture
def client(kafka_settings, pg_database):
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-test",
                         inventory_url="http://127.0.0.1:9")  # nothing listens: the console says so
    with TestClient(create_app(cfg)) as c:
        yield c


def city(c: TestClient) -> None:
    now = datetime.now(timezone.utc)
    for site in ({"id": "c-lianhua", "name": "莲花北社区", "district": "福田", "zone": "sealed", "lat": 22.5585,
                  "lon": 114.0578, "organisation": "莲花街道"},
                 {"id": "c-dongmen", "name": "东门社区", "district": "罗湖", "zone": "controlled", "lat": 22.547,
                  "lon": 114.12, "organisation": "东门街道"},
                 {"id": "hzb", "name": "会展北", "district": "福田", "lat": 22.5367, "lon": 114.0545},
                 {"id": "depot", "name": "巴士集团福田车场", "district": "福田", "lat": 22.5401, "lon": 114.03}):
        assert c.put(f"/api/sites/{site['id']}", json=site, headers=OP).status_code == 200
    assert c.put("/api/hotels/H-hzb", headers=OP, json={
        "id": "H-hzb", "name": "会展北", "operator": "投控公司", "site_id": "hzb",
        "accepts": ["close_contact", "secondary_contact"], "rooms": {"standard": 40, "family": 5, "accessible": 2}}
    ).status_code == 200
    assert c.put("/api/buses/B-001", headers=OP, json={
        "id": "B-001", "operator": "巴士集团", "plate": "粤B·D1234", "depot_id": "depot", "seats": 40,
        "load_limit": 0.5, "shift_start": (now - timedelta(hours=1)).isoformat(),
        "shift_end": (now + timedelta(hours=10)).isoformat()}).status_code == 200


def raise_need(c: TestClient, headers: dict, site: str = "c-lianhua", people: int = 5) -> str:
    now = datetime.now(timezone.utc)
    r = c.post("/api/needs", headers=headers, json={
        "kind": "transfer", "site_id": site, "risk": "close_contact", "people": people,
        "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def proposed(c: TestClient, need_id: str, exclude: tuple[str, ...] = ()) -> dict:
    def check():
        n = c.get(f"/api/needs/{need_id}", headers=OP).json()
        live = [a for a in n["assignments"] if a["status"] == "proposed" and a["id"] not in exclude]
        return live[0] if live else None
    return poll(check)


def status(c: TestClient, need_id: str, want: str) -> dict:
    return poll(lambda: (n := c.get(f"/api/needs/{need_id}", headers=OP).json())["status"] == want and n)


def test_accept_start_done_with_audit_and_another_company_refused(client, matcher):
    c = client
    city(c)
    need_id = raise_need(c, SITE, people=5)
    a = proposed(c, need_id)
    r = c.post(f"/api/assignments/{a['id']}/accept", headers=EAST)
    assert r.status_code == 403 and "无权" in r.json()["detail"][0]["reason_zh"]
    assert c.post(f"/api/assignments/{a['id']}/start", headers=EAST).status_code == 403
    assert c.post(f"/api/assignments/{a['id']}/accept", headers=VIEWER).status_code == 403
    assert c.post(f"/api/assignments/{a['id']}/start", headers=BUS).status_code == 409  # not confirmed yet
    r = c.post(f"/api/assignments/{a['id']}/accept", headers=BUS)
    assert r.status_code == 200 and r.json() == {"assignment": a["id"], "status": "awaiting",
                                                 "awaiting": ["投控公司"], "accepted_by": ["巴士集团"]}
    assert c.post(f"/api/assignments/{a['id']}/start", headers=BUS).status_code == 409  # the hotel has not said yes
    assert c.get(f"/api/needs/{need_id}", headers=OP).json()["assignments"][0]["accepted_by"] == ["巴士集团"]
    # who must still answer comes with the assignment: the hotel, and an operator (who answers for all)
    must = {name: c.get(f"/api/needs/{need_id}", headers=h).json()["assignments"][0]["must_answer"]
            for name, h in (("bus", BUS), ("hotel", HOTEL), ("op", OP), ("viewer", VIEWER))}
    assert must == {"bus": False, "hotel": True, "op": True, "viewer": False}
    r = c.post(f"/api/assignments/{a['id']}/accept", headers=HOTEL)
    assert r.status_code == 200 and r.json()["status"] == "confirming" and r.json()["awaiting"] == []
    need = status(c, need_id, "confirmed")
    assert need["progress"] == {"asked": 5, "proposed": 5, "confirmed": 5, "delivered": 0, "remaining": 0}
    assert c.post(f"/api/assignments/{a['id']}/start", headers=BUS).json()["status"] == "under_way"
    assert c.get(f"/api/needs/{need_id}", headers=OP).json()["status"] == "under_way"
    r = c.post(f"/api/assignments/{a['id']}/done", headers=BUS, json={"delivered": 6})
    assert r.status_code == 409
    r = c.post(f"/api/assignments/{a['id']}/done", headers=BUS, json={"delivered": 5})
    assert r.status_code == 200 and r.json()["delivered"] == 5 and r.json()["status"] == "arriving"
    assert c.get(f"/api/needs/{need_id}", headers=OP).json()["status"] == "under_way"  # the hotel has not confirmed
    assert c.post(f"/api/assignments/{a['id']}/arrive", headers=EAST, json={}).status_code == 403
    assert c.post(f"/api/assignments/{a['id']}/arrive", headers=HOTEL, json={}).status_code == 200
    need = c.get(f"/api/needs/{need_id}", headers=OP).json()
    assert need["status"] == "done" and need["progress"]["delivered"] == 5 and need["progress"]["remaining"] == 0
    audit = c.get("/api/audit", headers=OP, params={"entity": f"assignment:{a['id']}"}).json()
    assert [e["action"] for e in audit] == ["assignment.arrived", "assignment.done", "assignment.start",
                                            "assignment.accept", "assignment.accept"]
    assert audit[0]["actor"] == "投控公司调度" and audit[0]["after"]["status"] == "done"
    done = audit[1]
    assert done["actor"] == "巴士集团调度" and done["role"] == "dispatcher" and done["organisation"] == "巴士集团"
    assert done["before"]["status"] == "under_way" and done["after"]["status"] == "arriving" and done["at"]
    assert c.get("/api/audit", headers=BUS).status_code == 403


def test_partial_delivery_leaves_the_rest_visible_and_matched_again(client, matcher):
    c = client
    city(c)
    need_id = raise_need(c, OP, people=4)
    a = proposed(c, need_id)
    assert c.post(f"/api/assignments/{a['id']}/accept", headers=OP).status_code == 200  # an operator stands for all
    status(c, need_id, "confirmed")
    done = {"delivered": 3, "note": "1 人发热留观"}
    assert c.post(f"/api/assignments/{a['id']}/done", headers=OP, json=done).status_code == 200
    # an operator may confirm
    assert c.post(f"/api/assignments/{a['id']}/arrive", headers=OP, json={}).status_code == 200
    need = c.get(f"/api/needs/{need_id}", headers=OP).json()
    assert need["progress"]["delivered"] == 3 and need["progress"]["remaining"] == 1 and need["status"] != "done"
    rest = proposed(c, need_id, exclude=(a["id"],))  # the one left behind is matched again
    assert rest["people"] == 1


def test_decline_and_expiry_send_the_need_back_to_matching(client, matcher):
    c = client
    city(c)
    now = datetime.now(timezone.utc)
    assert c.put("/api/buses/B-002", headers=OP, json={  # the declined bus is not offered again: another one is
        "id": "B-002", "operator": "东部公交", "plate": "粤B·E5678", "depot_id": "depot", "seats": 40,
        "load_limit": 0.5, "shift_start": (now - timedelta(hours=1)).isoformat(),
        "shift_end": (now + timedelta(hours=10)).isoformat()}).status_code == 200
    need_id = raise_need(c, OP, people=3)
    first = proposed(c, need_id)
    org = first["trips"][0]["operator"]
    assert c.post(f"/api/assignments/{first['id']}/decline", headers=BUS if org == "巴士集团" else EAST,
                  json={"reason": "车辆故障"}).status_code == 200
    second = proposed(c, need_id, exclude=(first["id"],))
    assert second["trips"][0]["bus"] != first["trips"][0]["bus"]
    released = [x for x in c.get(f"/api/needs/{need_id}", headers=OP).json()["assignments"] if x["id"] == first["id"]]
    assert released[0]["status"] == "released" and "车辆故障" in released[0]["release_reason"]
    # an hour later nobody has answered
    assert decisions.expire_holds(SqlUnitOfWork(c.app.state.sessions), now=utcnow() + timedelta(days=1)) >= 1
    c.app.state.workers["outbox"].wake()
    third = proposed(c, need_id, exclude=(first["id"], second["id"]))
    assert third["id"] not in (first["id"], second["id"])
    audit = c.get("/api/audit", headers=OP, params={"entity": f"assignment:{second['id']}"}).json()
    assert audit[0]["action"] == "assignment.expire" and audit[0]["actor"] == "system"


def test_who_sees_what(client, matcher):
    c = client
    city(c)
    mine = raise_need(c, SITE, site="c-lianhua")
    other = raise_need(c, OP, site="c-dongmen")
    assert c.post("/api/needs", headers=SITE, json={"kind": "supply", "site_id": "c-dongmen",
                                                    "due_at": "2030-01-01T00:00:00+08:00",
                                                    "lines": [{"sku": "rice", "quantity": 1}]}).status_code == 403
    assert [n["id"] for n in c.get("/api/needs", headers=SITE).json()] == [mine]
    assert c.get(f"/api/needs/{other}", headers=SITE).status_code == 403
    assert c.get("/api/needs", headers={}).status_code == 401
    assert c.post("/api/needs", headers=VIEWER, json={}).status_code == 403
    me = c.get("/api/me", headers=BUS).json()
    assert {k: me[k] for k in ("user", "role", "role_zh", "organisation", "kind", "can_write")} == {
        "user": "巴士集团调度", "role": "dispatcher", "role_zh": "国企调度", "organisation": "巴士集团", "kind": "bus",
        "can_write": True}
    assert me["actions"]["bus.manage"] == "own" and "need.raise" not in me["actions"]
    a = proposed(c, mine)
    proposed(c, other)
    assert {x["need_id"] for x in c.get("/api/assignments", headers=BUS).json()} == {mine, other}
    assert c.get("/api/assignments", headers=EAST).json() == []
    assert c.get(f"/api/needs/{mine}", headers=EAST).status_code == 403
    assert c.get(f"/api/needs/{mine}", headers=BUS).json()["assignments"][0]["id"] == a["id"]
    assert [b["id"] for b in c.get("/api/buses", headers=EAST).json()] == []
    # resources: a dispatcher runs only its own; the change reaches the matcher as BusStatus/HotelRooms
    assert c.post("/api/buses/B-001/state", headers=EAST, json={"state": "out_of_service"}).status_code == 403
    assert c.post("/api/buses/B-001/state", headers=BUS, json={"state": "out_of_service"}).status_code == 200
    assert c.get("/api/buses", headers=BUS).json()[0]["state"] == "out_of_service"
    r = c.post("/api/hotels/H-hzb/state", headers=HOTEL, json={"state": "open", "out_of_use": {"standard": 10}})
    assert r.status_code == 200
    assert c.post("/api/hotels/H-hzb/state", headers=BUS, json={"state": "closed"}).status_code == 403
    assert c.post("/api/hotels/H-hzb/state", headers=HOTEL, json={"out_of_use": {"family": 9}}).status_code == 409
    ov = c.get("/api/overview", headers=OP).json()
    assert ov["buses"]["out_of_service"] == 1 and ov["rooms"]["out_of_use"] == 10
    assert c.get("/api/overview", headers=SITE).status_code == 403
    assert c.get("/api/city/stock", headers=OP).json()["available"] is False
