"""Answers to a proposal: accept or decline (by a dispatcher, or an operator for all), a breakdown
taking buses out of service, and holds expiring unanswered."""
from __future__ import annotations

from datetime import datetime

from baolei_common import policy, topics
from baolei_common.events import meta, utcnow
from baolei_common.identity import Principal
from baolei_events.v1 import assignments_pb2
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Assignment
from baolei_requests.domain import lifecycle
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, NotFound
from baolei_requests.service.releases import stage_release
from baolei_requests.service.unit_of_work import UnitOfWork


def declined_resources(actor: Principal, a: Assignment) -> list[tuple[str, str]]:
    """What a decline turns down: the decliner's own buses, hotel and warehouses in the proposal
    (one who answers for all: all of them), as (kind, id) pairs."""
    return lifecycle.declined_resources(a.trips or [], a.room, a.picks or [], actor.organisation,
                                        policy.answers_for_all(actor))


def take_out_of_service(uow: UnitOfWork, actor: Principal, bus_ids: list[str], why: str,
                        declined: str = "") -> list[str]:
    """A breakdown: these buses are out of service (and the matcher hears so) until a dispatcher
    puts them back with `POST /api/buses/{id}/state`. Other proposals still waiting on them
    (`declined` is the one being declined) are released too and their needs matched again;
    confirmed jobs stay as they are (only an operator releases what was confirmed)."""
    out = []
    for bus_id in bus_ids:
        bus = uow.buses.get(bus_id)
        if bus is None or bus.state == "out_of_service":
            continue
        before = {"state": bus.state}
        bus.state = "out_of_service"
        uow.flush()
        uow.add_event(topics.BUSES, bus.id, codec.bus_status(bus, actor.user))
        audit(uow, actor, "bus.breakdown", f"bus:{bus.id}", before, {"state": bus.state, "reason": why})
        out.append(bus.id)
    if out:
        waiting = uow.assignments.waiting_transfers(besides=declined)
        for other in waiting:
            hit = sorted({t["bus"] for t in other.trips or []} & set(out))
            if hit:
                stage_release(uow, other, f"bus out of service: {', '.join(hit)} ({why})", actor.user)
                other.status = "releasing"
                audit(uow, actor, "assignment.release", f"assignment:{other.id}", {"status": "proposed"},
                      {"status": "releasing", "reason": f"bus out of service: {', '.join(hit)}"})
    return out


def decide(uow: UnitOfWork, actor: Principal, assignment_id: str, accept: bool, reason: str = "",
           breakdown: bool = False) -> list[str]:
    """A dispatcher accepts or declines a proposal that uses their organisation's resources.

    Every organisation whose bus, hotel or stock the proposal holds must accept before it is
    confirmed (an operator's accept stands for all); one decline releases it, and names the
    decliner's resources in it, which the matcher never offers for this need again. A decline for
    a breakdown (车辆故障, or `breakdown`) also takes those buses out of service. Returns the
    organisations still to accept (empty once the confirmation is on its way). Commits."""
    with uow:
        pending = stage_answer(uow, actor, assignment_id, accept, reason, breakdown)
        uow.commit()
    return pending


def stage_answer(uow: UnitOfWork, actor: Principal, assignment_id: str, accept: bool, reason: str,
                 breakdown: bool) -> list[str]:
    """One answer, staged in the caller's unit of work (no commit): the organisations still to accept."""
    broken: list[str] = []
    refs: list[tuple[str, str]] = []
    a = uow.assignments.get(assignment_id, lock=True)  # not at once with expiry
    if a is None:
        raise NotFound("assignment", assignment_id)
    policy.require(actor, "assignment.answer", list(a.organisations), "assignment_id")
    if a.status != "proposed":
        raise Conflict(f"assignment {a.id} is {a.status}, not proposed",
                       f"任务 {a.id} 当前为 {a.status}，已不在待确认状态")
    before = {"status": a.status, "accepted_by": list(a.accepted_by or [])}
    pending: list[str] = []
    if accept:
        a.accepted_by = lifecycle.accepted(list(a.organisations), list(a.accepted_by or []), actor.organisation,
                                           policy.answers_for_all(actor))
        pending = lifecycle.awaiting(a.status, list(a.organisations), a.accepted_by)
        if not pending:
            ev = assignments_pb2.AssignmentEvent(
                meta=meta(producer=codec.PRODUCER, correlation_id=a.need_id, actor=actor.user),
                confirmed=assignments_pb2.AssignmentConfirmed(assignment_id=a.id, need_id=a.need_id,
                                                              organisation=actor.organisation))
            uow.add_event(topics.ASSIGNMENTS, a.need_id, ev)
            a.status = "confirming"  # a second answer now gets 409 instead of a second booking
    else:
        refs = declined_resources(actor, a)
        if breakdown or lifecycle.is_breakdown(reason):  # staged first: the matcher hears of it before the release
            broken = take_out_of_service(uow, actor, [i for k, i in refs if k == "bus"], reason or "breakdown",
                                         declined=a.id)
        stage_release(uow, a, f"declined: {reason}" if reason else "declined", actor.user,
                      declined=[assignments_pb2.ResourceRef(kind=codec.RESOURCE_KINDS[k], id=i) for k, i in refs])
        a.status = "releasing"
    after = {"status": ("confirming" if not pending else "awaiting") if accept else "releasing",
             "accepted_by": list(a.accepted_by or []), "awaiting": pending, "reason": reason}
    if not accept:
        after["declined"] = [f"{k}:{i}" for k, i in refs]
        after["out_of_service"] = broken
    audit(uow, actor, "assignment.accept" if accept else "assignment.decline", f"assignment:{a.id}",
          before, after)
    return pending


def expire_holds(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Release proposals not answered in time, and commit; their needs go back to matching."""
    now = now or utcnow()
    with uow:
        n = _expire(uow, now)
        uow.commit()
    return n


def _expire(uow: UnitOfWork, now: datetime) -> int:
    # Rows another replica is expiring right now are skipped (PostgreSQL), so a hold is released once.
    n = 0
    for a in uow.assignments.expired(now):
        if a.hold_expires_at is not None and codec.as_utc(a.hold_expires_at) <= now:
            a.status = "expiring"
            stage_release(uow, a, "expired", "system")
            audit(uow, "system", "assignment.expire", f"assignment:{a.id}", {"status": "proposed"},
                  {"status": "expiring", "need": a.need_id})
            n += 1
    return n
