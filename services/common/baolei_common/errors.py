"""One error shape for every HTTP service: `{"detail": [{"field", "reason_zh", "reason_en"}]}`.

`install(app, retry_after_ms=...)` answers every refusal in that shape: pydantic validation errors
(with a Chinese reason per error type, see `pydantic_zh`), any `HTTPException` whatever its detail
(a string, a dict with message_zh/message_en, or already a list of items), a `Problem` raised by the
service code, Starlette's own 404/405, and a database that is busy (503 with `Retry-After`). The
models and `responses(...)` let each route document in OpenAPI every status it can return.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from baolei_common.consumer import is_transient
from baolei_common.problems import Problem, item
from baolei_common.pydantic_zh import translate
from baolei_common.uploads import RowsRejected

log = logging.getLogger(__name__)


class ErrorItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    field: str = Field(description="出错的输入：正文字段（如 lines[0].sku）、查询参数、路径参数或请求头 / the input "
                                   "at fault: a body field (lines[0].sku), a query or path parameter, a header")
    reason_zh: str = Field(description="原因（简体中文）/ why, in Simplified Chinese")
    reason_en: str = Field(description="原因（英文）/ why, in English")


class ErrorBody(BaseModel):
    """Every 4xx (and 503) answer of the Baolei services."""

    model_config = ConfigDict(extra="allow")
    detail: list[ErrorItem]


class BusyBody(ErrorBody):
    retry_after_ms: int = Field(description="多少毫秒后可重试（请求未被受理）/ "
                                            "retry after this many ms; nothing was accepted")


# what each status means, and the field a bare HTTPException of that status is about
STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("request", "请求无效", "bad request"),
    401: ("Authorization", "请先登录（缺少或无效的令牌）", "sign in first: bearer token missing or invalid"),
    403: ("Authorization", "无权执行此操作", "not allowed"),
    404: ("path", "未找到", "not found"),
    405: ("method", "不支持该请求方法", "method not allowed"),
    406: ("Accept", "无法提供所要求的格式", "not acceptable"),
    409: ("status", "状态冲突，无法执行此操作", "conflict with the current state"),
    413: ("body", "内容过大", "request too large"),
    415: ("Content-Type", "不支持的内容类型", "unsupported media type"),
    422: ("body", "输入有误", "invalid input"),
    429: ("request", "请求过于频繁，请稍后重试", "too many requests, retry later"),
    503: ("request", "服务繁忙，请稍后重试（请求未被受理）", "busy: retry later (nothing was accepted)"),
}


def items_of(detail: Any, status: int) -> list[dict[str, Any]]:
    """Whatever an HTTPException carries, as items of the one shape."""
    field, zh, en = STATUS_TEXT.get(status, ("request", "请求无效", "request refused"))
    if isinstance(detail, list) and detail and all(isinstance(d, dict) for d in detail):
        return [_item_of(d, field, zh, en) for d in detail]
    if isinstance(detail, dict):
        return [_item_of(detail, field, zh, en)]
    if isinstance(detail, str) and detail:
        # Starlette's own texts ("Not Found", "Method Not Allowed") and bare strings: the English is
        # the detail itself, the Chinese the status's meaning
        return [item(field, zh, detail)]
    return [item(field, zh, en)]


def _item_of(d: dict[str, Any], field: str, zh: str, en: str) -> dict[str, Any]:
    out = dict(d)
    out["field"] = str(d.get("field") or d.get("column") or field)
    out["reason_zh"] = str(d.get("reason_zh") or d.get("message_zh") or zh)
    out["reason_en"] = str(d.get("reason_en") or d.get("message_en") or d.get("reason") or en)
    for k in ("message_zh", "message_en", "reason"):
        out.pop(k, None)
    return out


def error_response(status: int, items: list[dict[str, Any]], *, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": items, **extra}, status, headers=headers)


def busy_body(retry_after_ms: int, *, field: str = "request") -> dict[str, Any]:
    return {"detail": [item(field, f"系统繁忙，请 {retry_after_ms} 毫秒后重试（请求未被受理，重试不会重复提交）",
                            f"busy: retry in {retry_after_ms} ms (nothing was accepted; a retry is safe)")],
            "retry_after_ms": retry_after_ms}


def retry_headers(retry_after_ms: int) -> dict[str, str]:
    return {"Retry-After": str(max(1, -(-retry_after_ms // 1000))), "Retry-After-Ms": str(retry_after_ms)}


def busy_bytes(retry_after_ms: int) -> bytes:
    return json.dumps(busy_body(retry_after_ms), ensure_ascii=False).encode()


def install(app: FastAPI, *, retry_after_ms: Callable[[], int]) -> None:
    """Every refusal of `app` in the one shape. `retry_after_ms()` is the delay a 503 asks for."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, [translate(e) for e in exc.errors()])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.detail, str):
            # the framework's answer to a body it cannot even decode ("There was an error parsing the
            # body", "Invalid multipart data."): invalid input like any other, a 422 about the body
            return error_response(422, [item("body", "请求正文无法解析（JSON 须为 UTF-8 编码，文件须为有效的表单上传）",
                                             f"the body could not be parsed: {exc.detail}")])
        return error_response(exc.status_code, items_of(exc.detail, exc.status_code),
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(RowsRejected)
    async def _rows(_: Request, exc: RowsRejected) -> JSONResponse:
        return JSONResponse(exc.body(), exc.status)

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.items(), headers=headers)

    @app.exception_handler(SQLAlchemyError)
    async def _database(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        if not is_transient(exc):
            raise exc
        ms = retry_after_ms()
        log.warning("database busy or unavailable: %s: %s", type(exc).__name__, str(exc)[:200])
        body = busy_body(ms, field="database")
        body["detail"][0]["reason_zh"] = f"数据库繁忙，请 {ms} 毫秒后重试（请求未被受理，重试不会重复提交）"
        body["detail"][0]["reason_en"] = f"database busy: retry in {ms} ms (nothing was accepted; a retry is safe)"
        return JSONResponse(body, 503, headers=retry_headers(ms))


RESPONSE_TEXT: dict[int, str] = {
    400: "请求无效 / bad request",
    401: "未登录或令牌无效 / bearer token missing or invalid",
    403: "无权执行此操作 / not allowed for this role or organisation",
    404: "未找到 / not found",
    409: "状态冲突 / conflicts with the current state",
    413: "内容过大 / request too large",
    415: "不支持的内容类型 / unsupported media type",
    422: "输入有误，逐项说明字段与原因 / invalid input, each field with its reason",
    429: "请求过于频繁 / too many requests",
    503: "系统繁忙，未受理任何内容，可按 Retry-After 重试 / busy, nothing accepted, retry after Retry-After",
}
_RETRY_HEADERS = {
    "Retry-After": {"description": "秒 / seconds", "schema": {"type": "integer"}},
    "Retry-After-Ms": {"description": "毫秒 / milliseconds", "schema": {"type": "integer"}},
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for these error statuses, each with the one error model."""
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        entry: dict[str, Any] = {"model": BusyBody if s == 503 else ErrorBody, "description": RESPONSE_TEXT[s]}
        if s == 503:
            entry["headers"] = _RETRY_HEADERS
        out[s] = entry
    return out


# the statuses every gated, signed-in route can answer
BASE = (401, 422, 503)
