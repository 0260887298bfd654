"""Files as offices send them: UTF-8 with or without BOM, GBK and GB18030 CSV, XLSX; a broken XLSX,
junk bytes and a file above the limits give one short reason, never an exception's text."""
from __future__ import annotations

import io
import os

import pytest

from baolei_common.uploads import Limits, UploadRejected, capped, decode_text, read_csv, read_table, read_xlsx

TABLE = "地点,类别,物资明细\n莲花北社区,物资,大米:20;食用油:5\n"
ROWS = [["地点", "类别", "物资明细"], ["莲花北社区", "物资", "大米:20;食用油:5"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_every_encoding_excel_writes(encoding):
    data = TABLE.encode(encoding)
    assert read_csv(data, Limits()) == ROWS


def test_gbk_is_not_mistaken_for_utf8_and_gb18030_only_characters_are_read():
    data = "地点,备注\n坪山社区,𠀀（GB18030 四字节字）\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text, encoding = decode_text(data)
    assert encoding == "gb18030" and "𠀀" in text


def test_utf8_is_read_as_utf8_not_as_gbk():
    text, encoding = decode_text("地点\n华强南社区\n".encode())
    assert encoding == "utf-8-sig" and "华强南" in text


@pytest.mark.parametrize("junk", [os.urandom(4096), b"\x00\x01\x02" * 1000, bytes(range(256)) * 8])
def test_junk_bytes_give_one_short_reason(junk):
    with pytest.raises(UploadRejected) as e:
        read_table(junk, "needs.csv", Limits())
    assert e.value.field == "file" and "无法读取" in e.value.reason_zh and len(e.value.reason_en) < 120


def test_a_broken_xlsx_gives_one_short_reason():
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["地点", "类别"])
    buf = io.BytesIO()
    wb.save(buf)
    good = buf.getvalue()
    assert read_xlsx(good, Limits()) == [["地点", "类别"]]
    for broken in (good[: len(good) // 2], b"PK\x03\x04" + os.urandom(2000), b"not a workbook"):
        with pytest.raises(UploadRejected) as e:
            read_table(broken, "needs.xlsx", Limits())
        assert "XLSX" in e.value.reason_zh and "Traceback" not in e.value.reason_en and len(e.value.reason_en) < 120


def test_limits_of_bytes_and_rows():
    limits = Limits(max_bytes=2048, max_rows=10)
    with pytest.raises(UploadRejected, match="too large"):
        read_csv(b"a,b\n" + b"1,2\n" * 1000, limits)
    with pytest.raises(UploadRejected) as e:
        read_csv(b"a,b\n" + b"1,2\n" * 11, limits)
    assert "10" in e.value.reason_zh and "too many rows" in e.value.reason_en
    assert len(read_csv(b"a,b\n" + b"1,2\n" * 10, limits)) == 11


def test_xlsx_row_limit():
    from openpyxl import Workbook
    wb = Workbook()
    for i in range(12):
        wb.active.append([f"r{i}", i])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(UploadRejected, match="too many rows"):
        read_xlsx(buf.getvalue(), Limits(max_rows=10))


def test_errors_are_capped_with_their_total():
    shown, total = capped(list(range(500)), Limits(max_errors=50))
    assert shown == list(range(50)) and total == 500
