"""The lifecycle of a need, derived from its assignments: plain rules, no database.

submitted → proposed → confirmed → under way → done, or unmet (with the matcher's reason), or
cancelled. A need may be served by several assignments, so its status and its progress (asked /
proposed / confirmed / delivered / remaining) are computed from all of them together.
"""
from __future__ import annotations

from dataclasses import dataclass

from baolei_requests.domain.needs import NeedStatus

# Assignment states: proposed (a hold), confirming (every dispatcher accepted; the confirmation is
# on its way through the log), confirmed, under_way, done, released (declined, expired or
# cancelled), releasing / expiring (a decline or an expiry staged, not yet echoed back). Only a
# proposed assignment can be answered, so a second answer to one proposal is refused, not booked.
ACTIVE = frozenset({"proposed", "confirming", "confirmed", "under_way", "done"})
COMMITTED = frozenset({"confirmed", "under_way", "done"})
TERMINAL_NEED = frozenset({NeedStatus.CANCELLED, NeedStatus.DONE})

ASSIGNMENT_ZH = {"proposed": "待确认", "confirmed": "已确认", "under_way": "执行中", "done": "已完成",
                 "released": "已释放", "expiring": "超时释放中", "confirming": "确认中", "releasing": "释放中"}


@dataclass(frozen=True)
class Part:
    """One assignment as the lifecycle sees it."""
    status: str
    amount: int      # people (transfer) or units (supply) it carries
    delivered: int = 0


@dataclass(frozen=True)
class Progress:
    asked: int
    proposed: int
    confirmed: int
    delivered: int
    in_flight: int = 0  # confirmed or under way, not yet done

    @property
    def remaining(self) -> int:
        """Neither delivered nor covered by a confirmed job still to be done."""
        return max(0, self.asked - self.delivered - self.in_flight)

    def as_dict(self) -> dict[str, int]:
        return {"asked": self.asked, "proposed": self.proposed, "confirmed": self.confirmed,
                "delivered": self.delivered, "remaining": self.remaining}


def progress(asked: int, parts: list[Part]) -> Progress:
    return Progress(asked=asked,
                    proposed=sum(p.amount for p in parts if p.status in ACTIVE),
                    confirmed=sum(p.amount for p in parts if p.status in COMMITTED),
                    delivered=sum(p.delivered for p in parts if p.status == "done"),
                    in_flight=sum(p.amount for p in parts if p.status in ("confirmed", "under_way")))


def need_status(current: str, asked: int, parts: list[Part], unmet_code: str) -> NeedStatus:
    """The status a need should show now. Cancelled and done stay as they are."""
    if current in TERMINAL_NEED:
        return NeedStatus(current)
    pr = progress(asked, parts)
    statuses = {p.status for p in parts}
    if pr.delivered >= asked > 0:
        return NeedStatus.DONE
    if "under_way" in statuses:
        return NeedStatus.UNDER_WAY
    if statuses & {"confirmed", "done"}:
        return NeedStatus.CONFIRMED
    if statuses & {"proposed", "confirming"}:
        return NeedStatus.PROPOSED
    if unmet_code:
        return NeedStatus.UNMET
    return NeedStatus.SUBMITTED


def can_start(assignment_status: str) -> bool:
    return assignment_status == "confirmed"


def can_finish(assignment_status: str) -> bool:
    return assignment_status in ("confirmed", "under_way")
