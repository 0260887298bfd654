"""The staples of a 代购 doorstep task (先锋行动, baolei.doorstep-stock.v1): held in one warehouse of
the household's district that has every line (the supply groups' warehouses serve their district),
issued when the task is done, released when it is cancelled or past its deadline. The answer — the
pickup, or short with the reason and a fix — goes back on the same topic through the outbox, in the
transaction that held the stock. Applied once per event (`AssignmentHandler` claims the event id);
a task that holds stock already is not held twice (a redelivered or repeated reserve)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common import skus, topics
from baolei_common.events import utcnow
from baolei_common.outbox import add_event
from baolei_inventory.adapters import proto
from baolei_inventory.adapters.orm import OutboxRow, WarehouseRow
from baolei_inventory.domain.commands import EndTask, ReserveForTask, task_hold_id
from baolei_inventory.domain.errors import Conflict, DomainError
from baolei_inventory.domain.model import HoldStatus, Pick, Warehouse
from baolei_inventory.service.stock import StockService

HOLD_FOR = timedelta(days=1)  # shown on the hold; the volunteers service alone ends it (done, cancel, deadline)


def doorstep(s: Session, stock: StockService, command: ReserveForTask | EndTask) -> str:
    hold_id = task_hold_id(command.task_id)
    if isinstance(command, EndTask):
        if command.consume:
            try:
                holds = stock.confirm_in(s, actor=command.actor, assignment_id=hold_id)
            except DomainError as exc:  # nothing held (it was short, or released meanwhile)
                return f"task {command.task_id}: nothing to issue ({exc.reason_en})"
            return f"task {command.task_id}: issued {len(holds)} line(s)"
        holds = stock.release_in(s, actor=command.actor, assignment_id=hold_id, reason=command.reason or "released",
                                 status=HoldStatus.EXPIRED if command.reason == "expired" else HoldStatus.RELEASED)
        return f"task {command.task_id}: released {len(holds)} line(s)"
    rows = s.scalars(select(WarehouseRow).where(WarehouseRow.district == command.district).order_by(WarehouseRow.id))
    places = [Warehouse(r.id, r.name, r.organisation, r.district, r.lat, r.lon) for r in rows]
    for w in places:
        try:
            stock.hold_in(s, actor=command.actor, assignment_id=hold_id, need_id="",
                          picks=[Pick(w.id, sku, q) for sku, q in command.lines], expires_at=utcnow() + HOLD_FOR)
        except Conflict:
            return f"task {command.task_id}: holds stock already, not held twice"
        except DomainError:  # short there (or the staple unknown there): the savepoint rolled back
            continue
        add_event(s, OutboxRow, topics.DOORSTEP_STOCK, command.task_id,
                  proto.doorstep_answer(command.task_id, warehouse=w, lines=list(command.lines)))
        return f"task {command.task_id}: held at {w.id}"
    wanted = skus.amounts_zh(command.lines)
    short = (f"{command.district}的物资集团仓库均无法一次备齐：{wanted}",
             f"no supply-group warehouse in {command.district} has all of it now: {skus.amounts_en(command.lines)}",
             "请社区改为分次代购或到超市采购，或请区物资保障组补货后重新发起",
             "buy it in parts or at a shop, or ask the district's supply team to restock and raise the task again")
    add_event(s, OutboxRow, topics.DOORSTEP_STOCK, command.task_id, proto.doorstep_answer(command.task_id, short=short))
    return f"task {command.task_id}: short in {command.district}"
