"""A need cancelled by whoever raised it (or an operator): its holds and confirmed jobs not yet under
way are released, and the matcher and the inventory hear of it through the outbox."""
from __future__ import annotations

from baolei_common import topics
from baolei_common.identity import Principal
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Need
from baolei_requests.domain.needs import NeedStatus
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, NotFound
from baolei_requests.service.releases import stage_release
from baolei_requests.service.unit_of_work import UnitOfWork

RELEASED_ON_CANCEL = ("proposed", "confirming", "confirmed")


def cancel_need(uow: UnitOfWork, actor: Principal, need_id: str, reason: str) -> Need:
    """Cancel and commit; returns the need. Permission is checked by the caller (it owns the need)."""
    with uow:
        need = uow.needs.get(need_id)
        if need is None:
            raise NotFound("need", need_id)
        if need.status in (NeedStatus.DONE, NeedStatus.CANCELLED):
            raise Conflict(f"need {need_id} is already {need.status}",
                           f"需求 {need_id} 已结束（{need.status}），不能取消")
        before = {"status": need.status}
        need.status = NeedStatus.CANCELLED
        audit(uow, actor, "need.cancel", f"need:{need.id}", before, {"status": need.status, "reason": reason})
        uow.add_event(topics.NEEDS, need.id, codec.need_cancelled(need, reason, actor.user))
        for a in need.assignments:
            if a.status in RELEASED_ON_CANCEL:
                stage_release(uow, a, "cancelled", actor.user)
        uow.commit()
    return need
