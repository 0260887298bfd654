"""Error responses: every 4xx names the field and the reason, in Simplified Chinese and English.

Body: {"detail": [{"field": ..., "reason_zh": ..., "reason_en": ..., "row": (CSV only)}]} — the
shared shape of `baolei_common.errors`, plus the CSV imports' rejection (every bad row, nothing
applied).
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from baolei_common import errors
from baolei_inventory.domain.csvrows import RowError


class CsvRejected(Exception):
    """Nothing applied. Bad rows: 422; rows the caller is not entitled to (another organisation's): 403.
    `errors` may be the first few of `total` (a long list is capped)."""

    def __init__(self, errors: list[RowError], status: int = 422, total: int | None = None) -> None:
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors
        self.status = status
        self.total = len(errors) if total is None else total


def install(app: FastAPI) -> None:
    errors.install(app, retry_after_ms=lambda: app.state.gate.retry_after_ms())

    @app.exception_handler(CsvRejected)
    async def _csv(_: Request, exc: CsvRejected) -> JSONResponse:
        detail = [{"row": e.row, "field": e.field, "reason_zh": e.reason_zh, "reason_en": e.reason_en}
                  for e in exc.errors]
        return JSONResponse({"detail": detail, "applied": 0, "error_count": exc.total}, exc.status)
