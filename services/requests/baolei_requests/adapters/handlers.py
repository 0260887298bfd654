"""Applies assignment events from Kafka to needs and assignments. Idempotent by event id."""
from __future__ import annotations

import logging
from collections.abc import Callable

from aiokafka import ConsumerRecord
from sqlalchemy.orm import Session, sessionmaker

from baolei_common import topics
from baolei_events.v1 import assignments_pb2

from baolei_requests import service
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Assignment, Need
from baolei_requests.transitions import refresh_need

log = logging.getLogger(__name__)


def refresh_status(need: Need) -> None:
    """A need's status follows its assignments (domain/lifecycle.py)."""
    refresh_need(need)


def apply(session: Session, ev: assignments_pb2.AssignmentEvent) -> str:
    which = ev.WhichOneof("event")
    if which is None:
        raise ValueError("AssignmentEvent without a body")
    if service.already_processed(session, ev.meta.event_id):
        return f"duplicate {ev.meta.event_id} ignored"
    body = getattr(ev, which)
    need = session.get(Need, body.need_id)
    if need is None:
        raise ValueError(f"assignment event for unknown need {body.need_id}")
    if which == "proposed":
        d = codec.proposal_dict(body)
        need.assignments.append(Assignment(
            id=body.assignment_id, need_id=need.id, kind=need.kind, status="proposed",
            organisations=d["organisations"], room=d["room"], trips=d["trips"], picks=d["picks"],
            people=d["people"], explanation_zh=body.explanation_zh, explanation_en=body.explanation_en,
            solve_id=body.solve_id, hold_expires_at=d["hold_expires_at"]))
        if body.people_unserved == 0 and not body.quantity_unserved:
            need.unmet_code = need.unmet_reason_zh = need.unmet_reason_en = ""
    elif which in ("confirmed", "released"):
        a = session.get(Assignment, body.assignment_id)
        if a is None:
            raise ValueError(f"unknown assignment {body.assignment_id}")
        if a.status in ("under_way", "done"):
            return f"{which} for {a.id} ignored: already {a.status}"
        a.status = "confirmed" if which == "confirmed" else "released"
        a.decided_at = codec.as_utc(ev.meta.recorded_at.ToDatetime())
        a.decided_by = ev.meta.actor
        if which == "released":
            a.release_reason = body.reason
    else:  # unmet
        need.unmet_code, need.unmet_reason_zh, need.unmet_reason_en = body.code, body.reason_zh, body.reason_en
    session.flush()
    session.refresh(need)
    refresh_status(need)
    return f"{which} need={need.id} status={need.status}"


def make_handler(sessions: sessionmaker, notify: Callable[[dict], None] | None = None):
    """`notify` hears about each applied event after commit (the console's live feed)."""
    def handle(logical_topic: str, record: ConsumerRecord) -> None:
        if logical_topic != topics.ASSIGNMENTS:
            raise ValueError(f"unexpected topic {logical_topic}")
        ev = assignments_pb2.AssignmentEvent.FromString(record.value)
        with sessions.begin() as session:
            outcome = apply(session, ev)
        log.info("assignment event %s: %s", ev.meta.event_id, outcome)
        if notify is not None:
            body = getattr(ev, ev.WhichOneof("event"))
            notify({"type": "changed", "need_id": body.need_id, "cause": ev.WhichOneof("event")})
    return handle
