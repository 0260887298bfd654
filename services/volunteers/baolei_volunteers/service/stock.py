"""A 代购 task's staples drawn from the supply groups' stock through the inventory (issue 19 §2):
raising the task asks the inventory to reserve them in a warehouse of the household's district
(`baolei.doorstep-stock.v1`, through the outbox with the task); the inventory answers with the
pickup (warehouse and lines, shown to the volunteer) or short with the reason and a fix; done
consumes the reservation; cancel, or the deadline passing before the task is under way, releases it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from baolei_volunteers.adapters.orm import TaskRow
from baolei_volunteers.service.ports import Event, UnitOfWork

HELD = ("reserving", "reserved")


def ask(uow: UnitOfWork, t: TaskRow, what: str, reason: str = "") -> None:
    """Stage the inventory's ask for this task: `reserve`, `consume` or `release` (nothing when the
    task names no staple, or holds nothing to consume or release)."""
    if not t.items:
        return
    state = dict(t.stock or {})
    if what == "reserve":
        state = {"state": "reserving"}
    elif state.get("state") not in HELD:
        return
    else:
        state = {**state, "state": "consumed" if what == "consume" else "released", "released_for": reason}
    t.stock = state
    h = uow.household(t.household_id)
    c = None if h is None else uow.compound(h.compound_id)
    uow.emit(Event("stock", t.id, {"task_id": t.id, "community": t.community, "district": c.district if c else "",
                                   "ask": what, "items": list(t.items), "reason": reason}))


def answer(uow: UnitOfWork, t: TaskRow, which: str, body: dict[str, Any]) -> bool:
    """The inventory's answer: `reserved` with the pickup, or `short` with the reason and the fix.
    A task released meanwhile keeps its state (its release follows the reserve on the same key).
    True when the task changed."""
    if (t.stock or {}).get("state") != "reserving":
        return False
    t.stock = {"state": which, **body}
    return True


def expire(uow: UnitOfWork, tasks: list[TaskRow], now: datetime) -> int:
    """Reservations of tasks past their deadline and not under way are released."""
    late = [t for t in tasks if t.items and (t.stock or {}).get("state") in HELD and t.deadline is not None
            and t.deadline <= now and t.status not in ("started", "done", "confirmed")]
    for t in late:
        ask(uow, t, "release", "expired")
    return len(late)
