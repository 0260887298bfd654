"""An in-memory unit of work for the volunteers' use cases: dicts of rows, a list of events, a
commit flag. Rows are the ORM classes used as plain objects (no session, no database)."""
from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from baolei_common.identity import Principal
from baolei_volunteers.adapters.orm import CompoundRow, HouseholdRow, TaskRow, VolunteerRow
from baolei_volunteers.service.matching import Matcher
from baolei_volunteers.service.ports import Event
from baolei_volunteers.service.registry import Registry
from baolei_volunteers.service.tasks import Tasks
from baolei_volunteers.service.views import Views
from baolei_volunteers.solver import solve

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=timezone.utc)  # 21:00 in Shenzhen
OP = Principal("指挥部值班员", "operator", "指挥部")
WORKER = Principal("莲花北社区工作人员", "site", "莲花北社区")
OTHER_WORKER = Principal("景田社区工作人员", "site", "景田社区")


def vol(vid: str, community: str = "莲花北社区") -> Principal:
    return Principal(vid, "volunteer", community)


class FakeDb:
    def __init__(self) -> None:
        self.rows: dict[type, dict[str, Any]] = {CompoundRow: {}, VolunteerRow: {}, HouseholdRow: {}, TaskRow: {}}
        self.events: list[Event] = []
        self.seen: set[str] = set()
        self.commits = 0


class FakeUnitOfWork:
    """Changes are made on copies and kept only on commit (like a rolled-back transaction)."""

    def __init__(self, db: FakeDb) -> None:
        self.db = db

    def __enter__(self) -> FakeUnitOfWork:
        self.rows = copy.deepcopy(self.db.rows)
        self.events: list[Event] = []
        self.seen = set(self.db.seen)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.db.rows, self.db.seen = self.rows, self.seen
        self.db.events.extend(self.events)
        self.db.commits += 1

    def lock_matching(self) -> None:
        pass

    def first_time(self, event_id: str) -> bool:
        if event_id in self.seen:
            return False
        self.seen.add(event_id)
        return True

    def _all(self, kind: type, community: str | None) -> list[Any]:
        return [r for _, r in sorted(self.rows[kind].items()) if community is None or r.community == community]

    def compound(self, compound_id: str) -> CompoundRow | None:
        return self.rows[CompoundRow].get(compound_id)

    def compounds(self, community: str | None = None) -> list[CompoundRow]:
        return self._all(CompoundRow, community)

    def volunteer(self, volunteer_id: str) -> VolunteerRow | None:
        return self.rows[VolunteerRow].get(volunteer_id)

    def volunteers(self, community: str | None = None) -> list[VolunteerRow]:
        return self._all(VolunteerRow, community)

    def household(self, household_id: str) -> HouseholdRow | None:
        return self.rows[HouseholdRow].get(household_id)

    def households(self, community: str | None = None) -> list[HouseholdRow]:
        return self._all(HouseholdRow, community)

    def task(self, task_id: str, *, lock: bool = False) -> TaskRow | None:
        return self.rows[TaskRow].get(task_id)

    def tasks(self, statuses: Iterable[str] | None = None, community: str | None = None) -> list[TaskRow]:
        wanted = None if statuses is None else set(statuses)
        return sorted((t for t in self._all(TaskRow, community) if wanted is None or t.status in wanted),
                      key=lambda t: (t.raised_at, t.id))

    def add(self, row: Any) -> None:
        self.rows[type(row)][row.id] = row

    def emit(self, event: Event) -> None:
        self.events.append(event)


class World:
    """The demo community (baolei_dev.demo_volunteers) loaded through the use cases."""

    def __init__(self, hold_ttl_s: float = 1800) -> None:
        from baolei_dev.demo_volunteers import COMPOUNDS, HOUSEHOLDS, VOLUNTEERS

        self.db = FakeDb()
        self.matcher = Matcher(solve, time_limit_s=5, hold_ttl_s=hold_ttl_s)
        uow = lambda: FakeUnitOfWork(self.db)  # noqa: E731
        self.registry, self.tasks = Registry(uow, self.matcher), Tasks(uow, self.matcher)
        self.views = Views(uow, visit_gap_days=3)
        for cid, name, community, zone, lat, lon in COMPOUNDS:
            self.registry.put_compound(OP, {"id": cid, "name": name, "district": "福田", "street": "莲花街道",
                                            "community": community, "zone": zone, "lat": lat, "lon": lon}, NOW)
        for h in HOUSEHOLDS:
            self.registry.put_household(OP, dict(h), NOW)
        for v in VOLUNTEERS:
            self.registry.register_volunteer(OP, dict(v), NOW)

    def task(self, task_id: str) -> TaskRow:
        return self.db.rows[TaskRow][task_id]

    def raise_(self, household: str, kind: str, *, at: datetime = NOW, who: Principal = WORKER,
               **extra: Any) -> TaskRow:
        t = self.tasks.raise_task(who, {"household_id": household, "kind": kind, **extra}, at)
        assert t is not None
        return self.task(t.id)

    def events(self, kind: str = "task", what: str | None = None) -> list[Event]:
        return [e for e in self.db.events if e.kind == kind and (what is None or e.data.get("event") == what)]


def later(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)
