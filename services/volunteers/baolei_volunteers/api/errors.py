"""Error responses: the one shape of `baolei_common.errors`, plus a task sheet's rejection (every
bad row, nothing applied) and the policy's refusals as 403."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from baolei_common import errors, policy
from baolei_volunteers.service.sheet import RowError


class SheetRejected(Exception):
    def __init__(self, rows: list[RowError], total: int | None = None, status: int = 422) -> None:
        super().__init__(f"{len(rows)} bad row(s)")
        self.rows = rows
        self.total = len(rows) if total is None else total
        self.status = status  # 403 when a row is another community's (every row still named)


def install(app: FastAPI) -> None:
    errors.install(app, retry_after_ms=lambda: app.state.gate.retry_after_ms())

    @app.exception_handler(SheetRejected)
    async def _sheet(_: Request, exc: SheetRejected) -> JSONResponse:
        detail = [{"row": e.row, "field": e.field, "reason_zh": e.reason_zh, "reason_en": e.reason_en}
                  for e in exc.rows]
        return JSONResponse({"detail": detail, "applied": 0, "error_count": exc.total}, exc.status)

    @app.exception_handler(policy.Denied)
    async def _denied(_: Request, exc: policy.Denied) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, 403)
