"""What one matcher process knows about itself: its state, its role and its counters.

Touched only on the event loop. The roles: starting (connecting, replaying) -> standby |
taking_over -> active; `failed` once the process gives up.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

from baolei_matcher.config import MatcherConfig
from baolei_matcher.domain.batch import Pacer, max_needs_within
from baolei_matcher.domain.state import MatcherState

STARTING, STANDBY, TAKING_OVER, ACTIVE, FAILED = "starting", "standby", "taking_over", "active", "failed"


class Runtime:
    """Mutable state of one matcher process (touched only on the event loop)."""

    def __init__(self, config: MatcherConfig) -> None:
        self.config = config
        self.state = MatcherState()
        self.dirty = asyncio.Event()
        self.role = STARTING
        self.kafka_up = False
        self.replayed = False  # read up to the end offsets seen at start
        self.catching_up = False  # back from an outage, not yet at the end offsets seen then
        self.resync = False  # a publish failed: re-read the assignments before matching again
        self.in_flight: set[str] = set()  # proposals published, not read back from the log yet
        self.events_since_snapshot = 0
        self.batches = 0
        self.rounds = 0
        self.last_batch_ms = 0.0
        self.pacer = Pacer(max_needs=min(config.max_solve_needs, max_needs_within(config.solve_time_limit_s)))
        self.backlog = 0  # needs taken by the round under way and not solved yet
        self.solved_needs = 0  # needs taken into solves, and of those, needs found unmet before (woken)
        self.retried_needs = 0
        self.started = time.monotonic()
        self.ready_after_s: float | None = None
        self.replay: dict[str, Any] = {}
        self.snapshot: dict[str, Any] = {}
        self.active_since: float | None = None

    @property
    def ready(self) -> bool:
        return self.replayed and self.kafka_up and not self.catching_up and self.role in (STANDBY, ACTIVE)

    @property
    def active(self) -> bool:
        return self.role == ACTIVE

    def retake_everything(self) -> None:
        """Anything may have changed (takeover, outage, a solve not published): match all again."""
        self.state.resources_changed = True
        self.dirty.set()

    def status(self, events: int) -> dict[str, Any]:
        """What /readyz says (`events`: records read by the feed)."""
        if self.ready and self.ready_after_s is None:
            self.ready_after_s = round(time.monotonic() - self.started, 2)
        return {"ready": self.ready, "role": self.role, "kafka": "up" if self.kafka_up else "down",
                "replayed": self.replayed, "catching_up": self.catching_up, "needs": len(self.state.needs),
                "holds": len(self.state.holds), "batches": self.batches, "rounds": self.rounds,
                "backlog": self.backlog, "solve_size": self.pacer.size, "last_batch_ms": round(self.last_batch_ms, 1),
                "unmet": len(self.state.unmet), "solved_needs": self.solved_needs,
                "retried_needs": self.retried_needs, "active_since": self.active_since,
                "ready_after_s": self.ready_after_s, "replay": self.replay, "snapshot": self.snapshot,
                "events": events}
