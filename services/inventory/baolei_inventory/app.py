"""`create_app(config)` builds the inventory's FastAPI app. Its lifespan migrates the database
(Alembic `upgrade head`), then runs the outbox relay (publish after commit), the consumer of
baolei.assignments.v1 and reconciliation. Holds have no timer here: the requests service alone
expires them (AssignmentReleased `expired` on the log, which the consumer applies).

Run: uvicorn --factory baolei_inventory.app:app_from_env --port 8003
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from baolei_common import health
from baolei_common.admission import Admission, AdmissionGate, set_thread_limit
from baolei_common.identity import principals
from baolei_common.metrics import Metrics
from baolei_common.supervise import every, stop_all, supervise
from baolei_inventory.adapters.db import migrate
from baolei_inventory.api import errors, routes_csv, routes_holds, routes_me, routes_prices, routes_stock
from baolei_inventory.api import metrics as metrics_adapter
from baolei_inventory.bootstrap import bootstrap
from baolei_inventory.config import InventoryConfig

log = logging.getLogger(__name__)


def create_app(config: InventoryConfig) -> FastAPI:
    c = bootstrap(config)
    workers: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(migrate, c.store.engine)
        set_thread_limit(config.db_pool_size + 24)
        loop = asyncio.get_running_loop()
        for store in (c.store, c.background):
            store.on_commit(lambda: health.wake_relay_soon(loop, workers))
        tasks = [asyncio.create_task(supervise("relay", c.relay, workers))]
        if config.start_consumer:
            tasks.append(asyncio.create_task(supervise("consumer", app.state.metrics.attach(c.consumer), workers)))
            reconciler = c.reconciler()
            app.state.reconciler = reconciler
            tasks.append(asyncio.create_task(every("reconciliation", config.reconcile_interval_s,
                                                   reconciler.run_once)))
        try:
            yield
        finally:
            await stop_all(tasks)
            c.store.engine.dispose()
            c.background.engine.dispose()

    app = FastAPI(title="Baolei inventory (堡垒 库存)", version="1.0",
                  description="Stock ledger, holds for assignments, reserve (储备) and price stability "
                              "(稳价). Errors: {detail: [{field, reason_zh, reason_en}]}.",
                  lifespan=lifespan)
    app.state.container = c
    app.state.principals = principals(config.tokens)
    app.state.workers = workers
    gate = Admission(limit=config.db_pool_size, max_wait_s=config.admission_wait_s, max_queued=config.max_queued)
    app.state.gate = gate
    app.add_middleware(AdmissionGate, admission=gate)
    metrics_adapter.install(app, Metrics("inventory"), gate, c)  # after the gate: its 503s are counted
    errors.install(app)
    for r in (routes_stock.router, routes_holds.router, routes_prices.router, routes_csv.router, routes_me.router):
        app.include_router(r)

    health.install(app, ping=c.background.ping, workers=workers, consumes=config.start_consumer, gate=gate)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn: config from BAOLEI_INVENTORY_* / BAOLEI_KAFKA_* variables."""
    from baolei_common import logs

    logs.setup("inventory")
    return create_app(InventoryConfig())
