"""Whose a live event is: the organisation of the need it concerns and the organisations whose
buses, rooms or stock the need's assignments hold, so the feed sends each site and dispatcher only
its own share.

Most answers come from the events themselves (a submitted need names its organisation, a proposal
its organisations, a local change what the route or consumer knew); the rest from a bounded cache
filled by earlier events, and on a miss from the database (in a worker thread).
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from baolei_requests.adapters.models import Assignment, Need

log = logging.getLogger(__name__)


@dataclass
class NeedAudience:
    organisation: str = ""
    organisations: set[str] = field(default_factory=set)  # of its assignments


def _from_db(sessions: sessionmaker, need_id: str) -> NeedAudience | None:
    with sessions() as s:
        org = s.scalar(select(Need.organisation).where(Need.id == need_id))
        if org is None:
            return None
        orgs: set[str] = set()
        for row in s.scalars(select(Assignment.organisations).where(Assignment.need_id == need_id)):
            orgs.update(row or [])
        return NeedAudience(org, orgs)


class Audience:
    """Annotates summaries with `audience` = {"need_org": …, "orgs": [...]} (dropped before sending)."""

    def __init__(self, sessions: sessionmaker | None = None, size: int = 20_000,
                 lookup: Callable[[str], NeedAudience | None] | None = None) -> None:
        self._cache: OrderedDict[str, NeedAudience] = OrderedDict()
        self._size = size
        self._lookup = lookup or ((lambda nid: _from_db(sessions, nid)) if sessions is not None else None)

    def _remember(self, need_id: str, organisation: str = "", organisations: list[str] | tuple = ()) -> NeedAudience:
        entry = self._cache.pop(need_id, None) or NeedAudience()
        entry.organisation = organisation or entry.organisation
        entry.organisations.update(o for o in organisations if o)
        self._cache[need_id] = entry
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return entry

    async def annotate(self, summary: dict) -> dict:
        need_id = summary.get("need_id")
        orgs = set(summary.get("organisations") or [])
        if need_id:
            entry = self._remember(need_id, summary.get("need_organisation") or summary.get("organisation") or "",
                                   sorted(orgs))
            if not entry.organisation and self._lookup is not None:
                try:
                    found = await asyncio.to_thread(self._lookup, need_id)
                except Exception as exc:  # the feed goes on; this event reaches operators and viewers only
                    log.warning("live feed: no audience for need %s: %s", need_id, exc)
                    found = None
                if found is not None:
                    entry = self._remember(need_id, found.organisation, sorted(found.organisations))
            summary["audience"] = {"need_org": entry.organisation, "orgs": sorted(entry.organisations)}
        else:  # a resource (its operator) or a change a route described (e.g. an import by a site)
            owners = sorted((orgs | {summary.get("operator") or ""}) - {""})
            need_org = summary.get("need_organisation") or ""
            if owners or need_org:
                summary["audience"] = {"need_org": need_org, "orgs": owners}
        return summary
