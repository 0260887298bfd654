"""Needs: raised (one at a time, on intake's hot path), read and cancelled. Each runs in the caller's
transaction; NeedSubmitted / NeedCancelled leave through the outbox."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Executable, String, Table, bindparam, exists, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from baolei_common import topics
from baolei_common.events import new_id, utcnow
from baolei_common.identity import Principal
from baolei_requests.adapters import codec
from baolei_requests.adapters.bulk import insert_rows
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, AuditEntry, Bus, Hotel, Need, Outbox, Site
from baolei_requests.domain.intake.checks import IntakeRejected, IntakeRules, KeyReused, body_hash, resolve_skus, sense
from baolei_requests.domain.intake.duplicates import RAISED_WINDOW_S, DuplicateIndex, Sketch
from baolei_requests.domain.needs import NeedStatus, derive_priority
from baolei_requests.service.errors import NotFound
from baolei_requests.service.sql_uow import SqlUnitOfWork

OPEN_STATUSES = tuple(s.value for s in (NeedStatus.SUBMITTED, NeedStatus.PROPOSED, NeedStatus.CONFIRMED,
                                        NeedStatus.UNDER_WAY, NeedStatus.UNMET))


def find_duplicate(session: Session, need: Need) -> str | None:
    """A likely duplicate by the rule of `domain/intake/duplicates.py`: one indexed query for the open
    needs of the site and kind raised within the window before this one, then the rule on each."""
    since = need.created_at - timedelta(seconds=RAISED_WINDOW_S)
    rows = session.connection().execute(_duplicates_statement(), {
        "site_id": need.site_id, "kind": need.kind, "id": need.id, "since": since, "until": need.created_at}).all()
    index = DuplicateIndex()
    for r in rows:
        index.add(Sketch.of(r.id, r.site_id, r.kind, r.risk, r.people, r.lines, as_utc(r.ready_at),
                            as_utc(r.created_at)))
    return index.find(sketch_of(need))


@cache
def _duplicates_statement() -> Executable:
    """Built once, run with parameters: building a statement per need (each value coerced into a
    bound parameter, a cache key computed) cost intake more of the GIL than running it."""
    t = Need.__table__.c
    return select(t.id, t.site_id, t.kind, t.risk, t.people, t.lines, t.ready_at, t.created_at).where(
        t.site_id == bindparam("site_id"), t.kind == bindparam("kind"), t.id != bindparam("id"),
        t.status.in_(OPEN_STATUSES), t.created_at >= bindparam("since", type_=t.created_at.type),
        t.created_at <= bindparam("until", type_=t.created_at.type),
    ).order_by(t.created_at)


def sketch_of(need: Any) -> Sketch:
    """What the duplicate rule compares of a need (a row dict's view or a stored need)."""
    return Sketch.of(need.id, need.site_id, need.kind, need.risk, need.people, need.lines,
                     as_utc(need.ready_at) if need.ready_at else None, as_utc(need.created_at))


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
    insert_rows(conn, Need.__table__, rows)
    insert_rows(conn, AuditEntry.__table__, [_audit_row(actor, r) for r in rows])
    insert_rows(conn, Outbox.__table__, [_event_row(actor, r, sites[r["site_id"]]) for r in rows])


def _audit_row(actor: Principal, r: dict) -> dict:
    return dict(at=r["created_at"], actor=actor.user, role=actor.role, organisation=actor.organisation,
                action="need.create", entity=f"need:{r['id']}", before=None,
                after={"kind": r["kind"], "priority": r["priority"], "duplicate_of": r["duplicate_of"]})


def _event_row(actor: Principal, r: dict, site: SimpleNamespace) -> dict:
    event = codec.need_submitted(SimpleNamespace(**r, site=site), actor.user)  # type: ignore[arg-type]
    return dict(topic=topics.NEEDS, key=r["id"], payload=event.SerializeToString(), created_at=r["created_at"])


def insert_need(session: Session, actor: Principal, row: dict, site: SimpleNamespace) -> None:
    """One need, its audit row and its NeedSubmitted event. On PostgreSQL in one statement (two
    data-modifying CTEs and an INSERT: one round trip instead of three); elsewhere three INSERTs."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        insert_needs(session, actor, [row], {site.id: site})
        return
    audit, event = _audit_row(actor, row), _event_row(actor, row, site)
    conn.execute(_insert_statement(tuple(row), tuple(audit), tuple(event)),
                 {**{f"n_{k}": v for k, v in row.items()}, **{f"a_{k}": v for k, v in audit.items()},
                  **{f"o_{k}": v for k, v in event.items()}})


def _bound(table: Any, columns: tuple[str, ...], prefix: str) -> dict[str, Any]:
    assert isinstance(table, Table)
    return {c: bindparam(prefix + c, type_=table.c[c].type) for c in columns}


@cache
def _insert_statement(need: tuple[str, ...], audit: tuple[str, ...], event: tuple[str, ...]) -> Executable:
    """The need, its audit row and its event in one statement, built once per set of columns and run
    with parameters (`_duplicates_statement` says why)."""
    new_need = insert(Need).values(_bound(Need.__table__, need, "n_")).cte("new_need")
    new_audit = insert(AuditEntry).values(_bound(AuditEntry.__table__, audit, "a_")).cte("new_audit")
    return insert(Outbox).values(_bound(Outbox.__table__, event, "o_")).add_cte(new_need, new_audit)


def intake_view(session: Session, actor: Principal, data: dict, idempotency_key: str | None,
                now: datetime) -> SimpleNamespace:
    """Everything intake asks the database before storing a need, in one indexed SELECT: the site
    (None if unknown), whether it is a depot or a hotel's site, and the id of a need stored before under
    this Idempotency-Key by this user (`prior_id`). A likely duplicate is found after it
    (`find_duplicate`: the rule of domain/intake/duplicates.py compares head counts and times in code)."""
    params = {"site_id": data["site_id"]}
    if idempotency_key:
        params |= {"key": idempotency_key, "user": actor.user}
    row = session.connection().execute(_view_statement(bool(idempotency_key)), params).first()
    if row is None:
        raise NotFound("site", data["site_id"])
    m = dict(row._mapping)
    facts = {k: m.pop(k) for k in ("is_depot", "is_hotel", "prior_id")}
    role = "depot" if facts["is_depot"] else "hotel" if facts["is_hotel"] else None
    return SimpleNamespace(site=SimpleNamespace(**m), role=role, prior_id=facts["prior_id"], now=now)


@cache
def _view_statement(keyed: bool) -> Executable:
    """`intake_view`'s SELECT, built once (with or without a key to look up) and run with parameters."""
    s, t = Site.__table__, Need.__table__.c
    b, h = Bus.__table__.c, Hotel.__table__.c
    prior = (select(t.id).where(t.idempotency_key == bindparam("key"), t.created_by == bindparam("user"))
             if keyed else select(literal(None, String)))
    return select(*s.c, exists().where(b.depot_id == s.c.id).label("is_depot"),
                  exists().where(h.site_id == s.c.id).label("is_hotel"), prior.scalar_subquery().label("prior_id")
                  ).where(s.c.id == bindparam("site_id"))


def create_need(session: Session, actor: Principal, data: dict, idempotency_key: str | None,
                rules: IntakeRules | None = None,
                view: SimpleNamespace | None = None) -> tuple[Need | SimpleNamespace, bool]:
    """Store a need and stage its NeedSubmitted event. Returns (need, created): the stored row if the
    key was seen before with the same body (KeyReused if with another), else a read-only view of the
    new need (every field a response or an event reads). Staple names are resolved to codes and the
    need is checked for sense (IntakeRejected). The hot path of intake, in Core on the session's
    connection and transaction (no ORM object built, no unit of work to flush): one indexed SELECT
    (`intake_view`, which the route may have made already) and, on PostgreSQL, one INSERT statement."""
    problems = resolve_skus(data.get("lines") or [])
    if problems:
        raise IntakeRejected(problems)
    digest = body_hash(data)
    if view is None or view.site.id != data["site_id"]:
        view = intake_view(session, actor, data, idempotency_key, utcnow())
    if idempotency_key and view.prior_id is not None:
        prior = prior_for_key(session, actor, idempotency_key, digest)
        if prior is not None:
            return prior, False
    site, now = view.site, view.now
    problems = sense(data, now=now, rules=rules or IntakeRules(), site_role=view.role)
    if problems:
        raise IntakeRejected(problems)
    row = need_row(actor, data, site, idempotency_key, digest, now)
    row["duplicate_of"] = find_duplicate(session, SimpleNamespace(**row))  # type: ignore[arg-type]
    insert_need(session, actor, row, site)
    return SimpleNamespace(**row, site=site, assignments=[]), True


def raise_need(uow: SqlUnitOfWork, actor: Principal, data: dict[str, Any], idempotency_key: str | None,
               rules: IntakeRules | None = None,
               view: SimpleNamespace | None = None) -> tuple[Need | SimpleNamespace, bool]:
    """`create_need` in its own transaction, committed. Intake's hot path is Core SQL on the
    session, so it runs on the database's unit of work only (its tests are integration tests)."""
    with uow:
        try:
            need, created = create_need(uow.session, actor, data, idempotency_key, rules, view)
            uow.commit()
        except IntegrityError:
            # the same Idempotency-Key raised at the same moment (a double click): the other request
            # stored it first, so this one answers with that need (or 422 if its body differs)
            uow.rollback()
            if not idempotency_key:
                raise
            # read again: the key's need is there now
            need, created = create_need(uow.session, actor, data, idempotency_key, rules)
            if created:  # the other request's need is gone again: this one is stored now
                uow.commit()
    return need, created


def get_assignment(session: Session, assignment_id: str) -> Assignment:
    a = session.get(Assignment, assignment_id)
    if a is None:
        raise NotFound("assignment", assignment_id)
    return a


def read_need(session: Session, need_id: str) -> Need:
    """A need with its site and assignments in one statement (one snapshot of them)."""
    need = session.get(Need, need_id, options=[joinedload(Need.assignments)])
    if need is None:
        raise NotFound("need", need_id)
    return need


def get_need(session: Session, need_id: str) -> Need:
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound("need", need_id)
    return need
