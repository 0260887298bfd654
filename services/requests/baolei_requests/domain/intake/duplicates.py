"""Likely duplicates: the rule, and an index that applies it to a whole import at once.

The rule (README "Likely duplicates"): a new need is a likely duplicate of an open need when
- both are for the same site and of the same kind;
- a transfer: the same risk category and a close head count (equal up to 9 people; beyond, within
  10 %, e.g. 18 and 19, 40 and 44); a supply: the same staples, each quantity close the same way;
- they ask for close times: ready (or, without one, raised) within `READY_WINDOW_S` of each other;
- the open one was raised at most `RAISED_WINDOW_S` before the new one.
The earliest such need is named. Why so narrow: "same site, overlapping window" flagged every new
莲花北 need (4, 2, 5, 6, 3 people, hours apart) as a duplicate of an 18-person need raised that
morning, and every row of an imported sheet as a duplicate of the row before it; a mark on every
row is noise nobody reads. A duplicate is the same group sent twice: by two workers, a resent
form, a sheet imported after the same needs were typed in.

The index files open needs by (site, kind) in creation order and looks back only over the raised
window, so an import of 10,000 rows stays linear. Pure code.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

RAISED_WINDOW_S = 3600.0  # raised within an hour of each other
READY_WINDOW_S = 1800.0  # ready within half an hour of each other


@dataclass(frozen=True)
class Sketch:
    """What the rule compares of a need."""

    need_id: str
    site_id: str
    kind: str
    risk: str
    people: int
    lines: tuple[tuple[str, int], ...]  # (sku, quantity), sorted by sku
    ready: float  # ready_at, else created_at (epoch seconds)
    created: float

    @staticmethod
    def of(need_id: str, site_id: str, kind: str, risk: str | None, people: int | None,
           lines: list[dict[str, Any]] | None,
           ready_at: datetime | None, created_at: datetime) -> Sketch:
        return Sketch(need_id, site_id, str(kind), risk or "", int(people or 0),
                      tuple(sorted((str(ln["sku"]), int(ln["quantity"])) for ln in lines or [])),
                      (ready_at or created_at).timestamp(), created_at.timestamp())


def close_count(a: int, b: int) -> bool:
    """Equal up to 9; beyond, within 10 % of the larger."""
    return abs(a - b) <= max(a, b) // 10


def likely_duplicate(new: Sketch, old: Sketch) -> bool:
    """Whether `new` is likely the same need as `old` (raised before it), by the rule above."""
    if (new.site_id, new.kind) != (old.site_id, old.kind) or new.need_id == old.need_id:
        return False
    if not 0 <= new.created - old.created <= RAISED_WINDOW_S or abs(new.ready - old.ready) > READY_WINDOW_S:
        return False
    if new.kind == "transfer":
        return new.risk == old.risk and close_count(new.people, old.people)
    return [s for s, _ in new.lines] == [s for s, _ in old.lines] and all(
        close_count(a, b) for (_, a), (_, b) in zip(new.lines, old.lines, strict=True))


class DuplicateIndex:
    """Open needs by (site, kind), in creation order; `find` looks back over the raised window only."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], list[Sketch]] = defaultdict(list)

    def add(self, need: Sketch) -> None:
        """File a need; call in creation order."""
        self._groups[(need.site_id, need.kind)].append(need)

    def find(self, need: Sketch) -> str | None:
        """The earliest filed need `need` is a likely duplicate of, if any."""
        group = self._groups.get((need.site_id, need.kind), [])
        found = None
        for old in reversed(group):  # newest first: stop once past the raised window
            if need.created - old.created > RAISED_WINDOW_S:
                break
            if likely_duplicate(need, old):
                found = old.need_id
        return found
