"""The dispatcher's task list as a page of a night: the reader's scope in SQL (a dispatcher reads the
assignments that hold its organisation's resources, a site those of its needs), filters (status,
organisation, kind, late) and a search, and the total, so the list says "显示 100 / 504".

It filtered by permission in Python after a LIMIT, so a dispatcher could miss their own rows behind
other organisations' and never knew how many there were. `Assignment.organisations` is a JSON list:
on PostgreSQL it is matched with `@>` (jsonb), on SQLite with `json_each`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, exists, false, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, contains_eager

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_requests.adapters.models import Assignment, Bus, Hotel, Need, Site
from baolei_requests.domain.lifecycle import ASSIGNMENT_ZH

STATUSES = tuple(ASSIGNMENT_ZH)


@dataclass(frozen=True)
class Filters:
    status: list[str] = field(default_factory=list)
    organisation: str = ""  # one of the organisations whose resources the assignment holds
    kind: str = ""  # transfer or supply
    late: bool = False  # the plan arrives after the need's due time
    q: str = ""  # a community's name or district, a bus plate, a hotel's name, an id


def holds_resources_of(session: Session, organisation: str) -> ColumnElement[bool]:
    """Whether the assignment holds a bus, rooms or stock of this organisation."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(Assignment.organisations, JSONB).contains([organisation])
    each = func.json_each(Assignment.organisations).table_valued("value").alias("org_each")
    return exists(select(each.c.value).where(each.c.value == organisation))


def readable(session: Session, p: Principal) -> ColumnElement[bool] | None:
    """The assignments this caller may read (`assignment.read` of the one policy), as SQL; None: all."""
    scope = policy.read_scope(p, "assignment.read")
    if scope is policy.Scope.ANY:
        return None
    side = policy.owned_by(p)
    if scope is None or not p.organisation or side is None:
        return false()
    if side == policy.NEED_SIDE:  # a subquery, so the condition stands without a join to the needs
        return Assignment.need_id.in_(select(Need.id).where(Need.organisation == p.organisation))
    return holds_resources_of(session, p.organisation)


def _mentions(column: Any, ids: list[str]) -> ColumnElement[bool]:
    """Whether a JSON column's text names one of these ids (as a JSON string)."""
    text = cast(column, String)
    return or_(*(text.contains(f'"{i}"') for i in ids)) if ids else false()


def query(session: Session, p: Principal, f: Filters) -> Select:
    q = select(Assignment).join(Need, Assignment.need_id == Need.id).join(Site, Need.site_id == Site.id)
    scope = readable(session, p)
    if scope is not None:
        q = q.where(scope)
    if f.status:
        q = q.where(Assignment.status.in_(sorted(set(f.status))))
    if f.organisation:
        q = q.where(holds_resources_of(session, f.organisation))
    if f.kind:
        q = q.where(Assignment.kind == f.kind)
    if f.late:
        q = q.where(Assignment.late_minutes > 0)
    word = re.sub(r"[%_\\]", "", f.q)  # words, not a LIKE pattern
    if word:
        like = f"%{word}%"
        buses = list(session.scalars(select(Bus.id).where(Bus.plate.ilike(like)).limit(50)))
        hotels = list(session.scalars(select(Hotel.id).where(Hotel.name.ilike(like)).limit(50)))
        q = q.where(or_(Site.name.ilike(like), Site.district.ilike(like), Assignment.id.ilike(f"{word}%"),
                        Assignment.need_id.ilike(f"{word}%"), _mentions(Assignment.trips, buses),
                        _mentions(Assignment.room, hotels)))
    return q


def page(session: Session, p: Principal, f: Filters, offset: int, limit: int) -> tuple[list[Assignment], int]:
    """The assignments of this page, newest proposal first, and how many match in all."""
    q = query(session, p, f)
    total = session.scalar(q.with_only_columns(func.count(Assignment.id)).order_by(None)) or 0
    rows = session.scalars(q.order_by(Assignment.proposed_at.desc(), Assignment.id).offset(offset).limit(limit)
                           .options(contains_eager(Assignment.need).contains_eager(Need.site))).unique().all()
    return list(rows), int(total)
