"""Applies assignment events from Kafka to needs and assignments. Idempotent by event id."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from aiokafka import ConsumerRecord
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from baolei_common import topics
from baolei_common.consumer import is_transient
from baolei_events.v1 import assignments_pb2
from baolei_requests.adapters import codec
from baolei_requests.adapters.metrics import first_outcome_s
from baolei_requests.adapters.models import Assignment, Need, ProcessedEvent
from baolei_requests.service.transitions import refresh_need

log = logging.getLogger(__name__)


def refresh_status(need: Need) -> None:
    """A need's status follows its assignments (domain/lifecycle.py)."""
    refresh_need(need)


def already_processed(session: Session, event_id: str) -> bool:
    """Whether this event was applied before; if not, it is marked applied (in the caller's transaction)."""
    if session.get(ProcessedEvent, event_id) is not None:
        return True
    session.add(ProcessedEvent(event_id=event_id))
    return False


def apply(session: Session, ev: assignments_pb2.AssignmentEvent, processed: set[str] | None = None) -> str:
    """Apply one event. `processed` (optional) holds the event ids known to be applied, read for a
    whole batch at once; without it each event id is looked up."""
    which = ev.WhichOneof("event")
    if which is None:
        raise ValueError("AssignmentEvent without a body")
    if processed is None:
        if already_processed(session, ev.meta.event_id):
            return f"duplicate {ev.meta.event_id} ignored"
    elif ev.meta.event_id in processed:
        return f"duplicate {ev.meta.event_id} ignored"
    else:
        session.add(ProcessedEvent(event_id=ev.meta.event_id))
    body = getattr(ev, which)
    if which == "stay":  # written by this service with the stay itself (service/stays.py): nothing to apply
        return f"stay {body.assignment_id} {body.kind} (recorded here)"
    need = session.get(Need, body.need_id)
    if need is None:
        raise ValueError(f"assignment event for unknown need {body.need_id}")
    if which == "proposed":
        d = codec.proposal_dict(body)
        need.assignments.append(Assignment(
            id=body.assignment_id, need_id=need.id, kind=need.kind, status="proposed",
            organisations=d["organisations"], room=d["room"], trips=d["trips"], picks=d["picks"],
            people=d["people"], explanation_zh=body.explanation_zh, explanation_en=body.explanation_en,
            solve_id=body.solve_id, hold_expires_at=d["hold_expires_at"], wait_minutes=d["wait_minutes"],
            late_minutes=d["late_minutes"], late_cause=d["late_cause"]))
        if body.people_unserved == 0 and not body.quantity_unserved:
            need.unmet_code = need.unmet_reason_zh = need.unmet_reason_en = ""
    elif which in ("confirmed", "released"):
        a = session.get(Assignment, body.assignment_id)
        if a is None:
            raise ValueError(f"unknown assignment {body.assignment_id}")
        if a.status in ("under_way", "arriving", "done"):
            return f"{which} for {a.id} ignored: already {a.status}"
        if which == "confirmed" and a.status == "released":
            # released first (declined, expired, stock short) wins: the matcher and the inventory
            # read the same log in the same order and have let its resources go too
            return f"confirmed for {a.id} ignored: already released"
        a.status = "confirmed" if which == "confirmed" else "released"
        a.decided_at = codec.as_utc(ev.meta.recorded_at.ToDatetime())
        a.decided_by = ev.meta.actor
        if which == "released":
            a.release_reason = body.reason
    else:  # unmet
        need.unmet_code, need.unmet_reason_zh, need.unmet_reason_en = body.code, body.reason_zh, body.reason_en
    refresh_status(need)  # from the assignments in memory: loaded for the batch, or lazily here
    return f"{which} need={need.id} status={need.status}"


def decode(record: ConsumerRecord) -> assignments_pb2.AssignmentEvent:
    ev = assignments_pb2.AssignmentEvent.FromString(record.value or b"")
    if not ev.meta.event_id or ev.WhichOneof("event") is None:
        raise ValueError("AssignmentEvent without an event id or a body")
    return ev


