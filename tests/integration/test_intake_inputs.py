"""The inputs real offices send, on the real broker and PostgreSQL (SQLite where said): staples by
their Chinese names, GBK / GB18030 CSV, broken and oversized files, Idempotency-Keys reused or raced,
times and sites that make no sense."""
from __future__ import annotations

import io
import json
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.testclient import TestClient

from baolei_requests.app import create_app
from baolei_requests.config import RequestsConfig
from tests.integration.conftest import poll
from tests.integration.test_intake_import import upload
from tests.integration.test_lifecycle_console_api import OP, city
from tests.integration.test_supply_end_to_end import stock_up

pytestmark = pytest.mark.integration
BEIJING = timezone(timedelta(hours=8))


def make_client(kafka_settings, url: str, **extra) -> TestClient:
    cfg = RequestsConfig(database_url=url, kafka=kafka_settings, consumer_group=f"r-{uuid.uuid4().hex[:6]}",
                         inventory_url="http://127.0.0.1:9", live_feed=False, **extra)
    return TestClient(create_app(cfg))


@pytest.fixture
def client(kafka_settings, pg_database):
    with make_client(kafka_settings, pg_database) as c:
        yield c


def supply(sku: str, quantity: int = 50, site: str = "c-lianhua", hours: float = 4) -> dict:
    due = datetime.now(BEIJING) + timedelta(hours=hours)
    return {"kind": "supply", "site_id": site, "due_at": due.isoformat(), "lines": [{"sku": sku, "quantity": quantity}]}


def test_rice_by_its_chinese_name_is_stored_as_rice_and_matched(kafka_settings, pg_databases, matcher, inventory):
    """大米:50 used to be accepted as "大米" and then found unmet "no 大米 in stock" with rice in stock."""
    stock_up(inventory["url"])
    with make_client(kafka_settings, pg_databases()) as c:
        city(c)
        r = c.post("/api/needs", headers=OP, json=supply("大米", 50))
        assert r.status_code == 201, r.text
        assert r.json()["lines"] == [{"sku": "rice", "quantity": 50}]
        need_id = r.json()["id"]
        need = poll(lambda: (n := c.get(f"/api/needs/{need_id}", headers=OP).json())["status"] == "proposed" and n)
        (a,) = need["assignments"]
        core = [{k: p[k] for k in ("sku", "warehouse", "operator", "quantity")} for p in a["picks"]]
        assert core == [{"sku": "rice", "warehouse": "wh-futian", "operator": "食品物资集团", "quantity": 50}]
        assert a["picks"][0]["sku_zh"] == "大米" and a["picks"][0]["unit_zh"] == "袋"
        r = c.post("/api/needs", headers=OP, json={**supply("米", 1), "lines": [
            {"sku": "米", "quantity": 1}, {"sku": "黄金", "quantity": 2}]})
        assert r.status_code == 422
        (problem,) = r.json()["detail"]
        assert problem["field"] == "lines[1].sku"
        assert "黄金" in problem["reason_zh"] and "大米(rice)" in problem["reason_zh"]
    with httpx.Client(base_url=inventory["url"], headers=OP, timeout=10) as inv:  # the inventory takes names too
        r = inv.post("/api/prices", json={"sku": "大米", "district": "福田", "source": "market_survey",
                                          "price_fen": 7600})
        assert r.status_code in (200, 201), r.text
        assert r.json()["sku"] == "rice"
        gbk = "sku,district,source,price_fen\n大米,福田,market_survey,7500\n面粉,福田,market_survey,6000\n"
        r = inv.post("/api/prices/csv", files={"file": ("prices.csv", gbk.encode("gbk"), "text/csv")})
        assert r.status_code == 422  # flour is a staple but this inventory never registered it: reported
        assert [(d["row"], d["field"]) for d in r.json()["detail"]] == [(3, "sku")]
        rice_only = "sku,district,source,price_fen\n大米,福田,market_survey,7500\n"
        r = inv.post("/api/prices/csv", files={"file": ("prices.csv", rice_only.encode("gbk"), "text/csv")})
        assert r.status_code == 200 and r.json()["applied"] == 1, r.text
        r = inv.post("/api/prices/csv", files={"file": ("prices.csv", os.urandom(300_000), "text/csv")})
        assert r.status_code == 422 and len(r.json()["detail"]) == 1 and len(r.content) < 1000, r.text
        many = "sku,district,source,price_fen\n" + "黄金,福田,market_survey,1\n" * 5000
        r = inv.post("/api/prices/csv", files={"file": ("prices.csv", many.encode("gb18030"), "text/csv")})
        body = r.json()
        assert r.status_code == 422 and len(body["detail"]) == 50 and body["error_count"] == 5000


