"""The authorisation matrix of the volunteers service (issue 19 §6), walked on the real app on
PostgreSQL with the real broker, in the pattern of test_permission_matrix.py: every write route
(read from the app, so a new route without an expectation fails) × every role that signs in here
(operator, supply dispatcher, community worker, viewer, volunteer) × a resource of the caller's own
community and of another. "Own" for a volunteer is a task held by them (or themself); for a
community worker, their community. The expectations are written from the issue, not read from
baolei_common.policy. Then the reads: what a volunteer and a worker of another community see. The live
feed's share by role and community: test_volunteers_live_feed.py."""
from __future__ import annotations

import io
import itertools

import pytest
from fastapi.testclient import TestClient

from baolei_volunteers.app import create_app
from baolei_volunteers.config import VolunteersConfig
from tests.integration.conftest import poll
from tests.integration.test_permission_matrix import BOTH, OWN, Matrix, write_routes

pytestmark = pytest.mark.integration

# role -> (token, own community, another community)
ROLES = {
    "operator": ("demo-operator", "莲花北社区", "景田社区"),
    "supply dispatcher": ("demo-fmg", "莲花北社区", "景田社区"),
    "community worker": ("demo-community", "莲花北社区", "景田社区"),
    "viewer": ("demo-viewer", "莲花北社区", "景田社区"),
    "volunteer": ("demo-vol-inside", "莲花北社区", "景田社区"),
}
W, V = "community worker", "volunteer"
EXPECT: dict[tuple[str, str], dict[str, frozenset]] = {
    ("PUT", "/api/compounds/{compound_id}"): {"operator": BOTH, W: OWN},
    ("PUT", "/api/compounds/{compound_id}/zone"): {"operator": BOTH, W: OWN},
    ("PUT", "/api/volunteers/{volunteer_id}"): {"operator": BOTH, W: OWN, V: OWN},  # a volunteer: themself
    ("POST", "/api/volunteers/{volunteer_id}/verify"): {"operator": BOTH, W: OWN},
    ("PUT", "/api/households/{household_id}"): {"operator": BOTH, W: OWN},
    ("POST", "/api/tasks"): {"operator": BOTH, W: OWN},
    ("POST", "/api/tasks/import"): {"operator": BOTH, W: OWN},
    ("POST", "/api/wishes"): {"operator": BOTH, W: OWN, V: OWN},  # a volunteer collects residents' wishes
    ("POST", "/api/tasks/{task_id}/approve"): {"operator": BOTH, W: OWN},
    ("POST", "/api/tasks/{task_id}/accept"): {"operator": BOTH, V: OWN},
    ("POST", "/api/tasks/{task_id}/claim"): {"operator": BOTH, V: OWN},
    ("POST", "/api/tasks/{task_id}/decline"): {"operator": BOTH, V: OWN},
    ("POST", "/api/tasks/{task_id}/start"): {"operator": BOTH, V: OWN},
    ("POST", "/api/tasks/{task_id}/done"): {"operator": BOTH, V: OWN},
    ("POST", "/api/tasks/{task_id}/confirm"): {"operator": BOTH, W: OWN},
    ("POST", "/api/tasks/{task_id}/cancel"): {"operator": BOTH, W: OWN},
}
OP = {"Authorization": "Bearer demo-operator"}
HOME = {"莲花北社区": "H-LHB1-0701", "景田社区": "H-JT1-1001"}  # a household of each community
COMPOUND = {"莲花北社区": "C-LHB-2", "景田社区": "C-JT-1"}
VOL = {"莲花北社区": "V-LH-01", "景田社区": "V-JT-01"}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ROLES[role][0]}"}


@pytest.fixture
def client(kafka_settings, pg_database):
    cfg = VolunteersConfig(database_url=pg_database, kafka=kafka_settings, start_consumer=False, match_debounce_s=0.2)
    with TestClient(create_app(cfg)) as c:
        yield c


