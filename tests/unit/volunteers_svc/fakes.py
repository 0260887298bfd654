"""An in-memory unit of work for the volunteers' use cases: dicts of rows, a list of events, a
commit flag. Rows are the ORM classes used as plain objects (no session, no database)."""
from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from baolei_common.identity import Principal
from baolei_volunteers.adapters.orm import CompoundRow, HouseholdRow, TaskRow, VolunteerRow
from baolei_volunteers.service.matching import LOOSE_ZONES, Matcher, task_area
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
        self.dirty: dict[str, int] = {}  # area -> order marked
        self.commits = 0


class FakeUnitOfWork:
    """Changes are made on copies and kept only on commit (like a rolled-back transaction)."""

    def __init__(self, db: FakeDb) -> None:
        self.db = db

    def __enter__(self) -> FakeUnitOfWork:
        self.rows = copy.deepcopy(self.db.rows)
        self.events: list[Event] = []
        self.seen = set(self.db.seen)
        self.dirty = dict(self.db.dirty)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.db.rows, self.db.seen, self.db.dirty = self.rows, self.seen, self.dirty
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

    def households_by_id(self, ids: Iterable[str]) -> list[HouseholdRow]:
        return [h for i in sorted(set(ids)) if (h := self.rows[HouseholdRow].get(i)) is not None]

    def tasks_by_id(self, ids: Iterable[str], *, lock: bool = False) -> list[TaskRow]:
        return [t for i in sorted(set(ids)) if (t := self.rows[TaskRow].get(i)) is not None]

    def count_tasks(self, status: str) -> int:
        return sum(1 for t in self.rows[TaskRow].values() if t.status == status)

    def area_tasks(self, areas: Iterable[str], statuses: Iterable[str]) -> list[TaskRow]:
        wanted = set(areas)
        found = []
        for t in self.tasks(statuses):
            h = self.household(t.household_id)
            c = None if h is None else self.compound(h.compound_id)
            if c is not None and task_area(t, c) in wanted:
                found.append(t)
        return found

    def community_names(self) -> list[str]:
        return sorted({c.community for c in self.compounds()})

    def community_tasks(self, community: str, *, live: Iterable[str], since: datetime,
                        limit: int) -> tuple[list[TaskRow], int]:
        st = set(live)
        found = [t for t in self.tasks(None, community) if t.status in st or t.raised_at >= since
                 or (t.done_at is not None and t.done_at >= since)]
        found.sort(key=lambda t: (-t.raised_at.timestamp(), t.id))
        return found[:limit], len(found)

    def coverage_counts(self, *, visit_cutoff: datetime, since: datetime, now: datetime) -> dict[str, Any]:
        """The SQL grouping of `SqlUnitOfWork.coverage_counts`, in Python."""
        live = {"wish", "matching", "open", "proposed", "accepted", "started", "unmet"}
        zones: Counter[tuple[str, str]] = Counter(
            (c.district, c.zone) for c in self.compounds())
        homes: dict[str, list[int]] = {}
        for h in self.households():
            c = self.compound(h.compound_id)
            if c is None or not h.vulnerability:
                continue
            n = homes.setdefault(c.district, [0, 0])
            n[0] += 1
            n[1] += h.last_visit_at is None or h.last_visit_at < visit_cutoff
        tasks: dict[tuple[str, str, str], list[int]] = {}
        for t in self.tasks(None):
            h = self.household(t.household_id)
            c = None if h is None else self.compound(h.compound_id)
            if c is None or not (t.status in live or (t.done_at is not None and t.done_at >= since)
                                 or t.raised_at >= since):
                continue
            n = tasks.setdefault((c.district, t.status, t.cause), [0, 0, 0])
            n[0] += 1
            n[1] += t.kind == "送药" and t.deadline is not None and (
                (t.done_at is None and t.status in live and t.deadline < now)
                or (t.done_at is not None and t.done_at > t.deadline))
            n[2] += t.done_at is not None and (t.deadline is None or t.done_at <= t.deadline)
        return {"zones": [(d, z, n) for (d, z), n in zones.items()],
                "households": [(d, *n) for d, n in homes.items()],
                "tasks": [(*k, *n) for k, n in tasks.items()]}

    def held_by(self, volunteer_ids: Iterable[str], statuses: Iterable[str]) -> list[TaskRow]:
        who, st = set(volunteer_ids), set(statuses)
        return [t for t in self.tasks(st) if t.volunteer_id in who]

    def volunteers_for(self, compound_ids: Iterable[str], loose_districts: Iterable[str],
                       communities: Iterable[str], ids: Iterable[str] = ()) -> list[VolunteerRow]:
        homes, ds, cs, who = set(compound_ids), set(loose_districts), set(communities), set(ids)
        found = []
        for v in self.volunteers():
            c = self.compound(v.compound_id)
            if v.status != "verified" or c is None:
                continue
            if (v.compound_id in homes or (c.district in ds and c.zone in LOOSE_ZONES) or v.community in cs
                    or v.id in who):
                found.append(copy.deepcopy(v))  # read-only, as the SQL one's plain rows
        return found

    def set_volunteer_plans(self, changes: list[dict[str, Any]]) -> None:
        for c in changes:
            v = self.rows[VolunteerRow][c["id"]]
            v.route, v.may_claim = c["route"], c["may_claim"]

    def pending_places(self) -> list[tuple[bool, str, CompoundRow]]:
        seen: dict[tuple[bool, str, str], tuple[bool, str, CompoundRow]] = {}
        for t in self.tasks(("matching",)):
            h = self.household(t.household_id)
            c = None if h is None else self.compound(h.compound_id)
            if c is not None:
                seen.setdefault((bool(t.remote), t.community, c.id), (bool(t.remote), t.community, c))
        return list(seen.values())

    def _task_compounds(self, statuses: Iterable[str]) -> list[tuple[TaskRow, str]]:
        return [(t, h.compound_id) for t in self.tasks(statuses)
                if (h := self.household(t.household_id)) is not None and h.compound_id in self.rows[CompoundRow]]

    def tasks_due(self, now: datetime, statuses: Iterable[str]) -> list[TaskRow]:
        return [t for t in self.tasks(statuses) if t.deadline is not None and t.deadline <= now]

    def compound_tasks(self, compound_ids: Iterable[str], statuses: Iterable[str]) -> list[tuple[TaskRow, str]]:
        wanted = set(compound_ids)
        return [(t, c) for t, c in self._task_compounds(statuses) if c in wanted]

    def mark_dirty(self, areas: Iterable[str]) -> None:
        for a in areas:
            self.dirty.setdefault(a, len(self.dirty) + max(self.dirty.values(), default=0) + 1)

    def take_dirty(self, limit: int) -> list[str]:
        areas = sorted(self.dirty, key=lambda a: self.dirty[a])[:limit]
        for a in areas:
            del self.dirty[a]
        return areas

    def dirty_count(self) -> int:
        return len(self.dirty)

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
        self.uow = uow = lambda: FakeUnitOfWork(self.db)  # noqa: E731
        self.registry, self.tasks = Registry(uow, self.matcher), Tasks(uow, self.matcher)
        self._views = Views(uow, visit_gap_days=3)
        self.clock = NOW
        for cid, name, community, zone, lat, lon in COMPOUNDS:
            self.registry.put_compound(OP, {"id": cid, "name": name, "district": "福田", "street": "莲花街道",
                                            "community": community, "zone": zone, "lat": lat, "lon": lon}, NOW)
        for h in HOUSEHOLDS:
            self.registry.put_household(OP, dict(h), NOW)
        for v in VOLUNTEERS:
            self.registry.register_volunteer(OP, dict(v), NOW)

    def settle(self) -> int:
        """The matching loop's rounds until no area is dirty (what the service's loop does)."""
        rounds = 0
        while self.matcher.round(self.uow, self.clock) is not None:
            rounds += 1
        return rounds

    @property
    def views(self) -> Views:
        self.settle()
        return self._views

    def task(self, task_id: str) -> TaskRow:
        self.settle()
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
