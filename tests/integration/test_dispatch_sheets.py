"""Dispatch sheets over the API on the real broker, matcher and PostgreSQL: a transfer accepted,
driven, delivered in part and checked in, then the bus company's CSV and the hotel's XLSX parsed
back — BOM, Chinese headers (English with lang=en), plates, names, rooms by type, planned vs
delivered, arrival time, signature columns, no ids or codes — and the day filter and who may
export whose sheet. GET /api/assignments carries the display names the dispatcher page shows."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from tests.integration.test_lifecycle_console_api import (
    BUS,
    EAST,
    HOTEL,
    OP,
    SITE,
    VIEWER,
    city,
    client,  # noqa: F401  (the fixture)
    proposed,
    status,
)

pytestmark = pytest.mark.integration
BEIJING = timezone(timedelta(hours=8))
IDS_AND_CODES = re.compile(r"B-001|c-lianhua|H-hzb|\bhzb\b|close_contact|standard|family|accessible|"
                           r"proposed|confirmed|arriving|\bdone\b|A-[0-9a-f]{6}|N-[0-9a-f]{6}")


def rows_of(csv_bytes: bytes) -> list[list[str]]:
    assert csv_bytes.startswith(b"\xef\xbb\xbf"), csv_bytes[:10]  # the BOM Excel on Chinese Windows needs
    return list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))


def test_sheets_of_the_bus_company_and_the_hotel_after_a_partial_check_in(client, matcher):  # noqa: F811
    c = client
    city(c)
    now = datetime.now(timezone.utc)
    r = c.post("/api/needs", headers=SITE, json={
        "kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": 4,
        "rooms": {"standard": 2, "family": 1}, "ready_at": now.isoformat(),
        "due_at": (now + timedelta(hours=3)).isoformat()})
    assert r.status_code == 201, r.text
    need_id = r.json()["id"]
    a = proposed(c, need_id)

    # the dispatcher page's list names the plate, the community and the hotel
    mine = next(x for x in c.get("/api/assignments", headers=BUS).json() if x["id"] == a["id"])
    assert mine["names"]["B-001"] == "粤B·D1234" and mine["names"]["c-lianhua"] == "莲花北社区"
    assert mine["names"]["H-hzb"] == "会展北" and mine["site_name"] == "莲花北社区"
    assert mine["risk"] == "close_contact" and mine["kind"] == "transfer"

    # not confirmed yet: the bus company's sheet shows the trip apart, as a proposal, not as work to run
    sheet = c.get("/api/exports/dispatch-sheet", headers=BUS, params={"format": "json"}).json()
    by_key = {x["key"]: x for x in sheet["sections"]}
    assert all(a["id"] not in r["assignments"] for r in by_key["trips"]["rows"])
    assert [a["id"] in r["assignments"] for r in by_key["trips_proposed"]["rows"]].count(True) == 1
    assert by_key["trips_proposed"]["proposed"] and "待确认" in by_key["trips_proposed"]["title"]
    text = rows_of(c.get("/api/exports/dispatch-sheet", headers=BUS, params={"format": "csv"}).content)
    assert ["转运车次（待确认方案，未确认前勿执行）"] in text
    for who in (BUS, HOTEL):
        assert c.post(f"/api/assignments/{a['id']}/accept", headers=who).status_code == 200
    status(c, need_id, "confirmed")
    assert c.post(f"/api/assignments/{a['id']}/start", headers=BUS).status_code == 200
    assert c.post(f"/api/assignments/{a['id']}/done", headers=BUS, json={"delivered": 4}).status_code == 200
    r = c.get("/api/exports/dispatch-sheet", headers=HOTEL, params={"format": "json"})
    (waiting,) = r.json()["sections"][0]["rows"]
    assert (waiting["brought"], waiting["delivered"], waiting["status"]) == (4, "", "待酒店确认入住")
    arrived = c.post(f"/api/assignments/{a['id']}/arrive", headers=HOTEL, json={"arrived": 3})
    assert arrived.status_code == 200, arrived.text
    done_at = datetime.fromisoformat(arrived.json()["done_at"]).astimezone(BEIJING)
    day = datetime.fromisoformat(a["trips"][0]["start_at"]).astimezone(BEIJING).date().isoformat()

    # the bus company: CSV with a BOM, the title, its trips only, Chinese headers, signature columns
    r = c.get("/api/exports/dispatch-sheet", headers=BUS, params={"format": "csv", "day": day})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = rows_of(r.content)
    assert lines[0] == [f"调度单 — 巴士集团 — {day}（北京时间）"] and lines[2] == ["转运车次"]
    header = lines[3]
    assert header == ["车牌", "车队", "出发", "上车点（时间 · 人数）", "目的酒店", "计划到达", "人员类别", "计划人数",
                      "实际送达", "状态", "司机签字", "社区确认", "酒店签收"]
    (trip,) = [dict(zip(header, row, strict=True)) for row in lines[4:] if row]
    assert trip["车牌"] == "粤B·D1234" and trip["车队"] == "巴士集团" and trip["目的酒店"] == "会展北"
    assert re.fullmatch(r"莲花北社区 \d\d:\d\d · 4 人", trip["上车点（时间 · 人数）"]), trip
    assert trip["人员类别"] == "密接" and trip["计划人数"] == "4" and trip["实际送达"] == "4"
    assert trip["状态"] == "已完成" and trip["司机签字"] == trip["酒店签收"] == ""
    assert ["隔离酒店入住"] not in lines  # the hotel's check-in is not the bus company's
    assert not IDS_AND_CODES.search(r.content.decode("utf-8-sig")), r.content.decode("utf-8-sig")

    # the hotel: XLSX, one sheet, rooms by type, the bus that brings them, who checked in and when
    r = c.get("/api/exports/dispatch-sheet", headers=HOTEL, params={"format": "xlsx", "day": day})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["隔离酒店入住"]
    got = list(wb["隔离酒店入住"].iter_rows(values_only=True))
    assert got[0][0] == f"调度单 — 投控公司 — {day}（北京时间） · 隔离酒店入住"
    row = dict(zip(got[1], got[2], strict=True))
    assert list(got[1]) == ["酒店", "来自社区", "人员类别", "房间", "计划人数", "车辆", "预计到达", "车辆送达",
                            "实际入住", "入住确认时间", "状态", "酒店签收"]
    assert row["酒店"] == "会展北" and row["来自社区"] == "莲花北社区" and row["人员类别"] == "密接"
    assert row["房间"] == "标准间 2 间、家庭房 1 间" and row["车辆"] == "粤B·D1234"
    assert (row["计划人数"], row["车辆送达"], row["实际入住"]) == (4, 4, 3)
    assert row["入住确认时间"] == done_at.strftime("%H:%M") and row["状态"] == "已完成"
    text = " ".join(str(v) for line in got for v in line if v is not None)
    assert not IDS_AND_CODES.search(text), text
    assert wb["隔离酒店入住"].page_setup.orientation == "landscape"

    # English on request; another company's sheet is refused; another day is empty
    r = c.get("/api/exports/dispatch-sheet", headers=BUS, params={"format": "csv", "day": day, "lang": "en"})
    en = rows_of(r.content)
    assert en[2] == ["Transfer trips"] and en[3][:3] == ["Plate", "Bus company", "Departs"]
    assert en[4][6] == "close contact" and en[4][9] == "done" and "4 people" in en[4][3]
    assert c.get("/api/exports/dispatch-sheet", headers=BUS, params={"organisation": "东部公交"}).status_code == 403
    assert c.get("/api/exports/dispatch-sheet", headers=SITE).status_code == 403
    r = c.get("/api/exports/dispatch-sheet", headers=EAST, params={"format": "json", "day": day})
    assert [s["key"] for s in r.json()["sections"]] == ["trips"] and r.json()["rows"] == []
    later = (datetime.fromisoformat(day) + timedelta(days=2)).date().isoformat()
    r = c.get("/api/exports/dispatch-sheet", headers=OP, params={"format": "json", "day": later})
    assert r.json()["rows"] == [] and {s["key"] for s in r.json()["sections"]} == {"trips", "rooms", "supplies"}
    r = c.get("/api/exports/dispatch-sheet", headers=OP, params={"format": "json", "day": day})
    # the operator's sheet of the day: this job's trip and check-in, and, once the live matcher has
    # proposed a plan for the one person who did not arrive, that plan in a section of its own, marked
    sections = {s["key"]: s for s in r.json()["sections"]}
    assert {"trips", "rooms"} <= set(sections) <= {"trips", "rooms", "trips_proposed", "rooms_proposed"}
    for key in ("trips", "rooms"):
        rows = sections[key]["rows"]
        assert not sections[key]["proposed"] and [a["id"] in x["assignments"] for x in rows] == [True]
        assert all(x["needs"] == [need_id] for x in rows)
    for key in set(sections) - {"trips", "rooms"}:
        assert sections[key]["proposed"] and sections[key]["title"].endswith("（待确认方案，未确认前勿执行）")
        assert {x["status"] for x in sections[key]["rows"]} == {"待确认"}
        assert all(a["id"] not in x["assignments"] for x in sections[key]["rows"])
    # the viewer exports no sheet (it holds no resources); a dispatcher without organisation= gets its own
    assert c.get("/api/exports/dispatch-sheet", headers=VIEWER, params={"format": "json"}).status_code == 403
    assert c.get("/api/exports/dispatch-sheet", headers=VIEWER, params={"organisation": "巴士集团"}).status_code == 403
    own = c.get("/api/exports/dispatch-sheet", headers=BUS, params={"format": "json"}).json()
    assert own["organisation"] == "巴士集团"