def make_batch_handler(sessions: sessionmaker, notify: Callable[[dict], None] | None = None,
                       observe: Callable[[float], None] | None = None):
    """Applies a partition's records in one transaction, without a savepoint per record (two round
    trips each, and under load every round trip waits for the GIL): if a record turns out to be
    poison, the batch is rolled back and applied again one record per transaction, so only that one
    is reported (the consumer dead-letters it). A database failure raises, so the consumer retries
    the batch and commits nothing meanwhile. `notify` hears about each applied event after commit,
    `observe` of each need's first outcome (seconds since it was submitted; the metrics)."""
    def handle(logical_topic: str, records: Sequence[ConsumerRecord]) -> list[BaseException | None]:
        if logical_topic != topics.ASSIGNMENTS:
            return [ValueError(f"unexpected topic {logical_topic}") for _ in records]
        decoded: list[assignments_pb2.AssignmentEvent | Exception] = []
        for record in records:
            try:
                decoded.append(decode(record))
            except Exception as exc:  # undecodable: poison
                decoded.append(exc)
        try:
            results, applied, firsts = _apply_all(sessions, decoded)
        except Exception as exc:
            if is_transient(exc):
                raise
            if len(records) == 1:
                return [exc]  # this one is poison
            log.warning("a record of a batch of %d is poison (%s: %s); applying them one by one",
                        len(records), type(exc).__name__, exc)
            return [r for record in records for r in handle(logical_topic, [record])]
        if notify is not None:
            for what in applied:
                notify(what)
        if observe is not None:
            for seconds in firsts:
                observe(seconds)
        return results
    return handle


def _apply_all(sessions: sessionmaker, decoded: list) -> tuple[list[BaseException | None], list[dict], list[float]]:
    results: list[BaseException | None] = []
    applied: list[dict] = []
    firsts: list[float] = []  # seconds from submission to each need's first outcome in this batch
    events = [e for e in decoded if not isinstance(e, Exception)]
    with sessions.begin() as session:
        # `loaded` keeps the batch's needs referenced: the session's identity map holds objects
        # weakly, so without it each event's get() read its need (and lazily its assignments) again
        processed, loaded = _prefetch(session, events)
        for ev in decoded:
            if isinstance(ev, Exception):
                results.append(ev)
                continue
            first = None if ev.meta.event_id in processed else first_outcome_s(session, ev)
            outcome = apply(session, ev, processed)
            if first is not None:
                firsts.append(first)
            processed.add(ev.meta.event_id)
            results.append(None)
            log.debug("assignment event %s: %s", ev.meta.event_id, outcome)
            body = getattr(ev, ev.WhichOneof("event"))
            need = session.get(Need, body.need_id)  # in the session already: whose the change is, for the live feed
            orgs = sorted({o for x in need.assignments for o in (x.organisations or [])}) if need is not None else []
            applied.append({"type": "changed", "need_id": body.need_id, "cause": ev.WhichOneof("event"),
                            "need_organisation": need.organisation if need is not None else "",
                            "organisations": orgs})
        del loaded
    return results, applied, firsts


def _prefetch(session: Session, events: list[assignments_pb2.AssignmentEvent]) -> tuple[set[str], list[Need]]:
    """Two queries for a batch instead of several per event: the needs it touches with their
    assignments (into the session, where each event then finds them; returned so that they stay
    there), and the event ids applied."""
    need_ids = {getattr(ev, ev.WhichOneof("event")).need_id for ev in events}
    loaded: list[Need] = []
    if need_ids:
        loaded = list(session.scalars(select(Need).where(Need.id.in_(need_ids))
                                      .options(selectinload(Need.assignments))).unique().all())
    ids = [ev.meta.event_id for ev in events]
    if not ids:
        return set(), loaded
    return set(session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(ids)))), loaded


def processed_ids_fn(sessions: sessionmaker) -> Callable[[Iterable[str]], set[str]]:
    """Which of these event ids the database has applied (for reconciliation)."""
    def processed(ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        if not wanted:
            return set()
        with sessions() as s:
            return set(s.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(wanted))))
    return processed
