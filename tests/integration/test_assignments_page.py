"""The dispatcher's lists for a night paged on the server, on PostgreSQL (issue 18 point 3): the
reader's scope is part of the query, so another organisation's assignments are never counted or
shown and a dispatcher never misses its own behind them (it filtered in Python after a LIMIT, with
no total); pages neither repeat nor skip; filters (status, organisation, kind, late) and the search.
Runs and arrivals (GET /api/work), asks and the audit log are paged with their totals too."""
from __future__ import annotations

from datetime import timedelta

import pytest

from baolei_common.events import utcnow
from baolei_requests.adapters.models import Ask, Assignment
from tests.integration.test_lifecycle_console_api import BUS, EAST, HOTEL, OP, SITE, VIEWER, city, client, raise_need  # noqa: F401

pytestmark = pytest.mark.integration


def _trip(bus: str, operator: str) -> dict:
    now = utcnow()
    return {"bus": bus, "operator": operator, "hotel": "H-hzb", "start_at": now.isoformat(),
            "arrive_at": (now + timedelta(minutes=40)).isoformat(),
            "stops": [{"site": "c-lianhua", "at": now.isoformat(), "load": [{"need": "x", "people": 2}]}]}


def test_pages_totals_scope_filters_and_search(client):  # noqa: F811
    c = client
    city(c)
    assert c.put("/api/buses/B-E1", headers=OP, json={
        "id": "B-E1", "operator": "东部公交", "plate": "粤B·E7777", "depot_id": "depot", "seats": 40,
        "load_limit": 0.5, "shift_start": utcnow().isoformat(),
        "shift_end": (utcnow() + timedelta(hours=8)).isoformat()}).status_code == 200
    lianhua = [raise_need(c, OP, "c-lianhua", people=2) for _ in range(6)]
    dongmen = [raise_need(c, OP, "c-dongmen", people=2) for _ in range(4)]
    now = utcnow()
    with c.app.state.sessions() as s:
        # 120 of 东部公交's newest, then 7 of 巴士集团 with 投控公司's rooms: a LIMIT 100 before the
        # permission filter showed 巴士集团 none of its own
        for i in range(7):
            s.add(Assignment(id=f"A-bus-{i:02d}", need_id=lianhua[i % 6], kind="transfer",
                             status="proposed" if i < 5 else "confirmed", organisations=["巴士集团", "投控公司"],
                             trips=[_trip("B-001", "巴士集团")], people=2, late_minutes=15 if i == 0 else 0,
                             room={"hotel": "H-hzb", "operator": "投控公司", "standard": 1},
                             proposed_at=now - timedelta(hours=2, minutes=i)))
        for i in range(120):
            s.add(Assignment(id=f"A-east-{i:03d}", need_id=dongmen[i % 4], kind="transfer", status="proposed",
                             organisations=["东部公交"], trips=[_trip("B-E1", "东部公交")], people=2,
                             proposed_at=now - timedelta(minutes=i)))
        s.add(Assignment(id="A-released", need_id=lianhua[0], kind="transfer", status="released",
                         organisations=["巴士集团"], trips=[_trip("B-001", "巴士集团")], people=2,
                         proposed_at=now - timedelta(hours=3)))
        s.commit()

    def page(headers: dict, **params) -> dict:
        r = c.get("/api/assignments/page", headers=headers, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    mine = page(BUS, limit=100)
    assert mine["total"] == 8 and len(mine["items"]) == 8 and mine["shown_zh"] == "显示 8 / 8", mine["total"]
    assert all("巴士集团" in a["organisations"] for a in mine["items"])
    assert page(HOTEL)["total"] == 7  # the rooms' hotel company: the same 7, not the released trip
    east = page(EAST, limit=50)
    assert east["total"] == 120 and len(east["items"]) == 50 and east["shown_en"] == "showing 50 of 120"
    assert not {a["id"] for a in east["items"]} & {f"A-bus-{i:02d}" for i in range(7)}
    ids = [a["id"] for k in range(3) for a in page(EAST, limit=50, offset=50 * k)["items"]]
    assert len(ids) == len(set(ids)) == 120  # pages neither repeat nor skip
    assert page(EAST, limit=50, offset=100)["shown_zh"] == "显示 101–120 / 120"
    # a site reads the assignments of its own needs; the operator and the viewer every one
    assert page(SITE)["total"] == 8 and page(OP)["total"] == page(VIEWER)["total"] == 128
    # the needs page reads a dispatcher's scope in SQL too: the needs its resources serve
    needs = c.get("/api/needs/page", headers=BUS, params={"status": "open", "limit": 100}).json()
    assert needs["total"] == 6 and {n["id"] for n in needs["items"]} == set(lianhua)
    assert c.get("/api/needs/page", headers=EAST, params={"limit": 2}).json()["total"] == 4
    assert c.get("/api/needs/page", headers=OP, params={"limit": 1}).json()["total"] == 10
    # the old list: the same scope in SQL, the total in a header
    r = c.get("/api/assignments", headers=BUS, params={"status": "proposed,confirmed", "limit": 3})
    assert len(r.json()) == 3 and r.headers["X-Total-Count"] == "7"

    def total(headers: dict = OP, **params) -> int:
        return page(headers, **params)["total"]

    assert total(status="proposed") == 125 and total(status="proposed,confirmed") == 127
    assert total(status=["confirmed", "released"]) == 3 and total(BUS, status="confirmed") == 2
    assert total(organisation="投控公司") == 7 and total(organisation="东部公交") == 120
    assert total(EAST, organisation="巴士集团") == 0  # a filter never widens the scope
    assert total(late="true") == 1 and total(kind="supply") == 0 and total(kind="transfer") == 128
    assert total(q="莲花") == 8 and total(q="粤B·E7777") == 120 and total(q="会展") == 7
    assert total(EAST, q="莲花") == 0 and total(q="A-east-00") == 10 and total(q="\\") == 128
    r = c.get("/api/assignments/page", headers=OP, params={"status": "nonsense"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "status" and "nonsense" in r.text
    assert c.get("/api/assignments/page", headers=OP, params={"limit": 501}).status_code == 422


def test_runs_asks_and_audit_paged_with_totals(client):  # noqa: F811
    c = client
    city(c)
    lianhua, dongmen = raise_need(c, OP, "c-lianhua"), raise_need(c, OP, "c-dongmen")
    now = utcnow()
    with c.app.state.sessions() as s:
        for i in range(7):  # 巴士集团's runs (5 waiting for its answer), older than 东部公交's 60
            s.add(Assignment(id=f"A-bus-{i}", need_id=lianhua, kind="transfer", people=2,
                             status="proposed" if i < 5 else "confirmed", organisations=["巴士集团"],
                             trips=[_trip("B-001", "巴士集团")], proposed_at=now - timedelta(hours=1, minutes=i)))
        for i in range(60):
            s.add(Assignment(id=f"A-east-{i:02d}", need_id=dongmen, kind="transfer", status="confirmed", people=2,
                             organisations=["东部公交"], trips=[_trip("B-E1", "东部公交")],
                             proposed_at=now - timedelta(minutes=i)))
        for i in range(25):  # asks to 东部公交: the open one is the oldest
            s.add(Ask(id=f"K-{i:02d}", kind="add_buses", organisation="东部公交",
                      status="open" if i == 24 else "answered", asked_at=now - timedelta(minutes=i),
                      text_zh="增派车辆", text_en="add buses"))
        s.add(Ask(id="K-bus", kind="add_buses", organisation="巴士集团", asked_at=now, text_zh="增派车辆"))
        s.commit()

    work = c.get("/api/work", headers=BUS, params={"limit": 3}).json()
    assert work["runs_total"] == 7 and len(work["runs"]) == 3 and work["to_answer_total"] == 5
    assert len(work["to_answer"]) == 5 and all(r["to_answer"] for r in work["runs"])  # waiting first
    east = c.get("/api/work", headers=EAST, params={"limit": 50, "offset": 50}).json()
    assert east["runs_total"] == 60 and len(east["runs"]) == 10 and east["to_answer_total"] == 0
    assert all(r["operator"] == "东部公交" for r in east["runs"])
    assert c.get("/api/work", headers=OP).json()["runs_total"] == 67
    assert c.get("/api/work", headers=OP, params={"limit": 501}).status_code == 422

    r = c.get("/api/asks", headers=EAST, params={"limit": 20})
    asks = r.json()
    assert r.headers["X-Total-Count"] == "25" and len(asks) == 20 and asks[0]["id"] == "K-24"  # open first
    assert {a["organisation"] for a in asks} == {"东部公交"}
    assert c.get("/api/asks", headers=OP, params={"limit": 1}).headers["X-Total-Count"] == "26"
    rest = c.get("/api/asks", headers=EAST, params={"limit": 20, "offset": 20}).json()
    assert len(rest) == 5 and not {a["id"] for a in rest} & {a["id"] for a in asks}

    r = c.get("/api/audit", headers=OP, params={"limit": 2})
    total = int(r.headers["X-Total-Count"])
    assert len(r.json()) == 2 and total >= 8  # the sites, hotel, buses and needs registered above
    older = c.get("/api/audit", headers=OP, params={"limit": 2, "offset": total - 1}).json()
    assert len(older) == 1 and older[0]["id"] < r.json()[-1]["id"]
