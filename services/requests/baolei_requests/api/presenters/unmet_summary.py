"""What the attention panel needs of every unmet need, counted in the database, not in Python.

Why: at 17,000 unmet needs the panel read them all (as ORM objects, then as rows) to count causes,
people, rooms and staples: 7.6 s, then 4 s. The counts are sums, so the database makes them: per
cause, risk and kind the needs, people and rooms asked (a need that asked no room types asks a
standard room per person). Those sums are exact for needs that no live assignment serves in part
(the many); the few that one does are read one by one with their assignments (`waiting_of`,
`progress_of`), as before. Each cause lists its most urgent `NEEDS_SHOWN` needs, read with a LIMIT.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, selectinload

from baolei_requests.adapters.models import Assignment, Need
from baolei_requests.api.presenters.labels import Names
from baolei_requests.api.presenters.shortfalls import waiting_of
from baolei_requests.domain.lifecycle import ACTIVE
from baolei_requests.domain.needs import NeedStatus
from baolei_requests.domain.shortfall import ROOM_TYPES, Waiting
from baolei_requests.service.transitions import progress_of


@dataclass
class Group:
    """The unmet needs of one cause."""

    cause: str
    codes: set[str] = field(default_factory=set)
    count: int = 0
    risks: set[str] = field(default_factory=set)
    remaining: int = 0  # people still to house or move
    per_sku: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # units asked, by staple
    shown: list[Any] = field(default_factory=list)  # the most urgent needs, most urgent first


@dataclass
class Unmet:
    groups: dict[str, Group]
    waiting: list[Waiting]  # rooms and people waiting, summed per risk (the shortfall needs only sums)
    buses_short: bool


def _live() -> Any:
    """A need some live (or finished) assignment serves in part."""
    return exists().where(Assignment.need_id == Need.id, Assignment.status.in_(sorted(ACTIVE)))


def summarise(session: Session, names: Names, cause_of: Any, bus_codes: tuple[str, ...], shown: int) -> Unmet:
    unmet = Need.status == NeedStatus.UNMET.value
    rooms = {t: func.coalesce(Need.rooms[t].as_integer(), 0) for t in ROOM_TYPES}
    no_types = (rooms["standard"] + rooms["family"] + rooms["accessible"]) == 0
    asked = {"standard": case((no_types, Need.people), else_=rooms["standard"]), "family": rooms["family"],
             "accessible": rooms["accessible"]}
    groups: dict[str, Group] = {}
    demand: dict[str, dict[str, int]] = defaultdict(lambda: {t: 0 for t in ROOM_TYPES})
    people: dict[str, int] = defaultdict(int)
    buses_short = False

    def group(code: str) -> Group:
        c = cause_of(code)
        return groups.setdefault(c, Group(c))

    q = select(Need.unmet_code, Need.kind, Need.risk, func.count(), func.coalesce(func.sum(Need.people), 0),
               *(func.coalesce(func.sum(asked[t]), 0) for t in ROOM_TYPES)) \
        .where(unmet, ~_live()).group_by(Need.unmet_code, Need.kind, Need.risk)
    for code, kind, risk, count, ppl, *by_type in session.execute(q):
        g = group(code)
        g.codes.add(code)
        g.count += count
        if risk:
            g.risks.add(risk)
        g.remaining += int(ppl) if kind == "transfer" else 0
        if kind == "transfer":
            people[risk or ""] += int(ppl)
            for t, k in zip(ROOM_TYPES, by_type, strict=True):
                demand[risk or ""][t] += int(k)
            buses_short = buses_short or code in bus_codes
    # the few served in part by a live assignment: one by one, as the rest of the service counts them
    for n in session.scalars(select(Need).where(unmet, _live()).options(selectinload(Need.assignments))).unique():
        g = group(n.unmet_code)
        g.codes.add(n.unmet_code)
        g.count += 1
        if n.risk:
            g.risks.add(n.risk)
        if n.kind == "transfer":
            w = waiting_of(n)
            g.remaining += progress_of(n).remaining
            people[w.risk] += w.people
            for t in ROOM_TYPES:
                demand[w.risk][t] += w.rooms.get(t, 0)
            buses_short = buses_short or n.unmet_code in bus_codes
    # staples asked by unmet supply needs (few: read their lines)
    for code, lines in session.execute(select(Need.unmet_code, Need.lines).where(unmet, Need.kind == "supply")):
        for ln in lines or []:
            group(code).per_sku[ln["sku"]] += ln["quantity"]
    sites = names.sites
    c = Need.__table__.c
    for g in groups.values():
        rows = session.connection().execute(
            select(c.id, c.kind, c.site_id, c.priority, c.people, c.lines, c.status, c.unmet_reason_zh,
                   c.unmet_reason_en, c.due_at, c.risk)
            .where(and_(c.status == NeedStatus.UNMET.value, c.unmet_code.in_(sorted(g.codes))))
            .order_by(c.priority, c.created_at).limit(shown))
        g.shown = [SimpleNamespace(**r._mapping, site=sites.get(r.site_id) or SimpleNamespace(name=r.site_id))
                   for r in rows]
    waiting = [Waiting(risk, demand[risk], people[risk]) for risk in sorted(set(demand) | set(people))]
    return Unmet(groups, waiting, buses_short)


def group_needs(needs: list[Any], cause_of: Any, shown: int) -> dict[str, Group]:
    """The same groups from needs already read (most urgent first): for a handful of needs and tests."""
    groups: dict[str, Group] = {}
    for n in needs:
        g = groups.setdefault(cause_of(n.unmet_code), Group(cause_of(n.unmet_code)))
        g.codes.add(n.unmet_code)
        g.count += 1
        if n.risk:
            g.risks.add(n.risk)
        if n.kind == "transfer":
            g.remaining += progress_of(n).remaining
        for ln in n.lines if n.kind == "supply" else []:
            g.per_sku[ln["sku"]] += ln["quantity"]
        if len(g.shown) < shown:
            g.shown.append(n)
    return groups
