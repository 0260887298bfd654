"""A spreadsheet of needs, as a community keeps it, to NeedCreate-shaped dicts.

Headers may be Chinese or English (地点/site, 类别/kind, 人数/people, 风险/risk, …); values may
be Chinese too (转运, 密接, 大米:80;食用油:30). Times without a zone are Beijing time. Each
problem is reported with the row number as the spreadsheet shows it, the column and a reason in
Chinese and English. Pure code: no database, no web framework.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baolei_common import skus
from baolei_common.citytime import sheet_time

HEADERS: dict[str, str] = {}
for canonical, names in {
    "ref": ("编号", "序号", "ref", "id"),
    "site": ("地点", "站点", "社区", "小区", "地点编号", "site", "site_id"),
    "kind": ("类别", "类型", "需求类型", "kind"),
    "people": ("人数", "people"),
    "risk": ("风险", "风险类别", "人员类别", "risk"),
    "standard": ("标准间", "standard"),
    "family": ("家庭房", "family"),
    "accessible": ("无障碍房", "accessible"),
    "ready_at": ("就绪时间", "可出发时间", "ready_at"),
    "due_at": ("截止时间", "最晚到达", "要求送达", "due_at"),
    "lines": ("物资明细", "物资", "lines"),
    "sku": ("品类", "sku"),
    "quantity": ("数量", "quantity"),
    "vulnerabilities": ("脆弱人群", "重点人群", "vulnerabilities"),
    "priority": ("优先级", "priority"),
    "priority_reason": ("调整理由", "理由", "priority_reason"),
    "note": ("备注", "note"),
}.items():
    for n in names:
        HEADERS[n.lower()] = canonical

KINDS = {"转运": "transfer", "转运隔离": "transfer", "transfer": "transfer",
         "物资": "supply", "物资保障": "supply", "supply": "supply"}
RISKS = {"密接": "close_contact", "密切接触者": "close_contact", "close_contact": "close_contact",
         "次密接": "secondary_contact", "secondary_contact": "secondary_contact",
         "入境": "inbound", "入境人员": "inbound", "inbound": "inbound"}
VULNS = {"独居老人": "elderly_alone", "孤寡老人": "elderly_alone", "elderly_alone": "elderly_alone",
         "残障人士": "disabled", "残疾人": "disabled", "disabled": "disabled", "孕妇": "pregnant",
         "pregnant": "pregnant", "留守儿童": "children_alone", "children_alone": "children_alone",
         "需用药": "medicine_needed", "需要药品": "medicine_needed", "medicine_needed": "medicine_needed"}
SPLIT = re.compile(r"[;；,，、\s]+")


@dataclass
class RowError:
    row: int          # as the spreadsheet shows it: the header is row 1
    column: str
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason_zh": self.reason_zh, "reason_en": self.reason_en}


@dataclass
class Parsed:
    rows: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)  # (row no, data, field→column)
    errors: list[RowError] = field(default_factory=list)


def parse_time(value: str) -> datetime:
    try:
        return sheet_time(value)
    except ValueError:
        raise ValueError(f"时间格式应为“2022-01-14 08:00”，而不是“{value}”|"
                         f"time must look like '2022-01-14 08:00', not '{value}'") from None


def _int(v: str) -> int:
    if re.fullmatch(r"-?\d+(\.0+)?", v.strip()):
        return int(float(v))
    raise ValueError(f"应为整数，而不是“{v}”|must be a whole number, not '{v}'")


def _lines(v: str) -> list[dict[str, Any]]:
    out = []
    for part in re.split(r"[;；\n]+", v):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(.+?)\s*[:：×xX*]\s*(\d+)", part)
        if not m:
            raise ValueError(f"物资明细应写作“大米:80;食用油:30”，而不是“{part}”|"
                             f"supply lines are written 'rice:80;oil:30', not '{part}'")
        out.append({"sku": _sku(m[1]), "quantity": int(m[2])})
    return out


def _sku(name: str) -> str:
    """A staple's code for its code, name or alias (大米, 米, Rice…); an unknown name is an error."""
    code = skus.resolve(name)
    if code is None:
        zh, en = skus.unknown_reason(name.strip())
        raise ValueError(f"{zh}|{en}")
    return code


