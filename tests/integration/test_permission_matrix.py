"""The whole authorisation matrix, walked on the real apps: every write route of both services
(read from the apps themselves, so a new route without an expectation fails this test) × every
role (operator, bus / hotel / supply dispatcher, site, viewer) × a resource of the caller's own
organisation and of another one. Allowed calls must not answer 401/403; refused ones must answer
403 in the agreed error shape with a Chinese reason.

The expectations below are written from the README and issue 12, not read from
baolei_common.policy, so the policy cannot agree with itself by construction. The matrix is printed
(`pytest -s`) and, with BAOLEI_MATRIX_OUT=<file>, written there as markdown.
"""
from __future__ import annotations

import io
import itertools
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from kafka import KafkaProducer

from baolei_common import topics
from baolei_common.events import meta, ts
from baolei_events.v1 import assignments_pb2
from baolei_inventory.app import create_app as create_inventory
from baolei_inventory.config import InventoryConfig
from baolei_requests.adapters.models import Stay
from baolei_requests.app import create_app as create_requests
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration

# role -> (token, own organisation, another organisation)
ROLES = {
    "operator": ("demo-operator", "指挥部", "东门街道"),
    "bus dispatcher": ("demo-bus", "巴士集团", "东部公交"),
    "hotel dispatcher": ("demo-hotel", "投控公司", "酒店业商会"),
    "supply dispatcher": ("demo-fmg", "食品物资集团", "深粮集团"),
    "site": ("demo-site", "莲花街道", "东门街道"),
    "viewer": ("demo-viewer", "指挥部", "东门街道"),
}
ORGS = sorted({o for _, own, other in ROLES.values() for o in (own, other)})
BOTH, OWN, NONE = frozenset({"own", "other"}), frozenset({"own"}), frozenset()
DISPATCHERS_OWN = {"bus dispatcher": OWN, "hotel dispatcher": OWN, "supply dispatcher": OWN}

