"""Background loops that outlive their failures: a loop that stops (the broker is not up yet, the
connection dropped, the database restarted) is started again with backoff, and says so. Without
this a service started before Kafka never published or consumed again until restarted by hand."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


async def supervise(name: str, make: Callable[[], Any], state: dict[str, Any], *,
                    first_delay_s: float = 0.5, max_delay_s: float = 15.0,
                    healthy_after_s: float = 30.0) -> None:
    """Run `make().run()` for ever; after it stops, wait (doubling up to `max_delay_s`, back to
    `first_delay_s` once a run lasted `healthy_after_s`) and start a fresh one. The current worker
    is kept in `state[name]` so readiness and wake-ups find it."""
    delay = first_delay_s
    while True:
        worker = make()
        state[name] = worker
        started = time.monotonic()
        try:
            await worker.run()
            log.warning("%s stopped by itself; restarting in %.1f s", name, delay)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("%s stopped: %s: %s; restarting in %.1f s", name, type(exc).__name__, exc, delay)
        if time.monotonic() - started >= healthy_after_s:
            delay = first_delay_s
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)


async def every(name: str, period_s: float, step: Callable[[], Awaitable[Any]]) -> None:
    """Call `step` every `period_s` seconds; a failed step is logged and tried again next period."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again in %.0f s", name, period_s)
        await asyncio.sleep(period_s)


async def stop_all(tasks: list[asyncio.Task], timeout_s: float = 10.0) -> None:
    """Cancel the background tasks and wait for them, but not for ever: a shutdown must end. A task
    still running after `timeout_s` (a Kafka client stuck closing, say) is named in the log and left
    to the process's exit; seen as a rare hang of an app closed while its clients were connecting."""
    for t in tasks:
        t.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout_s)
    for t in pending:
        log.warning("background task %s did not stop within %.0f s; leaving it", t.get_name(), timeout_s)
