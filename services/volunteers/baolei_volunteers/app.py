"""`create_app(config)` builds the volunteers service's FastAPI app (先锋行动, issue 19). Its lifespan
migrates the database (Alembic `upgrade head`), then runs the outbox relay (publish after commit),
the consumer of tasks raised by the hotline over Kafka, the live feed's follower of task changes
(`/api/live`), the expiry of unanswered proposals and the
matching loop (every `match_debounce_s`, rounds over the dirty areas until none is left; one replica
at a time holds its lease). On PostgreSQL the loop runs in its own process (`baolei_volunteers.worker`,
started again when it dies) so a solve never holds this interpreter; with `match_process` off, or on
SQLite, it runs here in a worker thread.
The phone pages (volunteer, community worker, coverage) are static files under /pages/.

Run: uvicorn --factory baolei_volunteers.app:app_from_env --port 8004
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from baolei_common import health
from baolei_common.events import utcnow
from baolei_common.identity import principals
from baolei_common.lifespan import gate as lifespan_gate
from baolei_common.lifespan import running
from baolei_common.metrics import Metrics
from baolei_common.supervise import every, supervise
from baolei_volunteers.adapters.db import migrate
from baolei_volunteers.adapters.live import TaskFeed
from baolei_volunteers.adapters.process import MatchingProcess
from baolei_volunteers.api import errors, routes_live, routes_registry, routes_tasks, routes_views
from baolei_volunteers.api import metrics as metrics_adapter
from baolei_volunteers.bootstrap import bootstrap
from baolei_volunteers.config import VolunteersConfig

log = logging.getLogger(__name__)
PAGES = Path(__file__).resolve().parent / "static"


def create_app(config: VolunteersConfig) -> FastAPI:
    c = bootstrap(config)
    workers: dict = {}

    async def expire() -> None:
        await asyncio.to_thread(c.background_tasks.expire_holds, utcnow())

    async def match() -> None:
        while await asyncio.to_thread(c.matching_round) is not None:
            pass

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        def loops() -> list[Coroutine[Any, Any, None]]:
            out = [every("hold expiry", config.expiry_interval_s, expire)]
            if config.match_process and c.store.is_postgres:  # the solve in its own process (worker.py)
                out.append(supervise("matching", lambda: MatchingProcess(config), workers, max_delay_s=5.0))
            else:
                out.append(every("matching", config.match_debounce_s, match))
            if config.live_feed:
                out.append(supervise("live feed", lambda: app.state.live, workers))
            if config.start_consumer:
                out.append(supervise("consumer", app.state.metrics.attach(c.consumer), workers))
            return out
        async with running(stores=(c.store, c.background), migrate=migrate, relay=c.relay, workers=workers,
                           threads=config.db_pool_size + 16, loops=loops):
            yield

    app = FastAPI(title="Baolei volunteers (堡垒 先锋行动)", version="1.0",
                  description="Volunteers' doorstep help for vulnerable households, matched under the zone rule. "
                              "Errors: {detail: [{field, reason_zh, reason_en}]}.", lifespan=lifespan)
    app.state.container = c
    app.state.principals = principals(config.tokens)
    app.state.workers = workers
    gate = lifespan_gate(app, config, exempt=("/api/live",))  # a stream would hold a slot for its whole life
    app.state.live = TaskFeed(config.kafka)
    app.state.metrics = Metrics("volunteers")
    metrics_adapter.install(app, app.state.metrics, gate, c)
    errors.install(app)
    for r in (routes_registry.router, routes_tasks.router, routes_views.router, routes_live.router):
        app.include_router(r)
    app.mount("/pages", StaticFiles(directory=PAGES, html=True), name="pages")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/pages/")

    health.install(app, ping=c.background.ping, workers=workers, consumes=config.start_consumer, gate=gate)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn: config from BAOLEI_VOLUNTEERS_* / BAOLEI_KAFKA_* variables."""
    from baolei_common import logs

    logs.setup("volunteers")
    return create_app(VolunteersConfig())
