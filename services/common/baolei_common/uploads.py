"""Reading the files offices upload: CSV as Excel saves it on Chinese Windows, and XLSX.

Why: Excel on Chinese Windows saves "CSV" in GBK (code page 936), newer versions UTF-8 with a BOM;
both must be read. A file that is neither, a broken XLSX or random bytes gets one short reason in
Chinese and English (never a Python exception's text), and a file above the stated byte or row
limit is refused before it costs anything. Row errors are capped: the first few and a count, not a
99 MB list. Pure code: no database, no web framework (openpyxl is imported only for XLSX).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_COLUMNS = 64  # a sheet of needs or stock counts has a dozen; more is not a sheet we know


@dataclass(frozen=True)
class Limits:
    """What one upload may be: its size in bytes, its data rows, and how many row errors are listed."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 20_000
    max_errors: int = 50

    @classmethod
    def of(cls, config: Any) -> Limits:
        """The limits a service's config sets (`upload_max_bytes`, `upload_max_rows`, `upload_max_errors`)."""
        return cls(max_bytes=config.upload_max_bytes, max_rows=config.upload_max_rows,
                   max_errors=config.upload_max_errors)


@dataclass(frozen=True)
class RowError:
    """One bad row of an upload: its number (1 is the header, so data starts at 2; 0 is the file
    itself), the column at fault and why, in Chinese and English."""

    row: int
    field: str
    reason_zh: str
    reason_en: str


class RowsRejected(Exception):
    """An upload refused as a whole, nothing applied, every bad row named at once (`rows` may be the
    first few of `total`: see `capped`). 403 when a row is another organisation's, else 422."""

    def __init__(self, rows: list[RowError], status: int = 422, total: int | None = None) -> None:
        super().__init__(f"{len(rows)} bad row(s)")
        self.rows = rows
        self.status = status
        self.total = len(rows) if total is None else total

    def body(self) -> dict[str, Any]:
        return {"detail": [{"row": e.row, "field": e.field, "reason_zh": e.reason_zh, "reason_en": e.reason_en}
                           for e in self.rows], "applied": 0, "error_count": self.total}


class UploadRejected(Exception):
    """The file as a whole cannot be used; nothing was applied. One reason, in Chinese and English."""

    def __init__(self, reason_zh: str, reason_en: str, field: str = "file") -> None:
        super().__init__(reason_en)
        self.field, self.reason_zh, self.reason_en = field, reason_zh, reason_en

    def as_detail(self) -> dict[str, str]:
        return {"field": self.field, "reason_zh": self.reason_zh, "reason_en": self.reason_en}


def too_large(limits: Limits) -> UploadRejected:
    mb = limits.max_bytes / (1024 * 1024)
    return UploadRejected(f"文件过大：最多 {mb:g} MB（{limits.max_bytes} 字节），请拆分后上传",
                          f"file too large: at most {mb:g} MB ({limits.max_bytes} bytes); split it into parts")


def too_many_rows(limits: Limits) -> UploadRejected:
    return UploadRejected(f"行数过多：最多 {limits.max_rows} 行数据，请拆分后分批上传",
                          f"too many rows: at most {limits.max_rows} data rows; split the file and upload the parts")


def check_size(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise too_large(limits)


def _looks_binary(text: str) -> bool:
    """NUL, or more than 1 % control characters other than tab and line ends: not a text table."""
    if "\x00" in text:
        return True
    sample = text[:100_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > max(2, len(sample) // 100)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV: UTF-16 with its BOM, else UTF-8 (with or without BOM) read strictly,
    else GB18030 (a superset of GBK and GB2312, what Excel on Chinese Windows writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text, encoding
    raise UploadRejected("无法读取文件：不是 UTF-8、GBK 或 GB18030 编码的 CSV，也不是 XLSX 表格",
                         "cannot read the file: not a CSV in UTF-8, GBK or GB18030, nor an XLSX workbook")


def read_csv(data: bytes, limits: Limits) -> list[list[str]]:
    """Rows of a CSV (header included), at most `limits.max_rows` data rows."""
    check_size(data, limits)
    text, _ = decode_text(data)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append(row[:MAX_COLUMNS])
            if len(rows) > limits.max_rows + 1:
                raise too_many_rows(limits)
    except csv.Error as exc:
        raise UploadRejected(f"CSV 格式有误（第 {len(rows) + 1} 行附近）",
                             f"malformed CSV near row {len(rows) + 1}") from exc
    return rows


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_xlsx(data: bytes, limits: Limits) -> list[list[str]]:
    """Rows of the first sheet of an XLSX (header included), at most `limits.max_rows` data rows."""
    check_size(data, limits)
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, KeyError, ValueError…: none is the user's to read
        raise UploadRejected("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿",
                             "cannot read the XLSX file: damaged or not an Excel workbook") from exc
    rows: list[list[str]] = []
    try:
        if not wb.worksheets:
            raise UploadRejected("XLSX 文件中没有工作表", "the XLSX file has no sheet")
        for row in wb.worksheets[0].iter_rows(values_only=True):
            rows.append([_cell(v) for v in row[:MAX_COLUMNS]])
            if len(rows) > limits.max_rows + 1:
                raise too_many_rows(limits)
    except UploadRejected:
        raise
    except Exception as exc:  # a sheet whose XML breaks half-way
        raise UploadRejected("无法读取 XLSX 文件：工作表内容已损坏",
                             "cannot read the XLSX file: the sheet is damaged") from exc
    finally:
        wb.close()
    return rows


def is_xlsx(data: bytes, filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def read_table(data: bytes, filename: str, limits: Limits) -> list[list[str]]:
    """A CSV or an XLSX (by name or by its zip signature), as rows of strings."""
    return read_xlsx(data, limits) if is_xlsx(data, filename) else read_csv(data, limits)


def capped(errors: list, limits: Limits) -> tuple[list, int]:
    """The first `max_errors` errors and how many there were in all."""
    return errors[: limits.max_errors], len(errors)
