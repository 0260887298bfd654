"""A community's spreadsheet (CSV or XLSX, Chinese headers) becomes needs: every error reported
by row and column in Chinese and English and nothing applied, or all rows applied once; the needs
then flow to the real matcher like any other."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from tests.integration import test_lifecycle_console_api as lifecycle
from tests.integration.conftest import poll
from tests.integration.test_lifecycle_console_api import OP, SITE, city

pytestmark = pytest.mark.integration
client = lifecycle.client  # the console tests' fixture: the requests app on PostgreSQL and the broker

BEIJING = timezone(timedelta(hours=8))
NOW = datetime.now(BEIJING)
GOOD = f"""地点,类别,人数,风险,家庭房,标准间,就绪时间,截止时间,物资明细,脆弱人群,备注
莲花北社区,转运,5,密接,1,2,{NOW:%Y-%m-%d %H:%M},{NOW + timedelta(hours=3):%Y/%m/%d %H:%M},,,3 栋
c-lianhua,物资,,,,,,{NOW + timedelta(hours=8):%Y-%m-%d %H:%M},大米:20;食用油:5,独居老人,
"""
T1, T2, T3 = (f"{NOW + timedelta(hours=h):%Y-%m-%d %H:%M}" for h in (1, 4, 5))
T0 = f"{NOW + timedelta(minutes=50):%Y-%m-%d %H:%M}"
BAD = f"""地点,类别,人数,风险,就绪时间,截止时间
莲花北社区,转运,5,密接,{T1},{T2}
不存在社区,转运,3,密接,{T1},{T2}
莲花北社区,转运,abc,外星,{T1},明天
莲花北社区,转运,4,密接,{T1},{T0}
"""


def upload(c: TestClient, body: bytes, name: str, key: str | None = None, headers=OP):
    h = {**headers, "Content-Type": "application/octet-stream"} | ({"Idempotency-Key": key} if key else {})
    return c.post("/api/needs/import", params={"filename": name}, content=body, headers=h)


def test_bad_rows_are_all_reported_and_nothing_is_applied(client):
    city(client)
    r = upload(client, BAD.encode(), "needs.csv")
    assert r.status_code == 422
    body = r.json()
    assert body["imported"] == 0 and "未导入" in body["message_zh"] and body["error_count"] == 5
    got = {(e["row"], e["column"]) for e in body["detail"]}
    assert got == {(3, "地点"), (4, "人数"), (4, "风险"), (4, "截止时间"), (5, "截止时间")}
    assert all(e["field"] and e["reason_zh"] and e["reason_en"] for e in body["detail"])
    assert client.get("/api/needs", headers=OP).json() == []
    r = upload(client, "名字,类别\nx,转运\n".encode(), "needs.csv")
    assert {(e["row"], e["column"]) for e in r.json()["detail"]} >= {(1, "名字"), (1, "site"), (1, "due_at")}


def test_good_csv_is_imported_once_and_matched(client, matcher):
    city(client)
    r = upload(client, GOOD.encode("utf-8-sig"), "莲花北.csv", key="lianhua-0114")
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 2 and r.json()["repeated"] == 0
    first = r.json()["needs"][0]
    assert first["priority"] == 1
    again = upload(client, GOOD.encode("utf-8-sig"), "莲花北.csv", key="lianhua-0114").json()
    assert again["imported"] == 0 and again["repeated"] == 2
    needs = client.get("/api/needs", headers=OP).json()
    assert len(needs) == 2
    transfer = next(n for n in needs if n["kind"] == "transfer")
    assert transfer["rooms"] == {"standard": 2, "family": 1, "accessible": 0} and transfer["note"] == "3 栋"
    supply = next(n for n in needs if n["kind"] == "supply")
    assert supply["lines"] == [{"sku": "rice", "quantity": 20}, {"sku": "oil", "quantity": 5}]
    assert "独居老人" in supply["priority_reason"]
    poll(lambda: client.get(f"/api/needs/{transfer['id']}", headers=OP).json()["status"] == "proposed")


def test_xlsx_by_a_site_and_likely_duplicates_flagged(client):
    from openpyxl import Workbook
    city(client)
    wb = Workbook()
    ws = wb.active
    ws.append(["社区", "类型", "人数", "人员类别", "可出发时间", "最晚到达"])
    ws.append(["莲花北社区", "转运", 2, "次密接", T1, T2])
    ws.append(["莲花北社区", "转运", 2, "次密接", T1, T3])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(client, buf.getvalue(), "list.xlsx", headers=SITE)
    assert r.status_code == 201, r.text
    a, b = r.json()["needs"]
    assert a["duplicate_of"] is None and b["duplicate_of"] == a["id"]  # flagged, not dropped
    ws.append(["东门社区", "转运", 2, "次密接", T1, T3])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(client, buf.getvalue(), "list.xlsx", headers=SITE)
    assert r.status_code == 403 and r.json()["detail"][0]["row"] == 4  # not this site's community: refused
    assert "无权" in r.json()["detail"][0]["reason_zh"] and r.json()["imported"] == 0
    assert len(client.get("/api/needs", headers=OP).json()) == 2


def test_only_the_same_group_sent_again_is_a_likely_duplicate(client):
    """莲花北's new needs of 4, 2, 5, 6 and 3 people are not duplicates of its 18-person need, nor
    the rows of a sheet of different groups of each other; the 18 people sent again are."""
    city(client)
    ready, due = NOW + timedelta(minutes=30), NOW + timedelta(hours=4)

    def post(people: int, risk: str = "close_contact") -> dict:
        r = client.post("/api/needs", headers=SITE, json={
            "kind": "transfer", "site_id": "c-lianhua", "risk": risk, "people": people,
            "ready_at": ready.isoformat(), "due_at": due.isoformat()})
        assert r.status_code == 201, r.text
        return r.json()

    big = post(18)
    assert big["duplicate_of"] is None
    assert [post(n)["duplicate_of"] for n in (4, 2, 5, 6, 3)] == [None] * 5
    assert post(18, "inbound")["duplicate_of"] is None  # other people: another category
    again = post(18)
    assert again["duplicate_of"] == big["id"] and again["duplicate"]["label_zh"] == "莲花北社区 18 人转运"
    sheet = "地点,类别,人数,风险,就绪时间,截止时间\n" + "".join(
        f"莲花北社区,转运,{n},次密接,{T1},{T2}\n" for n in (7, 9, 11, 14, 20, 30, 40))
    r = upload(client, sheet.encode(), "night.csv", headers=SITE)
    assert r.status_code == 201, r.text
    assert [n["duplicate_of"] for n in r.json()["needs"]] == [None] * 7


def test_a_community_sees_every_bad_row_at_once_permission_rows_included(client):
    """The same sheet of 8 bad rows (one of them another street's site) gave the operator all 8 and
    the community a 403 naming only the other street's row; now the community sees all 8 as well,
    the refused one marked, and still a 403 with nothing imported."""
    city(client)
    sheet = "地点,类别,人数,风险,就绪时间,截止时间\n" + "".join([
        f"东门社区,转运,2,密接,{T1},{T2}\n",  # another street's site: not the community's
        f"不存在社区,转运,3,密接,{T1},{T2}\n", f"莲花北社区,转运,abc,密接,{T1},{T2}\n",
        f"莲花北社区,转运,3,外星,{T1},{T2}\n", f"莲花北社区,转运,3,密接,{T1},明天\n",
        f"莲花北社区,转运,4,密接,{T1},{T0}\n", f"莲花北社区,转运,0,密接,{T1},{T2}\n",
        f"莲花北社区,运输,3,密接,{T1},{T2}\n", f"莲花北社区,转运,3,密接,{T1},{T2}\n"])  # the last one is good
    op = upload(client, sheet.encode(), "night.csv", headers=OP)
    assert op.status_code == 422 and len({e["row"] for e in op.json()["detail"]} - {2}) == 7
    r = upload(client, sheet.encode(), "night.csv", headers=SITE)
    assert r.status_code == 403, r.text
    body = r.json()
    rows = {e["row"] for e in body["detail"]}
    assert rows == {e["row"] for e in op.json()["detail"]} | {2} and len(rows) == 8 and body["row_count"] == 8
    refused = [e for e in body["detail"] if e.get("not_entitled")]
    assert [e["row"] for e in refused] == [2] and "东门社区" in refused[0]["reason_zh"]
    assert body["imported"] == 0 and "8 行" in body["message_zh"]
    assert client.get("/api/needs", headers=OP).json() == []
