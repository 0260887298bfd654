"""What the use cases need from the outside: a unit of work (repositories of rows, events staged
for publication, one commit) and the clock. The SQL one is `adapters.uow.SqlUnitOfWork`; unit tests
use a fake in memory. Rows are the ORM classes (plain objects until a session holds them)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from baolei_volunteers.adapters.orm import CompoundRow, HouseholdRow, TaskRow, VolunteerRow
from baolei_volunteers.events import Event

__all__ = ["LIVE_STATUSES", "OPEN_STATUSES", "Event", "UnitOfWork"]

# what the matcher plans (plus started ones' hours); "matching": raised or changed, not yet planned
OPEN_STATUSES = ("matching", "open", "proposed", "accepted", "unmet")
LIVE_STATUSES = (*OPEN_STATUSES, "started")


class UnitOfWork(Protocol):
    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def compound(self, compound_id: str) -> CompoundRow | None: ...

    def compounds(self, community: str | None = None) -> list[CompoundRow]: ...

    def volunteer(self, volunteer_id: str) -> VolunteerRow | None: ...

    def volunteers(self, community: str | None = None) -> list[VolunteerRow]: ...

    def household(self, household_id: str) -> HouseholdRow | None: ...

    def households(self, community: str | None = None) -> list[HouseholdRow]: ...

    def households_by_id(self, ids: Iterable[str]) -> list[HouseholdRow]: ...

    def task(self, task_id: str, *, lock: bool = False) -> TaskRow | None: ...

    def tasks(self, statuses: Iterable[str] | None = None, community: str | None = None) -> list[TaskRow]: ...

    def tasks_by_id(self, ids: Iterable[str], *, lock: bool = False) -> list[TaskRow]: ...

    def count_tasks(self, status: str) -> int: ...

    def area_tasks(self, areas: Iterable[str], statuses: Iterable[str]) -> list[TaskRow]: ...

    def community_names(self) -> list[str]: ...

    def community_tasks(self, community: str, *, live: Iterable[str], since: datetime,
                        limit: int) -> tuple[list[TaskRow], int]: ...

    def coverage_counts(self, *, visit_cutoff: datetime, since: datetime, now: datetime) -> dict[str, Any]:
        """Grouped counts by district: `zones` (district, zone, n), `households` (district, vulnerable,
        not visited), `tasks` (district, status, cause, n, medicine late, done on time)."""

    def held_by(self, volunteer_ids: Iterable[str], statuses: Iterable[str]) -> list[TaskRow]: ...

    def volunteers_for(self, compound_ids: Iterable[str], loose_districts: Iterable[str],
                       communities: Iterable[str], ids: Iterable[str] = ()) -> list[Any]:
        """Read-only rows with `VolunteerRow`'s attributes."""

    def set_volunteer_plans(self, changes: list[dict[str, Any]]) -> None: ...

    def pending_places(self) -> list[tuple[bool, str, CompoundRow]]: ...

    def tasks_due(self, now: Any, statuses: Iterable[str]) -> list[TaskRow]:
        """Tasks in these statuses whose deadline is at or before `now`."""
        ...

    def compound_tasks(self, compound_ids: Iterable[str], statuses: Iterable[str]) -> list[tuple[TaskRow, str]]:
        """(task, its household's compound id) of these compounds' households."""
        ...

    def mark_dirty(self, areas: Iterable[str]) -> None:
        """These areas' open tasks are to be planned again by the matching loop."""

    def take_dirty(self, limit: int) -> list[str]: ...

    def dirty_count(self) -> int: ...

    def add(self, row: Any) -> None: ...

    def emit(self, event: Event) -> None: ...

    def first_time(self, event_id: str) -> bool:
        """Record an inbound event id; False when it was already applied (dedupe)."""

    def lock_matching(self) -> None:
        """Serialise matching rounds (one plan applied at a time, across replicas)."""
