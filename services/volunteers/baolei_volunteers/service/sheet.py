"""A sheet of doorstep tasks (CSV in UTF-8 or GBK, or XLSX): one task per row, headers in Chinese
or English. Every row is checked before any is applied; a bad row is named with its field."""
from __future__ import annotations

from typing import Any

from baolei_common.citytime import sheet_time
from baolei_common.uploads import RowError
from baolei_volunteers.domain.tasks import parse_kind

HEADERS = {"household_id": "household_id", "住户编号": "household_id", "kind": "kind", "任务类型": "kind",
           "deadline": "deadline", "截止时间": "deadline", "duration_min": "duration_min", "时长分钟": "duration_min",
           "every_days": "every_days", "每隔天数": "every_days", "note": "note", "备注": "note",
           "shopping_list": "shopping_list", "代购清单": "shopping_list"}


def parse_rows(table: list[list[str]]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """(the rows as task fields, the errors). Row numbers count the header as row 1."""
    if not table:
        return [], [RowError(1, "file", "表格为空", "the sheet is empty")]
    names = [HEADERS.get(h.strip().lstrip("\ufeff"), "") for h in table[0]]
    missing = [f for f in ("household_id", "kind") if f not in names]
    if missing:
        return [], [RowError(1, f, f"缺少列：{f}", f"missing column: {f}") for f in missing]
    out, errors = [], []
    for n, raw in enumerate(table[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        cells = {name: raw[i].strip() for i, name in enumerate(names) if name and i < len(raw)}
        row: dict[str, Any] = {"row": n, "household_id": cells.get("household_id", ""), "note": cells.get("note", "")}
        if cells.get("shopping_list"):
            row["shopping_list"] = cells["shopping_list"]
        if not row["household_id"]:
            errors.append(RowError(n, "household_id", "住户编号为空", "household_id is empty"))
        try:
            row["kind"] = parse_kind(cells.get("kind", "")).value
        except ValueError:
            errors.append(RowError(n, "kind", f"未知的任务类型：{cells.get('kind', '')}",
                                   f"unknown task kind: {cells.get('kind', '')!r}"))
        if cells.get("deadline"):
            try:
                row["deadline"] = sheet_time(cells["deadline"])
            except ValueError:
                errors.append(RowError(n, "deadline", f"时间格式有误：{cells['deadline']}（如 2026-12-07 22:00）",
                                       f"bad time {cells['deadline']!r} (e.g. 2026-12-07 22:00)"))
        for f in ("duration_min", "every_days"):
            if cells.get(f):
                try:
                    row[f] = int(cells[f])
                    if not 0 <= row[f] <= 600:
                        raise ValueError
                except ValueError:
                    errors.append(RowError(n, f, f"应为 0–600 的整数：{cells[f]}",
                                           f"not an integer 0-600: {cells[f]!r}"))
        out.append(row)
    return out, errors
