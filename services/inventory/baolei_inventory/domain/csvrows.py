"""Validation of CSV uploads (stock counts, price surveys): all rows or none.

Times without an offset are Shenzhen local time (`baolei_common.citytime`). Every bad row is reported with its row
number (1 = the header, so data starts at 2) and the reason, in Chinese and English. The caller
applies the rows only when the error list is empty.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from baolei_common import skus as staples
from baolei_common.citytime import as_city
from baolei_common.uploads import Limits, RowError, too_many_rows

COUNT_COLUMNS = ("warehouse_id", "sku", "lot", "counted")
COUNT_OPTIONAL = ("expiry", "reserve")
PRICE_COLUMNS = ("sku", "district", "source", "price_fen")
PRICE_OPTIONAL = ("observed_at",)
SOURCES = ("market_survey", "supply_group_sale")


@dataclass(frozen=True)
class CountRow:
    row: int
    warehouse_id: str
    sku: str
    lot: str
    counted: int
    expiry: date | None
    reserve: bool


@dataclass(frozen=True)
class PriceRow:
    row: int
    sku: str
    district: str
    source: str
    price_fen: int
    observed_at: datetime | None


def _reader(text: str, required: tuple[str, ...], limits: Limits) -> tuple[list[dict[str, str]], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            return [], [RowError(1, ",".join(missing), f"缺少列：{', '.join(missing)}",
                                 f"missing columns: {', '.join(missing)}")]
        rows: list[dict[str, str]] = []
        errors: list[RowError] = []
        for r in reader:
            if None in r:  # more cells than the header has columns
                return [], [RowError(reader.line_num, "file", "该行的列数多于表头",
                                     "the row has more cells than the header")]
            row = {(k or "").strip(): (v if isinstance(v, str) else "").strip() for k, v in r.items()}
            errors.extend(_cell_errors(len(rows) + 2, row))
            rows.append(row)
            if len(rows) > limits.max_rows:
                raise too_many_rows(limits)
    except csv.Error as exc:
        return [], [RowError(reader.line_num, "file", "不是有效的 CSV 文件", f"not a valid CSV file: {exc}")]
    if not rows:
        return [], [RowError(1, "file", "文件没有数据行", "the file has no data rows")]
    return rows, errors


CELL_LIMITS = {"warehouse_id": 64, "sku": 64, "lot": 64, "district": 50, "source": 30}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _cell_errors(row: int, cells: dict[str, str]) -> list[RowError]:
    """Cells the database could not take: too long for their column, or with control characters."""
    out = []
    for name, value in cells.items():
        limit = CELL_LIMITS.get(name, 200)
        if len(value) > limit:
            out.append(RowError(row, name, f"{name} 不能超过 {limit} 个字符",
                                f"{name} must be at most {limit} characters"))
        elif _CONTROL.search(value):
            out.append(RowError(row, name, f"{name} 不能包含控制字符", f"{name} must not contain control characters"))
    return out


MAX_QUANTITY = 1_000_000_000  # units in one movement or count; also the largest price in fen


def _int(value: str, row: int, name: str, errors: list[RowError], *, minimum: int,
         maximum: int = MAX_QUANTITY) -> int:
    try:
        if len(value) > 20:  # no 10,000-digit number to parse
            raise ValueError(value[:40])
        n = int(value)
    except ValueError:
        errors.append(RowError(row, name, f"{name} 不是整数：{value[:40]!r}",
                               f"{name} is not an integer: {value[:40]!r}"))
        return 0
    if n < minimum:
        errors.append(RowError(row, name, f"{name} 不能小于 {minimum}", f"{name} must be at least {minimum}"))
    elif n > maximum:
        errors.append(RowError(row, name, f"{name} 不能大于 {maximum}", f"{name} must be at most {maximum}"))
    return n


def _sku(r: dict[str, str], row: int, known: set[str], errors: list[RowError]) -> None:
    """The staple's code for a name or alias (大米 → rice), in place; a SKU nobody registered is an error."""
    if not r.get("sku"):
        return
    r["sku"] = staples.resolve(r["sku"]) or r["sku"]
    if r["sku"] not in known:
        errors.append(RowError(row, "sku", f"未知品类：{r['sku']}（已登记：{'、'.join(sorted(known)) or '无'}）",
                               f"unknown SKU: {r['sku']} (registered: {', '.join(sorted(known)) or 'none'})"))


