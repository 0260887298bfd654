"""Holes of issue 18 closed at the requests API (real PostgreSQL and broker): a decline needs a
reason, `breakdown` only as a JSON boolean ("no coercion": `1` put a bus out of service), and the
phone form's refusal of rooms that do not fit names `rooms`, in Chinese and English."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.test_lifecycle_console_api import BUS, OP, SITE, city, client  # noqa: F401

pytestmark = pytest.mark.integration


def fields(r) -> list[str]:
    return [d["field"] for d in r.json()["detail"]]


def test_a_decline_needs_a_reason_and_breakdown_is_a_boolean(client):  # noqa: F811
    url = "/api/assignments/A-none/decline"  # the body is checked before the assignment is looked up
    for body, field in (({}, "reason"), ({"reason": "   "}, "reason"),
                        ({"reason": "车辆故障", "breakdown": 1}, "breakdown"),
                        ({"reason": "车辆故障", "breakdown": "true"}, "breakdown")):
        r = client.post(url, headers=BUS, json=body)
        assert r.status_code == 422 and fields(r) == [field], (body, r.text)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"][0]["reason_zh"])
    assert "拒绝原因" in client.post(url, headers=BUS, json={"reason": ""}).json()["detail"][0]["reason_zh"]
    # a reason and a JSON boolean pass the checks: the answer is about the assignment now
    r = client.post(url, headers=BUS, json={"reason": "车辆故障", "breakdown": True})
    assert r.status_code == 404 and fields(r) == ["assignment_id"], r.text


def test_rooms_that_do_not_fit_are_named_as_rooms(client):  # noqa: F811
    city(client)
    now = datetime.now(timezone.utc)
    r = client.post("/api/needs", headers=SITE, json={
        "kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": 2,
        "rooms": {"standard": 5, "family": 0, "accessible": 0}, "ready_at": now.isoformat(),
        "due_at": (now + timedelta(hours=3)).isoformat()})
    assert r.status_code == 422, r.text
    (d,) = r.json()["detail"]
    assert d["field"] == "rooms" and "房间" in d["reason_zh"] and "rooms" in d["reason_en"], d
    assert d["reason_zh"] != "取值无效"
    assert OP
