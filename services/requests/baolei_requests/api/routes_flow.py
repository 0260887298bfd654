"""Routes beyond intake: who am I, my assignments, start and done, resource state changes by
dispatchers, spreadsheet import, dispatch-sheet exports and the audit log."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from baolei_common.errors import BASE, responses
from baolei_common.fields import text
from baolei_requests import exports, permissions, service, transitions
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, AuditEntry, Bus, Hotel
from baolei_requests.api import schemas
from baolei_requests.api.deps import operator, principal, session, writer
from baolei_requests.api.routes import KEY, AssignmentId, ResourceId, _commit, assignment_read, one_line_key
from baolei_requests.intake.service import ImportRejected, import_needs
from baolei_requests.service import Principal

router = APIRouter(prefix="/api", responses=responses(*BASE))
ROLE_ZH = {"operator": "指挥部操作员", "dispatcher": "国企调度", "site": "社区/隔离点", "viewer": "只读观察员"}


@router.get("/me", summary="当前用户 / who is signed in", response_model=schemas.MeRead)
def me(p: Principal = Depends(principal)) -> dict:
    return {"user": p.user, "role": p.role, "role_zh": ROLE_ZH.get(p.role, p.role), "organisation": p.organisation,
            "can_write": p.role != "viewer"}


@router.get("/assignments", response_model=list[schemas.AssignmentRead], summary="任务 / assignments I may see")
def list_assignments(status: Annotated[text(200) | None,
                                       Query(description="逗号分隔的状态 / statuses, comma-separated")] = None,
                     limit: Annotated[int, Query(ge=1, le=5000)] = 500, s: Session = Depends(session),
                     p: Principal = Depends(principal)) -> list[schemas.AssignmentRead]:
    q = select(Assignment).order_by(Assignment.proposed_at.desc()).limit(limit)
    if status:
        q = q.where(Assignment.status.in_(status.split(",")))
    return [assignment_read(a) for a in s.scalars(q).all() if permissions.assignment_view(p, a)]


@router.post("/assignments/{assignment_id}/start", response_model=schemas.AssignmentRead,
             summary="开始执行 / trip or pick under way", responses=responses(403, 404, 409))
def start(assignment_id: AssignmentId, request: Request, s: Session = Depends(session),
          p: Principal = Depends(writer)) -> schemas.AssignmentRead:
    a = transitions.start(s, p, assignment_id)
    _commit(request, s, need_id=a.need_id, assignment_id=a.id)
    return assignment_read(a)


@router.post("/assignments/{assignment_id}/done", response_model=schemas.AssignmentRead,
             summary="完成/送达 / done, delivered", responses=responses(403, 404, 409))
def done(assignment_id: AssignmentId, body: schemas.DoneIn, request: Request, s: Session = Depends(session),
         p: Principal = Depends(writer)) -> schemas.AssignmentRead:
    a = transitions.finish(s, p, assignment_id, body.delivered, body.note)
    _commit(request, s, need_id=a.need_id, assignment_id=a.id)
    return assignment_read(a)


@router.post("/buses/{bus_id}/state", summary="车辆停运/恢复 / bus out of service or back",
             response_model=schemas.IdRead, responses=responses(403, 404))
def bus_state(bus_id: ResourceId, body: schemas.BusStateIn, request: Request, s: Session = Depends(session),
              p: Principal = Depends(writer)) -> dict:
    bus = s.get(Bus, bus_id)
    if bus is None:
        raise service.NotFound("bus", bus_id)
    permissions.require_resource(p, bus)
    service.upsert_bus(s, p, {"id": bus.id, "state": body.state, "depot_id": bus.depot_id})
    _commit(request, s, bus_id=bus_id)
    return {"id": bus_id, "state": body.state}


@router.post("/hotels/{hotel_id}/state", summary="开放/关闭/消杀房间 / rooms opened, closed or being cleaned",
             response_model=schemas.IdRead, responses=responses(403, 404, 409))
def hotel_state(hotel_id: ResourceId, body: schemas.HotelStateIn, request: Request, s: Session = Depends(session),
                p: Principal = Depends(writer)) -> dict:
    hotel = s.get(Hotel, hotel_id)
    if hotel is None:
        raise service.NotFound("hotel", hotel_id)
    permissions.require_resource(p, hotel)
    out = body.out_of_use.model_dump()
    for k, v in out.items():
        if v > hotel.rooms.get(k, 0):
            raise service.Conflict(f"out_of_use.{k}: {v} exceeds the hotel's {hotel.rooms.get(k, 0)} rooms",
                                   f"停用房间数 {v} 超过该酒店的 {hotel.rooms.get(k, 0)} 间", f"out_of_use.{k}")
    service.upsert_hotel(s, p, {"id": hotel.id, "state": body.state, "out_of_use": out, "site_id": hotel.site_id})
    _commit(request, s, hotel_id=hotel_id)
    return {"id": hotel_id, "state": body.state, "out_of_use": out}


@router.post("/needs/import", summary="表格导入需求（CSV/XLSX，全部或全不）/ import a spreadsheet, all rows or none",
             status_code=201, response_model=schemas.ImportRead,
             openapi_extra={"requestBody": {"required": True,
                                            "description": "CSV（UTF-8）或 XLSX 文件的字节 / the file's bytes",
                                            "content": {"application/octet-stream": {
                                                "schema": {"type": "string", "format": "binary"}}}}},
             responses={422: {"model": schemas.ImportRejectedRead,
                              "description": "逐行逐列的错误，未导入任何需求 / "
                                             "every bad row and column; nothing imported"},
                        **responses(403)})
async def import_sheet(request: Request, filename: Annotated[text(200, min_length=1), Query()] = "needs.csv",
                       p: Principal = Depends(writer),
                       idempotency_key: Annotated[str | None, KEY] = None) -> JSONResponse:
    one_line_key(idempotency_key)
    data = await request.body()

    def run() -> JSONResponse:
        with request.app.state.sessions() as s:
            try:
                done = import_needs(s, p, data, filename, idempotency_key)
            except ImportRejected as exc:
                s.rollback()
                return JSONResponse(status_code=422, content={
                    "detail": [{"field": e.column or "file", "row": e.row, "column": e.column, "reason_zh": e.reason_zh,
                                "reason_en": e.reason_en} for e in exc.errors], "imported": 0})
            _commit(request, s, imported=len(done))
            return JSONResponse(status_code=201, content={
                "imported": sum(d.created for d in done), "repeated": sum(not d.created for d in done),
                "needs": [{"row": d.row, "id": d.need.id, "created": d.created, "priority": d.need.priority,
                           "duplicate_of": d.need.duplicate_of} for d in done]})
    return await run_in_threadpool(run)


@router.get("/exports/dispatch-sheet", summary="调度单导出 CSV/XLSX / dispatch sheet per organisation and day",
            responses={200: {"content": {"text/csv": {}, "application/json": {},
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
                             "description": "CSV、XLSX 或 JSON / CSV, XLSX or JSON"}, **responses(403)})
def dispatch_sheet(organisation: Annotated[text(200) | None, Query()] = None, day: date | None = None,
                   format: str = Query("csv", pattern="^(csv|xlsx|json)$"), s: Session = Depends(session),
                   p: Principal = Depends(principal)) -> Response:
    org = organisation or ("" if permissions.sees_all(p) else p.organisation)
    if not permissions.sees_all(p) and org != p.organisation:
        raise service.Forbidden(f"{p.organisation} cannot export the sheet of {org}",
                                f"{p.organisation}无权导出{org}的调度单", "organisation")
    if p.role == "site":
        raise service.Forbidden("sites have no dispatch sheet", "社区/隔离点没有调度单")
    rows = exports.sheet_rows(s, org, day)
    title = f"调度单 dispatch sheet — {org or '全部 all'} — {day.isoformat() if day else '全部日期 all days'}"
    name = f"dispatch-{org or 'all'}-{day or 'all'}"
    if format == "json":
        return JSONResponse({"title": title, "columns": exports.COLUMNS, "rows": rows})
    if format == "xlsx":
        return Response(exports.to_xlsx(rows, title), headers=_attachment(f"{name}.xlsx"),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(exports.to_csv(rows), media_type="text/csv; charset=utf-8", headers=_attachment(f"{name}.csv"))


def _attachment(name: str) -> dict[str, str]:
    from urllib.parse import quote
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


@router.get("/audit", summary="审计日志（指挥部）/ audit log, operators only", response_model=list[schemas.AuditRead],
            responses=responses(403))
def audit_log(entity: Annotated[text(200) | None, Query()] = None, actor: Annotated[text(100) | None, Query()] = None,
              limit: Annotated[int, Query(ge=1, le=5000)] = 200,
              s: Session = Depends(session), p: Principal = Depends(operator)) -> list[dict]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    return [{"id": e.id, "at": as_utc(e.at), "actor": e.actor, "role": e.role, "organisation": e.organisation,
             "action": e.action, "entity": e.entity, "before": e.before, "after": e.after} for e in s.scalars(q)]
