"""Builds the requests service's FastAPI app from its config (`bootstrap.py` wires the parts).
Nothing connects at import time."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from baolei_common import errors, policy
from baolei_common.admission import AdmissionGate, set_thread_limit
from baolei_common.identity import principals
from baolei_common.metrics import Metrics
from baolei_common.supervise import every, stop_all, supervise
from baolei_requests.adapters import db
from baolei_requests.adapters import metrics as metrics_adapter
from baolei_requests.adapters.live_feed import Broadcaster, KafkaFanout
from baolei_requests.adapters.metrics import RequestsMetrics
from baolei_requests.api import routes_asks, routes_console, routes_flow, routes_stays
from baolei_requests.api.routes import router
from baolei_requests.bootstrap import Container, bootstrap
from baolei_requests.config import RequestsConfig
from baolei_requests.service import bulk_decisions, decisions
from baolei_requests.service.backlog import Backlog

log = logging.getLogger(__name__)


def _log_crash(task: asyncio.Task) -> None:
    """A background task that dies says why (readiness then reports it as not ready)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped: %r", task.get_name(), task.exception(), exc_info=task.exception())


async def _expire_once(app: FastAPI) -> None:
    def run() -> int:
        return decisions.expire_holds(app.state.container.uow())
    n = await asyncio.to_thread(run)
    if n:
        log.info("expired %d unanswered proposals", n)
        app.state.requests_metrics.holds_expired.inc(n)
        relay = app.state.workers.get("outbox")
        if relay is not None:
            relay.wake()
        app.state.live.publish({"type": "changed", "expired": n})


async def _auto_confirm_once(app: FastAPI) -> None:
    """Standing rules: accept the proposals waiting on organisations that confirm automatically."""
    n = await asyncio.to_thread(lambda: bulk_decisions.auto_confirm(app.state.container.uow()))
    if n:
        log.info("standing rules accepted %d proposals", n)
        relay = app.state.workers.get("outbox")
        if relay is not None:
            relay.wake()
        app.state.live.publish({"type": "changed", "auto_confirmed": n})


@asynccontextmanager
async def lifespan(app: FastAPI):
    c: Container = app.state.container
    cfg = c.config
    await asyncio.to_thread(db.migrate, cfg.database_url)
    # above the admission limits: an admitted request never waits for a thread
    set_thread_limit(cfg.max_inflight + cfg.read_inflight + 24)
    app.state.live.bind(asyncio.get_running_loop())
    workers = app.state.workers
    # intake yields to the consumer: while the outcomes of needs already taken wait to be applied,
    # fewer new ones are admitted (the API's status would lag otherwise)
    c.gate.pressure = lambda: getattr(workers.get("consumer"), "behind_s", 0.0)
    # and new needs wait at the door while matching is far behind the ones already taken
    app.state.backlog = backlog = c.backlog(
        lambda: workers.get("outbox") is not None and workers["outbox"].connected)
    c.gate.intake_paths = ("/api/needs", "/api/needs/import")
    c.gate.intake_closed = lambda: backlog.closed
    c.gate.intake_closed_retry_ms = backlog.retry_ms
    app.state.reconciler = reconciler = c.reconciler()
    tasks = [asyncio.create_task(supervise("outbox", c.relay, workers), name="outbox"),
             asyncio.create_task(supervise("consumer", app.state.metrics.attach(c.consumer), workers),
                                 name="consumer"),
             asyncio.create_task(every("hold expiry", 5.0, lambda: _expire_once(app)), name="expiry"),
             asyncio.create_task(every("standing rules", 2.0, lambda: _auto_confirm_once(app)), name="rules"),
             asyncio.create_task(every("reconciliation", cfg.reconcile_interval_s, reconciler.run_once),
                                 name="reconcile"),
             asyncio.create_task(every("backlog watch", 0.5, lambda: asyncio.to_thread(backlog.refresh)),
                                 name="backlog"),
             asyncio.create_task(app.state.live.run(), name="live-audience")]
    if cfg.live_feed:
        app.state.fanout = KafkaFanout(cfg.kafka, app.state.live)
        tasks.append(asyncio.create_task(app.state.fanout.run(), name="live-feed"))
    for t in tasks:
        t.add_done_callback(_log_crash)
    app.state.tasks = tasks
    log.info("requests service up: db=%s kafka=%s; %d requests at once, %d may wait %.1f s",
             c.sessions.kw["bind"].url.render_as_string(hide_password=True), cfg.kafka.bootstrap_servers,
             cfg.max_inflight, cfg.max_queued, cfg.admission_wait_s)
    try:
        yield
    finally:
        await stop_all(tasks)
        c.dispose()


def _backlog_s(app: FastAPI) -> float | None:
    """How far matching is behind (None before the lifespan set the watch up)."""
    backlog: Backlog | None = getattr(app.state, "backlog", None)
    return round(backlog.delay_s, 1) if backlog is not None else None


def create_app(config: RequestsConfig | None = None) -> FastAPI:
    cfg = config or RequestsConfig()
    app = FastAPI(title="Baolei 堡垒 — requests service", version="0.1.0", lifespan=lifespan,
                  description="需求受理、资源登记、匹配结果 / intake of needs, resource registry, assignments")
    app.state.config = cfg
    app.state.principals = principals(cfg.tokens)
    app.state.live = Broadcaster()
    app.state.fanout = None
    app.state.workers = {}
    metrics = RequestsMetrics(Metrics("requests"))
    c = bootstrap(cfg, app.state.live.publish_threadsafe, metrics.outcome.observe)
    app.state.container = c
    app.state.live.audience = c.audience()
    app.state.tickets = c.tickets()
    app.state.sessions = c.sessions
    app.state.snapshots = c.snapshots
    app.state.background = c.background
    gate = app.state.gate = c.gate
    app.state.read_gate = c.reads
    app.add_middleware(AdmissionGate, admission=gate, reads=c.reads)
    metrics_adapter.install(app, metrics, gate, c.background, reads=c.reads)  # after the gate: its 503s are counted
    app.include_router(router)
    app.include_router(routes_flow.router)
    app.include_router(routes_asks.router)
    app.include_router(routes_console.router)
    app.include_router(routes_stays.router)
    app.mount("/console", routes_console.console_app(), name="console")

    errors.install(app, retry_after_ms=gate.retry_after_ms)

    @app.exception_handler(policy.Denied)
    async def _denied(_: Request, exc: policy.Denied):
        return JSONResponse(status_code=403, content={"detail": exc.detail})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        workers = app.state.workers
        checks = {name: bool(w is not None and getattr(w, "ready", None) is not None and w.ready.is_set())
                  for name, w in (("consumer", workers.get("consumer")),)}
        checks["outbox"] = workers.get("outbox") is not None and workers["outbox"].connected
        if app.state.fanout is not None:
            checks["live_feed"] = app.state.fanout.ready.is_set()
        try:
            with app.state.background.kw["bind"].connect() as c:
                c.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            checks["database"] = False
        ok = all(checks.values())
        return JSONResponse(status_code=200 if ok else 503,
                            content={"ready": ok, **checks, "admission": gate.stats(),
                                     "read_admission": app.state.read_gate.stats(),
                                     "matching_backlog_s": _backlog_s(app)})

    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn's worker processes: config from BAOLEI_REQUESTS_* / BAOLEI_KAFKA_*."""
    from baolei_common import logs

    logs.setup("requests")
    return create_app(RequestsConfig())
