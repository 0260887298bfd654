"""How far matching is behind the needs this service accepted, and whether intake should pause.

Under a surge beyond what the machine can match (200 needs/s on 2 cores), accepting everything only
builds a queue: needs accepted at the back of it waited 40 s and more for a proposal. So intake
closes (503 with Retry-After, nothing accepted, a retry with the same Idempotency-Key is safe) while
the oldest need accepted in the last `window_s` that has no outcome yet is older than `high_s`, and
opens again below `low_s`. Every accepted need then meets a backlog of at most about `high_s`.

Not counted: needs older than the window (a need stuck for another reason must not close intake for
good) and any backlog while the outbox relay is not connected — with the broker gone, needs wait in
the outbox by design, and intake stays open (the outbox is what absorbs an outage).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from baolei_common.events import utcnow
from baolei_requests.adapters.models import Need
from baolei_requests.domain.needs import NeedStatus

log = logging.getLogger(__name__)


class Backlog:
    def __init__(self, sessions: sessionmaker, relay_connected: Callable[[], bool], *,
                 high_s: float, low_s: float, window_s: float = 120.0) -> None:
        if not 0 < low_s < high_s:
            raise ValueError("need 0 < low_s < high_s")
        self._sessions = sessions
        self._relay_connected = relay_connected
        self.high_s, self.low_s, self.window_s = high_s, low_s, window_s
        self.delay_s = 0.0
        self.closed = False

    def oldest_waiting_s(self) -> float:
        """Age of the oldest need of the window still `submitted` (0 if none). One indexed query."""
        now = utcnow()
        t = Need.__table__.c
        with self._sessions() as s:
            oldest = s.execute(select(func.min(t.created_at)).where(
                t.status == NeedStatus.SUBMITTED.value,
                t.created_at > now - timedelta(seconds=self.window_s))).scalar()
        return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())

    def refresh(self) -> None:
        self.delay_s = self.oldest_waiting_s() if self._relay_connected() else 0.0
        was = self.closed
        if self.delay_s >= self.high_s:
            self.closed = True
        elif self.delay_s <= self.low_s:
            self.closed = False
        if self.closed != was:
            if self.closed:
                log.warning("intake paused / 暂停受理新需求: the oldest unmatched need waits %.1f s (≥ %.0f s); "
                            "new needs get 503 until it is under %.0f s", self.delay_s, self.high_s, self.low_s)
            else:
                log.info("intake open again / 恢复受理: matching backlog %.1f s", self.delay_s)
