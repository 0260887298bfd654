"""Dispatcher and operator transitions after confirmation: a trip or pick starts (under way) and
is done (delivered, possibly less than planned); a transfer is done only once the hotel confirms
who arrived. Each change is audited; the need's status and progress are recomputed from all its
assignments (see domain/lifecycle.py).

A finished job tells the log what it delivered (`AssignmentReleased.delivery`): the matcher counts
it and matches whatever of the need is left at once, instead of closing the need.
"""
from __future__ import annotations

from typing import Any

from baolei_common import policy
from baolei_common.events import utcnow
from baolei_common.identity import Principal
from baolei_events.v1 import assignments_pb2, needs_pb2
from baolei_requests.adapters.models import Assignment, Need
from baolei_requests.domain import lifecycle
from baolei_requests.domain.stays import StayRules
from baolei_requests.service import access as permissions
from baolei_requests.service import stays
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, Forbidden, Invalid, NotFound
from baolei_requests.service.releases import stage_release
from baolei_requests.service.unit_of_work import UnitOfWork


def amount_of(a: Assignment) -> int:
    return a.people if a.kind == "transfer" else sum(p["quantity"] for p in a.picks)


def asked_of(need: Need) -> int:
    return need.people if need.kind == "transfer" else sum(ln["quantity"] for ln in need.lines)


def parts_of(need: Need) -> list[lifecycle.Part]:
    return [lifecycle.Part(a.status, amount_of(a), a.delivered or 0) for a in need.assignments]


def progress_of(need: Need) -> lifecycle.Progress:
    return lifecycle.progress(asked_of(need), parts_of(need))


def staple_progress(need: Need) -> list[dict[str, Any]]:
    """A supply need's progress staple by staple (units are never added across staples: 80 bags of
    rice and 30 bottles of oil are not "110"): asked, delivered, in flight (confirmed or under way)
    and remaining of each line."""
    done = _delivered_by_sku(need)
    flying: dict[str, int] = {}
    for a in need.assignments:
        if a.status in lifecycle.IN_FLIGHT:
            for k in a.picks:
                flying[k["sku"]] = flying.get(k["sku"], 0) + k["quantity"]
    return [{"sku": ln["sku"], "asked": ln["quantity"], "delivered": done.get(ln["sku"], 0),
             "in_flight": flying.get(ln["sku"], 0),
             "remaining": max(0, ln["quantity"] - done.get(ln["sku"], 0) - flying.get(ln["sku"], 0))}
            for ln in need.lines]


def refresh_need(need: Need) -> None:
    need.status = lifecycle.need_status(need.status, asked_of(need), parts_of(need), need.unmet_code)


def _assignment(uow: UnitOfWork, assignment_id: str) -> Assignment:
    a = uow.assignments.get(assignment_id)
    if a is None:
        raise NotFound("assignment", assignment_id)
    return a


def start(uow: UnitOfWork, actor: Principal, assignment_id: str) -> Assignment:
    """The confirmed trip or pick is under way."""
    with uow:
        a = _start(uow, actor, assignment_id)
        uow.commit()
    return a


def _start(uow: UnitOfWork, actor: Principal, assignment_id: str) -> Assignment:
    a = _assignment(uow, assignment_id)
    permissions.require_assignment(actor, a)
    if not lifecycle.can_start(a.status):
        raise Conflict(f"assignment {a.id} is {a.status}; only a confirmed assignment can start")
    before = {"status": a.status, "need_status": a.need.status}
    a.status, a.started_at = "under_way", utcnow()
    refresh_need(a.need)
    audit(uow, actor, "assignment.start", f"assignment:{a.id}", before,
          {"status": a.status, "need_status": a.need.status})
    return a


