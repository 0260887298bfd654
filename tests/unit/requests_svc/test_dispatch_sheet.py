"""Dispatch-sheet rows (exports.py): plates and names instead of ids, rooms by type, risk
categories, SKU names and units in Chinese (English with lang="en"), planned vs delivered, a trip
shared by two needs as one row, the Beijing day filter, and CSV (BOM) / XLSX built from them."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

from openpyxl import load_workbook

from baolei_requests.adapters import inventory
from baolei_requests.adapters.models import Assignment, Need
from baolei_requests.api.presenters import exports, sheet_files

NAMES = exports.Names(buses={"bus-futian-02": "粤B·D1002", "bus-futian-03": "粤B·D1003"},
                      sites={"c-lianhua-bei": "莲花北社区", "c-dongmen": "东门社区", "c-xixiang": "西乡社区"},
                      hotels={"H-huizhanbei": "会展北酒店"}, warehouses={"fmg-baoan": "食品物资集团宝安西乡仓"})
UTC = timezone.utc
# 02:30 UTC is 10:30 in Beijing on 2026-12-02
T0 = "2026-12-02T02:30:00+00:00"


def need(nid: str, site: str, kind: str = "transfer", risk: str | None = "close_contact", people: int = 0,
         lines: list | None = None) -> Need:
    return Need(id=nid, kind=kind, site_id=site, risk=risk, people=people, lines=lines or [], priority=2,
                due_at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))


def trip(bus: str, loads: list[tuple[str, str, int, str]], start: str = T0) -> dict:
    return {"bus": bus, "operator": "巴士集团", "start_at": start, "hotel": "H-huizhanbei",
            "arrive_at": "2026-12-02T03:40:00+00:00",
            "stops": [{"site": site, "at": at, "load": [{"need": n, "people": p}]} for site, n, p, at in loads]}


def transfer(aid: str, n: Need, trips: list[dict], room: dict, status: str = "confirmed", delivered: int = 0,
             done_at: datetime | None = None) -> Assignment:
    people = sum(ld["people"] for t in trips for s in t["stops"] for ld in s["load"] if ld["need"] == n.id)
    return Assignment(id=aid, need_id=n.id, need=n, kind="transfer", status=status, trips=trips, picks=[],
                      room={"hotel": "H-huizhanbei", "operator": "投控公司", **room}, people=people,
                      organisations=["巴士集团", "投控公司"], delivered=delivered, done_at=done_at,
                      proposed_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))


def supply(aid: str, n: Need, picks: list[tuple[str, int]], status: str = "confirmed",
           delivered: int = 0) -> Assignment:
    return Assignment(id=aid, need_id=n.id, need=n, kind="supply", status=status, trips=[], room=None,
                      picks=[{"sku": s, "warehouse": "fmg-baoan", "operator": "食品物资集团", "quantity": q}
                             for s, q in picks], people=0, organisations=["食品物资集团"], delivered=delivered,
                      proposed_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))


CODES = re.compile(r"bus-|c-[a-z]|H-[a-z]|fmg-|close_contact|secondary_contact|standard|family|accessible|"
                   r"rice|oil|eggs|\btray\b|\bbag\b|proposed|confirmed|arriving")


def flat(rows: list[dict]) -> str:
    return " ".join(str(v) for r in rows for k, v in r.items() if k not in ("assignments", "needs"))


def test_a_trip_row_names_the_plate_the_stops_with_times_and_people_and_the_hotel():
    n = need("N-1", "c-lianhua-bei", people=6)
    a = transfer("A-1", n, [trip("bus-futian-02", [("c-lianhua-bei", "N-1", 6, "2026-12-02T02:45:00+00:00")])],
                 {"standard": 4, "family": 1, "accessible": 0})
    rows = exports.build([a], NAMES, "巴士集团", date(2026, 12, 2))
    (r,) = rows["trips"]
    assert r["plate"] == "粤B·D1002" and r["company"] == "巴士集团" and r["start"] == "10:30"
    assert r["pickups"] == "莲花北社区 10:45 · 6 人" and r["hotel"] == "会展北酒店" and r["arrive"] == "11:40"
    assert r["category"] == "密接" and r["planned"] == 6 and r["delivered"] == "" and r["status"] == "已确认"
    assert rows["rooms"] == [] and rows["supplies"] == []  # the bus company's sheet holds its trips only
    assert not CODES.search(flat(rows["trips"])), flat(rows["trips"])


def test_a_hotel_row_has_rooms_by_type_buses_expected_arrival_and_who_checked_in_when():
    n = need("N-1", "c-lianhua-bei", risk="secondary_contact", people=6)
    t = trip("bus-futian-02", [("c-lianhua-bei", "N-1", 6, T0)])
    waiting = transfer("A-1", n, [t], {"standard": 4, "family": 1, "accessible": 1}, status="arriving", delivered=6)
    (r,) = exports.build([waiting], NAMES, "投控公司", date(2026, 12, 2))["rooms"]
    assert r["rooms"] == "标准间 4 间、家庭房 1 间、无障碍房 1 间" and r["category"] == "次密接"
    assert r["from"] == "莲花北社区" and r["buses"] == "粤B·D1002" and r["arrive"] == "11:40"
    assert r["brought"] == 6 and r["delivered"] == "" and r["arrived_at"] == "" and r["status"] == "待酒店确认入住"
    done = transfer("A-1", n, [t], {"standard": 4, "family": 1, "accessible": 1}, status="done", delivered=5,
                    done_at=datetime(2026, 12, 2, 3, 52, tzinfo=UTC))
    (r,) = exports.build([done], NAMES, "投控公司", date(2026, 12, 2), brought={"A-1": 6})["rooms"]
    assert (r["brought"], r["delivered"], r["arrived_at"], r["status"]) == (6, 5, "11:52", "已完成")
    assert not CODES.search(flat([r])), r
    (en,) = exports.build([done], NAMES, "投控公司", date(2026, 12, 2), lang="en", brought={"A-1": 6})["rooms"]
    assert en["rooms"] == "4 standard, 1 family, 1 accessible rooms" and en["category"] == "secondary contact"
    assert en["status"] == "done"


def test_supply_rows_name_the_staple_in_chinese_with_its_unit_and_what_was_delivered():
    n = need("N-2", "c-xixiang", kind="supply", risk=None, lines=[{"sku": "rice", "quantity": 80}])
    a = supply("A-2", n, [("rice", 80), ("eggs", 20)], status="done", delivered=90)
    rows = exports.build([a], NAMES, "食品物资集团", date(2026, 12, 2))["supplies"]
    assert [(r["item"], r["planned"], r["delivered"], r["unit"]) for r in rows] == [("大米", 80, 80, "袋"),
                                                                                     ("鸡蛋", 20, 10, "托")]
    assert rows[0]["warehouse"] == "食品物资集团宝安西乡仓" and rows[0]["to"] == "西乡社区"
    assert rows[0]["due"] == "16:00" and rows[0]["status"] == "已完成"
    assert not CODES.search(flat(rows)), flat(rows)
    en = exports.build([a], NAMES, "食品物资集团", date(2026, 12, 2), lang="en")["supplies"]
    assert [(r["item"], r["unit"]) for r in en] == [("rice", "bags"), ("eggs", "trays")]


def test_a_trip_shared_by_two_needs_is_one_row_counting_only_live_loads():
    a_n, b_n = need("N-1", "c-lianhua-bei", people=6), need("N-3", "c-dongmen", people=3)
    t = {"bus": "bus-futian-03", "operator": "巴士集团", "start_at": T0, "hotel": "H-huizhanbei",
         "arrive_at": "2026-12-02T03:40:00+00:00",
         "stops": [{"site": "c-lianhua-bei", "at": T0, "load": [{"need": "N-1", "people": 6}]},
                   {"site": "c-dongmen", "at": "2026-12-02T03:00:00+00:00", "load": [{"need": "N-3", "people": 3}]}]}
    a = transfer("A-1", a_n, [t], {"standard": 6}, status="arriving", delivered=5)
    b = transfer("A-3", b_n, [t], {"standard": 3}, status="confirmed")
    (r,) = exports.build([a, b], NAMES, "巴士集团", date(2026, 12, 2))["trips"]
    assert r["pickups"] == "莲花北社区 10:30 · 6 人；东门社区 11:00 · 3 人" and r["planned"] == 9
    assert r["delivered"] == "" and r["status"] == "待酒店确认入住、已确认"  # N-3's bus has not reported yet
    assert r["assignments"] == ["A-1", "A-3"]
    b.status, b.delivered = "arriving", 3
    (r,) = exports.build([a, b], NAMES, "巴士集团", date(2026, 12, 2))["trips"]
    assert r["delivered"] == 8
    b.status = "released"  # a declined need's people are not picked up
    (r,) = exports.build([a, b], NAMES, "巴士集团", date(2026, 12, 2))["trips"]
    assert r["pickups"] == "莲花北社区 10:30 · 6 人" and r["planned"] == 6 and r["delivered"] == 5


def test_the_day_is_the_beijing_day_of_the_first_departure():
    n = need("N-1", "c-lianhua-bei", people=6)
    late = "2026-12-02T17:30:00+00:00"  # 01:30 on 12-03 in Beijing
    a = transfer("A-1", n, [trip("bus-futian-02", [("c-lianhua-bei", "N-1", 6, late)], start=late)], {"standard": 6})
    assert exports.build([a], NAMES, "", date(2026, 12, 2))["trips"] == []
    (r,) = exports.build([a], NAMES, "", date(2026, 12, 3))["trips"]
    assert r["start"] == "01:30"
    (r,) = exports.build([a], NAMES, "", None)["trips"]
    assert r["start"] == "12-03 01:30"


def _sheet(rows: dict, lang: str = "zh") -> dict:
    sections = [{"key": s.key, "title": s.en if lang == "en" else s.zh,
                 "columns": [{"key": c.key, "label": c.label(lang)} for c in s.columns], "rows": rows[s.key]}
                for s in exports.SECTIONS if rows[s.key]]
    return {"title": exports.title("投控公司", date(2026, 12, 2), lang), "sections": sections}


def test_csv_has_a_bom_chinese_headers_and_signature_columns_and_xlsx_one_sheet_per_section():
    n = need("N-1", "c-lianhua-bei", people=6)
    a = transfer("A-1", n, [trip("bus-futian-02", [("c-lianhua-bei", "N-1", 6, T0)])], {"standard": 4, "family": 1})
    data = _sheet(exports.build([a], NAMES, "", date(2026, 12, 2)))
    raw = sheet_files.to_csv(data)
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == ["调度单 — 投控公司 — 2026-12-02（北京时间）"] and lines[2] == ["转运车次"]
    assert lines[3][:3] == ["车牌", "车队", "出发"] and lines[3][-3:] == ["司机签字", "社区确认", "酒店签收"]
    assert lines[4][0] == "粤B·D1002"
    rooms = lines.index(["隔离酒店入住"])
    assert "实际入住" in lines[rooms + 1] and lines[rooms + 1][-1] == "酒店签收"
    assert lines[rooms + 2][3] == "标准间 4 间、家庭房 1 间"
    wb = load_workbook(io.BytesIO(sheet_files.to_xlsx(data)))
    assert wb.sheetnames == ["转运车次", "隔离酒店入住"]
    ws = wb["隔离酒店入住"]
    got = list(ws.iter_rows(values_only=True))
    assert got[1][0] == "酒店" and got[2][:4] == ("会展北酒店", "莲花北社区", "密接", "标准间 4 间、家庭房 1 间")
    assert ws.print_title_rows == "$2:$2" and ws.page_setup.orientation == "landscape"
    en = list(csv.reader(io.StringIO(sheet_files.to_csv(_sheet(exports.build([a], NAMES, "", date(2026, 12, 2), "en"),
                                                                   "en")).decode("utf-8-sig"))))
    assert en[2] == ["Transfer trips"] and en[3][0] == "Plate" and en[3][-1] == "Hotel's signature"


def test_warehouse_names_come_from_the_inventory_with_the_callers_token_and_are_kept_a_while(monkeypatch):
    import httpx

    calls = []

    def fake_get(url, headers, timeout):
        calls.append((url, headers["Authorization"]))
        if "down" in url:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json=[{"id": "fmg-baoan", "name": "食品物资集团宝安西乡仓"}],
                              request=httpx.Request("GET", url))

    monkeypatch.setattr(inventory, "_WAREHOUSES", {})
    monkeypatch.setattr(inventory.httpx, "get", fake_get)
    assert inventory.warehouse_names("http://inv", "tok-fmg") == {"fmg-baoan": "食品物资集团宝安西乡仓"}
    assert inventory.warehouse_names("http://inv", "tok-fmg") == {"fmg-baoan": "食品物资集团宝安西乡仓"}
    assert calls == [("http://inv/api/warehouses", "Bearer tok-fmg")]  # the second came from the cache
    assert inventory.warehouse_names("http://down", "tok-op") == {}  # unavailable: ids are shown, no error
    assert exports.Names().warehouse("fmg-baoan") == "fmg-baoan"
