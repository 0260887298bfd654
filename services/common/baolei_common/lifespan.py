"""What a service with a database and an outbox does for as long as its app runs (the inventory and
volunteers services share it): migrate (Alembic `upgrade head`, in a thread), bound the worker
threads, wake the outbox relay on every commit, run the relay and the service's own background
loops, and on the way out stop them (without waiting for ever) and close the engines. Also the
admission gate every such app puts in front of its API."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from baolei_common import health
from baolei_common.admission import Admission, AdmissionGate, set_thread_limit
from baolei_common.store import Store
from baolei_common.supervise import stop_all, supervise


@contextlib.asynccontextmanager
async def running(*, stores: Sequence[Store], migrate: Callable[[Engine], None], relay: Callable[[], Any],
                  workers: dict[str, Any], threads: int,
                  loops: Callable[[], Iterable[Coroutine[Any, Any, None]]]) -> AsyncIterator[None]:
    """`stores[0]` is migrated; `loops()` gives the service's background loops, started after the relay."""
    await asyncio.to_thread(migrate, stores[0].engine)
    set_thread_limit(threads)
    loop = asyncio.get_running_loop()
    for store in stores:
        store.on_commit(lambda: health.wake_relay_soon(loop, workers))
    tasks = [asyncio.create_task(supervise("relay", relay, workers))]
    tasks += [asyncio.create_task(co) for co in loops()]
    try:
        yield
    finally:
        await stop_all(tasks)
        for store in stores:
            store.engine.dispose()


def gate(app: FastAPI, config: Any, exempt: Iterable[str] = ()) -> Admission:
    """The admission gate from a config's `db_pool_size`, `admission_wait_s` and `max_queued`
    (`exempt`: path prefixes that never hold a slot, such as a long-lived stream)."""
    admission = Admission(limit=config.db_pool_size, max_wait_s=config.admission_wait_s,
                          max_queued=config.max_queued, exempt=exempt)
    app.state.gate = admission
    app.add_middleware(AdmissionGate, admission=admission)
    return admission
