"""The submit → first outcome figure: observed for a need's first proposal or unmet reason only."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from baolei_common.events import meta
from baolei_events.v1 import assignments_pb2
from baolei_requests.adapters.metrics import first_outcome_s

SUBMITTED = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)


def _event(which: str, at: datetime) -> assignments_pb2.AssignmentEvent:
    m = meta(producer="matcher")
    m.recorded_at.FromDatetime(at)
    if which == "proposed":
        return assignments_pb2.AssignmentEvent(meta=m, proposed=assignments_pb2.AssignmentProposed(need_id="N-1"))
    if which == "unmet":
        return assignments_pb2.AssignmentEvent(meta=m, unmet=assignments_pb2.NeedUnmet(need_id="N-1"))
    return assignments_pb2.AssignmentEvent(meta=m, confirmed=assignments_pb2.AssignmentConfirmed(need_id="N-1"))


def _session(**need: object) -> SimpleNamespace:
    n = SimpleNamespace(**{"assignments": [], "unmet_code": "", "created_at": SUBMITTED, **need})
    return SimpleNamespace(get=lambda _model, need_id: n if need_id == "N-1" else None)


def test_first_proposal_or_unmet_reason_gives_the_seconds_since_submission() -> None:
    at = SUBMITTED + timedelta(seconds=1.5)
    assert first_outcome_s(_session(), _event("proposed", at)) == 1.5  # type: ignore[arg-type]
    assert first_outcome_s(_session(), _event("unmet", at)) == 1.5  # type: ignore[arg-type]
    # a naive created_at (SQLite) is UTC
    naive = _session(created_at=SUBMITTED.replace(tzinfo=None))
    assert first_outcome_s(naive, _event("proposed", at)) == 1.5  # type: ignore[arg-type]


def test_later_outcomes_and_other_events_are_not_first() -> None:
    at = SUBMITTED + timedelta(seconds=3)
    assert first_outcome_s(_session(assignments=[object()]), _event("proposed", at)) is None  # type: ignore[arg-type]
    assert first_outcome_s(_session(unmet_code="rooms_full"), _event("proposed", at)) is None  # type: ignore[arg-type]
    assert first_outcome_s(_session(), _event("confirmed", at)) is None  # type: ignore[arg-type]