def test_csv_as_excel_saves_it_on_chinese_windows(client):
    city(client)
    due = f"{datetime.now(BEIJING) + timedelta(hours=6):%Y-%m-%d %H:%M}"
    text = (f"编号,地点,类别,截止时间,物资明细\nA1,莲花北社区,物资,{due},大米:20;花生油:5\n"
            f"A2,东门社区,物资,{due},鸡蛋:3\n")
    for encoding in ("gbk", "gb18030", "utf-8", "utf-8-sig"):
        r = upload(client, text.encode(encoding), "物资.csv", key=f"k-{encoding}")
        assert r.status_code == 201, (encoding, r.text)
        assert r.json()["imported"] == 2
    lines = sorted(json.dumps(n["lines"]) for n in client.get("/api/needs", headers=OP).json())
    assert lines.count(json.dumps([{"sku": "rice", "quantity": 20}, {"sku": "oil", "quantity": 5}])) == 4


def test_broken_junk_and_oversized_files_get_one_short_422(client):
    from openpyxl import Workbook
    city(client)
    wb = Workbook()
    wb.active.append(["地点", "类别", "截止时间"])
    buf = io.BytesIO()
    wb.save(buf)
    cases = {"broken xlsx": (buf.getvalue()[:700], "needs.xlsx"), "junk": (os.urandom(2 * 1024 * 1024), "needs.csv"),
             "oversized": (b"a" * (5 * 1024 * 1024 + 1), "needs.csv")}
    for what, (data, name) in cases.items():
        r = upload(client, data, name)
        assert r.status_code == 422, (what, r.status_code, r.text[:300])
        (problem,) = r.json()["detail"]
        assert problem["field"] == "file" and problem["reason_zh"] and problem["reason_en"], what
        assert len(r.content) < 1000 and "Traceback" not in r.text and "Error" not in problem["reason_en"], what
    for data, name in ((b"", "needs.csv"), ("地点,类别,截止时间\n".encode(), "needs.csv"), (b"\x00" * 10, "x.xlsx"),
                       (b'a,"b\n', "needs.csv")):
        r = upload(client, data, name)
        assert r.status_code == 422 and r.json()["detail"] and len(r.content) < 1000, (data, r.text)
    due = f"{datetime.now(BEIJING) + timedelta(hours=6):%Y-%m-%d %H:%M}"
    bad = "地点,类别,截止时间,物资明细\n" + f"莲花北社区,物资,{due},黄金:1\n" * 3000
    r = upload(client, bad.encode(), "needs.csv")
    body = r.json()
    assert r.status_code == 422 and body["error_count"] == 3000 and len(body["detail"]) == 50
    assert body["detail"][0]["field"] == "rows[2].物资明细" and len(r.content) < 30_000
    rows = "地点,类别,截止时间,物资明细\n" + f"莲花北社区,物资,{due},大米:1\n" * 20_001
    r = upload(client, rows.encode(), "needs.csv")
    assert r.status_code == 422 and "20000" in r.json()["detail"][0]["reason_zh"]
    assert client.get("/api/needs", headers=OP).json() == []


