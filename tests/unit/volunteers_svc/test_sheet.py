"""A task sheet: Chinese or English headers, city time without an offset, every bad row named."""
from __future__ import annotations

from datetime import datetime

from baolei_common.citytime import CITY_TZ
from baolei_common.uploads import Limits, read_csv
from baolei_volunteers.service.sheet import parse_rows


def test_a_gbk_sheet_with_chinese_headers_is_read_in_city_time():
    text = "住户编号,任务类型,截止时间,时长分钟,备注\nH-1,送药,2026-12-07 22:00,15,降压药\nH-2,MEDICINE,,,\n"
    rows, errors = parse_rows(read_csv(text.encode("gbk"), Limits(max_bytes=10_000, max_rows=10, max_errors=5)))
    assert not errors
    assert rows[0] == {"row": 2, "household_id": "H-1", "note": "降压药", "kind": "送药", "duration_min": 15,
                       "deadline": datetime(2026, 12, 7, 22, 0, tzinfo=CITY_TZ)}
    assert rows[1]["kind"] == "送药" and "deadline" not in rows[1]


def test_every_bad_row_is_named_with_its_field():
    rows, errors = parse_rows([["household_id", "kind", "deadline", "every_days"],
                               ["", "送外卖", "明天", "x"], ["H-1", "代购", "", ""]])
    assert [(e.row, e.field) for e in errors] == [(2, "household_id"), (2, "kind"), (2, "deadline"),
                                                 (2, "every_days")]
    assert all(e.reason_zh and e.reason_en for e in errors)
    _, missing = parse_rows([["备注"], ["x"]])
    assert {e.field for e in missing} == {"household_id", "kind"}


def test_deadlines_as_offices_write_them_slashes_and_offsets():
    """Excel exports "2026/12/08 12:31"; a system writes "+08:00" or UTC: the same instants as the other sheets read."""
    rows, errors = parse_rows([["住户编号", "任务类型", "截止时间"], ["H-1", "送药", "2026/12/08 12:31"],
                               ["H-2", "送药", "2026-12-08T12:31:00+08:00"],
                               ["H-3", "送药", "2026-12-08T04:31:00+00:00"]])
    assert not errors, errors
    want = datetime(2026, 12, 8, 12, 31, tzinfo=CITY_TZ)
    assert [r["deadline"] for r in rows] == [want, want, want]
