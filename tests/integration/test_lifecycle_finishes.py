"""A lifecycle that finishes (issue 12, point 2), on the real broker and PostgreSQL with the
requests service, the matcher and the inventory: the remainder of a partial delivery is proposed
again with asked / delivered / remaining shown; a hotel confirms arrival; a decline is never
offered back (a breakdown takes the bus out of service), and when nothing is left the need says
why; a hold expires exactly once, owned by the requests service, and the inventory follows."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer

from baolei_common import topics
from baolei_common.events import utcnow
from baolei_events.v1 import assignments_pb2
from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from baolei_requests.service import decisions
from baolei_requests.service.sql_uow import SqlUnitOfWork
from tests.integration.conftest import free_port, poll, start_service, stop

pytestmark = pytest.mark.integration
TOKENS = {name: {"Authorization": f"Bearer demo-{name}"} for name in ("operator", "bus", "east", "hotel", "fmg")}
OP, BUS, EAST, HOTEL, FMG = (TOKENS[n] for n in ("operator", "bus", "east", "hotel", "fmg"))
BY_ORG = {"巴士集团": BUS, "东部公交": EAST, "投控公司": HOTEL, "食品物资集团": FMG}


@pytest.fixture
def client(kafka_settings, pg_databases):
    cfg = RequestsConfig(database_url=pg_databases(), kafka=kafka_settings,
                         consumer_group=f"rq-{kafka_settings.topic_prefix}", inventory_url="http://127.0.0.1:9")
    with TestClient(create_app(cfg)) as c:
        yield c


@pytest.fixture
def short_ttl_inventory(kafka_settings, pg_databases, tmp_path: Path):
    """The inventory with a one-second hold TTL: were it still expiring holds itself, it would
    release them (and say so on the log) long before the requests service does."""
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_INVENTORY_DATABASE_URL": pg_databases(), "BAOLEI_INVENTORY_HTTP_PORT": str(port),
           "BAOLEI_INVENTORY_HOLD_TTL_S": "1", "BAOLEI_INVENTORY_EXPIRY_POLL_S": "0.2",
           "BAOLEI_INVENTORY_CONSUMER_GROUP": f"inventory-{uuid.uuid4().hex[:8]}"}
    proc = start_service("baolei_inventory", env, f"http://127.0.0.1:{port}/readyz", tmp_path / "inventory.log")
    yield {"url": f"http://127.0.0.1:{port}"}
    stop(proc)


def city(c: TestClient, buses: tuple[tuple[str, str], ...] = (("B-001", "巴士集团"), ("B-002", "东部公交"))) -> None:
    now = datetime.now(timezone.utc)
    for site in ({"id": "c-lianhua", "name": "莲花北社区", "district": "福田", "zone": "sealed", "lat": 22.5585,
                  "lon": 114.0578, "organisation": "莲花街道"},
                 {"id": "hzb", "name": "会展北", "district": "福田", "lat": 22.5367, "lon": 114.0545},
                 {"id": "depot", "name": "福田车场", "district": "福田", "lat": 22.5401, "lon": 114.03}):
        assert c.put(f"/api/sites/{site['id']}", json=site, headers=OP).status_code == 200
    assert c.put("/api/hotels/H-hzb", headers=OP, json={
        "id": "H-hzb", "name": "会展北", "operator": "投控公司", "site_id": "hzb",
        "accepts": ["close_contact"], "rooms": {"standard": 40, "family": 5, "accessible": 2}}).status_code == 200
    for bus_id, org in buses:
        assert c.put(f"/api/buses/{bus_id}", headers=OP, json={
            "id": bus_id, "operator": org, "plate": f"粤B·{bus_id}", "depot_id": "depot", "seats": 40,
            "load_limit": 0.5, "shift_start": (now - timedelta(hours=1)).isoformat(),
            "shift_end": (now + timedelta(hours=10)).isoformat()}).status_code == 200


def need_of(c: TestClient, need_id: str) -> dict:
    return c.get(f"/api/needs/{need_id}", headers=OP).json()


def proposal(c: TestClient, need_id: str, exclude: tuple[str, ...] = ()) -> dict:
    def check():
        live = [a for a in need_of(c, need_id)["assignments"] if a["status"] == "proposed" and a["id"] not in exclude]
        return live[0] if live else None
    return poll(check)


def raise_transfer(c: TestClient, people: int) -> str:
    now = datetime.now(timezone.utc)
    r = c.post("/api/needs", headers=OP, json={
        "kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": people,
        "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_partial_transfer_hotel_confirms_arrival_and_the_remainder_is_proposed(client, matcher):
    c = client
    city(c)
    need_id = raise_transfer(c, 6)
    a = proposal(c, need_id)
    assert a["awaiting"] == sorted(a["organisations"]) and a["hold_expires_at"]
    assert c.post(f"/api/assignments/{a['id']}/accept", headers=OP).status_code == 200
    poll(lambda: need_of(c, need_id)["status"] == "confirmed")
    bus_org = a["trips"][0]["operator"]
    assert c.post(f"/api/assignments/{a['id']}/start", headers=BY_ORG[bus_org]).status_code == 200
    r = c.post(f"/api/assignments/{a['id']}/done", headers=BY_ORG[bus_org],
               json={"delivered": 4, "note": "2 人发热留观"})
    assert r.status_code == 200 and r.json()["status"] == "arriving" and r.json()["delivered"] == 4
    assert need_of(c, need_id)["status"] == "under_way"  # not done before the hotel says who arrived
    # only the hotel (or an operator) confirms arrival, and not more than the bus brought
    assert c.post(f"/api/assignments/{a['id']}/arrive", headers=BY_ORG[bus_org], json={}).status_code == 403
    r = c.post(f"/api/assignments/{a['id']}/arrive", headers=HOTEL, json={"arrived": 5})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "arrived"
    r = c.post(f"/api/assignments/{a['id']}/arrive", headers=HOTEL, json={})
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["delivered"] == 4
    # the 2 who did not come are matched again at once, as a remainder, with the progress shown
    rest = proposal(c, need_id, exclude=(a["id"],))
    assert rest["people"] == 2 and "剩余部分" in rest["explanation_zh"] and "remainder" in rest["explanation_en"]
    need = need_of(c, need_id)
    assert need["status"] == "proposed"
    assert (need["progress"]["asked"], need["progress"]["delivered"], need["progress"]["remaining"]) == (6, 4, 2)
    # the remainder delivered: the need is done
    assert c.post(f"/api/assignments/{rest['id']}/accept", headers=OP).status_code == 200
    poll(lambda: need_of(c, need_id)["status"] == "confirmed")
    assert c.post(f"/api/assignments/{rest['id']}/done", headers=OP, json={}).status_code == 200
    assert c.post(f"/api/assignments/{rest['id']}/arrive", headers=OP, json={}).status_code == 200
    need = need_of(c, need_id)
    assert need["status"] == "done" and need["progress"]["delivered"] == 6 and need["progress"]["remaining"] == 0


def stock_up(inv_url: str, quantity: int = 100) -> None:
    with httpx.Client(base_url=inv_url, headers=OP, timeout=10) as c:
        assert c.post("/api/skus", json={"id": "rice", "name_zh": "大米", "name_en": "rice", "unit": "袋",
                                         "staple": True}).status_code in (200, 201)
        r = c.post("/api/warehouses", json={"id": "wh-futian", "name": "食品物资集团福田仓",
                                            "organisation": "食品物资集团", "district": "福田",
                                            "lat": 22.5330, "lon": 114.0500})
        assert r.status_code in (200, 201), r.text
        r = c.post("/api/movements", json={"kind": "receipt", "warehouse_id": "wh-futian", "sku": "rice",
                                           "lot": "rice-1", "quantity": quantity, "reason": "opening stock"})
        assert r.status_code in (200, 201), r.text


def raise_supply(c: TestClient, quantity: int) -> str:
    assert c.put("/api/sites/c-xixiang", headers=OP, json={
        "id": "c-xixiang", "name": "西乡社区", "district": "宝安", "zone": "controlled",
        "lat": 22.5770, "lon": 113.8700}).status_code == 200
    due = (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()
    r = c.post("/api/needs", headers=OP, json={"kind": "supply", "site_id": "c-xixiang", "due_at": due,
                                               "lines": [{"sku": "rice", "quantity": quantity}]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_partial_supply_remainder_is_proposed_from_stock(client, matcher, inventory):
    c = client
    stock_up(inventory["url"])
    need_id = raise_supply(c, 50)
    a = proposal(c, need_id)
    assert a["awaiting"] == ["食品物资集团"]
    assert c.post(f"/api/assignments/{a['id']}/accept", headers=FMG).status_code == 200
    poll(lambda: need_of(c, need_id)["status"] == "confirmed")
    inv = httpx.Client(base_url=inventory["url"], headers=OP, timeout=10)
    rice = {"warehouse_id": "wh-futian", "sku": "rice"}
    poll(lambda: inv.get("/api/balances", params=rice).json()[0]["on_hand"] == 50)
    r = c.post(f"/api/assignments/{a['id']}/done", headers=FMG, json={"delivered": 30})
    assert r.status_code == 200 and r.json()["status"] == "done"
    rest = proposal(c, need_id, exclude=(a["id"],))
    core = [{k: p[k] for k in ("sku", "warehouse", "operator", "quantity")} for p in rest["picks"]]
    assert core == [{"sku": "rice", "warehouse": "wh-futian", "operator": "食品物资集团", "quantity": 20}]
    assert rest["picks"][0]["sku_zh"] == "大米" and rest["picks"][0]["unit_zh"] == "袋"
    assert "剩余部分" in rest["explanation_zh"]
    need = need_of(c, need_id)
    assert (need["progress"]["asked"], need["progress"]["delivered"], need["progress"]["remaining"]) == (50, 30, 20)
    # the inventory holds the remainder's 20 (the matcher's hold, reflected by the level's assignment id)
    holds = poll(lambda: inv.get("/api/holds", params={"assignment_id": rest["id"]}).json())
    assert [h["quantity"] for h in holds] == [20]


def test_declines_are_not_offered_back_a_breakdown_stops_the_bus_and_unmet_says_why(client, matcher):
    c = client
    city(c)
    need_id = raise_transfer(c, 3)
    first = proposal(c, need_id)
    (bus1,) = {t["bus"] for t in first["trips"]}
    org1 = first["trips"][0]["operator"]
    r = c.post(f"/api/assignments/{first['id']}/decline", headers=BY_ORG[org1], json={"reason": "车辆故障"})
    assert r.status_code == 200
    # the breakdown takes the bus out of service until a dispatcher puts it back
    assert {b["id"]: b["state"] for b in c.get("/api/buses", headers=OP).json()}[bus1] == "out_of_service"
    audit = c.get("/api/audit", headers=OP, params={"entity": f"bus:{bus1}"}).json()
    assert audit[0]["action"] == "bus.breakdown" and audit[0]["after"]["reason"] == "车辆故障"
    second = proposal(c, need_id, exclude=(first["id"],))
    (bus2,) = {t["bus"] for t in second["trips"]}
    assert bus2 != bus1
    declined = [x for x in need_of(c, need_id)["assignments"] if x["id"] == first["id"]][0]
    assert declined["status"] == "released" and declined["decline_reason"] == "车辆故障"  # shown on the command center
    # the other company declines too (not a breakdown): its bus stays in service, but is not offered
    # to this need again; with the first bus out of service nothing is left, and the need says why
    org2 = second["trips"][0]["operator"]
    assert c.post(f"/api/assignments/{second['id']}/decline", headers=BY_ORG[org2],
                  json={"reason": "司机不足"}).status_code == 200
    need = poll(lambda: (n := need_of(c, need_id))["status"] == "unmet" and n)
    assert "已排除调度拒绝过的资源" in need["unmet_reason_zh"] and bus2 in need["unmet_reason_zh"]
    assert {b["id"]: b["state"] for b in c.get("/api/buses", headers=OP).json()}[bus2] == "in_service"
    # the broken bus is back: it was declined for this need, so it is still not offered to it
    assert c.post(f"/api/buses/{bus1}/state", headers=BY_ORG[org1], json={"state": "in_service"}).status_code == 200
    time.sleep(3)
    need = need_of(c, need_id)
    assert need["status"] == "unmet" and not [a for a in need["assignments"] if a["status"] == "proposed"]
    # ... while another need gets it
    other = raise_transfer(c, 2)
    assert proposal(c, other)["trips"]


def test_a_breakdown_releases_the_bus_other_waiting_holds_until_it_is_back(client, matcher):
    c = client
    city(c, buses=(("B-001", "巴士集团"),))
    mine, other = raise_transfer(c, 2), raise_transfer(c, 2)
    a, b = proposal(c, mine), proposal(c, other)
    assert {t["bus"] for t in a["trips"] + b["trips"]} == {"B-001"}
    assert c.post(f"/api/assignments/{a['id']}/decline", headers=BUS, json={"reason": "车辆故障"}).status_code == 200
    # the other need's hold on the broken bus is released too, and it says why
    released = poll(lambda: [x for x in need_of(c, other)["assignments"] if x["status"] == "released"])
    assert released[0]["release_reason"] == "bus out of service: B-001 (车辆故障)"
    for need_id in (mine, other):  # no bus is left for either
        poll(lambda n=need_id: need_of(c, n)["status"] == "unmet")
    assert "已排除调度拒绝过的资源" in need_of(c, mine)["unmet_reason_zh"]
    assert "已排除" not in need_of(c, other)["unmet_reason_zh"]
    # the bus is back: the other need gets it again; the need that declined it does not
    assert c.post("/api/buses/B-001/state", headers=BUS, json={"state": "in_service"}).status_code == 200
    again = proposal(c, other, exclude=(b["id"],))
    assert {t["bus"] for t in again["trips"]} == {"B-001"}
    assert need_of(c, mine)["status"] == "unmet"


def released_on_log(kafka_settings, assignment_id: str, wait_s: float) -> list[assignments_pb2.AssignmentReleased]:
    """Every AssignmentReleased of this assignment on the log, read for `wait_s` seconds."""
    consumer = KafkaConsumer(kafka_settings.topic(topics.ASSIGNMENTS),
                             bootstrap_servers=kafka_settings.bootstrap_servers, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=1000)
    out = []
    end = time.monotonic() + wait_s
    try:
        while time.monotonic() < end:
            for record in consumer:
                ev = assignments_pb2.AssignmentEvent.FromString(record.value)
                if ev.WhichOneof("event") == "released" and ev.released.assignment_id == assignment_id:
                    out.append(ev.released)
    finally:
        consumer.close()
    return out


def test_a_hold_expires_exactly_once_and_the_inventory_follows(client, matcher, short_ttl_inventory, kafka_settings):
    c = client
    inv_url = short_ttl_inventory["url"]
    stock_up(inv_url)
    need_id = raise_supply(c, 40)
    a = proposal(c, need_id)
    inv = httpx.Client(base_url=inv_url, headers=OP, timeout=10)
    holds = poll(lambda: inv.get("/api/holds", params={"assignment_id": a["id"]}).json())
    assert holds[0]["status"] == "held" and holds[0]["quantity"] == 40
    time.sleep(3)  # three inventory TTLs: its own timer, were it there, would have expired the hold
    assert inv.get("/api/holds", params={"assignment_id": a["id"]}).json()[0]["status"] == "held"
    assert released_on_log(kafka_settings, a["id"], 1) == []
    # the requests service, the one owner, finds it unanswered (its sweep runs as if a day later)
    later = utcnow() + timedelta(days=1)
    assert decisions.expire_holds(SqlUnitOfWork(c.app.state.sessions), now=later) == 1
    assert decisions.expire_holds(SqlUnitOfWork(c.app.state.sessions), now=later) == 0  # only once
    c.app.state.workers["outbox"].wake()
    mine = {"assignment_id": a["id"]}
    holds = poll(lambda: (h := inv.get("/api/holds", params=mine).json())[0]["status"] == "expired" and h)
    assert holds[0]["quantity"] == 40
    # the stock came back: the ledger of that assignment holds 40 and gives 40 back, nothing issued
    moves = inv.get("/api/movements", params={"assignment_id": a["id"]}).json()
    assert sorted(m["held_delta"] for m in moves) == [-40, 40] and all(m.get("on_hand_delta", 0) == 0 for m in moves)
    poll(lambda: need_of(c, need_id)["assignments"][0]["status"] == "released")
    released = released_on_log(kafka_settings, a["id"], 4)
    assert [r.reason for r in released] == ["expired"]
    # the need went back to matching and the stock came back for it: a new proposal holds it again
    again = proposal(c, need_id, exclude=(a["id"],))
    assert again["picks"][0]["quantity"] == 40
