"""`create_app(config)` builds the volunteers service's FastAPI app (先锋行动, issue 19). Its lifespan
migrates the database (Alembic `upgrade head`), then runs the outbox relay (publish after commit),
the consumer of tasks raised by the hotline over Kafka, the expiry of unanswered proposals and the
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
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from baolei_common import health
from baolei_common.admission import Admission, AdmissionGate, set_thread_limit
from baolei_common.events import utcnow
from baolei_common.identity import principals
from baolei_common.metrics import Metrics
from baolei_common.supervise import every, stop_all, supervise
from baolei_volunteers.adapters.db import migrate
from baolei_volunteers.adapters.process import MatchingProcess
from baolei_volunteers.api import errors, routes_registry, routes_tasks, routes_views
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
        await asyncio.to_thread(migrate, c.store.engine)
        set_thread_limit(config.db_pool_size + 16)
        loop = asyncio.get_running_loop()
        for store in (c.store, c.background):
            store.on_commit(lambda: health.wake_relay_soon(loop, workers))
        tasks = [asyncio.create_task(supervise("relay", c.relay, workers)),
                 asyncio.create_task(every("hold expiry", config.expiry_interval_s, expire))]
        if config.match_process and c.store.is_postgres:  # the solve in its own process (worker.py)
            tasks.append(asyncio.create_task(supervise("matching", lambda: MatchingProcess(config), workers,
                                                       max_delay_s=5.0)))
        else:
            tasks.append(asyncio.create_task(every("matching", config.match_debounce_s, match)))
        if config.start_consumer:
            tasks.append(asyncio.create_task(supervise("consumer", app.state.metrics.attach(c.consumer), workers)))
        try:
            yield
        finally:
            await stop_all(tasks)
            c.store.engine.dispose()
            c.background.engine.dispose()

    app = FastAPI(title="Baolei volunteers (堡垒 先锋行动)", version="1.0",
                  description="Volunteers' doorstep help for vulnerable households, matched under the zone rule. "
                              "Errors: {detail: [{field, reason_zh, reason_en}]}.", lifespan=lifespan)
    app.state.container = c
    app.state.principals = principals(config.tokens)
    app.state.workers = workers
    gate = Admission(limit=config.db_pool_size, max_wait_s=config.admission_wait_s, max_queued=config.max_queued)
    app.state.gate = gate
    app.add_middleware(AdmissionGate, admission=gate)
    app.state.metrics = Metrics("volunteers")
    metrics_adapter.install(app, app.state.metrics, gate, c)
    errors.install(app)
    for r in (routes_registry.router, routes_tasks.router, routes_views.router):
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
