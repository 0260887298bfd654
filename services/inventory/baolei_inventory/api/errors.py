"""Error responses: every 4xx names the field and the reason, in Simplified Chinese and English.

Body: {"detail": [{"field": ..., "reason_zh": ..., "reason_en": ..., "row": (CSV only)}]}.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from baolei_common.consumer import is_transient
from baolei_inventory.domain.csvrows import RowError
from baolei_inventory.domain.errors import DomainError

log = logging.getLogger(__name__)


class CsvRejected(Exception):
    """Nothing applied. Bad rows: 422; rows the caller is not entitled to (another organisation's): 403.
    `errors` may be the first few of `total` (a long list is capped)."""

    def __init__(self, errors: list[RowError], status: int = 422, total: int | None = None) -> None:
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors
        self.status = status
        self.total = len(errors) if total is None else total


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if not is_transient(exc):
            raise exc
        ms = request.app.state.gate.retry_after_ms()
        log.warning("database busy or unavailable: %s: %s", type(exc).__name__, str(exc)[:200])
        return JSONResponse({"detail": [{"field": "database", "reason_zh": f"数据库繁忙，请 {ms} 毫秒后重试",
                                         "reason_en": f"database busy: retry in {ms} ms"}],
                             "retry_after_ms": ms}, 503,
                            headers={"Retry-After": str(max(1, -(-ms // 1000))), "Retry-After-Ms": str(ms)})

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": [{"field": exc.field, "reason_zh": exc.reason_zh,
                                         "reason_en": exc.reason_en}]}, exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"field": _field(tuple(e.get("loc", ()))),
                   "reason_zh": f"字段无效：{e.get('msg', '')}", "reason_en": e.get("msg", "invalid")}
                  for e in exc.errors()]
        return JSONResponse({"detail": detail}, 422)

    @app.exception_handler(CsvRejected)
    async def _csv(_: Request, exc: CsvRejected) -> JSONResponse:
        detail = [{"row": e.row, "field": e.field, "reason_zh": e.reason_zh, "reason_en": e.reason_en}
                  for e in exc.errors]
        return JSONResponse({"detail": detail, "applied": 0, "error_count": exc.total}, exc.status)
