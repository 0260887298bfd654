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

from baolei_common.identity import Principal
from baolei_events.v1 import needs_pb2
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, NotFound
from baolei_requests.service.releases import stage_release
from baolei_requests.service.unit_of_work import UnitOfWork

WEIGHTED = 5.0  # lateness counts five times as much as waiting within the window for this need


def ask_faster(uow: UnitOfWork, actor: Principal, need_id: str, bus_id: str | None,
               time_weight: float | None) -> list[str]:
    """Release the need's waiting proposals with the request, and commit; returns their ids."""
    with uow:
        released = _release_for_faster(uow, actor, need_id, bus_id, time_weight)
        uow.commit()
    return released


def _release_for_faster(uow: UnitOfWork, actor: Principal, need_id: str, bus_id: str | None,
                        time_weight: float | None) -> list[str]:
    need = uow.needs.get(need_id)
    if need is None:
        raise NotFound("need", need_id)
    waiting = uow.assignments.waiting_for(need.id)
    if not waiting:
        raise Conflict(f"need {need_id} has no proposal waiting for an answer (a confirmed one is not replaced)",
                       f"需求 {need_id} 没有待确认的方案（已确认的方案不会被替换）")
    if bus_id:
        bus = uow.buses.get(bus_id)
        if bus is None:
            raise NotFound("bus", bus_id, field="bus_id")
        if bus.state != "in_service":
            raise Conflict(f"bus {bus_id} is out of service", f"车辆 {bus.plate or bus_id} 停运中，不能指定",
                           field="bus_id")
    weight = 1.0 if bus_id else (time_weight or WEIGHTED)
    request = needs_pb2.FasterRequested(need_id=need.id, time_weight=weight, bus_id=bus_id or "")
    how = f"bus {bus_id}" if bus_id else f"lateness weighted x{weight:g}"
    for a in waiting:
        stage_release(uow, a, f"faster: {how}", actor.user, faster=request)
        a.status = "releasing"
        audit(uow, actor, "need.faster", f"assignment:{a.id}", {"status": "proposed"},
              {"status": "releasing", "need": need.id, "bus_id": bus_id or "", "time_weight": weight})
    return [a.id for a in waiting]