class City:
    """The demo communities; C-LHB-1 a 管控区, so only 王建国 (V-LH-01, living there, a day of 24 h)
    may take its tasks: each task call gets a fresh task held by him (own) or one of 景田 (other)."""

    def __init__(self, c: TestClient) -> None:
        from baolei_dev.demo_volunteers import COMPOUNDS, HOUSEHOLDS, VOLUNTEERS

        self.c, self.n = c, itertools.count(1)
        for cid, name, community, zone, lat, lon in COMPOUNDS:
            self.ok(c.put(f"/api/compounds/{cid}", headers=OP, json={
                "id": cid, "name": name, "district": "福田", "street": "莲花街道", "community": community,
                "zone": "管控区" if cid == "C-LHB-1" else zone, "lat": lat, "lon": lon}))
        self.compounds = {cid: (name, community, lat, lon) for cid, name, community, _, lat, lon in COMPOUNDS}
        for h in HOUSEHOLDS:
            self.ok(c.put(f"/api/households/{h['id']}", headers=OP, json=h))
        self.volunteers = {v["id"]: dict(v, minutes_per_day=24 * 60) for v in VOLUNTEERS}
        for v in self.volunteers.values():
            self.ok(c.put(f"/api/volunteers/{v['id']}", headers=OP, json=v))

    def zone_of(self, compound_id: str) -> str:
        """The compound's zone now (a zone call that changes nothing: the matrix tests who may, not what)."""
        compounds = [x for r in self.registers() for x in r["compounds"]]
        return str(next(x["zone"] for x in compounds if x["id"] == compound_id))

    def registers(self) -> list[dict]:
        """Both communities' registers as the command center reads them (one community a call)."""
        return [self.ok(self.c.get("/api/community", headers=OP, params={"name": n})).json()
                for n in ("莲花北社区", "景田社区")]

    def planned(self, task_id: str) -> dict:
        """The task once the matching loop has planned it (wait on content: no longer 匹配中)."""
        def done():
            t = next(t for r in self.registers() for t in r["tasks"] if t["id"] == task_id)
            return t if t["status"] != "matching" else None
        return dict(poll(done, timeout_s=60, every_s=0.1))

    @staticmethod
    def ok(r):
        assert r.status_code < 300, r.text
        return r

    def task(self, community: str, *, state: str = "proposed") -> str:
        """A 1-minute medicine delivery: own -> held by V-LH-01 (the only one allowed in C-LHB-1)."""
        r = self.ok(self.c.post("/api/tasks", headers=OP, json={"household_id": HOME[community], "kind": "送药",
                                                                "duration_min": 1}))
        t = self.planned(r.json()["id"])
        if community == "莲花北社区":
            assert (t["status"], t["volunteer_id"]) == ("proposed", "V-LH-01"), t
        if state in ("accepted", "done"):
            self.ok(self.c.post(f"/api/tasks/{t['id']}/accept", headers=OP))
        if state == "done":
            self.ok(self.c.post(f"/api/tasks/{t['id']}/done", headers=OP, json={"note": "已送达"}))
        return str(t["id"])

    def wish(self, community: str) -> str:
        return str(self.ok(self.c.post("/api/wishes", headers=OP, json={"household_id": HOME[community],
                                                                        "kind": "代购"})).json()["id"])


