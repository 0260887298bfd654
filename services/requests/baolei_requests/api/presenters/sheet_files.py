"""A dispatch sheet (exports.sheet) as a file: CSV for any spreadsheet, XLSX set up for printing.

Why apart from exports.py: that module decides what a sheet says; this one only lays it out.
"""
from __future__ import annotations

import csv
import io


def _cell(v: object) -> object:
    return "、".join(map(str, v)) if isinstance(v, list) else v


def to_csv(data: dict) -> bytes:
    """UTF-8 with a BOM (Excel on Chinese Windows reads it right): the title, then per section its
    title, its header row and its rows, a blank line between sections."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([data["title"]])
    for s in data["sections"]:
        w.writerow([])
        w.writerow([s["title"]])
        w.writerow([c["label"] for c in s["columns"]])
        for r in s["rows"]:
            w.writerow([_cell(r.get(c["key"], "")) for c in s["columns"]])
    return buf.getvalue().encode("utf-8-sig")


WIDTHS = {"pickups": 40, "rooms": 26, "hotel": 18, "from": 16, "to": 16, "warehouse": 24, "buses": 16,
          "category": 10, "status": 14, "plate": 13, "sign_driver": 14, "sign_community": 14, "sign_hotel": 14}


def to_xlsx(data: dict) -> bytes:
    """One worksheet per section, set up for A4 landscape: title, header row repeated on every
    printed page, room to sign."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for s in data["sections"]:
        ws = wb.create_sheet(s["title"][:31])
        ws.append([f"{data['title']} · {s['title']}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([c["label"] for c in s["columns"]])
        for cell in ws[2]:
            cell.font, cell.border = Font(bold=True), box
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r in s["rows"]:
            ws.append([_cell(r.get(c["key"], "")) for c in s["columns"]])
            ws.row_dimensions[ws.max_row].height = 30  # room to sign by hand
            for cell in ws[ws.max_row]:
                cell.border, cell.alignment = box, Alignment(wrap_text=True, vertical="center")
        for i, c in enumerate(s["columns"], start=1):
            ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c["key"], 11)
        ws.freeze_panes = "A3"
        ws.print_title_rows = "2:2"
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
