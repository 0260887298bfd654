"""Retry a Kafka operation until it works, with capped exponential backoff, saying what it does.

Why: the matcher must start before the broker and outlive a broker outage; every connecting step
goes through here instead of failing the process (the old start died with NoBrokersAvailable).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


async def retrying(what: str, attempt: Callable[[], Awaitable[T]], *, first_s: float = 0.5, max_s: float = 5.0,
                   timeout_s: float = 15.0) -> T:
    """Await `attempt()` until it returns; each try is bounded by `timeout_s`."""
    delay, tries = first_s, 0
    while True:
        tries += 1
        try:
            result = await asyncio.wait_for(attempt(), timeout_s)
            if tries > 1:
                log.info("%s: 成功 / succeeded after %d tries", what, tries)
            return result
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker is down or not ready: wait and try again
            log.warning("%s: 失败，%.1f 秒后重试 / failed (%s: %s), retrying in %.1f s",
                        what, delay, type(exc).__name__, str(exc)[:200], delay)
            await asyncio.sleep(delay)
            delay = min(max_s, delay * 2)