def test_times_and_sites_that_make_no_sense_are_refused(client):
    city(client)
    now = datetime.now(BEIJING)
    transfer = {"kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": 2,
                "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()}
    cases = [({**transfer, "ready_at": "2020-01-14T08:00:00+08:00", "due_at": "2020-01-14T12:00:00+08:00"}, "due_at"),
             ({**transfer, "due_at": (now + timedelta(days=400)).isoformat()}, "due_at"),
             ({**supply("rice"), "ready_at": (now + timedelta(hours=5)).isoformat()}, "ready_at"),
             ({**transfer, "site_id": "hzb"}, "site_id"),     # a hotel as the pickup site
             ({**supply("rice"), "site_id": "depot"}, "site_id")]  # a bus depot
    for body, field in cases:
        r = client.post("/api/needs", headers=OP, json=body)
        assert r.status_code == 422, (field, r.text)
        assert [d["field"] for d in r.json()["detail"]] == [field], r.text
    assert client.post("/api/needs", headers=OP, json={**supply("rice"), "site_id": "hzb"}).status_code == 201
    assert client.post("/api/needs", headers=OP, json=transfer).status_code == 201


def test_a_key_reused_for_another_body_is_422_and_a_race_never_500(client):
    city(client)
    now = datetime.now(timezone.utc)
    a = supply("大米", 10)
    same_instant = {**a, "lines": [{"sku": "rice", "quantity": 10}],
                    "due_at": datetime.fromisoformat(a["due_at"]).astimezone(timezone.utc).isoformat()}
    first = client.post("/api/needs", headers={**OP, "Idempotency-Key": "k1"}, json=a)
    assert first.status_code == 201
    again = client.post("/api/needs", headers={**OP, "Idempotency-Key": "k1"}, json=same_instant)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = client.post("/api/needs", headers={**OP, "Idempotency-Key": "k1"}, json=supply("rice", 11))
    assert other.status_code == 422 and other.json()["detail"][0]["field"] == "Idempotency-Key"
    assert first.json()["id"] in other.json()["detail"][0]["reason_en"]

    bodies = [supply("rice", 5), supply("oil", 5)]
    barrier = threading.Barrier(20)

    def post(i: int) -> tuple[int, int, str]:
        barrier.wait()
        r = client.post("/api/needs", json=bodies[i % 2], headers={**OP, "Idempotency-Key": f"race-{now:%H%M%S}"})
        return i % 2, r.status_code, r.json().get("id", "")

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(post, range(20)))
    codes = [code for _, code, _ in results]
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 422}, results
    winner = next(b for b, code, _ in results if code == 201)
    assert all(code in (200, 201) for b, code, _ in results if b == winner), results
    assert all(code == 422 for b, code, _ in results if b != winner), results
    assert len({nid for b, _, nid in results if b == winner}) == 1


def test_an_import_checks_sense_and_its_key_like_a_single_need(client):
    city(client)
    now = datetime.now(BEIJING)
    t = [f"{now + timedelta(hours=h):%Y-%m-%d %H:%M}" for h in (1, 4)]
    sheet = ("地点,类别,人数,风险,就绪时间,截止时间\n"
             f"莲花北社区,转运,2,密接,{t[0]},{t[1]}\n"
             "莲花北社区,转运,2,密接,2020-01-14 08:00,2020-01-14 12:00\n"   # in the past
             f"会展北,转运,2,密接,{t[0]},{t[1]}\n")                          # a hotel as pickup site
    r = upload(client, sheet.encode("gbk"), "转运.csv", key="sheet-1")
    assert r.status_code == 422
    assert {(d["row"], d["column"]) for d in r.json()["detail"]} == {(3, "截止时间"), (4, "地点")}
    good = sheet.split("\n")[:2]
    r = upload(client, ("\n".join(good) + "\n").encode("gbk"), "转运.csv", key="sheet-1")
    assert r.status_code == 201 and r.json()["imported"] == 1
    changed = good[1].replace(",2,", ",3,", 1)
    r = upload(client, f"{good[0]}\n{changed}\n".encode("gbk"), "转运.csv", key="sheet-1")
    assert r.status_code == 422 and r.json()["detail"][0]["column"] == "Idempotency-Key"
    assert len(client.get("/api/needs", headers=OP).json()) == 1
