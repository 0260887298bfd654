"""Routes of issue 18: asks for capacity and their answers, work by run and by hour, one decision
for many proposals, and the standing rule to confirm automatically."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common import policy
from baolei_common.errors import BASE, responses
from baolei_common.identity import Principal
from baolei_common.problems import Problem
from baolei_common.webauth import current_principal, requires
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Ask, Assignment, StandingRule
from baolei_requests.api import schemas_asks as schemas
from baolei_requests.api.deps import session
from baolei_requests.api.presenters import asks as presenter
from baolei_requests.api.presenters import assignments_list, attention
from baolei_requests.api.presenters.labels import Names
from baolei_requests.api.presenters.shortfalls import city_shortfall, summary
from baolei_requests.api.routes import _notify, to_do
from baolei_requests.domain import asks as ask_rules
from baolei_requests.domain import runs as work_rules
from baolei_requests.service import asks, bulk_decisions
from baolei_requests.service.errors import Forbidden
from baolei_requests.service.sql_uow import SqlUnitOfWork

router = APIRouter(prefix="/api", responses=responses(*BASE))
AskId = Annotated[str, Path(max_length=64, description="请求编号 / ask id")]
# an organisation's name, one line; at most 90 characters so its audit entity ("rule:<name>") fits
OrgName = Annotated[str, Path(min_length=1, max_length=90, pattern=r"^[^\x00-\x1f\x7f]+$",
                              description="单位 / organisation")]
WORK_STATUSES = ("proposed", "confirming", "confirmed", "under_way", "arriving")
WORK_CAP = 5000  # assignments in hand read for runs and arrivals (the caller's own)
WORK_TO_ANSWER = 500  # ids answered by one accept-many


def _reader(p: Principal) -> str | None:
    """The organisation a caller's reads of asks and rules are limited to (None: all)."""
    scope = policy.read_scope(p, "ask.read")
    if scope is None:
        raise Forbidden(f"a {p.role} has no asks to see", "无权查看增援请求")
    return None if scope is policy.Scope.ANY else p.organisation


@router.get("/asks", response_model=list[schemas.AskRead], summary="增援请求 / asks for capacity",
            responses=responses(403))
def list_asks(request: Request, response: Response, limit: Annotated[int, Query(ge=1, le=500)] = 100,
              offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0, s: Session = Depends(session),
              p: Principal = Depends(current_principal)) -> list[dict]:
    """Operators and viewers see every ask; a dispatcher those sent to its organisation; open ones
    first, then the latest; how many in all is in the `X-Total-Count` header. An open stock ask
    carries the asked group's `warehouses` (read from the inventory with the caller's token), for
    the answer's form."""
    reader = _reader(p)
    response.headers["X-Total-Count"] = str(presenter.count(s, reader))
    out = presenter.ask_reads(s, presenter.recent(s, reader, limit, offset), Names.of(s))
    if any(a["status"] == "open" and a["kind"] in ask_rules.STOCK_KINDS for a in out):
        warehouses = _stock(request, p)() or []
        for a in out:
            if a["status"] == "open" and a["kind"] in ask_rules.STOCK_KINDS:
                a["warehouses"] = [{"id": w.warehouse_id, "name": w.name, "available": w.available}
                                   for w in warehouses if w.organisation == a["organisation"]]
    return out


def _stock(request: Request, p: Principal) -> presenter.StockSource:
    return presenter.inventory_stock(request.app.state.config.inventory_url, p.token)


@router.post("/asks", status_code=201, response_model=schemas.AskRead, responses=responses(403, 422),
             summary="向单位发出增援请求（指挥部）/ ask an organisation for capacity, operators only")