def calls(city: City) -> dict:
    c, n = city.c, city.n

    def compound(h, org, role):
        cid = f"C-NEW-{next(n)}"
        return c.put(f"/api/compounds/{cid}", headers=h, json={
            "id": cid, "name": "新小区", "district": "福田", "street": "莲花街道", "community": org,
            "zone": "常态", "lat": 22.553, "lon": 114.056})

    def volunteer(h, org, role):
        vid = VOL[org]
        r = c.put(f"/api/volunteers/{vid}", headers=h, json=city.volunteers[vid])
        if r.status_code < 300:  # a volunteer's own change waits for verification: verify again
            city.ok(c.post(f"/api/volunteers/{vid}/verify", headers=OP))
        return r

    def household(h, org, role):
        from baolei_dev.demo_volunteers import HOUSEHOLDS
        body = next(x for x in HOUSEHOLDS if x["id"] == HOME[org])
        return c.put(f"/api/households/{HOME[org]}", headers=h, json=body)

    def sheet(h, org, role):
        text = f"住户编号,任务类型,备注\n{HOME[org]},代购,表格导入\n"
        return c.post("/api/tasks/import", headers=h,
                      files={"file": ("tasks.csv", io.BytesIO(text.encode("gbk")), "text/csv")})

    def task_call(verb: str, state: str = "proposed"):
        def call(h, org, role):
            tid = city.task(org, state=state)
            body = {"note": "已送达"} if verb == "done" else None
            return c.post(f"/api/tasks/{tid}/{verb}", headers=h, json=body)
        return call

    return {
        ("PUT", "/api/compounds/{compound_id}"): compound,
        ("PUT", "/api/compounds/{compound_id}/zone"): lambda h, org, role: c.put(
            f"/api/compounds/{COMPOUND[org]}/zone", headers=h, json={"zone": city.zone_of(COMPOUND[org])}),
        ("PUT", "/api/volunteers/{volunteer_id}"): volunteer,
        ("POST", "/api/volunteers/{volunteer_id}/verify"): lambda h, org, role: c.post(
            f"/api/volunteers/{VOL[org]}/verify", headers=h),
        ("PUT", "/api/households/{household_id}"): household,
        ("POST", "/api/tasks"): lambda h, org, role: c.post("/api/tasks", headers=h, json={
            "household_id": HOME[org], "kind": "代购"}),
        ("POST", "/api/tasks/import"): sheet,
        ("POST", "/api/wishes"): lambda h, org, role: c.post("/api/wishes", headers=h, json={
            "household_id": HOME[org], "kind": "代购", "note": "想要一袋米"}),
        ("POST", "/api/tasks/{task_id}/approve"): lambda h, org, role: c.post(
            f"/api/tasks/{city.wish(org)}/approve", headers=h),
        ("POST", "/api/tasks/{task_id}/accept"): task_call("accept"),
        ("POST", "/api/tasks/{task_id}/claim"): task_call("claim"),
        ("POST", "/api/tasks/{task_id}/decline"): task_call("decline"),
        ("POST", "/api/tasks/{task_id}/start"): task_call("start", "accepted"),
        ("POST", "/api/tasks/{task_id}/done"): task_call("done", "accepted"),
        ("POST", "/api/tasks/{task_id}/confirm"): task_call("confirm", "done"),
        ("POST", "/api/tasks/{task_id}/cancel"): task_call("cancel"),
    }


def test_every_write_route_of_the_volunteers_service_by_every_role_own_and_other(client):
    routes = write_routes(client.app)
    assert routes == set(EXPECT), (f"write routes without an expectation: {sorted(routes - set(EXPECT))}; "
                                   f"expectations without a route: {sorted(set(EXPECT) - routes)}")
    city = City(client)
    matrix = Matrix("volunteers service", EXPECT)
    import tests.integration.test_permission_matrix as base
    saved = base.ROLES
    base.ROLES = ROLES  # the printed table's columns
    try:
        made = calls(city)
        for route in EXPECT:
            for role, scope in itertools.product(ROLES, ("own", "other")):
                org = ROLES[role][1] if scope == "own" else ROLES[role][2]
                matrix.check(route, role, scope, made[route](auth(role), org, role))
        print("\n" + matrix.markdown())
    finally:
        base.ROLES = saved
    assert not matrix.problems, "\n".join(matrix.problems)
    assert len(matrix.rows) == len(EXPECT) * len(ROLES) * 2
    assert all(x[4] == 403 for x in matrix.rows if x[3] == "refuse")


def test_a_volunteer_sees_only_what_they_hold_or_may_claim_and_nothing_of_another_community(client):
    city = City(client)
    held = city.task("莲花北社区")
    other = city.task("景田社区")
    vol = auth("volunteer")
    day = client.get("/api/me/day", headers=vol).json()
    ids = [t["id"] for t in day["tasks"] + day["board"]]
    assert held in ids and other not in ids
    assert all(t["household"]["community"] == "莲花北社区" for t in day["tasks"] + day["board"])
    assert all("****" in t["household"]["phone"] for t in day["tasks"])
    assert "13900020001" not in client.get("/api/me/day", headers=vol).text
    # a volunteer has no community registers and no coverage
    assert client.get("/api/community", headers=vol).status_code == 403
    assert client.get("/api/coverage", headers=vol).status_code == 403
    assert client.get("/api/coverage", headers=auth("community worker")).status_code == 403
    # a community worker sees their own community only, whatever they ask for
    seen = client.get("/api/community?name=景田社区", headers=auth("community worker")).json()
    assert seen["community"] == "莲花北社区" and other not in [t["id"] for t in seen["tasks"]]
    assert all(h["community"] == "莲花北社区" for h in seen["households"])
    assert "13900020001" not in client.get("/api/community", headers=auth("community worker")).text
    # and no one signs in without a token
    assert client.get("/api/me/day").status_code == 401
