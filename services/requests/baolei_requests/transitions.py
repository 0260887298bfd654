"""Dispatcher and operator transitions after confirmation: a trip or pick starts (under way) and
is done (delivered, possibly less than planned). Each change is audited; the need's status and
progress are recomputed from all its assignments (see domain/lifecycle.py).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from baolei_common.events import utcnow
from baolei_requests import permissions
from baolei_requests.adapters.models import Assignment, Need
from baolei_requests.domain import lifecycle
from baolei_requests.service import Conflict, NotFound, Principal, audit, stage_release


def amount_of(a: Assignment) -> int:
    return a.people if a.kind == "transfer" else sum(p["quantity"] for p in a.picks)


def asked_of(need: Need) -> int:
    return need.people if need.kind == "transfer" else sum(ln["quantity"] for ln in need.lines)


def parts_of(need: Need) -> list[lifecycle.Part]:
    return [lifecycle.Part(a.status, amount_of(a), a.delivered or 0) for a in need.assignments]


def progress_of(need: Need) -> lifecycle.Progress:
    return lifecycle.progress(asked_of(need), parts_of(need))


def refresh_need(need: Need) -> None:
    need.status = lifecycle.need_status(need.status, asked_of(need), parts_of(need), need.unmet_code)


def _assignment(session: Session, assignment_id: str) -> Assignment:
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise NotFound("assignment", assignment_id)
    return a


def start(session: Session, actor: Principal, assignment_id: str) -> Assignment:
    """The confirmed trip or pick is under way."""
    a = _assignment(session, assignment_id)
    permissions.require_assignment(actor, a)
    if not lifecycle.can_start(a.status):
        raise Conflict(f"assignment {a.id} is {a.status}; only a confirmed assignment can start")
    before = {"status": a.status, "need_status": a.need.status}
    a.status, a.started_at = "under_way", utcnow()
    refresh_need(a.need)
    audit(session, actor, "assignment.start", f"assignment:{a.id}", before,
          {"status": a.status, "need_status": a.need.status})
    return a


def finish(session: Session, actor: Principal, assignment_id: str, delivered: int | None,
           note: str = "") -> Assignment:
    """Done: people arrived or goods handed over; `delivered` may be less than planned."""
    a = _assignment(session, assignment_id)
    permissions.require_assignment(actor, a)
    if not lifecycle.can_finish(a.status):
        raise Conflict(f"assignment {a.id} is {a.status}; only a confirmed or under-way assignment can finish")
    planned = amount_of(a)
    got = planned if delivered is None else delivered
    if got < 0 or got > planned:
        raise Conflict(f"delivered must be between 0 and {planned}, got {got}")
    before = {"status": a.status, "delivered": a.delivered, "need_status": a.need.status}
    now = utcnow()
    a.status, a.done_at, a.delivered = "done", now, got
    a.started_at = a.started_at or now
    refresh_need(a.need)
    audit(session, actor, "assignment.done", f"assignment:{a.id}", before,
          {"status": a.status, "delivered": got, "planned": planned, "need_status": a.need.status, "note": note})
    # Tell the log the job is over: the matcher retires the hold (the rooms stay taken, the bus is
    # where the trip left it) and drops the need once nothing of it is open, so its state and
    # snapshot stay the size of what is open. The requests and inventory consumers ignore it for a
    # done assignment.
    stage_release(session, a, f"done: delivered {got} of {planned}", actor.user)
    return a
