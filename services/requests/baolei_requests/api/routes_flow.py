"""Routes beyond intake: who am I, my assignments, start and done, resource state changes by
dispatchers, spreadsheet import, dispatch-sheet exports and the audit log."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from baolei_common import policy
from baolei_common.errors import BASE, responses
from baolei_common.identity import Principal
from baolei_common.problems import Problem
from baolei_common.uploads import Limits, UploadRejected, capped, too_large
from baolei_common.webauth import authorize, current_principal, requires
from baolei_requests.adapters import inventory
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, AuditEntry
from baolei_requests.api import schemas
from baolei_requests.api.deps import session
from baolei_requests.api.fields import Name200, Text64, Text100, Text200
from baolei_requests.api.presenters import assignments_list, exports, labels, needs_list, sheet_files
from baolei_requests.api.routes import (
    KEY,
    AssignmentId,
    ResourceId,
    _notify,
    about,
    assignment_read,
    one_line_key,
)
from baolei_requests.domain.needs import NeedKind
from baolei_requests.service import access as permissions
from baolei_requests.service import errors, needs, registry, transitions
from baolei_requests.service.intake import ImportRejected, import_needs
from baolei_requests.service.sql_uow import SqlUnitOfWork

router = APIRouter(prefix="/api", responses=responses(*BASE))
ROLE_ZH = {"operator": "指挥部操作员", "dispatcher": "国企调度", "site": "社区/隔离点", "viewer": "只读观察员"}


@router.get("/me", summary="当前用户 / who is signed in", response_model=schemas.MeRead)
def me(p: Principal = Depends(current_principal)) -> dict:
    """Who is signed in and what they may do: `actions` maps each action of the one policy
    (baolei_common.policy) this user may take to `any` or `own` (own organisation only)."""
    actions = policy.grants_of(p)
    role_zh, role_en = policy.ROLE_NAMES.get(policy.policy_role(p.role, p.kind), (p.role, p.role))
    return {"user": p.user, "role": p.role, "role_zh": ROLE_ZH.get(p.role, p.role), "organisation": p.organisation,
            "kind": p.kind, "title_zh": role_zh, "title_en": role_en, "actions": actions,
            "can_write": any(a not in policy.READ_ACTIONS for a in actions)}


@router.get("/policy", summary="权限表 / the permission policy: role × own organisation × action")
def get_policy(_: Principal = Depends(current_principal)) -> dict:
    return {"roles": {r: {"zh": zh, "en": en} for r, (zh, en) in policy.ROLE_NAMES.items()},
            "actions": policy.table()}


def assignment_filters(
        status: Annotated[list[Text200] | None, Query(
            description="状态（可多个或逗号分隔）/ statuses, repeatable or comma-separated")] = None,
        organisation: Annotated[Text100 | None, Query(
            description="占用其资源的单位 / an organisation whose resources it holds")] = None,
        kind: Annotated[NeedKind | None, Query(description="转运或物资 / transfer or supply")] = None,
        late: Annotated[bool, Query(description="只看逾期方案 / only plans arriving after the due time")] = False,
        q: Annotated[Text64 | None, Query(description="搜索社区、区、车牌、酒店、编号 / search community, district, "
                                                      "plate, hotel, id")] = None) -> assignments_list.Filters:
    statuses = [x.strip() for v in status or [] for x in v.split(",") if x.strip()]
    bad = [x for x in statuses if x not in assignments_list.STATUSES]
    if bad:
        raise Problem("status", f"未知的任务状态：{'、'.join(bad)}（可选：{'、'.join(assignments_list.STATUSES)}）",
                      f"unknown assignment status: {', '.join(bad)} (one of {', '.join(assignments_list.STATUSES)})",
                      status=422)
    return assignments_list.Filters(status=statuses, organisation=organisation or "", late=late,
                                    kind=kind.value if kind else "", q=(q or "").strip())


def _assignment_reads(request: Request, s: Session, p: Principal, rows: list[Assignment]) -> list:
    # warehouse names (the inventory's) first, so no database connection waits on that call
    warehouses = inventory.warehouse_names(request.app.state.config.inventory_url, p.token) \
        if rows and (permissions.sees_all(p) or p.kind == "supply") else {}
    names = exports.load_names(s, rows, warehouses)
    return [assignment_read(a, p).model_copy(update={"names": names.of([a]), "kind": a.kind, "risk": a.need.risk or "",
                                                  "site_name": names.site(a.need.site_id)}) for a in rows]


@router.get("/assignments/page", response_model=schemas.AssignmentPage,
            summary="任务分页（带总数与筛选）/ a page of the assignments I may see, with the total that match")
def assignments_page(request: Request, f: assignments_list.Filters = Depends(assignment_filters),
                     offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100, s: Session = Depends(session),
                     p: Principal = Depends(current_principal)) -> dict:
    """Newest proposal first. The caller's scope is part of the query: a dispatcher's total counts only
    the assignments holding its organisation's resources, a site's only those of its needs."""
    rows, total = assignments_list.page(s, p, f, offset, limit)
    zh, en = needs_list.shown_text(len(rows), offset, total)
    return {"items": _assignment_reads(request, s, p, rows), "total": total, "offset": offset, "limit": limit,
            "shown_zh": zh, "shown_en": en}


@router.get("/assignments", response_model=list[schemas.AssignmentRead], summary="任务 / assignments I may see",
            description="The total that match is in the `X-Total-Count` header; `GET /api/assignments/page` "
                        "answers with it in the body.")
def list_assignments(request: Request, response: Response,
                     f: assignments_list.Filters = Depends(assignment_filters),
                     offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                     limit: Annotated[int, Query(ge=1, le=2000)] = 500, s: Session = Depends(session),
                     p: Principal = Depends(current_principal)) -> list:
    rows, total = assignments_list.page(s, p, f, offset, limit)
    response.headers["X-Total-Count"] = str(total)
    return _assignment_reads(request, s, p, rows)


@router.post("/assignments/{assignment_id}/start", response_model=schemas.AssignmentRead,
             summary="开始执行 / trip or pick under way", responses=responses(403, 404, 409))
def start(assignment_id: AssignmentId, request: Request, s: Session = Depends(session),
          p: Principal = Depends(requires("assignment.run"))) -> schemas.AssignmentRead:
    a = transitions.start(SqlUnitOfWork.over(s), p, assignment_id)
    _notify(request, **about(a))
    return assignment_read(a, p)


@router.post("/assignments/{assignment_id}/done", response_model=schemas.AssignmentRead,
             summary="完成/送达 / done, delivered (a transfer then waits for the hotel to confirm arrival)",
             responses=responses(403, 404, 409))
def done(assignment_id: AssignmentId, body: schemas.DoneIn, request: Request, s: Session = Depends(session),
         p: Principal = Depends(requires("assignment.run"))) -> schemas.AssignmentRead:
    a = transitions.finish(SqlUnitOfWork.over(s), p, assignment_id, body.delivered, body.note, body.lines)
    _notify(request, **about(a))
    return assignment_read(a, p)


@router.post("/assignments/{assignment_id}/arrive", response_model=schemas.AssignmentRead,
             summary="酒店确认入住 / the hotel confirms who arrived; whoever did not goes back to matching",
             responses=responses(403, 404, 409))
def arrive(assignment_id: AssignmentId, body: schemas.ArriveIn, request: Request, s: Session = Depends(session),
           p: Principal = Depends(requires("assignment.arrive"))) -> schemas.AssignmentRead:
    hotel_org = (needs.get_assignment(s, assignment_id).room or {}).get("operator", "")
    authorize(p, "assignment.arrive", hotel_org, "assignment_id")
    a = transitions.arrive(SqlUnitOfWork.over(s), p, assignment_id, body.arrived, body.note,
                           request.app.state.config.stay_rules())
    _notify(request, **about(a))
    return assignment_read(a, p)


@router.post("/buses/{bus_id}/state", summary="车辆停运/恢复 / bus out of service or back",
             response_model=schemas.IdRead, responses=responses(403, 404))
def bus_state(bus_id: ResourceId, body: schemas.BusStateIn, request: Request, s: Session = Depends(session),
              p: Principal = Depends(requires("bus.manage"))) -> dict:
    operator = registry.set_bus_state(SqlUnitOfWork.over(s), p, bus_id, body.state, body.reason)
    _notify(request, bus_id=bus_id, organisations=[operator])
    return {"id": bus_id, "state": body.state}


@router.post("/hotels/{hotel_id}/state", summary="开放/关闭/消杀房间 / rooms opened, closed or being cleaned",
             response_model=schemas.IdRead, responses=responses(403, 404, 409))
def hotel_state(hotel_id: ResourceId, body: schemas.HotelStateIn, request: Request, s: Session = Depends(session),
                p: Principal = Depends(requires("hotel.manage"))) -> dict:
    out = body.out_of_use.model_dump()
    operator = registry.set_hotel_state(SqlUnitOfWork.over(s), p, hotel_id, body.state, out, body.reason)
    _notify(request, hotel_id=hotel_id, organisations=[operator])
    return {"id": hotel_id, "state": body.state, "out_of_use": out}


IMPORT_RESPONSES: dict[int | str, dict] = {
    422: {"model": schemas.ImportRejectedRead,
          "description": "文件过大、无法读取、行数过多或有错误行（列出前若干条及总数），未导入任何需求 / "
                         "file too large or unreadable, too many rows, or bad rows (the first ones listed, "
                         "with the total); nothing imported"},
    **responses(403),
}


async def _read_capped(request: Request, max_bytes: int) -> bytes | None:
    """The body, or None once it passes `max_bytes` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _import_rejected(errors: list, limits: Limits, status: int = 422, denied: set[int] | None = None) -> JSONResponse:
    """Every bad row (the first `limits.max_errors`, with the total); `denied`: rows the caller may not
    raise needs for (`not_entitled` on their entries)."""
    shown, total = capped(sorted(errors, key=lambda e: (e.row, e.column)), limits)
    more = f"（仅列出前 {len(shown)} 处）" if total > len(shown) else ""
    more_en = f" (the first {len(shown)} listed)" if total > len(shown) else ""
    denied = denied or set()
    rows = len({e.row for e in errors})
    return JSONResponse(status_code=status, content={
        "detail": [{"field": f"rows[{e.row}].{e.column}" if e.column else f"rows[{e.row}]",
                    "reason_zh": e.reason_zh, "reason_en": e.reason_en, "row": e.row, "column": e.column,
                    **({"not_entitled": True} if e.row in denied else {})} for e in shown],
        "message_zh": f"{rows} 行共 {total} 处错误{more}，未导入任何需求", "imported": 0, "error_count": total,
        "row_count": rows, "message_en": f"{total} error(s) in {rows} row(s){more_en}; nothing was imported"})