# (method, path) -> role -> the scopes in which the call is allowed (a role not named: never)
EXPECT_REQUESTS: dict[tuple[str, str], dict[str, frozenset]] = {
    ("POST", "/api/needs"): {"operator": BOTH, "site": OWN},
    ("POST", "/api/needs/import"): {"operator": BOTH, "site": OWN},
    ("POST", "/api/needs/{need_id}/cancel"): {"operator": BOTH, "site": OWN},
    ("POST", "/api/needs/{need_id}/faster"): {"operator": BOTH},  # no proposal waiting: 409, still allowed
    ("POST", "/api/assignments/{assignment_id}/accept"): {"operator": BOTH, **DISPATCHERS_OWN},
    ("POST", "/api/assignments/{assignment_id}/decline"): {"operator": BOTH, **DISPATCHERS_OWN},
    ("POST", "/api/assignments/{assignment_id}/start"): {"operator": BOTH, **DISPATCHERS_OWN},
    ("POST", "/api/assignments/{assignment_id}/done"): {"operator": BOTH, **DISPATCHERS_OWN},
    ("POST", "/api/assignments/{assignment_id}/arrive"): {"operator": BOTH, "hotel dispatcher": OWN},
    ("PUT", "/api/sites/{site_id}"): {"operator": BOTH},
    ("PUT", "/api/hotels/{hotel_id}"): {"operator": BOTH, "hotel dispatcher": OWN},
    ("POST", "/api/hotels/{hotel_id}/state"): {"operator": BOTH, "hotel dispatcher": OWN},
    ("PUT", "/api/buses/{bus_id}"): {"operator": BOTH, "bus dispatcher": OWN},
    ("POST", "/api/buses/{bus_id}/state"): {"operator": BOTH, "bus dispatcher": OWN},
    ("POST", "/api/live/ticket"): {r: BOTH for r in ROLES},  # everyone follows the feed (filtered)
    # who left isolation, who stays longer: the hotel's own dispatcher, or an operator (issue 18 point 6)
    ("POST", "/api/hotels/{hotel_id}/departures"): {"operator": BOTH, "hotel dispatcher": OWN},
    ("POST", "/api/stays/{stay_id}/extend"): {"operator": BOTH, "hotel dispatcher": OWN},
    # issue 18: asks for capacity go out from the command center and are answered by the organisation
    # asked; a run or a selection is one decision of whoever may answer its proposals; an organisation
    # switches its own standing rule (an operator any organisation's)
    ("POST", "/api/asks"): {"operator": BOTH},
    ("POST", "/api/asks/{ask_id}/answer"): {"operator": BOTH, **DISPATCHERS_OWN},  # buses, rooms, staples
    ("POST", "/api/assignments/accept-many"): {"operator": BOTH, **DISPATCHERS_OWN},
    ("POST", "/api/assignments/decline-many"): {"operator": BOTH, **DISPATCHERS_OWN},
    ("PUT", "/api/standing-rules/{organisation}"): {"operator": BOTH, **DISPATCHERS_OWN},
}
EXPECT_INVENTORY: dict[tuple[str, str], dict[str, frozenset]] = {
    ("POST", "/api/warehouses"): {"operator": BOTH, "supply dispatcher": OWN},
    ("POST", "/api/skus"): {"operator": BOTH},
    ("POST", "/api/movements"): {"operator": BOTH, "supply dispatcher": OWN},
    ("POST", "/api/reserve/release"): {"operator": BOTH},
    ("POST", "/api/prices"): {"operator": BOTH, "supply dispatcher": OWN},
    ("PUT", "/api/baselines"): {"operator": BOTH},
    ("POST", "/api/stock-counts/csv"): {"operator": BOTH, "supply dispatcher": OWN},
    ("POST", "/api/prices/csv"): {"operator": BOTH, "supply dispatcher": OWN},
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def write_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every write route, also inside included routers (FastAPI ≥ 0.165 keeps an
    included router as one entry of app.routes instead of copying its routes)."""
    found: set[tuple[str, str]] = set()

    def walk_routes(routes, prefix: str) -> None:
        for r in routes:
            if isinstance(r, APIRoute):
                found.update((m, prefix + r.path) for m in r.methods if m in WRITES)
            elif (ctx := getattr(r, "include_context", None)) is not None:
                walk_routes(ctx.included_router.routes, prefix + ctx.prefix)
    walk_routes(app.routes, "")
    return found


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ROLES[role][0]}"}


def org_of(role: str, scope: str) -> str:
    return ROLES[role][1] if scope == "own" else ROLES[role][2]


class Matrix:
    """Every call made, checked and kept for the printed table."""

    def __init__(self, service: str, expect: dict) -> None:
        self.service, self.expect = service, expect
        self.rows: list[tuple[str, str, str, str, int, bool]] = []  # route, role, scope, expected, status, ok
        self.problems: list[str] = []

    def check(self, route: tuple[str, str], role: str, scope: str, r) -> None:
        allowed = scope in self.expect[route].get(role, NONE)
        if allowed:
            ok = r.status_code not in (401, 403)
        else:
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
            detail = body.get("detail") if isinstance(body, dict) else None
            ok = (r.status_code == 403 and isinstance(detail, list) and bool(detail)
                  and all({"field", "reason_zh", "reason_en"} <= set(d) for d in detail)
                  and any("\u4e00" <= ch <= "\u9fff" for ch in detail[0]["reason_zh"]))
        self.rows.append((f"{route[0]} {route[1]}", role, scope, "allow" if allowed else "refuse", r.status_code, ok))
        if not ok:
            self.problems.append(f"{self.service} {route[0]} {route[1]} as {role} ({scope}): expected "
                                 f"{'allowed' if allowed else '403'}, got {r.status_code} {r.text[:300]}")

    def counts(self) -> dict[str, int]:
        refuse = [x for x in self.rows if x[3] == "refuse"]
        return {"calls": len(self.rows), "should be refused": len(refuse),
                "refused (403)": sum(1 for x in refuse if x[4] == 403),
                "allowed that should be refused": sum(1 for x in refuse if x[4] not in (401, 403)),
                "refused that should be allowed": sum(1 for x in self.rows if x[3] == "allow" and not x[5])}

    def markdown(self) -> str:
        roles = list(ROLES)
        lines = [f"### {self.service}", "", "| route | " + " | ".join(roles) + " |",
                 "| --- | " + " | ".join("---" for _ in roles) + " |"]
        by = {(x[0], x[1], x[2]): x for x in self.rows}
        for route in self.expect:
            name = f"{route[0]} {route[1]}"
            cells = []
            for role in roles:
                parts = []
                for scope in ("own", "other"):
                    x = by.get((name, role, scope))
                    if x is None:
                        parts.append("?")
                        continue
                    mark = "✅" if x[3] == "allow" else "⛔"
                    parts.append(f"{mark}{x[4]}" + ("" if x[5] else " ❗"))
                cells.append(" / ".join(parts))
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
        c = self.counts()
        lines += ["", "own / other organisation; ✅ allowed (status), ⛔ refused (status), ❗ not as expected. "
                  + ", ".join(f"{k}: {v}" for k, v in c.items()), ""]
        return "\n".join(lines)


def report(*matrices: Matrix) -> None:
    text = "\n".join(m.markdown() for m in matrices)
    print("\n" + text)
    out = os.environ.get("BAOLEI_MATRIX_OUT")
    if out:
        Path(out).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- the requests service

class RequestsCity:
    """A community, a hotel and a bus of every organisation, registered by the operator; needs and
    proposals (through the real assignments topic) made on demand."""

    def __init__(self, c: TestClient, kafka_settings) -> None:
        self.c, self.kafka = c, kafka_settings
        self.now = datetime.now(timezone.utc)
        self.op = auth("operator")
        self.n = itertools.count(1)
        self.site = {org: f"c-{i}" for i, org in enumerate(ORGS)}
        for i, org in enumerate(ORGS):
            self._ok(c.put(f"/api/sites/c-{i}", headers=self.op, json={
                "id": f"c-{i}", "name": f"{org}社区", "district": "福田", "zone": "controlled",
                "lat": 22.55 + i / 1000, "lon": 114.05, "organisation": org}))
        self._ok(c.put("/api/sites/hs", headers=self.op, json={"id": "hs", "name": "隔离酒店", "district": "福田",
                                                                 "lat": 22.53, "lon": 114.05}))
        self._ok(c.put("/api/sites/depot", headers=self.op, json={"id": "depot", "name": "车场", "district": "福田",
                                                                    "lat": 22.54, "lon": 114.03}))
        for i, org in enumerate(ORGS):
            self._ok(c.put(f"/api/hotels/H-{i}", headers=self.op, json=self.hotel_body(f"H-{i}", org)))
            self._ok(c.put(f"/api/buses/B-{i}", headers=self.op, json=self.bus_body(f"B-{i}", org)))
        self.hotel = {org: f"H-{i}" for i, org in enumerate(ORGS)}
        self.bus = {org: f"B-{i}" for i, org in enumerate(ORGS)}
        self.stay = self._stays(c)
        self.producer = KafkaProducer(bootstrap_servers=kafka_settings.bootstrap_servers, acks="all")

    def _stays(self, c: TestClient) -> dict[str, str]:
        """A stay of two people at every organisation's hotel (written as an arrival writes it)."""
        with c.app.state.sessions.begin() as s:
            for org, hid in self.hotel.items():
                s.add(Stay(id=f"S-{hid}", assignment_id=f"A-{hid}", need_id=f"N-{hid}", hotel_id=hid, operator=org,
                           risk="close_contact", people=2, rooms={"standard": 2}, arrived_at=self.now,
                           stay_until=self.now + timedelta(days=7), status="staying"))
        return {org: f"S-{hid}" for org, hid in self.hotel.items()}

    @staticmethod
    def _ok(r):
        assert r.status_code < 300, r.text
        return r

    def hotel_body(self, hid: str, operator: str) -> dict:
        return {"id": hid, "name": f"{operator}酒店", "operator": operator, "site_id": "hs",
                "accepts": ["close_contact"], "rooms": {"standard": 20, "family": 0, "accessible": 0}}

    def bus_body(self, bid: str, operator: str) -> dict:
        return {"id": bid, "operator": operator, "plate": f"粤B·{bid}", "depot_id": "depot", "seats": 40,
                "load_limit": 0.5, "shift_start": (self.now - timedelta(hours=1)).isoformat(),
                "shift_end": (self.now + timedelta(hours=10)).isoformat()}

    def need_body(self, org: str) -> dict:
        return {"kind": "transfer", "site_id": self.site[org], "risk": "close_contact", "people": 2,
                "ready_at": (self.now + timedelta(minutes=5)).isoformat(),
                "due_at": (self.now + timedelta(hours=3)).isoformat()}

    def csv_for(self, org: str) -> bytes:
        ready, due = self.now + timedelta(hours=8, minutes=5), self.now + timedelta(hours=11)  # Beijing wall clock
        return (f"地点,类别,人数,风险,就绪时间,截止时间\n{self.site[org]},转运,2,密接,"
                f"{ready:%Y-%m-%d %H:%M},{due:%Y-%m-%d %H:%M}\n").encode()

    def need(self, org: str) -> str:
        return self._ok(self.c.post("/api/needs", headers=self.op, json=self.need_body(org))).json()["id"]

    def propose(self, org: str, kind: str) -> tuple[str, str]:
        """A proposal holding a resource of `org` (a trip, a room or a pick, by the dispatcher's kind)."""
        need_id, aid = self.need(org), f"A-{next(self.n)}"
        p = assignments_pb2.AssignmentProposed(assignment_id=aid, need_id=need_id, explanation_zh="测试",
                                               hold_expires_at=ts(self.now + timedelta(hours=2)))
        if kind == "bus":
            p.trips.append(assignments_pb2.Trip(bus_id=self.bus[org], bus_operator=org, hotel_id="H-x"))
        elif kind == "supply":
            p.picks.append(assignments_pb2.SupplyPick(sku="rice", warehouse_id="wh", warehouse_operator=org,
                                                      quantity=1))
        else:
            p.room.CopyFrom(assignments_pb2.RoomGrant(hotel_id=self.hotel[org], hotel_operator=org))
        ev = assignments_pb2.AssignmentEvent(meta=meta(producer="test", correlation_id=need_id), proposed=p)
        self.producer.send(self.kafka.topic(topics.ASSIGNMENTS), key=need_id.encode(), value=ev.SerializeToString())
        return need_id, aid

    def wait_status(self, pairs: list[tuple[str, str]], status: str) -> None:
        def all_there():
            for need_id, aid in pairs:
                n = self.c.get(f"/api/needs/{need_id}", headers=self.op).json()
                if not any(a["id"] == aid and a["status"] == status for a in n["assignments"]):
                    return False
            return True
        poll(all_there, timeout_s=60, every_s=0.5)


KIND = {"bus dispatcher": "bus", "hotel dispatcher": "hotel", "supply dispatcher": "supply"}
ASSIGNMENT_ROUTES = ("accept", "decline", "start", "done", "arrive")
MANY_ROUTES = ("accept-many", "decline-many")


def new_ask(city: RequestsCity, org: str, kind: str) -> str:
    """An ask sent to `org` by the operator, stored as the route would store it (the matrix city has no
    unmet cause to ask about)."""
    from baolei_common.identity import Principal
    from baolei_requests.domain.asks import Figures
    from baolei_requests.service import asks
    from baolei_requests.service.sql_uow import SqlUnitOfWork

    op = Principal(user="指挥部值班员", role="operator", organisation="指挥部")
    room, stock = kind == "hotel", kind == "supply"  # a supply group is asked for staples (调拨物资)
    ask = asks.send(SqlUnitOfWork(city.c.app.state.sessions), op, asks.NewAsk(
        kind="move_stock" if stock else "open_rooms" if room else "extend_shifts",
        cause="stock" if stock else "rooms" if room else "buses", organisation=org,
        resource_id=city.hotel[org] if room else "wh-1" if stock else "depot", risk="close_contact",
        figures=Figures(trips=3, rooms=5, stock={"rice": 30} if stock else {}), text_zh="测试请求", text_en="test ask"))
    return ask.id


def requests_calls(city: RequestsCity, assignments: dict) -> dict:
    c, n = city.c, city.n

    def need_import(h, org, key):
        return c.post("/api/needs/import", params={"filename": "needs.csv"}, content=city.csv_for(org),
                      headers={**h, "Content-Type": "application/octet-stream"})

    def put_new(kind, body, h, org):
        rid = f"{kind[0].upper()}N-{next(n)}"
        return c.put(f"/api/{kind}/{rid}", headers=h, json=body(rid, org))

    def answer(what):
        def call(h, org, key):
            body = ({"reason": "车辆故障"} if what == "decline" else {} if what == "done"
                    else {"arrived": 1} if what == "arrive" else None)
            return c.post(f"/api/assignments/{assignments[key]}/{what}", headers=h, json=body)
        return call

    def many(what):
        def call(h, org, key):
            body = {"assignment_ids": [assignments[key]], "label": "矩阵测试"}
            return c.post(f"/api/assignments/{what}", headers=h,
                          json=body | ({"reason": "车辆不足"} if what == "decline-many" else {}))
        return call

    return {
        ("POST", "/api/needs"): lambda h, org, key: c.post("/api/needs", headers=h, json=city.need_body(org)),
        ("POST", "/api/needs/import"): need_import,
        ("POST", "/api/needs/{need_id}/cancel"):
            lambda h, org, key: c.post(f"/api/needs/{city.need(org)}/cancel", headers=h, json={"reason": "测试取消"}),
        ("POST", "/api/needs/{need_id}/faster"):
            lambda h, org, key: c.post(f"/api/needs/{city.need(org)}/faster", headers=h, json={}),
        **{("POST", f"/api/assignments/{{assignment_id}}/{w}"): answer(w) for w in ASSIGNMENT_ROUTES},
        ("PUT", "/api/sites/{site_id}"): lambda h, org, key: c.put(f"/api/sites/{city.site[org]}", headers=h, json={
            "id": city.site[org], "name": f"{org}社区", "district": "福田", "zone": "controlled", "lat": 22.55,
            "lon": 114.05, "organisation": org}),
        ("PUT", "/api/hotels/{hotel_id}"): lambda h, org, key: put_new("hotels", city.hotel_body, h, org),
        ("POST", "/api/hotels/{hotel_id}/state"):
            lambda h, org, key: c.post(f"/api/hotels/{city.hotel[org]}/state", headers=h, json={"state": "open"}),
        ("PUT", "/api/buses/{bus_id}"): lambda h, org, key: put_new("buses", city.bus_body, h, org),
        ("POST", "/api/buses/{bus_id}/state"):
            lambda h, org, key: c.post(f"/api/buses/{city.bus[org]}/state", headers=h, json={"state": "in_service"}),
        ("POST", "/api/live/ticket"): lambda h, org, key: c.post("/api/live/ticket", headers=h),
        ("POST", "/api/hotels/{hotel_id}/departures"): lambda h, org, key: c.post(
            f"/api/hotels/{city.hotel[org]}/departures", headers=h, json={"due_today": True}),
        ("POST", "/api/stays/{stay_id}/extend"): lambda h, org, key: c.post(
            f"/api/stays/{city.stay[org]}/extend", headers=h,
            json={"until": (city.now + timedelta(days=9)).isoformat(), "reason": "复检阳性"}),
        ("POST", "/api/asks"): lambda h, org, key: c.post("/api/asks", headers=h, json={
            "cause": "buses", "organisation": org}),
        ("POST", "/api/asks/{ask_id}/answer"): lambda h, org, key: c.post(
            f"/api/asks/{new_ask(city, org, KIND.get(key[1], 'bus'))}/answer", headers=h,
            json={"refuse": True, "reason": "测试：车辆不足"}),
        **{("POST", f"/api/assignments/{w}"): many(w) for w in MANY_ROUTES},
        ("PUT", "/api/standing-rules/{organisation}"): lambda h, org, key: c.put(
            f"/api/standing-rules/{org}", headers=h, json={"auto_confirm": False}),
    }


@pytest.fixture
def requests_client(kafka_settings, pg_database):
    cfg = RequestsConfig(database_url=pg_database, kafka=kafka_settings, consumer_group="requests-matrix",
                         inventory_url="http://127.0.0.1:9")
    with TestClient(create_requests(cfg)) as c:
        yield c


@pytest.fixture
def inventory_client(kafka_settings, pg_databases):
    cfg = InventoryConfig(database_url=pg_databases(), kafka=kafka_settings, start_consumer=False)
    with TestClient(create_inventory(cfg)) as c:
        yield c


def walk(matrix: Matrix, routes: dict, calls: dict) -> None:
    for route in routes:
        for role, scope in itertools.product(ROLES, ("own", "other")):
            key = (route, role, scope)
            matrix.check(route, role, scope, calls[route](auth(role), org_of(role, scope), key))


# ---------------------------------------------------------------- the inventory service

class InventoryCity:
    """A warehouse of every organisation in a district of its own, with regular and reserve rice."""

    def __init__(self, c: TestClient) -> None:
        self.c, self.op = c, auth("operator")
        self.n = itertools.count(1)
        assert c.post("/api/skus", headers=self.op, json={"id": "rice", "name_zh": "大米", "name_en": "rice",
                                                          "unit": "bag"}).status_code == 200
        self.wh = {org: f"wh-{i}" for i, org in enumerate(ORGS)}
        self.district = {org: f"区{i}" for i, org in enumerate(ORGS)}
        for org in ORGS:
            r = c.post("/api/warehouses", headers=self.op, json={
                "id": self.wh[org], "name": f"{org}仓", "organisation": org, "district": self.district[org],
                "lat": 22.5, "lon": 114.0})
            assert r.status_code == 200, r.text
            for reserve in (False, True):
                r = c.post("/api/movements", headers=self.op, json={
                    "kind": "receipt", "warehouse_id": self.wh[org], "sku": "rice", "lot": f"L-{reserve}",
                    "quantity": 1000, "reserve": reserve})
                assert r.status_code == 201, r.text


def inventory_calls(city: InventoryCity) -> dict:
    c, n = city.c, city.n

    def csv(path: str, text: str, h: dict):
        return c.post(path, headers=h, files={"file": ("upload.csv", io.BytesIO(text.encode()), "text/csv")})

    return {
        ("POST", "/api/warehouses"): lambda h, org, key: c.post("/api/warehouses", headers=h, json={
            "id": f"wn-{next(n)}", "name": "新仓", "organisation": org, "district": city.district[org],
            "lat": 22.5, "lon": 114.0}),
        ("POST", "/api/skus"): lambda h, org, key: c.post("/api/skus", headers=h, json={
            "id": f"sku-{next(n)}", "name_zh": "测试品", "name_en": "test", "unit": "bag"}),
        ("POST", "/api/movements"): lambda h, org, key: c.post("/api/movements", headers=h, json={
            "kind": "receipt", "warehouse_id": city.wh[org], "sku": "rice", "lot": "L-new", "quantity": 1}),
        ("POST", "/api/reserve/release"): lambda h, org, key: c.post("/api/reserve/release", headers=h, json={
            "warehouse_id": city.wh[org], "sku": "rice", "quantity": 1}),
        ("POST", "/api/prices"): lambda h, org, key: c.post("/api/prices", headers=h, json={
            "sku": "rice", "district": city.district[org], "source": "market_survey", "price_fen": 7500}),
        ("PUT", "/api/baselines"): lambda h, org, key: c.put("/api/baselines", headers=h, json={
            "sku": "rice", "district": city.district[org], "baseline_fen": 7500}),
        ("POST", "/api/stock-counts/csv"): lambda h, org, key: csv(
            "/api/stock-counts/csv", f"warehouse_id,sku,lot,counted\n{city.wh[org]},rice,L-False,900\n", h),
        ("POST", "/api/prices/csv"): lambda h, org, key: csv(
            "/api/prices/csv", f"sku,district,source,price_fen\nrice,{city.district[org]},market_survey,7600\n", h),
    }


def test_every_write_route_of_both_services_by_every_role_own_and_other(
        requests_client, inventory_client, kafka_settings):
    req_routes, inv_routes = write_routes(requests_client.app), write_routes(inventory_client.app)
    assert req_routes == set(EXPECT_REQUESTS), (
        f"write routes without an expectation: {sorted(req_routes - set(EXPECT_REQUESTS))}; "
        f"expectations without a route: {sorted(set(EXPECT_REQUESTS) - req_routes)}")
    assert inv_routes == set(EXPECT_INVENTORY), (
        f"write routes without an expectation: {sorted(inv_routes - set(EXPECT_INVENTORY))}; "
        f"expectations without a route: {sorted(set(EXPECT_INVENTORY) - inv_routes)}")

    city = RequestsCity(requests_client, kafka_settings)
    # one fresh proposal per assignment call, through the real assignments topic; those to start or
    # finish are confirmed first by the operator (the confirmation goes round the log too)
    paths = [f"/api/assignments/{{assignment_id}}/{w}" for w in ASSIGNMENT_ROUTES] + [
        f"/api/assignments/{w}" for w in MANY_ROUTES]
    made = {(("POST", path), role, scope): city.propose(org_of(role, scope), KIND.get(role, "hotel"))
            for path in paths for role in ROLES for scope in ("own", "other")}
    city.producer.flush()
    city.wait_status(list(made.values()), "proposed")
    running = [v for k, v in made.items() if k[0][1].endswith(("/start", "/done"))]
    for _, aid in running:
        assert requests_client.post(f"/api/assignments/{aid}/accept", headers=city.op).status_code == 200
    city.wait_status(running, "confirmed")
    city.producer.close()

    req = Matrix("requests service", EXPECT_REQUESTS)
    walk(req, EXPECT_REQUESTS, requests_calls(city, {k: aid for k, (_, aid) in made.items()}))
    inv = Matrix("inventory service", EXPECT_INVENTORY)
    walk(inv, EXPECT_INVENTORY, inventory_calls(InventoryCity(inventory_client)))
    report(req, inv)

    assert not req.problems + inv.problems, "\n".join(req.problems + inv.problems)
    total = len(EXPECT_REQUESTS) + len(EXPECT_INVENTORY)
    assert len(req.rows) + len(inv.rows) == total * len(ROLES) * 2


def test_organisation_comes_from_the_token_and_transfers_stay_inside_the_clerks_warehouses(
        requests_client, inventory_client, kafka_settings):
    city = RequestsCity(requests_client, kafka_settings)
    city.producer.close()
    site = auth("site")
    body = city.need_body("莲花街道") | {"organisation": "东门街道"}  # file a need under another street
    r = requests_client.post("/api/needs", headers=site, json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "organisation"
    assert "单位" in r.json()["detail"][0]["reason_zh"]
    r = requests_client.post("/api/needs", headers=site, json=city.need_body("莲花街道"))
    assert r.status_code == 201 and r.json()["organisation"] == "莲花街道"
    # an operator's need belongs to the site's organisation, so that street's site sees it
    nid = city.need("莲花街道")
    assert requests_client.get(f"/api/needs/{nid}", headers=site).json()["organisation"] == "莲花街道"
    assert requests_client.get(f"/api/needs/{city.need('东门街道')}", headers=site).status_code == 403

    inv = InventoryCity(inventory_client)
    fmg, other = "食品物资集团", "深粮集团"
    move = {"kind": "transfer", "warehouse_id": inv.wh[fmg], "sku": "rice", "quantity": 5}
    r = inventory_client.post("/api/movements", headers=auth("supply dispatcher"),
                              json=move | {"to_warehouse": inv.wh[other]})
    assert r.status_code == 403 and r.json()["detail"][0]["field"] == "to_warehouse"
    r = inventory_client.post("/api/movements", headers=auth("operator"), json=move | {"to_warehouse": inv.wh[other]})
    assert r.status_code == 201, r.text
    own2 = inventory_client.post("/api/warehouses", headers=auth("supply dispatcher"), json={
        "id": "wh-own2", "name": "二号仓", "organisation": fmg, "district": "福田", "lat": 22.5, "lon": 114.0})
    assert own2.status_code == 200, own2.text
    r = inventory_client.post("/api/movements", headers=auth("supply dispatcher"),
                              json=move | {"to_warehouse": "wh-own2"})
    assert r.status_code == 201, r.text
    # a bus company cannot raise a price alert: no price, no CSV of prices
    r = inventory_client.post("/api/prices", headers=auth("bus dispatcher"), json={
        "sku": "rice", "district": inv.district[fmg], "source": "market_survey", "price_fen": 99999})
    assert r.status_code == 403 and "无权" in r.json()["detail"][0]["reason_zh"]
    assert inventory_client.get("/api/alerts", headers=auth("operator")).json() == []
    # both services tell the caller its share of the one policy
    me = inventory_client.get("/api/me", headers=auth("bus dispatcher")).json()
    assert me["kind"] == "bus" and me["actions"] == {}
    assert inventory_client.get("/api/me", headers=auth("supply dispatcher")).json()["actions"]["price.record"] == "own"
    site_me = requests_client.get("/api/me", headers=site).json()
    assert site_me["actions"]["need.raise"] == "own" and "bus.manage" not in site_me["actions"]


# the dispatch sheet is work to carry out: operators (any organisation's) and each dispatcher (its own);
# the viewer and sites export none (issue 18: the viewer read 巴士集团's sheet, and every one's
# without organisation=). The needs page is read by everyone, a site only its own.
EXPECT_SHEET = {"operator": BOTH, **DISPATCHERS_OWN}


def test_dispatch_sheets_and_the_needs_page_by_every_role_own_and_other(requests_client, kafka_settings):
    city = RequestsCity(requests_client, kafka_settings)
    # a proposal holding each dispatcher's own resource and another organisation's, for the task lists
    made = {(role, scope): city.propose(org_of(role, scope), KIND[role]) for role in KIND for scope in ("own", "other")}
    city.wait_status(list(made.values()), "proposed")
    city.producer.close()
    for org in ORGS:
        city.need(org)
    sheet = Matrix("requests service (reads)", {("GET", "/api/exports/dispatch-sheet"): EXPECT_SHEET})
    for role, scope in itertools.product(ROLES, ("own", "other")):
        for fmt in ("json", "csv", "xlsx"):
            r = requests_client.get("/api/exports/dispatch-sheet", headers=auth(role),
                                    params={"organisation": org_of(role, scope), "format": fmt})
            sheet.check(("GET", "/api/exports/dispatch-sheet"), role, scope, r)
        # without organisation=: a dispatcher's own sheet only; refused where the sheet is
        r = requests_client.get("/api/exports/dispatch-sheet", headers=auth(role), params={"format": "json"})
        if role in DISPATCHERS_OWN:
            assert r.status_code == 200 and r.json()["organisation"] == ROLES[role][1], (role, r.text)
        elif role in ("viewer", "site"):
            assert r.status_code == 403, (role, r.text)
    report(sheet)
    assert not sheet.problems, "\n".join(sheet.problems)
    for role in ROLES:
        page = requests_client.get("/api/needs/page", headers=auth(role), params={"limit": 500})
        assert page.status_code == 200, (role, page.text)
        orgs = {n["organisation"] for n in page.json()["items"]}
        assert page.json()["total"] == len(page.json()["items"])
        if role == "site":
            assert orgs == {"莲花街道"}, orgs
        elif role in ("operator", "viewer"):
            assert orgs >= set(ORGS), orgs
    # the task lists: the scope is the query's, so the total counts only what the caller may see
    every = {aid for _, aid in made.values()}
    for role in ROLES:
        r = requests_client.get("/api/assignments/page", headers=auth(role), params={"limit": 500})
        assert r.status_code == 200, (role, r.text)
        ids = {a["id"] for a in r.json()["items"]}
        assert r.json()["total"] == len(ids), role
        if role in KIND:  # its own proposal, never the other organisation's
            assert ids & every == {made[(role, "own")][1]}, (role, ids)
            assert all(ROLES[role][1] in a["organisations"] for a in r.json()["items"]), role
        elif role in ("operator", "viewer"):
            assert ids >= every, (role, ids)
        else:  # the site: none of these needs is its organisation's
            assert not ids & every, (role, ids)
        work = requests_client.get("/api/work", headers=auth(role)).json()
        if role == "bus dispatcher":
            assert {a for run in work["runs"] for a in run["assignment_ids"]} == {made[(role, "own")][1]}, work
