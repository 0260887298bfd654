"""Likely duplicates of a whole import at once, by an index of time buckets.

Why: each row used to ask the database for the earliest open need of its site and kind whose window
overlaps, and that query read every need the import had stored so far at that site: 1,000 rows
took 72 s and 10,000 never finished. Here the open needs of the import's sites are read once, then
every window is filed under the hours it spans, so a row looks only at needs of its own site, kind
and hours. The rule is the one of `service.needs.intake_view`: the earliest-created open need of the
same site and kind whose window [ready_at or created_at, due_at] overlaps. Pure code.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

BUCKET_S = 3600.0
MAX_BUCKETS = 72  # a window longer than three days is filed once, in the group's list of long ones


@dataclass(frozen=True)
class _Window:
    order: int     # creation order: needs stored before the import first, then the rows in file order
    need_id: str
    start: float
    due: float


class DuplicateIndex:
    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, int], list[_Window]] = defaultdict(list)
        self._long: dict[tuple[str, str], list[_Window]] = defaultdict(list)
        self._all: dict[tuple[str, str], list[_Window]] = defaultdict(list)
        self._order = 0

    @staticmethod
    def _span(start: float, due: float) -> range:
        lo, hi = min(start, due), max(start, due)
        return range(int(lo // BUCKET_S), int(hi // BUCKET_S) + 1)

    def add(self, site_id: str, kind: str, need_id: str, start: datetime, due: datetime) -> None:
        """File a need; call in creation order."""
        w = _Window(self._order, need_id, start.timestamp(), due.timestamp())
        self._order += 1
        group = (site_id, kind)
        self._all[group].append(w)
        span = self._span(w.start, w.due)
        if len(span) > MAX_BUCKETS:
            self._long[group].append(w)
            return
        for h in span:
            self._buckets[(site_id, kind, h)].append(w)

    def find(self, site_id: str, kind: str, start: datetime, due: datetime) -> str | None:
        """The earliest-filed need of this site and kind whose window overlaps [start, due]."""
        s, d = start.timestamp(), due.timestamp()
        group = (site_id, kind)
        span = self._span(s, d)
        lists = [self._all.get(group, [])] if len(span) > MAX_BUCKETS else \
            [self._buckets.get((site_id, kind, h), []) for h in span] + [self._long.get(group, [])]
        best: _Window | None = None
        for windows in lists:
            for w in windows:  # each list is in creation order: the first overlap is its earliest
                if best is not None and w.order >= best.order:
                    break
                if w.due >= s and w.start <= d:
                    best = w
                    break
        return None if best is None else best.need_id
