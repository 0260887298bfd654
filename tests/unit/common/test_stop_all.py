"""A shutdown ends: background tasks are cancelled and waited for, but one that will not stop does
not hold the process (an app closed while its Kafka clients were connecting hung in tests)."""
from __future__ import annotations

import asyncio
import time

from baolei_common.supervise import stop_all


async def test_a_task_that_ignores_cancellation_does_not_hold_the_shutdown(caplog):
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                continue  # swallows the cancel, as a stuck client close may

    async def polite() -> None:
        await asyncio.sleep(10)

    tasks = [asyncio.create_task(stubborn(), name="stubborn"), asyncio.create_task(polite(), name="polite")]
    await asyncio.sleep(0)
    t0 = time.monotonic()
    await stop_all(tasks, timeout_s=0.3)
    assert time.monotonic() - t0 < 5.0  # it gave up waiting (0.3 s), not hung; speed is no test's business
    assert tasks[1].cancelled() and not tasks[0].done()
    assert "stubborn did not stop" in caplog.text
    released.set()
    await tasks[0]
