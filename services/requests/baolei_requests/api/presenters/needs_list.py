"""The needs list as a page of a night, not of a demo: filters (status, cause, district, organisation,
late, kind), a search, and the total, so a table of 300 says "显示 300 / 504" and a filter lists the
rest (it stopped at 300 of 504 without saying so).

Filters and the reader's scope are SQL: a site reads the needs of its organisation and its sites; a
dispatcher the needs one of whose assignments holds its organisation's bus, rooms or stock (the
assignments' JSON list, as the assignments page reads it) — before, a dispatcher's needs were
filtered in Python over the first 5,000 of the city's, so a company's needs behind 5,000 others'
were missing and the total was wrong. The page's needs are read with their sites and assignments in
three queries, not one per row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_requests.adapters.models import Assignment, Need, Site
from baolei_requests.api.presenters.assignments_list import holds_resources_of
from baolei_requests.api.presenters.attention import cause_of
from baolei_requests.domain.lifecycle import ACTIVE

OPEN = ("submitted", "proposed", "confirmed", "under_way", "unmet")


@dataclass(frozen=True)
class Filters:
    status: list[str] = field(default_factory=list)  # "open" stands for every open status
    unmet_code: list[str] = field(default_factory=list)
    cause: str = ""  # an attention group's cause: buses, rooms, stock, standard_rooms_full, ...
    district: str = ""
    organisation: str = ""
    late: bool = False
    kind: str = ""
    q: str = ""  # a site's name, a need id, a word of the note


def _codes_of(session: Session, cause: str) -> list[str]:
    codes = session.scalars(select(Need.unmet_code).where(Need.unmet_code != "").distinct()).all()
    return [c for c in codes if cause_of(c) == cause]


def query(session: Session, p: Principal, f: Filters) -> Select:
    q = select(Need).join(Site, Need.site_id == Site.id)
    statuses = sorted({s for x in f.status for s in (OPEN if x == "open" else (x,))})
    if statuses:
        q = q.where(Need.status.in_(statuses))
    codes = list(f.unmet_code) + (_codes_of(session, f.cause) if f.cause else [])
    if f.unmet_code or f.cause:
        q = q.where(Need.unmet_code.in_(codes or ["-"]))
    if f.district:
        q = q.where(Site.district == f.district)
    if f.organisation:
        q = q.where(Need.organisation == f.organisation)
    if f.kind:
        q = q.where(Need.kind == f.kind)
    if f.late:
        q = q.where(exists().where(Assignment.need_id == Need.id, Assignment.status.in_(sorted(ACTIVE)),
                                   Assignment.late_minutes > 0))
    word = re.sub(r"[%_\\]", "", f.q)  # the search is words, not a LIKE pattern (a lone \ would be a 500)
    if word:
        like = f"%{word}%"
        q = q.where(or_(Site.name.ilike(like), Need.id.ilike(f"{word}%"), Need.note.ilike(like),
                        Site.district.ilike(like), Need.organisation.ilike(like)))
    side = policy.owned_by(p)
    if side == policy.NEED_SIDE:  # needs filed under it, and every need for one of its sites
        q = q.where(or_(Need.organisation == p.organisation, Site.organisation == p.organisation))
    elif side == policy.RESOURCE_SIDE and not policy.sees_all(p):  # needs its resources serve
        q = q.where(exists(select(Assignment.id).where(Assignment.need_id == Need.id,
                                                       holds_resources_of(session, p.organisation))))
    return q


def page(session: Session, p: Principal, f: Filters, offset: int, limit: int) -> tuple[list[Need], int]:
    """The needs of this page, most urgent and oldest first, and how many match in all."""
    q = query(session, p, f)
    ordered = q.order_by(Need.priority, Need.created_at, Need.id)
    total = session.scalar(q.with_only_columns(func.count(Need.id)).order_by(None)) or 0
    rows = session.scalars(ordered.offset(offset).limit(limit).options(selectinload(Need.assignments))).unique().all()
    return list(rows), int(total)


def shown_text(shown: int, offset: int, total: int) -> tuple[str, str]:
    """"显示 1–300 / 504" — what the table shows of how many."""
    if not shown:
        return f"共 {total} 项", f"{total} in all"
    span = f"{offset + 1}–{offset + shown}" if offset else str(shown)
    return f"显示 {span} / {total}", f"showing {span} of {total}"
