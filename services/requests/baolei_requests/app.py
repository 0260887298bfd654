"""Builds the requests service's FastAPI app from its config. Nothing connects at import time."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from baolei_common import topics
from baolei_common.consumer import ConsumerLoop
from baolei_common.outbox import OutboxRelay
from baolei_requests import service
from baolei_requests.adapters import db, handlers
from baolei_requests.adapters.models import Outbox
from baolei_requests.api import routes_console, routes_flow
from baolei_requests.api.routes import router
from baolei_requests.live.broadcast import Broadcaster, KafkaFanout
from baolei_requests.config import RequestsConfig

log = logging.getLogger(__name__)


async def _expire_loop(app: FastAPI, every_s: float = 5.0) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            def run() -> int:
                with app.state.sessions.begin() as s:
                    return service.expire_holds(s)
            n = await asyncio.to_thread(run)
            if n:
                log.info("expired %d unanswered proposals", n)
                app.state.relay.wake()
                app.state.live.publish({"type": "changed", "expired": n})
        except Exception:
            log.exception("hold expiry failed")


def _log_crash(task: asyncio.Task) -> None:
    """A background task that dies says why (readiness then reports it as not ready)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped: %r", task.get_name(), task.exception(), exc_info=task.exception())


@asynccontextmanager
async def lifespan(app: FastAPI):
    cfg: RequestsConfig = app.state.config
    await asyncio.to_thread(db.migrate, cfg.database_url)
    engine = db.make_engine(cfg.database_url)
    app.state.engine = engine
    app.state.sessions = db.make_sessions(engine)
    app.state.relay = OutboxRelay(app.state.sessions, Outbox, cfg.kafka)
    app.state.live.bind(asyncio.get_running_loop())
    app.state.consumer = ConsumerLoop(cfg.kafka, [topics.ASSIGNMENTS], cfg.group_id,
                                      handlers.make_handler(app.state.sessions, app.state.live.publish_threadsafe),
                                      service="requests")
    tasks = [asyncio.create_task(app.state.relay.run(), name="outbox"),
             asyncio.create_task(app.state.consumer.run(), name="consumer"),
             asyncio.create_task(_expire_loop(app), name="expiry")]
    if cfg.live_feed:
        app.state.fanout = KafkaFanout(cfg.kafka, app.state.live)
        tasks.append(asyncio.create_task(app.state.fanout.run(), name="live-feed"))
    for t in tasks:
        t.add_done_callback(_log_crash)
    app.state.tasks = tasks
    log.info("requests service up: db=%s kafka=%s", engine.url.render_as_string(hide_password=True),
             cfg.kafka.bootstrap_servers)
    try:
        yield
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        engine.dispose()


def _errors(exc: RequestValidationError) -> list[dict]:
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body",)]
        out.append({"field": ".".join(loc) or "body", "reason": str(e.get("msg", "")).removeprefix("Value error, ")})
    return out


def create_app(config: RequestsConfig | None = None) -> FastAPI:
    cfg = config or RequestsConfig()
    app = FastAPI(title="Baolei 堡垒 — requests service", version="0.1.0", lifespan=lifespan,
                  description="需求受理、资源登记、匹配结果 / intake of needs, resource registry, assignments")
    app.state.config = cfg
    app.state.live = Broadcaster()
    app.state.fanout = None
    app.include_router(router)
    app.include_router(routes_flow.router)
    app.include_router(routes_console.router)
    app.mount("/console", StaticFiles(directory=routes_console.CONSOLE_DIR, html=True), name="console")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):
        return JSONResponse(status_code=422, content={
            "message_zh": "输入有误", "message_en": "invalid input", "errors": _errors(exc)})

    @app.exception_handler(service.NotFound)
    async def _missing(_: Request, exc: service.NotFound):
        return JSONResponse(status_code=404, content={
            "field": exc.what, "message_zh": f"未找到 {exc.ident}", "message_en": str(exc)})

    @app.exception_handler(service.Forbidden)
    async def _forbidden(_: Request, exc: service.Forbidden):
        return JSONResponse(status_code=403, content={"message_zh": f"无权操作：{exc}", "message_en": str(exc)})

    @app.exception_handler(service.Conflict)
    async def _conflict(_: Request, exc: service.Conflict):
        return JSONResponse(status_code=409, content={"message_zh": f"状态冲突：{exc}", "message_en": str(exc)})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        checks = {"consumer": app.state.consumer.ready.is_set()}
        if app.state.fanout is not None:
            checks["live_feed"] = app.state.fanout.ready.is_set()
        try:
            with app.state.engine.connect() as c:
                c.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            checks["database"] = False
        ok = all(checks.values())
        return JSONResponse(status_code=200 if ok else 503, content={"ready": ok, **checks})

    return app