def send_ask(body: schemas.AskCreate, request: Request, s: Session = Depends(session),
             p: Principal = Depends(requires("ask.send"))) -> dict:
    """The organisation must be one the system offers for this cause (`ask_options` of
    GET /api/attention); the figures are the matcher's at this moment."""
    now = datetime.now(timezone.utc)
    names = Names.of(s)
    needs = attention.unmet_needs(s)
    stock = _stock(request, p)
    groups = attention.unmet_groups(needs, names, now, summary(city_shortfall(s, names, needs)), stock)
    group = next((g for g in groups if g["cause"] == body.cause), None)
    if group is None:
        raise Problem("cause", f"当前没有此原因的无法满足需求：{body.cause}",
                      f"no unmet need has this cause now: {body.cause}", status=422)
    members = [n for n in needs if attention.cause_of(n.unmet_code) == body.cause]
    offered = [o for o in presenter.options(group, members, names, now, shown=None, stock=stock)
               if o["organisation"] == body.organisation and (body.kind is None or o["kind"] == body.kind)
               and (body.resource_id is None or o["resource_id"] == body.resource_id)]
    if not offered:
        raise Problem("organisation", f"{body.organisation}不在此原因可请求的单位中",
                      f"{body.organisation} is not among the organisations that could relieve this cause", status=422)
    o = offered[0]
    ask = asks.send(SqlUnitOfWork.over(s), p, asks.NewAsk(
        kind=o["kind"], cause=body.cause, organisation=o["organisation"], resource_id=o["resource_id"],
        risk=o["risk"], figures=ask_rules.Figures(**o["figures"]),
        text_zh=o["text_zh"], text_en=o["text_en"]))
    _notify(request, ask_id=ask.id, organisations=[ask.organisation])
    return presenter.ask_reads(s, [ask], names)[0]


@router.post("/asks/{ask_id}/answer", response_model=schemas.AskRead, responses=responses(403, 404, 409, 422),
             summary="答复增援请求 / answer an ask: add buses, extend shifts, open rooms, take a category, or refuse")
def answer_ask(ask_id: AskId, body: schemas.AskAnswerIn, request: Request, s: Session = Depends(session),
               p: Principal = Depends(requires("ask.answer"))) -> dict:
    data = body.model_dump()
    data["open_rooms"] = {k: v for k, v in data["open_rooms"].items() if v}
    data["add_rooms"] = {k: v for k, v in data["add_rooms"].items() if v}
    data["stock"] = [asks.StockMoveIn(**m) for m in data["stock"]]
    warehouses = None
    asked = s.get(Ask, ask_id)
    if data["stock"] and not body.refuse and asked is not None and asked.kind in ask_rules.STOCK_KINDS:
        # checked against the inventory's warehouses, read with the caller's token (a stranger is refused first)
        policy.require(p, "ask.answer", asked.organisation, "ask_id")
        found = _stock(request, p)()
        if found is None:
            raise Problem("stock", "库存服务暂不可用，请稍后重试", "the inventory does not answer; try again shortly",
                          status=503)
        warehouses = {w.warehouse_id: w for w in found}
    ask = asks.answer(SqlUnitOfWork.over(s), p, ask_id, asks.AnswerIn(**data), warehouses=warehouses)
    _notify(request, ask_id=ask.id, organisations=[ask.organisation])
    return presenter.ask_reads(s, [ask], Names.of(s))[0]


@router.get("/work", summary="按车次与入住时段的工作 / my runs and arrivals by hour",
            description="A bus company's runs (bus, start, stops with people, hotel, arrival) and a hotel's "
                        "arrivals per hour, from the proposals and the work confirmed; those waiting for the "
                        "caller first, then earliest first; `offset`/`limit` page both lists, `runs_total` and "
                        "`arrivals_total` count them all. `to_answer` lists what the caller must still answer "
                        f"(the first {WORK_TO_ANSWER}), for one decision (POST /api/assignments/accept-many).")
