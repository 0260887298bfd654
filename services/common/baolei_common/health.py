"""`/healthz` and `/readyz` of a service with a database, an outbox relay and (optionally) a
consumer (inventory, volunteers), and the wake-up of the relay after a commit: one copy, not one
per service. `workers` is the dict `baolei_common.supervise` keeps the running workers in."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "就绪 / ready", "content": {"application/json": {}}},
    503: {"description": "数据库、消费者或发件箱未就绪 / database, consumer or outbox not ready",
          "content": {"application/json": {}}}}


def install(app: FastAPI, *, ping: Callable[[], bool], workers: dict[str, Any], consumes: bool, gate: Any) -> None:
    @app.get("/healthz", tags=["health"], summary="The process is alive")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Database reachable, consumer started, outbox connected",
             responses=READY_RESPONSES)
    def readyz() -> JSONResponse:
        db = ping()
        consumer = workers.get("consumer")
        consuming = (not consumes) or (consumer is not None and consumer.ready.is_set())
        relay = workers.get("relay")
        outbox = relay is not None and relay.connected
        ok = db and consuming and outbox
        return JSONResponse({"database": db, "consumer": consuming, "outbox": outbox,
                             "admission": gate.stats()}, 200 if ok else 503)


def wake_relay_soon(loop: asyncio.AbstractEventLoop, workers: dict[str, Any]) -> None:
    """After a commit (on any thread): wake the outbox relay on the event loop."""
    loop.call_soon_threadsafe(_wake, workers)


def _wake(workers: dict[str, Any]) -> None:
    relay = workers.get("relay")
    if relay is not None:
        relay.wake()
