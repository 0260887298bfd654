"""Doorstep tasks: raised (by a community worker, the hotline, a sheet, or a resident's 微心愿 once
the community approves it), then proposed → accepted (or claimed) → started → done with a note →
confirmed. A decline or an expired hold re-matches the task without that volunteer. Every step is
one event on `baolei.doorstep-tasks.v1`, staged in the same unit of work as the change.

Matching is off the request path: a write marks the areas it touched dirty and returns; a task
waits as `matching` (匹配中) until the matching loop (`Matcher.round`) plans it."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_volunteers.adapters.orm import HouseholdRow, TaskRow
from baolei_volunteers.domain import shopping
from baolei_volunteers.domain.tasks import DEFAULT_MINUTES, REMOTE_KINDS, TaskKind, parse_kind
from baolei_volunteers.service import stock
from baolei_volunteers.service.board import board as claim_board
from baolei_volunteers.service.errors import Conflict, Full, Invalid, NotFound, RowsRefused
from baolei_volunteers.service.matching import Matcher, task_event
from baolei_volunteers.service.ports import Event, UnitOfWork
from baolei_volunteers.service.texts import STATUS_NAMES

SOURCES = ("worker", "hotline", "sheet", "wish")
MAY_BE_REMOTE = frozenset({TaskKind.VISIT, TaskKind.COUNSELLING})  # by video or phone when the task says so


def new_task_id() -> str:
    return f"T-{uuid.uuid4().hex[:10]}"


def check_kind(value: str, field: str = "kind") -> str:
    try:
        return parse_kind(value).value
    except ValueError:
        raise Invalid(field, f"未知的任务类型：{value}", f"unknown task kind: {value!r}") from None


def build_task(household: HouseholdRow, data: dict[str, Any], *, source: str, raised_by: str,
               now: datetime, status: str) -> TaskRow:
    kind = parse_kind(check_kind(data["kind"]))
    deadline = data.get("deadline")
    if deadline is not None and deadline <= now:
        raise Invalid("deadline", "截止时间已过", "the deadline is already past")
    try:
        lines = shopping.staples(data.get("shopping_list") or "") if kind is TaskKind.SHOPPING else []
    except shopping.ListRefused as exc:
        raise Invalid("shopping_list", exc.reason_zh, exc.reason_en) from None
    return TaskRow(
        id=data.get("id") or new_task_id(), household_id=household.id, community=household.community,
        kind=kind.value, remote=kind in REMOTE_KINDS or (bool(data.get("remote")) and kind in MAY_BE_REMOTE),
        earliest=data.get("earliest"), deadline=deadline,
        duration_min=int(data.get("duration_min") or DEFAULT_MINUTES[kind]),
        every_days=int(data.get("every_days") or 0),
        note=data.get("note") or "", source=source, raised_by=raised_by, raised_at=now, status=status,
        volunteer_id=None, claimed=False, excluded=[], seq=0, why_zh="", why_en="", cause="", reason_zh="",
        reason_en="", fix_zh="", fix_en="", done_note="",
        items=[{"sku": k, "quantity": q} for k, q in lines], stock={})


def raised_body(t: TaskRow) -> dict[str, Any]:
    return {"source": t.source, "remote": t.remote, "deadline": t.deadline, "duration_min": t.duration_min,
            "every_days": t.every_days}


class Tasks:
    """Use cases of doorstep tasks; each opens one unit of work, marks the areas whose open set
    changed for the matching loop, and commits. `max_pending`: tasks that may wait for the loop at
    once (beyond, a raise is refused with 503 and a reason; the loop drains them)."""

    def __init__(self, uow_factory: Any, matcher: Matcher, max_pending: int = 50_000) -> None:
        self._uow = uow_factory
        self._matcher = matcher
        self._max_pending = max_pending

    def _room(self, uow: UnitOfWork, n: int, field: str) -> None:
        waiting = uow.count_tasks("matching")
        if waiting + n > self._max_pending:
            raise Full(field, f"待匹配任务已达上限（{waiting}/{self._max_pending}），请稍后再试",
                       f"too many tasks wait for matching ({waiting}/{self._max_pending}); try again shortly")

    # -- raising ---------------------------------------------------------------------------------
    def _household(self, uow: UnitOfWork, household_id: str, field: str = "household_id") -> HouseholdRow:
        h = uow.household(household_id)
        if h is None:
            raise Invalid(field, f"住户不存在：{household_id}", f"unknown household: {household_id}")
        return h

    def raise_task(self, actor: Principal, data: dict[str, Any], now: datetime, *, source: str = "worker",
                   event_id: str = "") -> TaskRow | None:
        """`event_id`: a task raised over Kafka (the hotline), applied once (None when seen before)."""
        with self._uow() as uow:
            if event_id and not uow.first_time(event_id):
                return None
            h = self._household(uow, data["household_id"])
            policy.require(actor, "task.raise", h.community, "household_id")
            if data.get("id") and uow.task(data["id"]) is not None:
                raise Conflict("id", f"任务编号已存在：{data['id']}", f"task id already exists: {data['id']}")
            self._room(uow, 1, "household_id")
            t = build_task(h, data, source=source, raised_by=actor.user, now=now, status="matching")
            uow.add(t)
            uow.emit(task_event(t, "raised", raised_body(t), actor.user))
            stock.ask(uow, t, "reserve")
            self._matcher.mark_tasks(uow, [t])
            uow.commit()
            return t

    def raise_many(self, actor: Principal, rows: list[dict[str, Any]], now: datetime,
                   refused: list[tuple[int, str, str, str]] | None = None) -> list[TaskRow]:
        """A sheet: every row checked first (all or nothing), then one re-match. `refused`: what the
        sheet's parse already refused; every row is still checked for its household and community, so
        one answer names every bad row (403 when any is another community's, else 422)."""
        with self._uow() as uow:
            refused = list(refused or [])
            bad_rows = {r for r, *_ in refused}
            made, forbidden = [], False
            for i, data in enumerate(rows):
                n = data.get("row", i + 2)
                if not data.get("household_id"):
                    continue  # the parse named it already
                try:
                    h = self._household(uow, data["household_id"], "household_id")
                    policy.require(actor, "task.raise", h.community, "household_id")
                    if n not in bad_rows:
                        made.append(build_task(h, data, source="sheet", raised_by=actor.user, now=now,
                                               status="matching"))
                except (Invalid, policy.Denied) as exc:
                    forbidden = forbidden or isinstance(exc, policy.Denied)
                    refused.append((n, exc.field, exc.reason_zh, exc.reason_en))
            if refused:
                raise RowsRefused(sorted(refused, key=lambda e: e[0]), forbidden)
            self._room(uow, len(rows), "rows")
            for t in made:
                uow.add(t)
                uow.emit(task_event(t, "raised", raised_body(t), actor.user))
                stock.ask(uow, t, "reserve")
            self._matcher.mark_tasks(uow, made)
            uow.commit()
            return made

    def wish(self, actor: Principal, data: dict[str, Any], now: datetime) -> TaskRow:
        """A resident's 微心愿 (recorded by a worker or a volunteer collecting requests): waits for approval."""
        with self._uow() as uow:
            h = self._household(uow, data["household_id"])
            policy.require(actor, "task.wish", h.community, "household_id")
            t = build_task(h, data, source="wish", raised_by=actor.user, now=now, status="wish")
            uow.add(t)
            uow.emit(task_event(t, "raised", raised_body(t), actor.user))
            uow.commit()
            return t

    def approve(self, actor: Principal, task_id: str, now: datetime) -> TaskRow:
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            t = self._task(uow, task_id)
            policy.require(actor, "task.approve", t.community, "task_id")
            self._expect(t, ("wish",))
            t.status = "matching"
            uow.emit(task_event(t, "raised", raised_body(t), actor.user))
            stock.ask(uow, t, "reserve")
            self._matcher.mark_tasks(uow, [t])
            uow.commit()
            return t

    # -- the volunteer's answers -------------------------------------------------------------------
    def _task(self, uow: UnitOfWork, task_id: str) -> TaskRow:
        t = uow.task(task_id, lock=True)
        if t is None:
            raise NotFound("task_id", f"任务不存在：{task_id}", f"unknown task: {task_id}")
        return t

    @staticmethod
    def _expect(t: TaskRow, statuses: tuple[str, ...]) -> None:
        if t.status not in statuses:
            zh, en = STATUS_NAMES.get(t.status, (t.status, t.status))
            raise Conflict("task_id", f"任务当前状态为“{zh}”，不能执行此操作", f"the task is {en}: not possible now")

    @staticmethod
    def _mine(actor: Principal, t: TaskRow) -> None:
        """A volunteer acts on a task held by them (the plan may send them to a neighbouring
        community's door: holding it makes it theirs); the command center on any (for the volunteer)."""
        held = actor.role == policy.VOLUNTEER and t.volunteer_id == actor.user
        policy.require(actor, "task.take", actor.organisation if held else t.community, "task_id")
        if actor.role == policy.VOLUNTEER and not held:
            raise policy.Denied("task_id", "此任务不是派给您的", "this task is not held by you")

    def accept(self, actor: Principal, task_id: str, now: datetime) -> TaskRow:
        with self._uow() as uow:
            t = self._task(uow, task_id)
            self._mine(actor, t)
            self._expect(t, ("proposed",))
            t.status, t.hold_until = "accepted", None
            uow.emit(task_event(t, "accepted", {}, actor.user))
            uow.commit()
            return t

    def claim(self, actor: Principal, task_id: str, now: datetime) -> TaskRow:
        """A volunteer takes an open task from their board (only one the plan says they may take)."""
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            t = self._task(uow, task_id)
            v = uow.volunteer(actor.user) if actor.role == policy.VOLUNTEER else None
            where = {c.id: c for c in uow.compounds()}
            offered = v is not None and task_id in {x.id for x in claim_board(uow, v, where)}
            # a task on their board is open to them (across a district line too); others only their community's
            policy.require(actor, "task.take", actor.organisation if offered else t.community, "task_id")
            if actor.role != policy.VOLUNTEER:
                raise Invalid("task_id", "认领须由志愿者本人操作", "only the volunteer themself can claim")
            if not offered:
                raise Conflict("task_id", "此任务当前不在您的可认领列表中（按分区、技能与时间）",
                               "the plan does not offer this task to you now (zone, skills, time)")
            self._expect(t, ("open", "unmet"))
            t.status, t.volunteer_id, t.claimed, t.hold_until = "accepted", actor.user, True, None
            uow.emit(task_event(t, "claimed", {}, actor.user))
            self._matcher.mark_tasks(uow, [t])
            uow.commit()
            return t

    def decline(self, actor: Principal, task_id: str, now: datetime, note: str = "") -> TaskRow:
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            t = self._task(uow, task_id)
            self._mine(actor, t)
            self._expect(t, ("proposed", "accepted"))
            who = t.volunteer_id or ""
            t.excluded = sorted({*t.excluded, who})
            uow.emit(task_event(t, "declined", {"note": note}, actor.user))
            t.status, t.volunteer_id, t.claimed, t.hold_until = "matching", None, False, None
            self._matcher.mark_tasks(uow, [t])
            uow.commit()
            return t

    def start(self, actor: Principal, task_id: str, now: datetime) -> TaskRow:
        with self._uow() as uow:
            t = self._task(uow, task_id)
            self._mine(actor, t)
            self._expect(t, ("accepted",))
            t.status = "started"
            uow.emit(task_event(t, "started", {}, actor.user))
            uow.commit()
            return t

    def done(self, actor: Principal, task_id: str, note: str, now: datetime) -> TaskRow:
        if not note.strip():
            raise Invalid("note", "请填写完成情况", "say what was done (note)")
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            t = self._task(uow, task_id)
            self._mine(actor, t)
            self._expect(t, ("accepted", "started"))
            t.status, t.done_note, t.done_at = "done", note.strip(), now
            h = uow.household(t.household_id)
            if h is not None and not t.remote:
                h.last_visit_at = now
            uow.emit(task_event(t, "done", {"note": t.done_note}, actor.user))
            stock.ask(uow, t, "consume", "done")
            if t.every_days > 0 and h is not None:
                nxt = build_task(h, {"kind": t.kind, "duration_min": t.duration_min, "every_days": t.every_days,
                                     "note": t.note, "earliest": now + timedelta(days=t.every_days)},
                                 source=t.source, raised_by=t.raised_by, now=now, status="open")
                nxt.status = "matching"
                uow.add(nxt)
                uow.emit(task_event(nxt, "raised", raised_body(nxt), "schedule"))
                self._matcher.mark_tasks(uow, [nxt])
            self._matcher.mark_tasks(uow, [t])  # the volunteer's hours and route changed
            uow.commit()
            return t

    def confirm(self, actor: Principal, task_id: str, now: datetime, note: str = "") -> TaskRow:
        with self._uow() as uow:
            t = self._task(uow, task_id)
            policy.require(actor, "task.confirm", t.community, "task_id")
            self._expect(t, ("done",))
            t.status = "confirmed"
            uow.emit(task_event(t, "confirmed", {"note": note}, actor.user))
            uow.commit()
            return t

    def expire_holds(self, now: datetime) -> int:
        """Proposals not answered in time go back to matching, without that volunteer."""
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            late = [t for t in uow.tasks(("proposed",)) if t.hold_until is not None and t.hold_until <= now]
            for t in late:
                who = t.volunteer_id or ""
                t.excluded = sorted({*t.excluded, who})
                t.status, t.hold_until = "matching", None
                uow.emit(task_event(t, "released", {"reason": "expired", "reason_zh": "志愿者未在时限内确认",
                                                     "reason_en": "the volunteer did not answer in time"}, "expiry"))
                t.volunteer_id = None
                self._matcher.mark_tasks(uow, [t])
            stock.expire(uow, uow.tasks_due(now, ("matching", "open", "unmet", "proposed", "accepted")), now)
            uow.commit()
            return len(late)

    def cancel(self, actor: Principal, task_id: str, now: datetime, note: str = "") -> TaskRow:
        """The community (or the hotline) withdraws a task not yet under way; what it reserved is released."""
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            t = self._task(uow, task_id)
            policy.require(actor, "task.raise", t.community, "task_id")
            self._expect(t, ("wish", "matching", "open", "unmet", "proposed", "accepted"))
            was = t.volunteer_id or ""
            t.status, t.volunteer_id, t.claimed, t.hold_until = "cancelled", None, False, None
            ev = task_event(t, "released", {"reason": "cancelled", "reason_zh": note or "社区已取消此任务",
                                             "reason_en": note or "the community cancelled the task"}, actor.user)
            uow.emit(Event(ev.kind, ev.key, {**ev.data, "volunteer_id": was}))
            stock.ask(uow, t, "release", "cancelled")
            self._matcher.mark_tasks(uow, [t])
            uow.commit()
            return t

    def stock_answer(self, event_id: str, task_id: str, which: str, body: dict[str, Any]) -> bool:
        """The inventory's answer to a 代购 task's reserve, applied once (False: seen before, or no such task)."""
        with self._uow() as uow:
            if not uow.first_time(event_id):
                return False
            t = uow.task(task_id, lock=True)
            if t is None:
                uow.commit()
                return False
            if stock.answer(uow, t, which, body):  # the pages follow it live
                uow.emit(task_event(t, "stock", {"state": which, "warehouse_name": body.get("warehouse_name", "")},
                                    "inventory"))
            uow.commit()
            return True
