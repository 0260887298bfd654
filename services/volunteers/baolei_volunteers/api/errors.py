"""Error responses: the one shape of `baolei_common.errors` (which also answers a task sheet's
rejection, `baolei_common.uploads.RowsRejected`), plus the policy's refusals as 403."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from baolei_common import errors, policy


def install(app: FastAPI) -> None:
    errors.install(app, retry_after_ms=lambda: app.state.gate.retry_after_ms())

    @app.exception_handler(policy.Denied)
    async def _denied(_: Request, exc: policy.Denied) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, 403)
