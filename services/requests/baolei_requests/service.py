"""Use cases of the requests service. Each runs in one transaction; events go via the outbox."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from types import SimpleNamespace

from sqlalchemy import Connection, Table, exists, func, select
from sqlalchemy.orm import Session

from baolei_common import policy, topics
from baolei_common.events import meta, new_id, utcnow
from baolei_common.outbox import add_event
from baolei_common.problems import Problem
from baolei_events.v1 import assignments_pb2, needs_pb2
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Assignment, AuditEntry, Bus, Hotel, Need, Outbox, ProcessedEvent, Site
from baolei_requests.domain import lifecycle
from baolei_requests.domain.needs import NeedStatus, derive_priority
from baolei_requests.intake.checks import IntakeRejected, IntakeRules, KeyReused, body_hash, resolve_skus, sense

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    token: str
    user: str
    role: str  # operator, dispatcher, site, viewer
    organisation: str
    kind: str = ""  # a dispatcher's kind of organisation: bus, hotel, supply (baolei_common.policy)


WHAT_ZH = {"site": "地点", "need": "需求", "assignment": "任务", "bus": "车辆", "hotel": "隔离酒店"}


class NotFound(Problem):
    """404 about `<what>_id` (a path parameter or a body field of that name)."""

    status = 404

    def __init__(self, what: str, ident: str, field: str | None = None) -> None:
        super().__init__(field or f"{what}_id", f"未找到{WHAT_ZH.get(what, what)}：{ident}",
                         f"{what} {ident} not found")
        self.what, self.ident = what, ident


class Conflict(Problem):
    """409: the request does not fit the current state. `zh` says it in Chinese."""

    status = 409

    def __init__(self, message_en: str, zh: str = "状态冲突，无法执行此操作", field: str = "status") -> None:
        super().__init__(field, zh, message_en)


class Forbidden(Problem):
    """403: not this caller's to see or do. `zh` says it in Chinese."""

    status = 403

    def __init__(self, message_en: str, zh: str = "无权执行此操作", field: str = "Authorization") -> None:
        super().__init__(field, zh, message_en)


def audit(session: Session, actor: Principal | str, action: str, entity: str,
          before: dict | None, after: dict | None) -> None:
    """One audit row: who (user, role, organisation), when, what, before and after."""
    if isinstance(actor, Principal):
        who, role, org = actor.user, actor.role, actor.organisation
    else:
        who, role, org = actor, "system", ""
    session.add(AuditEntry(actor=who, role=role, organisation=org, action=action, entity=entity,
                           before=before, after=after))


def _upsert(session: Session, model: type, kind: str, data: dict, owner: str | None, actor: Principal,
            audited: tuple[str, ...], record: bool = True):
    """Insert or update one registry row; a dispatcher may change only their organisation's
    (policy action `<kind>.manage`). Returns the row."""
    row = session.get(model, data["id"])
    if row is not None and owner:
        policy.require(actor, f"{kind}.manage", getattr(row, owner), "id")
    before = None if row is None else {f: getattr(row, f) for f in audited}
    if row is None:
        row = model(**data)
        session.add(row)
    else:
        for k, v in data.items():
            setattr(row, k, v)
    session.flush()
    session.refresh(row)
    if record:  # a state change (停运, rooms closed) is audited once, by its route, with its reason
        after = {f: getattr(row, f) for f in audited}
        audit(session, actor, f"{kind}.upsert", f"{kind}:{row.id}", before, after)
    return row


def upsert_site(session: Session, actor: Principal, data: dict) -> Site:
    return _upsert(session, Site, "site", data, None, actor, ("name", "zone"))


