"""Routes of the requests service: needs, resources, assignments."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from baolei_common import policy, skus
from baolei_common.errors import BASE, responses
from baolei_common.events import utcnow
from baolei_common.fields import Id, one_line
from baolei_common.identity import Principal
from baolei_common.problems import Problem
from baolei_common.webauth import authorize, current_principal, requires
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, Bus, Hotel, Need
from baolei_requests.api import schemas
from baolei_requests.api.deps import session
from baolei_requests.api.fields import Text64, Text100
from baolei_requests.api.presenters import labels, lateness, needs_list
from baolei_requests.domain.intake.checks import IntakeRejected, KeyReused
from baolei_requests.domain.intake.checks import Problem as IntakeProblem
from baolei_requests.domain.lifecycle import ASSIGNMENT_ZH, awaiting, must_answer
from baolei_requests.domain.needs import STATUS_ZH, NeedKind, NeedStatus, derive_priority
from baolei_requests.service import access as permissions
from baolei_requests.service import cancel, decisions, faster, needs, registry
from baolei_requests.service.sql_uow import SqlUnitOfWork
from baolei_requests.service.transitions import progress_of, staple_progress

router = APIRouter(prefix="/api", responses=responses(*BASE))
# path parameters: an id, bounded, no control characters
NeedId = Annotated[Id, Path(description="需求编号 / need id")]
AssignmentId = Annotated[Id, Path(description="任务编号 / assignment id")]
ResourceId = Annotated[Id, Path(description="地点、酒店或车辆编号 / site, hotel or bus id")]
KEY = Header(max_length=200, description="幂等键：同一键重复提交只受理一次 / one need per key")


def need_read(need: Need, s: Session | None = None, p: Principal | None = None) -> schemas.NeedRead:
    label_zh, label_en = labels.need_text(need.kind, need.site.name, need.people, need.lines)
    words = labels.Names.of(s).humanise if s is not None and need.unmet_code else (lambda text: text)
    return schemas.NeedRead(
        id=need.id, kind=need.kind, site_id=need.site_id, site_name=need.site.name, district=need.site.district,
        organisation=need.organisation, priority=need.priority, priority_reason=need.priority_reason,
        priority_reason_en=priority_reason_en(need), label_zh=label_zh, label_en=label_en,
        status=need.status, status_zh=STATUS_ZH[NeedStatus(need.status)], risk=need.risk, people=need.people,
        rooms=need.rooms, lines=need.lines, ready_at=as_utc(need.ready_at), due_at=as_utc(need.due_at),
        created_at=as_utc(need.created_at), duplicate_of=need.duplicate_of, unmet_code=need.unmet_code,
        unmet_reason_zh=words(need.unmet_reason_zh), unmet_reason_en=words(need.unmet_reason_en), note=need.note,
        progress=progress_of(need).as_dict(), assignments=[assignment_read(a, p) for a in need.assignments],
        duplicate=duplicate_ref(need, s, p), **progress_words(need),
        **lateness.fields(lateness.current(need.assignments)))


def progress_words(need: Need) -> dict:
    """The progress in words, a supply need's staple by staple with units (never one sum of bags and
    bottles): "需 大米 80 袋、食用油 30 瓶 · 已送达 大米 50 袋 · 待解决 大米 30 袋、食用油 30 瓶"."""
    if need.kind == "transfer":
        pr = progress_of(need)
        return {"progress_zh": f"需 {pr.asked} 人 · 已确认 {pr.confirmed} 人 · 已送达 {pr.delivered} 人 · "
                               f"待解决 {pr.remaining} 人",
                "progress_en": f"{labels.count_en(pr.asked, 'person', 'people')} asked · {pr.confirmed} confirmed · "
                               f"{pr.delivered} delivered · {pr.remaining} remaining"}
    lines = staple_progress(need)
    parts_zh, parts_en = [], []
    for key, zh, en in (("asked", "需", "asked"), ("in_flight", "在途", "on the way"),
                        ("delivered", "已送达", "delivered"), ("remaining", "待解决", "remaining")):
        amounts = [(ln["sku"], ln[key]) for ln in lines if ln[key] or key == "asked"]
        if amounts or key == "remaining":
            parts_zh.append(f"{zh} {skus.amounts_zh(amounts) or '0'}")
            parts_en.append(f"{skus.amounts_en(amounts) or 'nothing'} {en}")
    return {"progress_lines": lines, "progress_zh": " · ".join(parts_zh), "progress_en": " · ".join(parts_en)}


def priority_reason_en(need: Need) -> str:
    """The priority's reason in English: derived again from the zone and the vulnerable people, or
    the hand-set override with its reason as written."""
    derived = derive_priority(need.site.zone, need.vulnerabilities or [])
    if need.priority_reason == derived.reason_zh:
        return derived.reason_en
    m = re.fullmatch(r"人工调整：(.*)（建议 (\d)：.*）", need.priority_reason or "", flags=re.S)
    if m:
        return f"set by hand: {m.group(1)} (suggested {m.group(2)}: {derived.reason_en})"
    return need.priority_reason


def duplicate_ref(need: Need, s: Session | None, p: Principal | None) -> schemas.DuplicateRef | None:
    """The likely duplicate in words, with its id only if the reader may open it."""
    if not need.duplicate_of or s is None:
        return None
    other = s.get(Need, need.duplicate_of)
    if other is None:
        return None
    zh, en = labels.need_text(other.kind, other.site.name, other.people, other.lines)
    readable = p is None or permissions.can_read_need(p, other)
    return schemas.DuplicateRef(need_id=other.id if readable else None, label_zh=zh, label_en=en,
                                created_at=as_utc(other.created_at))


def assignment_read(a: Assignment, p: Principal | None = None) -> schemas.AssignmentRead:
    """The assignment as the API shows it; with `p`, what this caller is still to do about it
    (`must_answer`, `must_confirm_arrival`: the rules of domain/lifecycle.py and the policy)."""
    s = object_session(a)
    names = labels.Names.of(s) if s is not None else None
    res_zh, res_en = names.resources(a) if names else ("", "")
    return schemas.AssignmentRead(
        id=a.id, need_id=a.need_id, status=a.status, status_zh=ASSIGNMENT_ZH.get(a.status, a.status),
        organisations=a.organisations, room=names.room(a.room) if names else a.room,
        trips=names.trips(a.trips) if names else a.trips, picks=names.picks(a.picks) if names else a.picks,
        people=a.people, resources_zh=res_zh, resources_en=res_en,
        explanation_zh=names.humanise(a.explanation_zh) if names else a.explanation_zh,
        explanation_en=names.humanise(a.explanation_en) if names else a.explanation_en, release_reason=a.release_reason,
        proposed_at=as_utc(a.proposed_at), hold_expires_at=as_utc(a.hold_expires_at),
        started_at=as_utc(a.started_at), done_at=as_utc(a.done_at), delivered=a.delivered or 0,
        decided_by=a.decided_by, accepted_by=a.accepted_by or [],
        awaiting=awaiting(a.status, a.organisations or [], a.accepted_by or []),
        **({} if p is None else to_do(p, a)),
        decline_reason=a.release_reason.partition(":")[2].strip() if a.release_reason.startswith("declined") else "",
        **lateness.fields(a))


def to_do(p: Principal, a: Assignment) -> dict[str, bool]:
    """Whether this caller must answer the hold (an operator's answer stands for all) and may
    confirm who arrived at the hotel."""
    orgs, accepted_by = list(a.organisations or []), list(a.accepted_by or [])
    answer = policy.allows(p, "assignment.answer", orgs) and must_answer(
        a.status, orgs, accepted_by, p.organisation, policy.answers_for_all(p))
    arrive = a.status == "arriving" and policy.allows(p, "assignment.arrive", (a.room or {}).get("operator", ""))
    return {"must_answer": answer, "must_confirm_arrival": arrive}


def organisation_of(p: Principal, site_organisation: str, requested: str | None) -> str:
    """The need's organisation: the site's, never the body's (a different one is a 422)."""
    try:
        return permissions.need_organisation(p, site_organisation, requested)
    except ValueError as exc:
        raise HTTPException(422, detail=[{
            "field": "organisation",
            "reason_zh": f"需求所属单位由令牌和地点决定（{exc}），不能在正文中指定为“{requested}”",
            "reason_en": f"a need's organisation comes from the token and the site ({exc}), "
                         f"not from the body ({requested!r})"}]) from None


def about(a: Assignment) -> dict:
    """What a live event about this assignment says, and whose it is (live/audience.py)."""
    return {"need_id": a.need_id, "assignment_id": a.id, "need_organisation": a.need.organisation,
            "organisations": list(a.organisations)}


def one_line_key(key: str | None) -> None:
    """An Idempotency-Key is one line of text."""
    try:
        one_line(key)
    except ValueError:
        raise Problem("Idempotency-Key", "幂等键不能包含控制字符",
                      "Idempotency-Key must not contain control characters", status=422) from None


def _notify(request: Request, **what) -> None:
    """After a use case committed: send the staged events now, tell live consoles something changed."""
    relay = request.app.state.workers.get("outbox")
    if relay is not None:
        relay.wake()
    request.app.state.live.publish_threadsafe({"type": "changed", **what})


def rejected(problems: list[IntakeProblem]) -> HTTPException:
    """422 in the agreed shape: each problem names its field, with reasons in Chinese and English."""
    return HTTPException(422, detail=[p.as_detail() for p in problems])


@router.post("/needs", status_code=201, response_model=schemas.NeedRead, summary="提交需求 / raise a need",
             responses={200: {"model": schemas.NeedRead, "description": "同一幂等键、同一内容：返回原需求 / "
                                                                        "the need this Idempotency-Key already raised"},
                        **responses(403, 404, 409)})
def create_need(body: schemas.NeedCreate, request: Request, response: Response,
                p: Principal = Depends(requires("need.raise")),
                idempotency_key: Annotated[str | None, KEY] = None) -> schemas.NeedRead:
    one_line_key(idempotency_key)
    # The session is opened here, not by a dependency: a sync generator dependency costs two more
    # thread hops per request (enter and exit), and intake is the hottest path of a surge.
    rules = request.app.state.container.intake_rules
    with request.app.state.sessions() as s:
        data = body.model_dump()
        # the site, its role, the key's need and a likely duplicate: one SELECT, before authorising
        view = needs.intake_view(s, p, data, idempotency_key, utcnow())
        authorize(p, "need.raise", view.site.organisation, "site_id")
        data["organisation"] = organisation_of(p, view.site.organisation, body.organisation)
        try:
            need, created = needs.raise_need(SqlUnitOfWork.over(s), p, data, idempotency_key, rules, view)
            _notify(request, need_id=need.id, need_organisation=need.organisation)
        except IntakeRejected as exc:
            raise rejected(exc.problems) from None
        except KeyReused as exc:
            raise rejected([exc.problem]) from None
        if not created:
            response.status_code = 200
            return need_read(needs.get_need(s, need.id), s, p)
        return need_read(need, s, p)  # type: ignore[arg-type]  # the new need as stored, without reading it back


# the filters of both needs lists (GET /api/needs and /api/needs/page)
def need_filters(status: Annotated[list[NeedStatus | Literal["open"]] | None, Query(
                     description="按状态筛选（可多个；open 为全部未结）/ only these statuses (repeatable; "
                                 "open: all open)")] = None,
                 unmet_code: Annotated[list[Text64] | None, Query(
                     description="按无法满足的原因代码筛选（可多个）/ only these unmet reasons (repeatable)")] = None,
                 cause: Annotated[Text64 | None, Query(
                     description="按原因类别筛选（buses、rooms、stock…，同待决事项）/ an unmet cause group")] = None,
                 district: Annotated[Text64 | None, Query(description="区 / district")] = None,
                 organisation: Annotated[Text100 | None, Query(description="所属单位 / organisation")] = None,
                 late: Annotated[bool, Query(description="只看逾期方案 / only needs whose plan is late")] = False,
                 kind: Annotated[NeedKind | None, Query(description="转运或物资 / transfer or supply")] = None,
                 q: Annotated[Text64 | None, Query(description="搜索地点、编号、备注 / search site, id, note")] = None,
                 ) -> needs_list.Filters:
    return needs_list.Filters(status=[str(getattr(x, "value", x)) for x in status or []],
                              unmet_code=list(unmet_code or []), cause=cause or "", district=district or "",
                              organisation=organisation or "", late=late, kind=kind.value if kind else "",
                              q=(q or "").strip())


@router.get("/needs/page", response_model=schemas.NeedPage, summary="需求分页（带总数与筛选）/ a page of needs "
            "with the total that match")
def needs_page(f: needs_list.Filters = Depends(need_filters),
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 100, s: Session = Depends(session),
               p: Principal = Depends(current_principal)) -> dict:
    rows, total = needs_list.page(s, p, f, offset, limit)
    zh, en = needs_list.shown_text(len(rows), offset, total)
    return {"items": [need_read(n, s, p) for n in rows], "total": total, "offset": offset, "limit": limit,
            "shown_zh": zh, "shown_en": en}


@router.get("/needs/{need_id}", response_model=schemas.NeedRead, summary="查看需求 / one need",
            responses=responses(403, 404))
def get_need(need_id: NeedId, request: Request, p: Principal = Depends(current_principal)) -> schemas.NeedRead:
    # polled by consoles while a need is matched: its session opened here saves two thread hops; the
    # need, its site and its assignments in one statement, outside a transaction (db.make_read_sessions)
    with request.app.state.snapshots() as s:
        need = needs.read_need(s, need_id)
        permissions.require_need(p, need)
        return need_read(need, s, p)


@router.get("/needs", response_model=list[schemas.NeedRead], summary="需求列表 / needs by priority and age",
            description="The total that match is in the `X-Total-Count` header; `GET /api/needs/page` answers "
                        "with it in the body.")
def list_needs(response: Response, f: needs_list.Filters = Depends(need_filters),
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
               limit: Annotated[int, Query(ge=1, le=2000)] = 200, s: Session = Depends(session),
               p: Principal = Depends(current_principal)) -> list[schemas.NeedRead]:
    rows, total = needs_list.page(s, p, f, offset, limit)
    response.headers["X-Total-Count"] = str(total)
    return [need_read(n, s, p) for n in rows]


@router.post("/needs/{need_id}/cancel", response_model=schemas.NeedRead, summary="取消需求 / cancel",
             responses=responses(403, 404, 409))
def cancel_need(need_id: NeedId, body: schemas.CancelIn, request: Request, s: Session = Depends(session),
                p: Principal = Depends(requires("need.cancel"))) -> schemas.NeedRead:
    need = needs.get_need(s, need_id)
    permissions.require_need_owner(p, need)
    cancel.cancel_need(SqlUnitOfWork.over(s), p, need_id, body.reason)
    _notify(request, need_id=need_id, need_organisation=need.organisation)
    return need_read(needs.get_need(s, need_id), s, p)


@router.post("/needs/{need_id}/faster", response_model=schemas.NeedRead, responses=responses(403, 404, 409),
             summary="要求更快的方案（指挥部）/ ask for a faster alternative, operators only")
def ask_faster(need_id: NeedId, body: schemas.FasterIn, request: Request, s: Session = Depends(session),
               p: Principal = Depends(requires("need.faster"))) -> schemas.NeedRead:
    """Releases the need's proposal still waiting for its dispatchers, carrying the request; the
    matcher solves the need again with lateness weighted higher or with only the named bus."""
    need = needs.get_need(s, need_id)
    faster.ask_faster(SqlUnitOfWork.over(s), p, need_id, body.bus_id, body.time_weight)
    _notify(request, need_id=need_id, need_organisation=need.organisation)
    return need_read(needs.get_need(s, need_id), s, p)


@router.post("/assignments/{assignment_id}/accept", summary="调度接受 / dispatcher accepts",
             response_model=schemas.AcceptRead, responses=responses(403, 404, 409))
def accept(assignment_id: AssignmentId, request: Request, s: Session = Depends(session),
           p: Principal = Depends(requires("assignment.answer"))) -> dict:
    pending = decisions.decide(SqlUnitOfWork.over(s), p, assignment_id, True)
    a = needs.get_assignment(s, assignment_id)
    _notify(request, **about(a))
    return {"assignment": a.id, "status": "awaiting" if pending else "confirming", "awaiting": pending,
            "accepted_by": a.accepted_by}


@router.post("/assignments/{assignment_id}/decline", summary="调度拒绝 / dispatcher declines",
             response_model=schemas.DeclineRead, responses=responses(403, 404, 409))
def decline(assignment_id: AssignmentId, body: schemas.Decision, request: Request, s: Session = Depends(session),
            p: Principal = Depends(requires("assignment.answer"))) -> dict:
    decisions.decide(SqlUnitOfWork.over(s), p, assignment_id, False, body.reason, body.breakdown)
    a = needs.get_assignment(s, assignment_id)
    _notify(request, **about(a))
    return {"assignment": a.id, "status": "releasing", "reason": body.reason}


@router.put("/sites/{site_id}", summary="登记地点 / register a site", response_model=schemas.IdRead,
            responses=responses(403))
def put_site(site_id: ResourceId, body: schemas.SiteCreate, request: Request, s: Session = Depends(session),
             p: Principal = Depends(requires("site.register"))) -> dict:
    if body.id != site_id:
        raise Problem("id", "正文中的 id 与路径不一致", "the id in the body differs from the path's", status=422)
    registry.put_site(SqlUnitOfWork.over(s), p, body.model_dump())
    _notify(request)
    return {"id": site_id}


@router.put("/hotels/{hotel_id}", summary="登记/更新隔离酒店 / register or update a hotel",
            response_model=schemas.IdRead, responses=responses(403, 404))
def put_hotel(hotel_id: ResourceId, body: schemas.HotelCreate, request: Request, s: Session = Depends(session),
              p: Principal = Depends(requires("hotel.manage"))) -> dict:
    if body.id != hotel_id:
        raise Problem("id", "正文中的 id 与路径不一致", "the id in the body differs from the path's", status=422)
    authorize(p, "hotel.manage", body.operator, "operator")
    registry.put_hotel(SqlUnitOfWork.over(s), p, body.model_dump(mode="python"))
    _notify(request)
    return {"id": hotel_id}


@router.put("/buses/{bus_id}", summary="登记/更新车辆 / register or update a bus",
            response_model=schemas.IdRead, responses=responses(403, 404))
def put_bus(bus_id: ResourceId, body: schemas.BusCreate, request: Request, s: Session = Depends(session),
            p: Principal = Depends(requires("bus.manage"))) -> dict:
    if body.id != bus_id:
        raise Problem("id", "正文中的 id 与路径不一致", "the id in the body differs from the path's", status=422)
    authorize(p, "bus.manage", body.operator, "operator")
    registry.put_bus(SqlUnitOfWork.over(s), p, body.model_dump(mode="python"))
    _notify(request)
    return {"id": bus_id}


@router.get("/hotels", summary="隔离酒店 / hotels", response_model=list[schemas.HotelRead])
def list_hotels(s: Session = Depends(session), p: Principal = Depends(current_principal)) -> list[dict]:
    q = select(Hotel)
    if not policy.sees_all(p, "resource.read"):
        q = q.where(Hotel.operator == p.organisation)
    return [{"id": h.id, "name": h.name, "operator": h.operator, "site_id": h.site_id, "accepts": h.accepts,
             "rooms": h.rooms, "out_of_use": h.out_of_use, "state": h.state,
             "open_at": as_utc(h.open_at)} for h in s.scalars(q).all()]


@router.get("/buses", summary="车辆 / buses", response_model=list[schemas.BusRead])
def list_buses(s: Session = Depends(session), p: Principal = Depends(current_principal)) -> list[dict]:
    q = select(Bus)
    if not policy.sees_all(p, "resource.read"):
        q = q.where(Bus.operator == p.organisation)
    return [{"id": b.id, "operator": b.operator, "plate": b.plate, "depot_id": b.depot_id, "seats": b.seats,
             "load_limit": b.load_limit, "state": b.state, "shift_start": as_utc(b.shift_start),
             "shift_end": as_utc(b.shift_end), "turnaround_min": b.turnaround_min} for b in s.scalars(q).all()]
