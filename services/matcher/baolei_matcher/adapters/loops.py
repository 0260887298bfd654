"""The matcher's long-running loops besides the feed itself: Kafka health, the re-match loop and
the snapshot loop. Each runs as its own task and retries on its own; the use cases they call
(service/) know nothing of Kafka."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from baolei_matcher.adapters.feed import Feed, Key
from baolei_matcher.adapters.retry import retrying
from baolei_matcher.service.ports import Outlet
from baolei_matcher.service.rounds import rematch_round
from baolei_matcher.service.runtime import ACTIVE, Runtime
from baolei_matcher.service.snapshots import due
from baolei_matcher.service.solve import SolveReport

log = logging.getLogger(__name__)


async def health_loop(rt: Runtime, feed: Feed) -> None:
    """Is Kafka reachable? After an outage: not ready until the end offsets seen on return are read."""
    catch_up: asyncio.Task[None] | None = None
    while True:
        try:
            ends = await asyncio.wait_for(feed.end_offsets(), 3)
            if not rt.kafka_up:
                log.info("Kafka 已恢复，追赶中 / Kafka is back: catching up to %d events", feed.lag(ends))
                rt.kafka_up, rt.catching_up = True, True
                catch_up = asyncio.create_task(_catch_up(rt, feed, ends))
        except asyncio.CancelledError:
            if catch_up is not None:
                catch_up.cancel()
            raise
        except Exception as exc:
            if rt.kafka_up:
                log.warning("Kafka 不可达 / Kafka unreachable (%s: %s): not ready until it is back",
                            type(exc).__name__, exc)
            rt.kafka_up = False
        await asyncio.sleep(1.0)


async def _catch_up(rt: Runtime, feed: Feed, ends: dict[Key, int]) -> None:
    t0 = time.monotonic()
    await feed.reached(ends)
    rt.catching_up = False
    rt.retake_everything()  # anything may have changed meanwhile: take all again
    log.info("caught up after the outage in %.1f s / 已追上", time.monotonic() - t0)


async def rematch_loop(rt: Runtime, feed: Feed, outlet: Outlet,
                       on_solve: Callable[[SolveReport], None] | None = None,
                       on_failure: Callable[[], None] | None = None) -> None:
    """Wait for a change, gather what arrives within the window, run a round while active
    (`on_solve`: each solve's report; `on_failure`: a round that raised)."""
    cfg = rt.config
    while True:
        await rt.dirty.wait()
        await asyncio.sleep(cfg.batch_window_s)  # gather what arrives within the window
        if rt.resync and rt.kafka_up:
            await _resync(rt, feed, outlet.assignments_topic)
        if rt.role != ACTIVE:
            rt.dirty.clear()  # the standby only folds; it is made dirty again on takeover
            continue
        if not rt.ready or rt.resync:
            await asyncio.sleep(0.5)  # Kafka away or catching up: keep the work for later
            continue
        rt.dirty.clear()
        try:
            await rematch_round(rt, outlet, on_solve)
        except Exception:
            rt.retake_everything()  # nothing was found out: take everything again
            log.exception("re-match failed; will retry on the next change")
            if on_failure is not None:
                on_failure()
            await asyncio.sleep(1.0)


async def _resync(rt: Runtime, feed: Feed, assignments_topic: str) -> None:
    log.warning("发布失败，重读指派 / a publish failed: re-reading the assignments before matching again")
    target = await retrying("重读指派 / re-reading the assignments",
                            lambda: feed.end_offsets([assignments_topic]), max_s=rt.config.kafka_retry_max_s)
    await feed.reached(target)
    lost = [aid for aid in rt.in_flight if rt.state.drop_hold(aid) is not None]
    rt.in_flight.clear()
    rt.resync = False
    rt.dirty.set()
    if lost:
        log.warning("%d proposals never reached the log; their needs are matched again", len(lost))


async def snapshot_loop(rt: Runtime, write: Callable[[], Awaitable[None]]) -> None:
    """Every second: is a snapshot due? `write` takes one (a coroutine function)."""
    cfg = rt.config
    if not cfg.snapshot_write:
        return
    last = time.monotonic()
    while True:
        await asyncio.sleep(1.0)
        if not due(rt, time.monotonic() - last):
            continue
        try:
            await write()
        except Exception as exc:
            log.warning("snapshot not written (%s: %s); next try in %.0f s", type(exc).__name__, exc,
                        cfg.snapshot_interval_s)
        last = time.monotonic()