IMPORT_BODY = {"requestBody": {"required": True, "description": "CSV（UTF-8、GBK、GB18030）或 XLSX，最大 5 MB / "
                                                           "CSV (UTF-8, GBK, GB18030) or XLSX, at most 5 MB",
                               "content": {"text/csv": {"schema": {"type": "string"}},
                                           "application/octet-stream": {"schema": {"type": "string",
                                                                                   "format": "binary"}}}}}


@router.post("/needs/import", summary="表格导入需求（CSV/XLSX，全部或全不）/ import a spreadsheet, all rows or none",
             responses=IMPORT_RESPONSES, status_code=201, response_model=schemas.ImportRead,
             openapi_extra=IMPORT_BODY)
async def import_sheet(request: Request, filename: Annotated[Name200, Query()] = "needs.csv",
                       p: Principal = Depends(requires("need.import")),
                       idempotency_key: Annotated[str | None, KEY] = None) -> JSONResponse:
    one_line_key(idempotency_key)
    c = request.app.state.container
    limits = c.import_limits
    data = await _read_capped(request, limits.max_bytes)
    if data is None:
        return JSONResponse(status_code=422, content={"detail": [too_large(limits).as_detail()], "imported": 0})

    def woke(_: int) -> None:
        relay = request.app.state.workers.get("outbox")
        if relay is not None:
            relay.wake()

    def run() -> JSONResponse:
        try:
            done = import_needs(request.app.state.sessions, p, data, filename, idempotency_key, limits=limits,
                                rules=c.intake_rules, row_schema=schemas.NeedCreate,
                                chunk_rows=c.config.import_chunk_rows, on_commit=woke)
        except UploadRejected as exc:
            return JSONResponse(status_code=422, content={"detail": [exc.as_detail()], "imported": 0})
        except ImportRejected as exc:
            # rows for another organisation's sites make it a 403 (not entitled), but every bad row is
            # listed, those included, so the sheet is fixed in one go (it named only the refused row)
            return _import_rejected(exc.errors, limits, status=403 if exc.denied else 422,
                                    denied={e.row for e in exc.denied})
        by_need = policy.owned_by(p) == policy.NEED_SIDE
        request.app.state.live.publish_threadsafe({"type": "changed", "imported": len(done),
                                                   "need_organisation": p.organisation if by_need else ""})
        return JSONResponse(status_code=201, content={
            "imported": sum(d.created for d in done), "repeated": sum(not d.created for d in done),
            "needs": [{"row": d.row, "id": d.need.id, "created": d.created, "priority": d.need.priority,
                       "duplicate_of": d.need.duplicate_of} for d in done]})
    return await run_in_threadpool(run)


