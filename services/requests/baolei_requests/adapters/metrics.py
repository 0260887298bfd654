"""The requests service's metrics: intake and 503s, submit → first outcome latency, proposals
awaiting answers and expiring soon, unmet needs by cause, the outbox.

Why here: the intake gate, the first outcome of a need and the holds are this service's to know;
`baolei_common.metrics` has the families every service shares. Database figures are read at scrape
time (`baolei_common.scrape`), cached `ttl_s` seconds.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from baolei_common.metrics import Metrics, watch_gate
from baolei_common.scrape import CachedCollector, Family, outbox_collector
from baolei_events.v1 import assignments_pb2
from baolei_requests.adapters.models import Assignment, Need, Outbox

# seconds from a need's submission to the matcher's first answer (a proposal or an unmet reason);
# the goal is seconds, an answer after an hour is a backlog
OUTCOME_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
EXPIRING_WITHIN = timedelta(minutes=10)
UNMET_CAP = 100_000  # unmet needs counted per scrape at most (a LIMIT, so a scrape stays cheap)
_CODE = re.compile(r"^[a-z0-9_]{1,60}$")


class RequestsMetrics:
    """The families this service updates as things happen (the rest are read at scrape time)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.outcome = metrics.histogram(
            "baolei_submit_to_outcome_seconds", "需求提交到首个匹配结果（方案或未满足原因）的秒数 / seconds from "
            "a need's submission to its first outcome (a proposal or an unmet reason), as recorded", [],
            OUTCOME_BUCKETS)
        self.holds_expired = metrics.counter(
            "baolei_holds_expired", "超时未答复而释放的方案数 / proposals released because no answer came "
            "before their hold expired")


def first_outcome_s(session: Session, ev: assignments_pb2.AssignmentEvent) -> float | None:
    """Seconds from the need's submission to this event, when this event is the need's first
    outcome: a proposal or an unmet reason for a need that had neither. None otherwise."""
    which = ev.WhichOneof("event")
    if which not in ("proposed", "unmet"):
        return None
    need = session.get(Need, getattr(ev, which).need_id)
    if need is None or need.assignments or need.unmet_code:
        return None
    at = ev.meta.recorded_at.ToDatetime(tzinfo=timezone.utc)
    submitted = need.created_at if need.created_at.tzinfo else need.created_at.replace(tzinfo=timezone.utc)
    return max(0.0, (at - submitted).total_seconds())


def holds_and_unmet(sessions: sessionmaker, ttl_s: float = 5.0) -> CachedCollector:
    """Cost per `ttl_s`: two counts served by the index on assignments (status, hold_expires_at),
    and a GROUP BY over at most UNMET_CAP needs found by the index on needs (status, created_at)."""
    waiting = Family("baolei_holds_waiting", "等待调度员答复的方案数 / proposals awaiting the dispatchers' answers")
    expiring = Family("baolei_holds_expiring_soon", "10 分钟内到期仍未答复的方案数 / proposals awaiting answers "
                                                    "whose hold expires within 10 minutes")
    unmet = Family("baolei_unmet_needs", "未满足的需求数，按原因代码 / unmet needs by the matcher's cause code",
                   ["cause"])

    def read() -> dict[str, dict[tuple[str, ...], float]]:
        soon = datetime.now(timezone.utc) + EXPIRING_WITHIN
        proposed = Assignment.status == "proposed"
        with sessions() as s:
            n_waiting = s.execute(select(func.count()).where(proposed)).scalar_one()
            n_expiring = s.execute(select(func.count()).where(
                proposed, Assignment.hold_expires_at <= soon)).scalar_one()
            codes = select(Need.unmet_code).where(Need.status == "unmet").limit(UNMET_CAP).subquery()
            rows = s.execute(select(codes.c.unmet_code, func.count()).group_by(codes.c.unmet_code)).all()
        by_cause: dict[tuple[str, ...], float] = {}
        for code, n in rows:
            key = (code if _CODE.match(code or "") else "other",)  # a bounded label whatever was sent
            by_cause[key] = by_cause.get(key, 0) + n
        return {waiting.name: {(): float(n_waiting)}, expiring.name: {(): float(n_expiring)},
                unmet.name: by_cause}

    return CachedCollector([waiting, expiring, unmet], read, ttl_s)


def install(app: Any, rm: RequestsMetrics, gate: Any, background: sessionmaker, reads: Any = None) -> None:
    """/metrics on the app, the gates' counters and the database collectors."""
    metrics = rm.metrics
    metrics.mount(app)
    app.state.requests_metrics = rm
    watch_gate(metrics, gate, intake=True, reads=reads)
    metrics.add(outbox_collector(background, Outbox))
    metrics.add(holds_and_unmet(background))
