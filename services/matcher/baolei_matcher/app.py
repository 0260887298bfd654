"""The matcher's app: the HTTP face (api/) with the matcher process running in its lifespan, so
the page answers (not ready) from the first second, while Kafka is still being reached.

Why the process is built on aiokafka directly (no longer Faust): what it has to promise is about
the consumers themselves —
- it starts before the broker and outlives an outage: every connecting step retries with backoff
  (adapters/retry.py), the consumers reconnect by themselves, and /readyz tells the truth meanwhile;
- an active and a standby: both read every partition of every source topic by hand (no group, so
  neither takes partitions from the other); a separate consumer group on a one-partition topic
  elects the active one (adapters/leader.py);
- a bounded restart: each partition resumes at the offset of the latest snapshot of the state
  (domain/snapshot.py, adapters/snapshots.py), not at the beginning of the log.
Faust's agents own their group, its assignment and its offsets, and its worker stops when the
broker is not there at start; these are exactly the parts that had to change.

Everything runs on one event loop; only the solve runs in an executor. Folding a record and
recording its offset happen together between two awaits, so a snapshot taken on the loop is
always the state as of the offsets it names. The layers: bootstrap.py wires adapters/ (Kafka)
into service/ (the use cases), over domain/ and solver/ (pure).
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from baolei_common.metrics import Metrics
from baolei_matcher.adapters.metrics import MatcherMetrics
from baolei_matcher.api.routes import router
from baolei_matcher.bootstrap import build
from baolei_matcher.config import MatcherConfig
from baolei_matcher.service.runtime import FAILED

log = logging.getLogger(__name__)


def create_app(config: MatcherConfig | None = None) -> FastAPI:
    config = config or MatcherConfig()
    metrics = Metrics("matcher")
    watch = MatcherMetrics(metrics, f"{config.app_id}-feed")
    matcher = build(config, on_solve=watch.solved)
    matcher.metrics = watch

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(matcher.run(), name="matcher")

        def died(t: asyncio.Task[None]) -> None:
            if not t.cancelled() and t.exception() is not None:
                # not ready any more, and out: whatever supervises the process starts it again
                matcher.rt.role = FAILED
                log.critical("matcher stopped: %r; exiting", t.exception(), exc_info=t.exception())
                os.kill(os.getpid(), signal.SIGTERM)

        task.add_done_callback(died)
        try:
            yield
        finally:
            await matcher.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    app = FastAPI(title="baolei matcher", lifespan=lifespan)
    app.state.matcher = matcher
    app.include_router(router)
    metrics.mount(app)
    return app
