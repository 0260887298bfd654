"""`create_app(config)` builds the inventory's FastAPI app. Its lifespan migrates the database
(Alembic `upgrade head`), then runs the outbox relay (publish after commit), the consumer of
baolei.assignments.v1 and reconciliation. Holds have no timer here: the requests service alone
expires them (AssignmentReleased `expired` on the log, which the consumer applies).

Run: uvicorn --factory baolei_inventory.app:app_from_env --port 8003
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from fastapi import FastAPI

from baolei_common import health
from baolei_common.identity import principals
from baolei_common.lifespan import gate as lifespan_gate
from baolei_common.lifespan import running
from baolei_common.metrics import Metrics
from baolei_common.supervise import every, supervise
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
        def loops() -> list[Coroutine[Any, Any, None]]:
            if not config.start_consumer:
                return []
            reconciler = app.state.reconciler = c.reconciler()
            return [supervise("consumer", app.state.metrics.attach(c.consumer), workers),
                    every("reconciliation", config.reconcile_interval_s, reconciler.run_once)]
        async with running(stores=(c.store, c.background), migrate=migrate, relay=c.relay, workers=workers,
                           threads=config.db_pool_size + 24, loops=loops):
            yield

    app = FastAPI(title="Baolei inventory (堡垒 库存)", version="1.0",
                  description="Stock ledger, holds for assignments, reserve (储备) and price stability "
                              "(稳价). Errors: {detail: [{field, reason_zh, reason_en}]}.",
                  lifespan=lifespan)
    app.state.container = c
    app.state.principals = principals(config.tokens)
    app.state.workers = workers
    gate = lifespan_gate(app, config)
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