def my_work(offset: Annotated[int, Query(ge=0, le=100_000)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100,
            s: Session = Depends(session), p: Principal = Depends(current_principal)) -> dict:
    # the caller's scope in the query (it was checked after the LIMIT, which could hide a dispatcher's own)
    q = select(Assignment).where(Assignment.status.in_(WORK_STATUSES))
    scope = assignments_list.readable(s, p)
    if scope is not None:
        q = q.where(scope)
    rows = s.scalars(q.order_by(Assignment.proposed_at).limit(WORK_CAP)).all()
    org = None if policy.answers_for_all(p) or p.role == policy.VIEWER else p.organisation
    work = [work_rules.Work(a.id, a.need_id, a.status, a.people, list(a.trips or []), a.room,
                            to_do(p, a)["must_answer"]) for a in rows]
    names = Names.of(s)
    site = lambda i: names.sites[i].name if i in names.sites else i  # noqa: E731
    runs, hours = _waiting_first(work_rules.runs(work, org)), _waiting_first(work_rules.arrivals(work, org))
    waiting = list(dict.fromkeys(i for x in [*runs, *hours] for i in x.to_answer))
    return {
        "runs": [{"key": r.key, "bus": r.bus, "plate": names.plate(r.bus), "operator": r.operator,
                  "start_at": r.start_at, "hotel": r.hotel, "hotel_name": names.hotel(r.hotel),
                  "arrive_at": r.arrive_at, "people": r.people, "assignment_ids": r.assignment_ids,
                  "need_ids": r.need_ids, "statuses": r.statuses, "to_answer": r.to_answer,
                  "stops": [{"site": x.site, "site_name": site(x.site), "at": x.at, "people": x.people}
                            for x in r.stops]} for r in runs[offset:offset + limit]],
        "arrivals": [{"key": a.key, "hotel": a.hotel, "hotel_name": names.hotel(a.hotel), "hour": a.hour,
                      "people": a.people, "rooms": a.rooms, "assignment_ids": a.assignment_ids,
                      "statuses": a.statuses, "to_answer": a.to_answer} for a in hours[offset:offset + limit]],
        "runs_total": len(runs), "arrivals_total": len(hours), "offset": offset, "limit": limit,
        "to_answer": waiting[:WORK_TO_ANSWER], "to_answer_total": len(waiting),
    }


def _waiting_first(xs: list) -> list:
    """What waits for the caller's answer first, each group in its own order (earliest first)."""
    return [x for x in xs if x.to_answer] + [x for x in xs if not x.to_answer]


def _decide(request: Request, s: Session, p: Principal, body: schemas.DecisionMany, accept: bool) -> dict:
    out = bulk_decisions.decide_many(SqlUnitOfWork.over(s), p, body.assignment_ids, accept, body.reason,
                                     body.breakdown, body.label)
    for aid in out.answered:
        a = s.get(Assignment, aid)
        if a is not None:
            _notify(request, need_id=a.need_id, assignment_id=a.id, organisations=list(a.organisations))
    return {"answered": out.answered, "confirming": out.confirming, "skipped": out.skipped}


@router.post("/assignments/accept-many", response_model=schemas.DecisionManyRead, responses=responses(403, 404, 422),
             summary="一次接受：整个车次、一个时段或所选各项 / accept a run, an hour or a selection as one decision")
def accept_many(body: schemas.DecisionMany, request: Request, s: Session = Depends(session),
                p: Principal = Depends(requires("assignment.answer"))) -> dict:
    return _decide(request, s, p, body, True)


@router.post("/assignments/decline-many", response_model=schemas.DecisionManyRead,
             responses=responses(403, 404, 422),
             summary="一次拒绝（须说明原因）/ decline a run, an hour or a selection as one decision, with a reason")
def decline_many(body: schemas.DecisionMany, request: Request, s: Session = Depends(session),
                 p: Principal = Depends(requires("assignment.answer"))) -> dict:
    return _decide(request, s, p, body, False)


@router.get("/standing-rules", response_model=list[schemas.RuleRead], responses=responses(403),
            summary="自动确认规则 / standing rules: who confirms automatically")
def list_rules(s: Session = Depends(session), p: Principal = Depends(current_principal)) -> list[dict]:
    org = _reader(p)
    q = select(StandingRule).order_by(StandingRule.organisation)
    if org is not None:
        q = q.where(StandingRule.organisation == org)
    rows = [{"organisation": r.organisation, "auto_confirm": r.auto_confirm, "set_by": r.set_by,
             "set_at": as_utc(r.set_at)} for r in s.scalars(q)]
    if org is not None and not rows:
        rows = [{"organisation": org, "auto_confirm": False, "set_by": "", "set_at": None}]
    return rows


@router.put("/standing-rules/{organisation}", response_model=schemas.RuleRead, responses=responses(403),
            summary="开启或关闭自动确认 / switch the standing rule on or off")
def put_rule(organisation: OrgName, body: schemas.RuleIn, request: Request, s: Session = Depends(session),
             p: Principal = Depends(requires("autoconfirm.set"))) -> dict:
    rule = bulk_decisions.set_rule(SqlUnitOfWork.over(s), p, organisation, body.auto_confirm)
    _notify(request, organisations=[organisation])
    return {"organisation": rule.organisation, "auto_confirm": rule.auto_confirm, "set_by": rule.set_by,
            "set_at": as_utc(rule.set_at)}

