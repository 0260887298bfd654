"""Doorstep tasks: raised (one, a sheet, a 微心愿 and its approval) and their life (accept, claim,
decline, start, done with a note, confirm). Every answer is the task as the caller may see it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, UploadFile

from baolei_common.errors import responses
from baolei_common.identity import Principal
from baolei_common.uploads import RowError, RowsRejected, UploadRejected, capped, read_table
from baolei_common.webauth import requires
from baolei_volunteers.api.deps import container, now
from baolei_volunteers.api.schemas import NoteIn, TaskIn, WishIn
from baolei_volunteers.bootstrap import Container
from baolei_volunteers.service.errors import RowsRefused
from baolei_volunteers.service.sheet import parse_rows
from baolei_volunteers.service.views import task_view

router = APIRouter(prefix="/api", tags=["tasks"])
R = responses(401, 403, 404, 409, 422, 503)


def _out(t: Any) -> dict[str, Any]:
    return task_view(t, None, None)


@router.post("/tasks", status_code=201, summary="发起上门任务（社区工作人员或热线）/ raise a doorstep task",
             responses=R)
def raise_task(body: TaskIn, c: Container = Depends(container), p: Principal = Depends(requires("task.raise")),
               at: datetime = Depends(now)) -> dict[str, Any]:
    data = body.model_dump()
    return _out(c.tasks.raise_task(p, data, at, source=data.pop("source")))


@router.post("/tasks/import", status_code=201, summary="导入任务表格（CSV/XLSX，支持 GBK）/ import a task sheet",
             responses=R)
def import_tasks(file: UploadFile = File(...), c: Container = Depends(container),
                 p: Principal = Depends(requires("task.raise")), at: datetime = Depends(now)) -> dict[str, Any]:
    limits = c.upload_limits
    try:
        table = read_table(file.file.read(limits.max_bytes + 1), file.filename or "", limits)
    except UploadRejected as exc:
        raise RowsRejected([RowError(0, exc.field, exc.reason_zh, exc.reason_en)]) from None
    rows, errors = parse_rows(table)
    if not rows and errors:  # the sheet itself (empty, missing columns): no row to check further
        shown, total = capped(errors, limits)
        raise RowsRejected(shown, total=total)
    try:  # households and communities checked on every row too: one answer names every bad row
        made = c.tasks.raise_many(p, rows, at, [(e.row, e.field, e.reason_zh, e.reason_en) for e in errors])
    except RowsRefused as exc:
        shown, total = capped([RowError(*e) for e in exc.entries], limits)
        raise RowsRejected(shown, 403 if exc.forbidden else 422, total) from None
    return {"applied": len(made), "task_ids": [t.id for t in made], "matching": "pending"}


@router.post("/wishes", status_code=201, summary="登记居民微心愿（待社区审核）/ record a resident's wish", responses=R)
def wish(body: WishIn, c: Container = Depends(container), p: Principal = Depends(requires("task.wish")),
         at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.wish(p, body.model_dump(), at))


@router.post("/tasks/{task_id}/approve", summary="审核通过微心愿 / approve a wish", responses=R)
def approve(task_id: str, c: Container = Depends(container), p: Principal = Depends(requires("task.approve")),
            at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.approve(p, task_id, at))


@router.post("/tasks/{task_id}/accept", summary="志愿者接单 / the volunteer accepts", responses=R)
def accept(task_id: str, c: Container = Depends(container), p: Principal = Depends(requires("task.take")),
           at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.accept(p, task_id, at))


@router.post("/tasks/{task_id}/claim", summary="志愿者认领 / the volunteer claims an open task", responses=R)
def claim(task_id: str, c: Container = Depends(container), p: Principal = Depends(requires("task.take")),
          at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.claim(p, task_id, at))


@router.post("/tasks/{task_id}/decline", summary="志愿者婉拒（重新匹配，不再派给本人）/ decline", responses=R)
def decline(task_id: str, body: NoteIn | None = None, c: Container = Depends(container),
            p: Principal = Depends(requires("task.take")), at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.decline(p, task_id, at, body.note if body else ""))


@router.post("/tasks/{task_id}/start", summary="出发 / start", responses=R)
def start(task_id: str, c: Container = Depends(container), p: Principal = Depends(requires("task.take")),
          at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.start(p, task_id, at))


@router.post("/tasks/{task_id}/done", summary="完成并填写情况 / done, with a note", responses=R)
def done(task_id: str, body: NoteIn, c: Container = Depends(container), p: Principal = Depends(requires("task.take")),
         at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.done(p, task_id, body.note, at))


@router.post("/tasks/{task_id}/cancel", summary="社区取消任务（释放代购占用的物资）/ cancel a task", responses=R)
def cancel(task_id: str, body: NoteIn | None = None, c: Container = Depends(container),
           p: Principal = Depends(requires("task.raise")), at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.cancel(p, task_id, at, body.note if body else ""))


@router.post("/tasks/{task_id}/confirm", summary="住户或社区确认完成 / confirm it was done", responses=R)
def confirm(task_id: str, body: NoteIn | None = None, c: Container = Depends(container),
            p: Principal = Depends(requires("task.confirm")), at: datetime = Depends(now)) -> dict[str, Any]:
    return _out(c.tasks.confirm(p, task_id, at, body.note if body else ""))