def finish(uow: UnitOfWork, actor: Principal, assignment_id: str, delivered: int | None,
           note: str = "", lines: dict[str, int] | None = None) -> Assignment:
    """Done: goods handed over, or a transfer's bus unloaded at the hotel; `delivered` may be less
    than planned (per SKU in `lines` when several SKUs were partly handed over). A transfer then
    waits for the hotel to confirm who arrived (`arrive`); nobody delivered, or a supply job, is
    finished at once."""
    with uow:
        a = _finish(uow, actor, assignment_id, delivered, note, lines)
        uow.commit()
    return a


def _finish(uow: UnitOfWork, actor: Principal, assignment_id: str, delivered: int | None,
           note: str = "", lines: dict[str, int] | None = None) -> Assignment:
    a = _assignment(uow, assignment_id)
    permissions.require_assignment(actor, a)
    if not lifecycle.can_finish(a.status):
        raise Conflict(f"assignment {a.id} is {a.status}; only a confirmed or under-way assignment can finish")
    planned = amount_of(a)
    per_sku = _per_sku(a, delivered, lines) if a.kind == "supply" else {}
    got = sum(per_sku.values()) if a.kind == "supply" else (planned if delivered is None else delivered)
    if got < 0 or got > planned:
        raise Conflict(f"delivered must be between 0 and {planned}, got {got}")
    before = {"status": a.status, "delivered": a.delivered, "need_status": a.need.status}
    now = utcnow()
    a.started_at = a.started_at or now
    a.delivered = got
    if a.kind == "transfer" and got > 0:
        a.status = "arriving"  # the hotel confirms who arrived; the need is not done before that
        refresh_need(a.need)
        audit(uow, actor, "assignment.done", f"assignment:{a.id}", before,
              {"status": a.status, "delivered": got, "planned": planned, "need_status": a.need.status,
               "note": note, "awaiting": [(a.room or {}).get("operator", "")]})
        return a
    _close(uow, actor, a, got, planned, per_sku, note, before, "assignment.done")
    return a


def arrive(uow: UnitOfWork, actor: Principal, assignment_id: str, arrived: int | None,
           note: str = "", rules: StayRules | None = None) -> Assignment:
    """The hotel confirms who arrived (its dispatcher, or an operator): the transfer is done, and
    whoever did not arrive goes back to matching; those who did begin their stay (service/stays.py)."""
    with uow:
        a = _arrive(uow, actor, assignment_id, arrived, note, rules)
        uow.commit()
    return a


def _arrive(uow: UnitOfWork, actor: Principal, assignment_id: str, arrived: int | None,
           note: str = "", rules: StayRules | None = None) -> Assignment:
    a = _assignment(uow, assignment_id)
    hotel, hotel_org = (a.room or {}).get("hotel", "the hotel"), (a.room or {}).get("operator", "")
    if not policy.allows(actor, "assignment.arrive", hotel_org):
        raise Forbidden(f"arrival at {hotel} is confirmed by {hotel_org or 'its hotel'}")
    if not lifecycle.can_arrive(a.status):
        raise Conflict(f"assignment {a.id} is {a.status}; arrival is confirmed after the bus is done")
    brought = a.delivered or 0
    got = brought if arrived is None else arrived
    if got < 0 or got > brought:
        raise Invalid("arrived", f"入住人数须在 0 到 {brought}（车辆送达人数）之间",
                      f"arrived must be between 0 and {brought} (the people the bus delivered)")
    before = {"status": a.status, "delivered": brought, "need_status": a.need.status}
    _close(uow, actor, a, got, amount_of(a), {}, note, before, "assignment.arrived")
    if got > 0 and a.room:
        stays.begin(uow, actor, a, got, a.done_at or utcnow(), rules or StayRules())
    return a