def require_site(session: Session, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("site", site_id)
    return site


def upsert_hotel(session: Session, actor: Principal, data: dict, record: bool = True) -> Hotel:
    require_site(session, data["site_id"])
    hotel = _upsert(session, Hotel, "hotel", data, "operator", actor, ("rooms", "out_of_use", "state"), record)
    add_event(session, Outbox, topics.HOTELS, hotel.id, codec.hotel_rooms(hotel, actor.user))
    return hotel


def upsert_bus(session: Session, actor: Principal, data: dict, record: bool = True) -> Bus:
    require_site(session, data["depot_id"])
    bus = _upsert(session, Bus, "bus", data, "operator", actor, ("state", "seats"), record)
    add_event(session, Outbox, topics.BUSES, bus.id, codec.bus_status(bus, actor.user))
    return bus


OPEN_STATUSES = tuple(s.value for s in (NeedStatus.SUBMITTED, NeedStatus.PROPOSED, NeedStatus.CONFIRMED,
                                        NeedStatus.UNDER_WAY, NeedStatus.UNMET))


def find_duplicate(session: Session, need: Need) -> str | None:
    """A likely duplicate: same site, same kind, overlapping time window, still open. One indexed
    query that reads only needs whose window overlaps, not every open need of the site."""
    t = Need.__table__.c
    start = need.ready_at or need.created_at
    return session.connection().execute(select(t.id).where(
        t.site_id == need.site_id, t.kind == need.kind, t.id != need.id,
        t.status.in_(OPEN_STATUSES), t.due_at >= start,
        func.coalesce(t.ready_at, t.created_at) <= need.due_at,
    ).order_by(t.created_at).limit(1)).scalar()


def need_by_key(session: Session, actor: Principal, idempotency_key: str) -> Need | None:
    t = Need.__table__.c
    need_id = session.connection().execute(select(t.id).where(
        t.idempotency_key == idempotency_key, t.created_by == actor.user)).scalar()
    return None if need_id is None else session.get(Need, need_id)


def prior_for_key(session: Session, actor: Principal, idempotency_key: str, digest: str) -> Need | None:
    """The need stored under this key, if any; KeyReused if it was stored for a different body."""
    prior = need_by_key(session, actor, idempotency_key)
    if prior is not None and prior.body_hash and prior.body_hash != digest:
        raise KeyReused(prior.id)
    return prior


def site_view(session: Session, site_id: str) -> SimpleNamespace:
    """The site as a read-only view (a Core row: no ORM object to build for intake's hot path)."""
    row = session.connection().execute(select(Site.__table__).where(Site.__table__.c.id == site_id)).first()
    if row is None:
        raise NotFound("site", site_id)
    return SimpleNamespace(**row._mapping)


def site_role(session: Session, site_id: str) -> str | None:
    """"depot" for a bus depot, "hotel" for an isolation hotel's own site, None for anything else
    (a community, a compound, an isolation site that is not a registered hotel)."""
    b, h = Bus.__table__.c, Hotel.__table__.c
    depot, hotel = session.connection().execute(select(
        exists().where(b.depot_id == site_id), exists().where(h.site_id == site_id))).one()
    return "depot" if depot else "hotel" if hotel else None


def need_row(actor: Principal, data: dict, site: SimpleNamespace, idempotency_key: str | None, digest: str,
             now: datetime) -> dict:
    """The row of a new need: priority derived from the site's zone and the vulnerable people."""
    vulns = data.get("vulnerabilities") or []
    derived = derive_priority(site.zone, vulns)
    priority, reason = derived.value, derived.reason_zh
    if data.get("priority") is not None and data["priority"] != derived.value:
        why = data.get("priority_reason") or ""
        priority, reason = data["priority"], f"人工调整：{why}（建议 {derived.value}：{derived.reason_zh}）"
    return dict(id=new_id("N-")[:18], kind=data["kind"], site_id=site.id,
                # a need belongs to its site's organisation (baolei_common.policy), whoever raised it
                organisation=site.organisation or data.get("organisation") or actor.organisation, priority=priority,
                priority_reason=reason, vulnerabilities=vulns, risk=data.get("risk"),
                people=data.get("people") or 0, rooms=data.get("rooms") or {}, lines=data.get("lines") or [],
                ready_at=data.get("ready_at"), due_at=data["due_at"], note=data.get("note") or "",
                idempotency_key=idempotency_key, body_hash=digest, created_by=actor.user,
                status=NeedStatus.SUBMITTED.value, created_at=now, updated_at=now, unmet_code="",
                unmet_reason_zh="", unmet_reason_en="", duplicate_of=None)


def insert_needs(session: Session, actor: Principal, rows: list[dict], sites: dict[str, SimpleNamespace]) -> None:
    """The needs, their audit rows and their NeedSubmitted events, in one statement each."""
    if not rows:
        return
    conn = session.connection()
    _insert(conn, Need.__table__, rows)
    _insert(conn, AuditEntry.__table__, [dict(
        at=r["created_at"], actor=actor.user, role=actor.role, organisation=actor.organisation, action="need.create",
        entity=f"need:{r['id']}", before=None,
        after={"kind": r["kind"], "priority": r["priority"], "duplicate_of": r["duplicate_of"]}) for r in rows])
    events = []
    for r in rows:
        need = SimpleNamespace(**r, site=sites[r["site_id"]])
        event = codec.need_submitted(need, actor.user)  # type: ignore[arg-type]
        events.append(dict(topic=topics.NEEDS, key=r["id"], payload=event.SerializeToString(),
                           created_at=r["created_at"]))
    _insert(conn, Outbox.__table__, events)


def _copy_value(v: object) -> object:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc)
    return v