def _required(r: dict[str, str], row: int, names: tuple[str, ...], errors: list[RowError]) -> None:
    for name in names:
        if not r.get(name):
            errors.append(RowError(row, name, f"{name} 不能为空", f"{name} is empty"))


def parse_counts(text: str, *, warehouses: set[str], skus: set[str],
                 limits: Limits | None = None) -> tuple[list[CountRow], list[RowError]]:
    rows, errors = _reader(text, COUNT_COLUMNS, limits or Limits())
    out: list[CountRow] = []
    seen: set[tuple[str, str, str, bool]] = set()
    for i, r in enumerate(rows, start=2):
        before = len(errors)
        _required(r, i, ("warehouse_id", "sku", "lot"), errors)
        if r.get("warehouse_id") and r["warehouse_id"] not in warehouses:
            errors.append(RowError(i, "warehouse_id", f"未知仓库：{r['warehouse_id']}",
                                   f"unknown warehouse: {r['warehouse_id']}"))
        _sku(r, i, skus, errors)
        counted = _int(r.get("counted", ""), i, "counted", errors, minimum=0)
        expiry = None
        if r.get("expiry"):
            try:
                expiry = date.fromisoformat(r["expiry"])
            except ValueError:
                errors.append(RowError(i, "expiry", "保质期格式应为 YYYY-MM-DD", "expiry must be YYYY-MM-DD"))
        reserve_text = r.get("reserve", "").lower()
        if reserve_text not in ("", "0", "1", "true", "false", "yes", "no"):
            errors.append(RowError(i, "reserve", "reserve 应为 true/false", "reserve must be true or false"))
        reserve = reserve_text in ("1", "true", "yes")
        key = (r.get("warehouse_id", ""), r.get("sku", ""), r.get("lot", ""), reserve)
        if key in seen:
            errors.append(RowError(i, "lot", "同一批次在文件中重复出现", "the same lot appears twice in the file"))
        seen.add(key)
        if len(errors) == before:
            out.append(CountRow(i, r["warehouse_id"], r["sku"], r["lot"], counted, expiry, reserve))
    return out, errors


def parse_prices(text: str, *, skus: set[str],
                 limits: Limits | None = None) -> tuple[list[PriceRow], list[RowError]]:
    rows, errors = _reader(text, PRICE_COLUMNS, limits or Limits())
    out: list[PriceRow] = []
    for i, r in enumerate(rows, start=2):
        before = len(errors)
        _required(r, i, ("sku", "district", "source"), errors)
        _sku(r, i, skus, errors)
        if r.get("source") and r["source"] not in SOURCES:
            errors.append(RowError(i, "source", f"来源应为 {'/'.join(SOURCES)}",
                                   f"source must be one of {', '.join(SOURCES)}"))
        price = _int(r.get("price_fen", ""), i, "price_fen", errors, minimum=1)
        observed = None
        if r.get("observed_at"):
            try:
                observed = as_city(datetime.fromisoformat(r["observed_at"]))  # no offset: Shenzhen time
                if not 1970 <= observed.year <= 2200:
                    raise ValueError("year out of range")
            except ValueError:
                errors.append(RowError(i, "observed_at", "时间格式应为 ISO 8601", "observed_at must be ISO 8601"))
        if len(errors) == before:
            out.append(PriceRow(i, r["sku"], r["district"], r["source"], price, observed))
    return out, errors
