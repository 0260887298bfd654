"""An operator asks for a faster alternative to a need's proposal (issue 17, point 3).

Why: a proposal that arrives hours after the need's due time must not be the last word. The
operator asks from the need's drawer for (a) the need re-matched with lateness weighted higher,
or (b) re-matched with a named bus. Here, in one transaction, the proposal still waiting for its
dispatchers is released (a confirmed one stays: only a release by an operator on purpose moves
what was confirmed) and the release carries the request (`AssignmentReleased.faster`), so the
matcher hears both at once and solves the need again; its answer — a new proposal, or "the named
bus cannot …" — comes back like any other.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common.identity import Principal
from baolei_events.v1 import needs_pb2
from baolei_requests.adapters.models import Assignment, Bus
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, NotFound
from baolei_requests.service.needs import get_need
from baolei_requests.service.releases import stage_release

WEIGHTED = 5.0  # lateness counts five times as much as waiting within the window for this need


def ask_faster(session: Session, actor: Principal, need_id: str, bus_id: str | None,
               time_weight: float | None) -> list[str]:
    """Release the need's waiting proposals with the request; returns their ids."""
    need = get_need(session, need_id)
    waiting = session.scalars(select(Assignment).where(Assignment.need_id == need.id, Assignment.status == "proposed")
                              .with_for_update()).all()
    if not waiting:
        raise Conflict(f"need {need_id} has no proposal waiting for an answer (a confirmed one is not replaced)",
                       f"需求 {need_id} 没有待确认的方案（已确认的方案不会被替换）")
    if bus_id:
        bus = session.get(Bus, bus_id)
        if bus is None:
            raise NotFound("bus", bus_id, field="bus_id")
        if bus.state != "in_service":
            raise Conflict(f"bus {bus_id} is out of service", f"车辆 {bus.plate or bus_id} 停运中，不能指定",
                           field="bus_id")
    weight = 1.0 if bus_id else (time_weight or WEIGHTED)
    request = needs_pb2.FasterRequested(need_id=need.id, time_weight=weight, bus_id=bus_id or "")
    how = f"bus {bus_id}" if bus_id else f"lateness weighted x{weight:g}"
    for a in waiting:
        stage_release(session, a, f"faster: {how}", actor.user, faster=request)
        a.status = "releasing"
        audit(session, actor, "need.faster", f"assignment:{a.id}", {"status": "proposed"},
              {"status": "releasing", "need": need.id, "bus_id": bus_id or "", "time_weight": weight})
    return [a.id for a in waiting]