@router.get("/exports/dispatch-sheet", summary="调度单导出 CSV/XLSX / dispatch sheet per organisation and day",
            responses={200: {"content": {"text/csv": {}, "application/json": {},
                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
                             "description": "CSV（UTF-8 带 BOM）、XLSX 或 JSON；中文表头（lang=en 为英文）/ "
                                            "CSV (UTF-8, BOM), XLSX or JSON; Chinese headers (English: lang=en)"},
                       **responses(403)})
def dispatch_sheet(request: Request, organisation: Annotated[Text200 | None, Query(
                       description="单位；调度员只能导出本单位的（缺省即本单位）/ the organisation; a dispatcher's "
                                   "own (the default for a dispatcher)")] = None,
                   day: Annotated[date | None, Query(description="北京时间日期 / Beijing day")] = None,
                   format: str = Query("csv", pattern="^(csv|xlsx|json)$"),
                   lang: str = Query("zh", pattern="^(zh|en)$"), s: Session = Depends(session),
                   p: Principal = Depends(current_principal)) -> Response:
    if policy.read_scope(p, "sheet.read") is None:  # sites and the viewer: a sheet is work to carry out
        raise errors.Forbidden("only operators and dispatchers export dispatch sheets (of their own organisation)",
                               "只有指挥部和调度员可导出调度单（本单位的）")
    sees_all = policy.sees_all(p, "sheet.read")
    org = organisation or ("" if sees_all else p.organisation)
    if not sees_all and org != p.organisation:
        raise errors.Forbidden(f"{p.organisation} cannot export the sheet of {org}",
                                f"{p.organisation}无权导出{org}的调度单", "organisation")
    warehouses = inventory.warehouse_names(request.app.state.config.inventory_url, p.token) \
        if sees_all or p.kind == "supply" else {}  # before any query: no connection waits on it
    data = exports.sheet(s, org, day, lang, p.kind if policy.owned_by(p) == policy.RESOURCE_SIDE else "", warehouses)
    name = f"dispatch-{org or 'all'}-{day or 'all'}"
    if format == "json":
        return JSONResponse(data)
    if format == "xlsx":
        return Response(sheet_files.to_xlsx(data), headers=_attachment(f"{name}.xlsx"),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(sheet_files.to_csv(data), media_type="text/csv; charset=utf-8", headers=_attachment(f"{name}.csv"))


def _attachment(name: str) -> dict[str, str]:
    from urllib.parse import quote
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


@router.get("/audit", summary="审计日志（指挥部）/ audit log, operators only", response_model=list[schemas.AuditRead],
            responses=responses(403))
def audit_log(response: Response, entity: Annotated[Text200 | None, Query()] = None,
              actor: Annotated[Text100 | None, Query()] = None, limit: Annotated[int, Query(ge=1, le=5000)] = 200,
              offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
              s: Session = Depends(session), p: Principal = Depends(requires("audit.read"))) -> list[dict]:
    """Newest first; how many entries match in all is in the `X-Total-Count` header."""
    q = select(AuditEntry)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    response.headers["X-Total-Count"] = str(s.scalar(q.with_only_columns(func.count(AuditEntry.id))) or 0)
    names = labels.Names.of(s)
    out = []
    for e in s.scalars(q.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)).all():
        zh, en = labels.audit_text(e, names)
        out.append({"id": e.id, "at": as_utc(e.at), "actor": e.actor, "role": e.role, "organisation": e.organisation,
                    "action": e.action, "entity": e.entity, "before": e.before, "after": e.after,
                    "text_zh": zh, "text_en": en})
    return out
