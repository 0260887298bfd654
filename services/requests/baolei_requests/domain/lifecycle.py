"""The lifecycle of a need, derived from its assignments: plain rules, no database.

submitted → proposed → confirmed → under way → done, or unmet (with the matcher's reason), or
cancelled. A need may be served by several assignments, so its status and its progress (asked /
proposed / confirmed / delivered / remaining) are computed from all of them together.

A transfer is done when the hotel has confirmed who arrived (the bus's `done` leaves it `arriving`).
A need is done only when everything it asked was delivered: after a partial delivery the rest is
matched again, and the need shows the status of that remainder (submitted, proposed, unmet …).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baolei_requests.domain.needs import NeedStatus

# Assignment states: proposed (a hold), confirming (every dispatcher accepted; the confirmation is
# on its way through the log), confirmed, under_way, arriving (a transfer's bus is done; the hotel
# has not yet confirmed who arrived), done, released (declined, expired or cancelled), releasing /
# expiring (a decline or an expiry staged, not yet echoed back). Only a proposed assignment can be
# answered, so a second answer to one proposal is refused, not booked.
ACTIVE = frozenset({"proposed", "confirming", "confirmed", "under_way", "arriving", "done"})
COMMITTED = frozenset({"confirmed", "under_way", "arriving", "done"})
IN_FLIGHT = frozenset({"confirmed", "under_way", "arriving"})
TERMINAL_NEED = frozenset({NeedStatus.CANCELLED, NeedStatus.DONE})

ASSIGNMENT_ZH = {"proposed": "待确认", "confirmed": "已确认", "under_way": "执行中", "done": "已完成",
                 "released": "已释放", "expiring": "超时释放中", "confirming": "确认中", "releasing": "释放中",
                 "arriving": "待酒店确认入住"}

# A decline for one of these reasons also takes the declining company's buses out of service
BREAKDOWN_WORDS = ("车辆故障", "故障", "抛锚", "breakdown", "broke down", "broken down")


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
                    in_flight=sum(p.amount for p in parts if p.status in IN_FLIGHT))


def need_status(current: str, asked: int, parts: list[Part], unmet_code: str) -> NeedStatus:
    """The status a need should show now. Cancelled and done stay as they are."""
    if current in TERMINAL_NEED:
        return NeedStatus(current)
    pr = progress(asked, parts)
    statuses = {p.status for p in parts}
    if pr.delivered >= asked > 0:
        return NeedStatus.DONE
    if statuses & {"under_way", "arriving"}:
        return NeedStatus.UNDER_WAY
    if "confirmed" in statuses:
        return NeedStatus.CONFIRMED
    if statuses & {"proposed", "confirming"}:
        return NeedStatus.PROPOSED
    if unmet_code:
        return NeedStatus.UNMET
    return NeedStatus.SUBMITTED  # nothing yet, or the rest of a partial delivery waiting for the matcher


def can_start(assignment_status: str) -> bool:
    return assignment_status == "confirmed"


def can_finish(assignment_status: str) -> bool:
    return assignment_status in ("confirmed", "under_way")


def can_arrive(assignment_status: str) -> bool:
    return assignment_status == "arriving"


def is_breakdown(reason: str) -> bool:
    """A decline because the vehicle broke down (车辆故障): the bus is out of service until it is back."""
    low = reason.lower()
    return any(w in low for w in BREAKDOWN_WORDS)


def awaiting(status: str, organisations: list[str], accepted_by: list[str]) -> list[str]:
    """Who still has to answer a hold: the organisations that have not accepted it yet."""
    if status != "proposed":
        return []
    return [o for o in organisations if o not in accepted_by]


def accepted(organisations: list[str], accepted_by: list[str], organisation: str, for_all: bool) -> list[str]:
    """Who has accepted a hold once `organisation` says yes. Every organisation whose bus, hotel or
    stock it holds must accept; one who answers for all (an operator: `policy.answers_for_all`)
    accepts for every one of them at once."""
    if for_all:
        return list(organisations)
    return sorted(set(accepted_by) | {organisation})


def must_answer(status: str, organisations: list[str], accepted_by: list[str], organisation: str,
                for_all: bool) -> bool:
    """Whether this caller is still to answer the hold: one who answers for all while it is open,
    or an organisation it holds that has not accepted yet."""
    if status != "proposed":
        return False
    return for_all or organisation in awaiting(status, organisations, accepted_by)


def declined_resources(trips: list[dict[str, Any]], room: dict[str, Any] | None, picks: list[dict[str, Any]],
                       organisation: str, for_all: bool) -> list[tuple[str, str]]:
    """What a decline turns down, as (kind, id) pairs: the decliner's own buses, hotel and
    warehouses in the proposal (one who answers for all: every one of them)."""
    def mine(owner: str) -> bool:
        return for_all or owner == organisation
    out: list[tuple[str, str]] = []
    for t in trips:
        if mine(t.get("operator", "")) and ("bus", t["bus"]) not in out:
            out.append(("bus", t["bus"]))
    if room and mine(room.get("operator", "")):
        out.append(("hotel", room["hotel"]))
    for k in picks:
        if mine(k.get("operator", "")) and ("warehouse", k["warehouse"]) not in out:
            out.append(("warehouse", k["warehouse"]))
    return out
