"""From the elector's gain and loss of the leader partition to the process's role.

On a gain the process first reads every proposal the previous active one published (up to the end
offsets of the assignments topic as of now), then matches; a loss ends publishing at once. Every
gain or loss bumps the term, so a takeover overtaken by a loss never makes the process active.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from baolei_matcher.adapters.feed import Feed
from baolei_matcher.adapters.retry import retrying
from baolei_matcher.service.runtime import ACTIVE, STANDBY, TAKING_OVER, Runtime

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, rt: Runtime, feed: Callable[[], Feed], assignments_topic: str) -> None:
        self.rt, self.feed, self.assignments_topic = rt, feed, assignments_topic
        self.term = 0  # bumped on every gain or loss of the leader partition
        self.takeover: asyncio.Task[None] | None = None

    def on_gain(self) -> None:
        self.term += 1
        self.rt.role = TAKING_OVER
        self.takeover = asyncio.create_task(self.take_over(self.term))

    def on_loss(self) -> None:
        self.term += 1
        self.rt.role = STANDBY  # from now on nothing is published
        self.rt.active_since = None
        if self.takeover is not None:
            self.takeover.cancel()

    async def take_over(self, term: int) -> None:
        t0 = time.monotonic()
        feed = self.feed()
        target = await retrying("接管：读取指派末端偏移 / takeover: end offsets of the assignments",
                                lambda: feed.end_offsets([self.assignments_topic]),
                                max_s=self.rt.config.kafka_retry_max_s)
        await feed.reached(target)
        if term != self.term:
            return
        self.rt.role = ACTIVE
        self.rt.active_since = time.time()
        self.rt.retake_everything()
        log.info("active / 主节点：caught up to the assignments' end offsets in %.0f ms; matching",
                 (time.monotonic() - t0) * 1000)
