"""Intake of needs from a community's spreadsheet (CSV or XLSX), all rows or none."""
