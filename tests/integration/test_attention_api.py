"""What needs a decision (GET /api/attention), the audit log in words, names beside ids, and a site
seeing every need for its sites, over the API against the real broker, matcher and PostgreSQL."""
from __future__ import annotations

import re

import pytest

from tests.integration.conftest import poll
from tests.integration.test_lifecycle_console_api import (
    BUS,
    HOTEL,
    OP,
    SITE,
    VIEWER,
    city,
    client,  # noqa: F401  (fixture)
    proposed,
    raise_need,
    status,
)

pytestmark = pytest.mark.integration
CODE = re.compile(r"\b(?:need|assignment|bus|hotel|site)\.[a-z]+\b|\b[a-z]+_[a-z_]+\b|B-001|H-hzb|c-lianhua")


def _raise(c, headers, site="c-lianhua", people=2, rooms=None, risk="close_contact") -> str:
    from datetime import datetime, timedelta, timezone
    now = datetime.now(timezone.utc)
    body = {"kind": "transfer", "site_id": site, "risk": risk, "people": people,
            "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()}
    if rooms:
        body["rooms"] = rooms
    r = c.post("/api/needs", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_attention_leads_with_holds_unmet_by_cause_and_declines(client, matcher):  # noqa: F811
    c = client
    city(c)
    # the hotel's two accessible rooms are being cleaned: a need for them is unmet, and the fix is to open them
    r = c.post("/api/hotels/H-hzb/state", headers=OP,
               json={"state": "open", "out_of_use": {"accessible": 2}, "reason": "消杀中"})
    assert r.status_code == 200, r.text
    unmet_id = _raise(c, OP, people=2, rooms={"accessible": 2})
    unmet = status(c, unmet_id, "unmet")
    assert unmet["unmet_code"] == "accessible_rooms_full"
    # a proposal declined by the bus company, with its reason; the need is matched again (a new hold)
    declined_id = raise_need(c, OP, site="c-dongmen", people=3)
    first = proposed(c, declined_id)
    r = c.post(f"/api/assignments/{first['id']}/decline", headers=BUS, json={"reason": "司机不足"})
    assert r.status_code == 200, r.text
    waiting_id = raise_need(c, SITE, site="c-lianhua", people=3)  # a hold nobody has answered yet
    proposed(c, waiting_id)

    att = poll(lambda: (a := c.get("/api/attention", headers=OP).json())["declines"] and a["holds"] and a)
    group = next(g for g in att["unmet"] if g["cause"] == "accessible_rooms_full")
    assert group["shortfall"] == 2 and group["needs"][0]["need_id"] == unmet_id
    # buses are short too (the bus company declined the only bus for 东门's need, now unmet for buses):
    # the room shortfall is what stays short even with unlimited buses, and says so
    assert group["text_zh"] == "无障碍房不足：若车辆充足，仍缺 2 间，会展北可加开 2 间", group
    assert group["text_en"] == ("Not enough accessible rooms: 2 short even with unlimited buses; "
                                "会展北 could open 2 more")
    sf = att["shortfall"]
    assert (sf["people"], sf["rooms_short"], sf["trips_short"]) == (5, 2, 1), sf
    assert sf["text_zh"].startswith("若车辆充足，仍缺房间 2 间；若房间充足，仍约缺 1 车次；5 人待安置"), sf
    assert group["more"] == 0 and group["rest_url"] == "/api/needs?status=unmet&unmet_code=accessible_rooms_full"
    rest = c.get(group["rest_url"], headers=OP).json()
    assert [n["id"] for n in rest] == [unmet_id]
    decline = next(d for d in att["declines"] if d["need_id"] == declined_id)
    assert decline["reason"] == "司机不足" and decline["by"] == "巴士集团调度" and decline["organisation"] == "巴士集团"
    assert decline["label_zh"] == "东门社区 3 人转运" and "粤B·D1234" in decline["resources_zh"]
    assert waiting_id in {h["need_id"] for h in att["holds"]}
    for h in att["holds"]:
        assert set(h["awaiting"]) <= {"巴士集团", "投控公司"} and h["awaiting"]
        assert 0 < h["expires_in_min"] <= 15 and h["expires_at"]
    # operators only: a dispatcher, a site and a viewer are refused in the agreed shape
    for who in (BUS, HOTEL, SITE, VIEWER):
        r = c.get("/api/attention", headers=who)
        assert r.status_code == 403 and r.json()["detail"][0]["reason_zh"]

    # the audit log in words, no action codes or ids in them
    audit = c.get("/api/audit", headers=OP, params={"limit": 100}).json()
    texts = {a["action"]: (a["text_zh"], a["text_en"]) for a in reversed(audit)}
    assert texts["assignment.decline"] == ("巴士集团调度 拒绝了 东门社区 3 人转运：司机不足",
                                           "巴士集团调度 declined the transfer of 3 people from 东门社区: 司机不足")
    assert texts["need.create"] == ("莲花街道社区 提交了 莲花北社区 3 人转运",
                                    "莲花街道社区 raised the transfer of 3 people from 莲花北社区")
    assert "指挥部值班员 提交了 莲花北社区 2 人转运" in {a["text_zh"] for a in audit}
    assert texts["hotel.state"][0] == "指挥部值班员 将 会展北 开放，停用 无障碍房 2 间（原因：消杀中）"
    for a in audit:
        assert a["text_zh"] and a["text_en"] and not CODE.search(a["text_zh"]), a

    # names beside ids: plates and hotel names on the trips and the room
    need = c.get(f"/api/needs/{declined_id}", headers=OP).json()
    a = next(x for x in need["assignments"] if x["id"] == first["id"])
    assert a["decline_reason"] == "司机不足"
    assert {t["plate"] for t in a["trips"]} == {"粤B·D1234"} and a["room"]["hotel_name"] == "会展北"
    assert need["label_en"] == "the transfer of 3 people from 东门社区"
    assert need["priority_reason"] == "管控区" and need["priority_reason_en"] == "controlled zone"


def test_a_site_sees_every_need_for_its_sites_and_opens_the_duplicate(client):  # noqa: F811
    c = client
    city(c)
    by_operator = _raise(c, OP, site="c-lianhua", people=4)
    other_site = _raise(c, OP, site="c-dongmen", people=4)
    mine = {n["id"] for n in c.get("/api/needs", headers=SITE).json()}
    assert by_operator in mine and other_site not in mine
    assert c.get(f"/api/needs/{by_operator}", headers=SITE).status_code == 200
    assert c.get(f"/api/needs/{other_site}", headers=SITE).status_code == 403
    # 东门社区 passes to 莲花街道: its needs, filed under 东门街道 before, are now the site's to follow
    r = c.put("/api/sites/c-dongmen", headers=OP, json={
        "id": "c-dongmen", "name": "东门社区", "district": "罗湖", "zone": "controlled", "lat": 22.547, "lon": 114.12,
        "organisation": "莲花街道"})
    assert r.status_code == 200, r.text
    assert other_site in {n["id"] for n in c.get("/api/needs", headers=SITE).json()}
    assert c.get(f"/api/needs/{other_site}", headers=SITE).status_code == 200
    # the site raises the same need again: the warning names the operator's need and lets it open it
    again = c.post("/api/needs", headers=SITE, json={
        **{k: v for k, v in c.get(f"/api/needs/{by_operator}", headers=OP).json().items()
           if k in ("kind", "site_id", "risk", "people", "ready_at", "due_at")}})
    assert again.status_code == 201, again.text
    dup = again.json()["duplicate"]
    assert dup["need_id"] == by_operator and dup["label_zh"] == "莲花北社区 4 人转运", dup


def test_a_partial_delivery_waiting_for_its_rest_is_stranded(client, matcher):  # noqa: F811
    c = client
    city(c)
    need_id = raise_need(c, SITE, site="c-lianhua", people=5)
    a = proposed(c, need_id)
    assert c.post(f"/api/assignments/{a['id']}/accept", headers=OP).status_code == 200
    status(c, need_id, "confirmed")
    assert c.post(f"/api/assignments/{a['id']}/start", headers=BUS).status_code == 200
    assert c.post(f"/api/assignments/{a['id']}/done", headers=BUS, json={"delivered": 3}).status_code == 200
    # the only bus breaks down before the rest can be fetched: two people wait with nothing to carry them
    r = c.post("/api/buses/B-001/state", headers=BUS, json={"state": "out_of_service", "reason": "车辆故障"})
    assert r.status_code == 200, r.text
    assert c.post(f"/api/assignments/{a['id']}/arrive", headers=HOTEL, json={}).status_code == 200
    att = poll(lambda: (x := c.get("/api/attention", headers=OP).json())["stranded"] and x)
    stranded = next(s for s in att["stranded"] if s["need_id"] == need_id)
    assert stranded["delivered"] == 3 and stranded["remaining"] == 2 and stranded["label_zh"] == "莲花北社区 5 人转运"
    # and once the matcher says why, the cause names the bus that could be put back
    att = poll(lambda: (x := c.get("/api/attention", headers=OP).json())["unmet"] and x)
    buses = next(g for g in att["unmet"] if g["cause"] == "buses")
    assert buses["shortfall"] == 2 and "粤B·D1234" in buses["fix_zh"] and "恢复运营" in buses["fix_zh"], buses