def _per_sku(a: Assignment, delivered: int | None, lines: dict[str, int] | None) -> dict[str, int]:
    """Units handed over per SKU: as given, all planned, or `delivered` of the only SKU."""
    planned: dict[str, int] = {}
    for k in a.picks:
        planned[k["sku"]] = planned.get(k["sku"], 0) + k["quantity"]
    if lines:
        for sku, q in lines.items():
            if sku not in planned:
                raise Invalid(f"lines.{sku}", f"该任务没有物资 {sku}", f"this job carries no {sku}")
            if not 0 <= q <= planned[sku]:
                raise Invalid(f"lines.{sku}", f"送达数量须在 0 到 {planned[sku]} 之间",
                              f"must be between 0 and {planned[sku]}")
        return {sku: lines.get(sku, 0) for sku in planned}
    if delivered is None or delivered == sum(planned.values()):
        return planned
    if len(planned) == 1:
        return {next(iter(planned)): delivered}
    raise Invalid("lines", "多种物资部分送达时，请逐项填写送达数量（lines）",
                  "several SKUs were partly delivered: give the quantity of each in `lines`")


def _close(uow: UnitOfWork, actor: Principal, a: Assignment, got: int, planned: int, per_sku: dict[str, int],
           note: str, before: dict, action: str) -> None:
    """The job is over: audit it, and tell the log what was delivered. The matcher retires the hold
    (the rooms people moved into stay taken, the bus is where the trip left it) and matches what of
    the need is left at once; it drops the need once nothing of it is open, so its state and
    snapshot stay the size of what is open. The requests and inventory consumers ignore the event
    for a done assignment."""
    a.status, a.done_at, a.delivered = "done", utcnow(), got
    if per_sku:
        a.picks = _picks_delivered(a.picks, per_sku)  # a new list: the JSON column sees the change
    need = a.need
    if need.status != "cancelled":
        need.unmet_code = need.unmet_reason_zh = need.unmet_reason_en = ""  # the rest is matched anew
    refresh_need(need)
    pr = progress_of(need)
    audit(uow, actor, action, f"assignment:{a.id}", before,
          {"status": a.status, "delivered": got, "planned": planned, "need_status": need.status, "note": note,
           "need_delivered": pr.delivered, "need_remaining": pr.remaining})
    delivery = assignments_pb2.Delivery(people=got if a.kind == "transfer" else 0,
                                        quantities=[needs_pb2.SupplyLine(sku=k, quantity=q)
                                                    for k, q in per_sku.items()])
    if need.kind == "transfer":
        delivery.people_remaining = max(0, need.people - pr.delivered)
    else:
        done_by_sku = _delivered_by_sku(need)
        delivery.quantity_remaining.extend(
            needs_pb2.SupplyLine(sku=ln["sku"], quantity=ln["quantity"] - done_by_sku.get(ln["sku"], 0))
            for ln in need.lines if ln["quantity"] > done_by_sku.get(ln["sku"], 0))
    stage_release(uow, a, f"done: delivered {got} of {planned}", actor.user, delivery=delivery)


def _picks_delivered(picks: list[dict[str, Any]], per_sku: dict[str, int]) -> list[dict[str, Any]]:
    """The picks, each with the units of it handed over (`delivered`): each SKU's delivered units
    spread over that SKU's picks in order."""
    left = dict(per_sku)
    out = []
    for k in picks:
        q = min(left.get(k["sku"], 0), k["quantity"])
        left[k["sku"]] = left.get(k["sku"], 0) - q
        out.append({**k, "delivered": q})
    return out


def _delivered_by_sku(need: Need) -> dict[str, int]:
    """Units handed over per SKU by the need's finished supply jobs: as recorded per pick when the
    job was done; a job done before picks recorded it has its `delivered` spread over its picks in
    order (exact when it carried one SKU or delivered all)."""
    out: dict[str, int] = {}
    for a in need.assignments:
        if a.status != "done":
            continue
        left = a.delivered or 0
        for k in a.picks:
            q = k["delivered"] if "delivered" in k else min(left, k["quantity"])
            out[k["sku"]] = out.get(k["sku"], 0) + q
            left -= q
    return out
