"""Dispatch sheets: an organisation's trips, rooms and picks for one day, as rows for CSV and XLSX
(and the printable sheet in the console). Days are Beijing days; only committed or proposed work
appears, never released holds.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, Hotel, Site
from baolei_requests.domain.lifecycle import ACTIVE, ASSIGNMENT_ZH

BEIJING = timezone(timedelta(hours=8))
COLUMNS = [("task", "任务类型", "task"), ("assignment", "任务编号", "assignment"), ("need", "需求编号", "need"),
           ("status", "状态", "status"), ("priority", "优先级", "priority"), ("resource", "车辆/酒店/仓库", "resource"),
           ("start", "出发/开始", "start"), ("from", "上车点/发货地", "from"), ("to", "目的地", "to"),
           ("arrive", "到达", "arrive"), ("what", "内容", "what"), ("amount", "人数/数量", "amount")]


def _local(value: str | datetime | None) -> str:
    if not value:
        return ""
    d = datetime.fromisoformat(value) if isinstance(value, str) else as_utc(value)
    return d.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _day_of(a: Assignment) -> date:
    starts = [t["start_at"] for t in a.trips if t.get("start_at")]
    d = datetime.fromisoformat(starts[0]) if starts else as_utc(a.proposed_at)
    return d.astimezone(BEIJING).date()


def sheet_rows(session: Session, organisation: str, day: date | None) -> list[dict]:
    """One row per trip, room grant and pick of `organisation` (all organisations when empty)."""
    names = {s.id: s.name for s in session.scalars(select(Site)).all()}
    hotels = {h.id: h.name for h in session.scalars(select(Hotel)).all()}
    rows: list[dict] = []
    q = select(Assignment).where(Assignment.status.in_(sorted(ACTIVE))).order_by(Assignment.proposed_at)
    for a in session.scalars(q).all():
        if organisation and organisation not in a.organisations:
            continue
        if day is not None and _day_of(a) != day:
            continue
        base = {"assignment": a.id, "need": a.need_id, "status": ASSIGNMENT_ZH.get(a.status, a.status),
                "priority": a.need.priority}
        for t in a.trips:
            if organisation and t["operator"] != organisation:
                continue
            stops = [s for s in t["stops"]]
            people = sum(ld["people"] for s in stops for ld in s["load"])
            rows.append(base | {"task": "转运 transfer", "resource": t["bus"], "start": _local(t["start_at"]),
                                "from": " → ".join(f"{names.get(s['site'], s['site'])} {_local(s['at'])[-5:]}"
                                                   for s in stops),
                                "to": hotels.get(t["hotel"], t["hotel"]), "arrive": _local(t["arrive_at"]),
                                "what": f"{a.need.risk or ''}", "amount": people})
        if a.room and (not organisation or a.room["operator"] == organisation):
            rooms = "、".join(f"{k} {a.room[k]}" for k in ("standard", "family", "accessible") if a.room.get(k))
            rows.append(base | {"task": "隔离房间 rooms", "resource": hotels.get(a.room["hotel"], a.room["hotel"]),
                                "start": "", "from": a.need.site.name, "to": hotels.get(a.room["hotel"], ""),
                                "arrive": "", "what": rooms, "amount": a.people})
        for p in a.picks:
            if organisation and p["operator"] != organisation:
                continue
            rows.append(base | {"task": "物资 supply", "resource": p["warehouse"], "start": "",
                                "from": p["warehouse"], "to": a.need.site.name,
                                "arrive": _local(a.need.due_at), "what": p["sku"], "amount": p["quantity"]})
    return rows


def to_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"{zh} {en}" for _, zh, en in COLUMNS])
    for r in rows:
        w.writerow([r.get(k, "") for k, _, _ in COLUMNS])
    return buf.getvalue().encode("utf-8-sig")  # with BOM: Excel opens Chinese text correctly


def to_xlsx(rows: list[dict], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "调度单"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"{zh} {en}" for _, zh, en in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.get(k, "") for k, _, _ in COLUMNS])
    for col, width in zip("ABCDEFGHIJKL", (14, 22, 22, 10, 8, 18, 17, 40, 22, 17, 20, 10), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
