"""Spreadsheet rows with Chinese headers and values become need dicts; problems name row and column."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from baolei_common.uploads import Limits
from baolei_common.uploads import read_csv as _read_csv
from baolei_common.uploads import read_xlsx as _read_xlsx
from baolei_requests.domain.intake.table import parse_table


def read_csv(data: bytes) -> list[list[str]]:
    return _read_csv(data, Limits())


def read_xlsx(data: bytes) -> list[list[str]]:
    return _read_xlsx(data, Limits())


def test_chinese_headers_and_values():
    rows = read_csv("地点,类别,人数,风险,家庭房,就绪时间,截止时间,脆弱人群\n"
                    "莲花北社区,转运,5,次密接,1,2022-01-14 08:00,2022/01/14 12:00,独居老人、残障人士\n"
                    .encode("utf-8-sig"))
    parsed = parse_table(rows)
    assert parsed.errors == []
    (n, data, cols), = parsed.rows
    assert n == 2 and cols["people"] == "人数"
    assert data["kind"] == "transfer" and data["risk"] == "secondary_contact" and data["rooms"] == {"family": 1}
    assert data["ready_at"] == datetime(2022, 1, 14, 8, tzinfo=timezone(timedelta(hours=8)))
    assert data["vulnerabilities"] == ["elderly_alone", "disabled"]


def test_supply_lines_two_ways():
    rows = read_csv("site,kind,due_at,lines,sku,quantity\n"
                    "s1,supply,2022-01-14T12:00+08:00,大米:80；食用油×30,牛奶,12\n".encode())
    (_, data, _), = parse_table(rows).rows
    assert data["lines"] == [{"sku": "rice", "quantity": 80}, {"sku": "oil", "quantity": 30},
                             {"sku": "milk", "quantity": 12}]


def test_every_problem_named_with_row_and_column():
    rows = read_csv("地点,类别,人数,截止时间,物资明细\n"
                    "a,转运,十,2022-01-14 12:00,\n"
                    ",飞机,3,昨天,大米八十\n".encode())
    errs = {(e.row, e.column): (e.reason_zh, e.reason_en) for e in parse_table(rows).errors}
    assert set(errs) == {(2, "人数"), (3, "类别"), (3, "截止时间"), (3, "物资明细"), (3, "地点")}
    assert "整数" in errs[(2, "人数")][0] and "whole number" in errs[(2, "人数")][1]
    assert "飞机" in errs[(3, "类别")][0]


def test_unknown_and_missing_columns():
    errs = parse_table([["地点", "颜色"], ["a", "红"]]).errors
    assert {(e.row, e.column) for e in errs} == {(1, "颜色"), (1, "kind"), (1, "due_at")}
    assert parse_table([]).errors[0].reason_en == "the file is empty"


def test_xlsx_cells_including_dates():
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["地点", "类别", "截止时间", "物资明细"])
    wb.active.append(["a", "物资", datetime(2022, 1, 14, 12, 0), "鸡蛋:3"])
    buf = io.BytesIO()
    wb.save(buf)
    (_, data, _), = parse_table(read_xlsx(buf.getvalue())).rows
    assert data["due_at"].hour == 12 and data["lines"] == [{"sku": "eggs", "quantity": 3}]


def test_staples_by_name_and_unknown_ones_named():
    rows = read_csv("地点,类别,截止时间,物资明细,品类,数量\n"
                    "a,物资,2022-01-14 12:00,米:5;花生油:2;RICE CRACKERS:1,Milk,3\n"
                    "b,物资,2022-01-14 12:00,,黄金,3\n".encode())
    parsed = parse_table(rows)
    errs = {(e.row, e.column): e for e in parsed.errors}
    assert set(errs) == {(2, "物资明细"), (3, "品类")}
    assert "RICE CRACKERS" in errs[(2, "物资明细")].reason_zh and "大米(rice)" in errs[(2, "物资明细")].reason_zh
    assert "黄金" in errs[(3, "品类")].reason_en and "rice, flour" in errs[(3, "品类")].reason_en
    rows = read_csv("地点,类别,截止时间,物资明细,品类,数量\na,物资,2022-01-14 12:00,米:5;花生油:2,Milk,3\n".encode())
    (_, data, _), = parse_table(rows).rows
    assert data["lines"] == [{"sku": "rice", "quantity": 5}, {"sku": "oil", "quantity": 2},
                             {"sku": "milk", "quantity": 3}]