def _insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Many rows on PostgreSQL by COPY (an import's 10,000 needs: psycopg's executemany sends a
    statement per row, and stored them in 5 s); otherwise an INSERT (executemany on SQLite)."""
    if len(rows) < 20 or conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows[0] if len(rows) == 1 else rows)  # one row: no executemany
        return
    columns = list(rows[0])
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for r in rows:
                copy.write_row([_copy_value(r[c]) for c in columns])
    finally:
        cursor.close()


def create_need(session: Session, actor: Principal, data: dict, idempotency_key: str | None,
                rules: IntakeRules | None = None,
                site: SimpleNamespace | None = None) -> tuple[Need | SimpleNamespace, bool]:
    """Store a need and stage its NeedSubmitted event. Returns (need, created): the stored row if the
    key was seen before with the same body (KeyReused if with another), else a read-only view of the
    new need (every field a response or an event reads). Staple names are resolved to codes and the
    need is checked for sense (IntakeRejected). The hot path of intake, in Core on the session's
    connection and transaction (no ORM object built, no unit of work to flush): one indexed query
    each for the key, the site, its role and a likely duplicate, then three INSERTs."""
    problems = resolve_skus(data.get("lines") or [])
    if problems:
        raise IntakeRejected(problems)
    digest = body_hash(data)
    if idempotency_key:
        prior = prior_for_key(session, actor, idempotency_key, digest)
        if prior is not None:
            return prior, False
    if site is None or site.id != data["site_id"]:  # the route may have read it already
        site = site_view(session, data["site_id"])
    now = utcnow()
    problems = sense(data, now=now, rules=rules or IntakeRules(), site_role=site_role(session, site.id))
    if problems:
        raise IntakeRejected(problems)
    row = need_row(actor, data, site, idempotency_key, digest, now)
    need = SimpleNamespace(**row, site=site, assignments=[])
    need.duplicate_of = row["duplicate_of"] = find_duplicate(session, need)  # type: ignore[arg-type]
    insert_needs(session, actor, [row], {site.id: site})
    return need, True


def get_need(session: Session, need_id: str) -> Need:
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound("need", need_id)
    return need


def cancel_need(session: Session, actor: Principal, need_id: str, reason: str) -> Need:
    need = get_need(session, need_id)
    if need.status in (NeedStatus.DONE, NeedStatus.CANCELLED):
        raise Conflict(f"need {need_id} is already {need.status}", f"需求 {need_id} 已结束（{need.status}），不能取消")
    before = {"status": need.status}
    need.status = NeedStatus.CANCELLED
    audit(session, actor, "need.cancel", f"need:{need.id}", before, {"status": need.status, "reason": reason})
    add_event(session, Outbox, topics.NEEDS, need.id, codec.need_cancelled(need, reason, actor.user))
    for a in need.assignments:
        if a.status in ("proposed", "confirming", "confirmed"):
            stage_release(session, a, "cancelled", actor.user)
    return need


def stage_release(session: Session, a: Assignment, reason: str, actor: str,
                  delivery: assignments_pb2.Delivery | None = None,
                  declined: list[assignments_pb2.ResourceRef] | None = None,
                  faster: needs_pb2.FasterRequested | None = None) -> None:
    body = assignments_pb2.AssignmentReleased(assignment_id=a.id, need_id=a.need_id, reason=reason,
                                              declined=declined or [], faster=faster)
    if delivery is not None:
        body.delivery.SetInParent()  # present even when nothing was delivered (that is news too)
        body.delivery.MergeFrom(delivery)
    ev = assignments_pb2.AssignmentEvent(
        meta=meta(producer=codec.PRODUCER, correlation_id=a.need_id, actor=actor), released=body)
    add_event(session, Outbox, topics.ASSIGNMENTS, a.need_id, ev)


def declined_resources(actor: Principal, a: Assignment) -> list[tuple[str, str]]:
    """What a decline turns down: the decliner's own buses, hotel and warehouses in the proposal
    (an operator's decline: all of them), as (kind, id) pairs."""
    mine = (lambda org: True) if actor.role == "operator" else (lambda org: org == actor.organisation)
    out: list[tuple[str, str]] = []
    for t in a.trips or []:
        if mine(t.get("operator", "")) and ("bus", t["bus"]) not in out:
            out.append(("bus", t["bus"]))
    if a.room and mine(a.room.get("operator", "")):
        out.append(("hotel", a.room["hotel"]))
    for k in a.picks or []:
        if mine(k.get("operator", "")) and ("warehouse", k["warehouse"]) not in out:
            out.append(("warehouse", k["warehouse"]))
    return out


def take_out_of_service(session: Session, actor: Principal, bus_ids: list[str], why: str,
                        declined: str = "") -> list[str]:
    """A breakdown: these buses are out of service (and the matcher hears so) until a dispatcher
    puts them back with `POST /api/buses/{id}/state`. Other proposals still waiting on them
    (`declined` is the one being declined) are released too and their needs matched again;
    confirmed jobs stay as they are (only an operator releases what was confirmed)."""
    out = []
    for bus_id in bus_ids:
        bus = session.get(Bus, bus_id)
        if bus is None or bus.state == "out_of_service":
            continue
        before = {"state": bus.state}
        bus.state = "out_of_service"
        session.flush()
        add_event(session, Outbox, topics.BUSES, bus.id, codec.bus_status(bus, actor.user))
        audit(session, actor, "bus.breakdown", f"bus:{bus.id}", before, {"state": bus.state, "reason": why})
        out.append(bus.id)
    if out:
        waiting = session.scalars(select(Assignment).where(
            Assignment.status == "proposed", Assignment.kind == "transfer", Assignment.id != declined)
            .with_for_update(skip_locked=True)).all()
        for other in waiting:
            hit = sorted({t["bus"] for t in other.trips or []} & set(out))
            if hit:
                stage_release(session, other, f"bus out of service: {', '.join(hit)} ({why})", actor.user)
                other.status = "releasing"
                audit(session, actor, "assignment.release", f"assignment:{other.id}", {"status": "proposed"},
                      {"status": "releasing", "reason": f"bus out of service: {', '.join(hit)}"})
    return out


def get_assignment(session: Session, assignment_id: str) -> Assignment:
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise NotFound("assignment", assignment_id)
    return a


def decide(session: Session, actor: Principal, assignment_id: str, accept: bool, reason: str = "",
           breakdown: bool = False) -> list[str]:
    """A dispatcher accepts or declines a proposal that uses their organisation's resources.

    Every organisation whose bus, hotel or stock the proposal holds must accept before it is
    confirmed (an operator's accept stands for all); one decline releases it, and names the
    decliner's resources in it, which the matcher never offers for this need again. A decline for
    a breakdown (车辆故障, or `breakdown`) also takes those buses out of service. Returns the
    organisations still to accept (empty once the confirmation is on its way)."""
    broken: list[str] = []
    refs: list[tuple[str, str]] = []
    a = session.get(Assignment, assignment_id, with_for_update=True)  # not at once with expiry
    if a is None:
        raise NotFound("assignment", assignment_id)
    policy.require(actor, "assignment.answer", list(a.organisations), "assignment_id")
    if a.status != "proposed":
        raise Conflict(f"assignment {a.id} is {a.status}, not proposed",
                       f"任务 {a.id} 当前为 {a.status}，已不在待确认状态")
    before = {"status": a.status, "accepted_by": list(a.accepted_by or [])}
    pending: list[str] = []
    if accept:
        if actor.role == "operator":
            a.accepted_by = list(a.organisations)
        else:
            a.accepted_by = sorted(set(a.accepted_by or []) | {actor.organisation})
        pending = [o for o in a.organisations if o not in a.accepted_by]
        if not pending:
            ev = assignments_pb2.AssignmentEvent(
                meta=meta(producer=codec.PRODUCER, correlation_id=a.need_id, actor=actor.user),
                confirmed=assignments_pb2.AssignmentConfirmed(assignment_id=a.id, need_id=a.need_id,
                                                              organisation=actor.organisation))
            add_event(session, Outbox, topics.ASSIGNMENTS, a.need_id, ev)
            a.status = "confirming"  # a second answer now gets 409 instead of a second booking
    else:
        refs = declined_resources(actor, a)
        if breakdown or lifecycle.is_breakdown(reason):  # staged first: the matcher hears of it before the release
            broken = take_out_of_service(session, actor, [i for k, i in refs if k == "bus"], reason or "breakdown",
                                         declined=a.id)
        stage_release(session, a, f"declined: {reason}" if reason else "declined", actor.user,
                      declined=[assignments_pb2.ResourceRef(kind=codec.RESOURCE_KINDS[k], id=i) for k, i in refs])
        a.status = "releasing"
    after = {"status": ("confirming" if not pending else "awaiting") if accept else "releasing",
             "accepted_by": list(a.accepted_by or []), "awaiting": pending, "reason": reason}
    if not accept:
        after["declined"] = [f"{k}:{i}" for k, i in refs]
        after["out_of_service"] = broken
    audit(session, actor, "assignment.accept" if accept else "assignment.decline", f"assignment:{a.id}",
          before, after)
    return pending


def expire_holds(session: Session, now: datetime | None = None) -> int:
    """Release proposals not answered in time; their needs go back to matching."""
    now = now or utcnow()
    # Rows another replica is expiring right now are skipped (PostgreSQL), so a hold is released once.
    rows = session.scalars(select(Assignment).where(Assignment.status == "proposed",
                                                    Assignment.hold_expires_at <= now)
                           .with_for_update(skip_locked=True)).all()
    n = 0
    for a in rows:
        if a.hold_expires_at and codec.as_utc(a.hold_expires_at) <= now:
            a.status = "expiring"
            stage_release(session, a, "expired", "system")
            audit(session, "system", "assignment.expire", f"assignment:{a.id}", {"status": "proposed"},
                  {"status": "expiring", "need": a.need_id})
            n += 1
    return n


def default_hold(ttl_s: int) -> datetime:
    return utcnow() + timedelta(seconds=ttl_s)


def already_processed(session: Session, event_id: str) -> bool:
    if session.get(ProcessedEvent, event_id) is not None:
        return True
    session.add(ProcessedEvent(event_id=event_id))
    return False