def _coded(table: dict[str, str], v: str, what_zh: str, what_en: str) -> str:
    key = v.strip()
    if key in table or key.lower() in table:
        return table[key] if key in table else table[key.lower()]
    raise ValueError(f"无法识别的{what_zh}“{key}”|unknown {what_en} '{key}'")


def parse_table(rows: list[list[str]]) -> Parsed:
    """Rows (header first) to need dicts; every problem found, none skipped."""
    out = Parsed()
    rows = [r for r in rows if any(str(c).strip() for c in r)]
    if not rows:
        out.errors.append(RowError(1, "", "文件为空", "the file is empty"))
        return out
    header = [str(h).strip() for h in rows[0]]
    columns: dict[int, str] = {}
    for i, h in enumerate(header):
        canonical = HEADERS.get(h.lower())
        if canonical is None:
            out.errors.append(RowError(1, h, f"无法识别的列名“{h}”", f"unknown column '{h}'"))
        else:
            columns[i] = canonical
    for need in ("site", "kind", "due_at"):
        if need not in columns.values():
            out.errors.append(RowError(1, need, f"缺少必需的列：{need}", f"missing required column: {need}"))
    if len(rows) == 1:
        out.errors.append(RowError(2, "", "文件只有表头，没有数据行", "the file has a header but no data rows"))
    if out.errors:
        return out
    for n, raw in enumerate(rows[1:], start=2):
        cells = {columns[i]: str(v).strip() for i, v in enumerate(raw) if i in columns and str(v).strip()}
        col_of = {columns[i]: header[i] for i in columns}
        data, ok = _row(n, cells, col_of, out.errors)
        if ok:
            out.rows.append((n, data, col_of))
    return out


def _row(n: int, cells: dict[str, str], col_of: dict[str, str], errors: list[RowError]) -> tuple[dict[str, Any], bool]:
    data: dict[str, Any] = {}
    rooms: dict[str, int] = {}
    before = len(errors)

    def conv(name: str, fn: Callable[[str], Any]) -> None:
        if name not in cells:
            return
        try:
            value = fn(cells[name])
        except (ValueError, TypeError) as exc:
            zh, _, en = str(exc).partition("|")
            if not en:
                zh, en = f"格式无效：“{cells[name]}”", f"invalid value '{cells[name]}'"
            errors.append(RowError(n, col_of.get(name, name), zh, en))
            return
        if name in ("standard", "family", "accessible"):
            rooms[name] = value
        else:
            data[name] = value

    conv("ref", str)
    conv("site", str)
    conv("kind", lambda v: _coded(KINDS, v, "类别", "kind"))
    conv("people", _int)
    conv("risk", lambda v: _coded(RISKS, v, "风险类别", "risk"))
    for r in ("standard", "family", "accessible"):
        conv(r, _int)
    conv("ready_at", parse_time)
    conv("due_at", parse_time)
    conv("lines", _lines)
    conv("vulnerabilities", lambda v: [_coded(VULNS, x, "脆弱人群", "vulnerability") for x in SPLIT.split(v) if x])
    conv("priority", _int)
    conv("priority_reason", str)
    conv("note", str)
    if "sku" in cells or "quantity" in cells:
        line: dict[str, Any] = {}
        for name, fn in (("sku", _sku), ("quantity", _int)):
            try:
                line[name] = fn(cells.get(name, ""))
            except ValueError as exc:
                zh, _, en = str(exc).partition("|")
                errors.append(RowError(n, col_of.get(name, name), zh, en))
        if len(line) == 2:
            data["lines"] = data.get("lines", []) + [line]
    if rooms:
        data["rooms"] = rooms
    for req in ("site", "kind", "due_at"):
        if req not in cells:
            errors.append(RowError(n, col_of.get(req, req), "必填项为空", "required value is empty"))
    return data, len(errors) == before
