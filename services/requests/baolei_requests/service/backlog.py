"""How far matching is behind the needs this service accepted, and whether intake should pause.

Under a surge beyond what the machine can match (200 needs/s on 2 cores), accepting everything only
builds a queue: needs accepted at the back of it waited 40 s and more for a proposal. So intake
closes (503 with Retry-After, nothing accepted, a retry with the same Idempotency-Key is safe) while
the oldest need accepted in the last `window_s` that has no outcome yet has waited longer than
`high_s` since it reached the matcher, and opens again below `low_s`. Every accepted need then
meets a backlog of at most about `high_s`.

Intake pauses only when MATCHING is behind, never because publication stalled (issue 20: intake
closed ten seconds after the broker died, although the outbox exists to absorb exactly that). While
the outbox holds an unsent row older than `stall_s` and nothing at all was published for `stall_s`
— the broker is away, or the replica holding the relay's lock is frozen — nothing can be judged
about matching, so the delay reads 0 and intake
stays open: the needs wait in the outbox and are published in order when publication resumes. A
need's wait then counts from the end of the stall (when it could first reach the matcher), not from
its creation; a matcher that cannot keep up with the backlog it is handed then closes intake as
usual. A relay that is behind but publishing (a surge) is no stall: its lag is part of the backlog.
Checked in the shared database, so every replica sees another replica's stuck relay too.

Not counted: needs older than the window (a need stuck for another reason must not close intake for
good) and any backlog while this replica's relay has never connected.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from baolei_common.events import utcnow
from baolei_requests.adapters.models import Need, Outbox
from baolei_requests.domain.needs import NeedStatus

log = logging.getLogger(__name__)


class Backlog:
    def __init__(self, sessions: sessionmaker, relay_connected: Callable[[], bool], *,
                 high_s: float, low_s: float, window_s: float = 120.0, stall_s: float = 3.0) -> None:
        if not 0 < low_s < high_s:
            raise ValueError("need 0 < low_s < high_s")
        self._sessions = sessions
        self._relay_connected = relay_connected
        self.high_s, self.low_s, self.window_s, self.stall_s = high_s, low_s, window_s, stall_s
        self.delay_s = 0.0
        self.closed = False
        self.stalled = False  # the outbox is not being published (broker away, relay stuck)
        self._stall_ended: datetime | None = None

    def _read(self) -> tuple[datetime | None, datetime | None, datetime | None]:
        """The oldest need of the window still `submitted`, the oldest unsent outbox row and the
        last publication. Three indexed queries (needs by status and age; the outbox by sent_at)."""
        now = utcnow()
        t, o = Need.__table__.c, Outbox.__table__.c
        with self._sessions() as s:
            oldest = s.execute(select(func.min(t.created_at)).where(
                t.status == NeedStatus.SUBMITTED.value,
                t.created_at > now - timedelta(seconds=self.window_s))).scalar()
            unsent = s.execute(select(func.min(o.created_at)).where(o.sent_at.is_(None))).scalar()
            last_sent = s.execute(select(func.max(o.sent_at))).scalar() if unsent is not None else None
        return oldest, unsent, last_sent

    def retry_ms(self) -> int:
        """While intake is closed, when a refused need should come back: about when the backlog
        is under `low_s` again if matching gains a second a second (2-10 s, with jitter)."""
        base = min(10.0, max(2.0, self.delay_s - self.low_s))
        return int(base * 1000 * random.uniform(1.0, 1.5))

    def refresh(self) -> None:
        now = utcnow()
        oldest, unsent, last_sent = self._read()
        stalled = (unsent is not None and (now - unsent).total_seconds() >= self.stall_s
                   and (last_sent is None or (now - last_sent).total_seconds() >= self.stall_s))
        if stalled != self.stalled:
            log.warning("outbox publication %s / 发布%s: the oldest unsent event is %.1f s old, nothing sent since",
                        "stalled (broker away or relay stuck); intake stays open" if stalled else "resumed",
                        "停滞，受理照常" if stalled else "恢复",
                        0.0 if unsent is None else (now - unsent).total_seconds())
        self.stalled = stalled
        if stalled:
            self._stall_ended = now
        if stalled or oldest is None or not self._relay_connected():
            self.delay_s = 0.0
        else:
            since = max(oldest, self._stall_ended) if self._stall_ended is not None else oldest
            self.delay_s = max(0.0, (now - since).total_seconds())
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
