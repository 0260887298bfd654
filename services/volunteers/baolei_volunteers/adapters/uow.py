"""The SQL unit of work: repositories over one session, events encoded to the outbox in the same
transaction, one commit (then the store's after-commit hooks wake the relay)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from baolei_common.events import utcnow
from baolei_common.outbox import add_event
from baolei_volunteers.adapters.db import Store
from baolei_volunteers.adapters.orm import (
    CompoundRow,
    DirtyAreaRow,
    HouseholdRow,
    OutboxRow,
    ProcessedEventRow,
    TaskRow,
    VolunteerRow,
)
from baolei_volunteers.adapters.proto import encode
from baolei_volunteers.events import Event

MATCH_LOCK = 7012205
LEADER_LOCK = 7012206
LOOSE_ZONES = ("防范区", "常态")  # doorstep tasks there are planned by district


@contextlib.contextmanager
def leader(store: Store) -> Iterator[bool]:
    """The matching loop's lease: one replica runs a round at a time (a session advisory lock held
    on its own connection for the round; released when the round ends or the process dies)."""
    if not store.is_postgres:
        yield True
        return
    with store.engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
            conn.commit()


class SqlUnitOfWork:
    def __init__(self, store: Store) -> None:
        self._store = store
        self.session: Session

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._store.sessions()
        self.session.begin()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()  # not committed (a refusal, an error, or a read): nothing kept
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
        self._store.committed()

    def first_time(self, event_id: str) -> bool:
        if self.session.get(ProcessedEventRow, event_id) is not None:
            return False
        self.session.add(ProcessedEventRow(event_id=event_id))
        self.session.flush()
        return True

    def lock_matching(self) -> None:
        if self._store.is_postgres:
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MATCH_LOCK})

    def compound(self, compound_id: str) -> CompoundRow | None:
        return self.session.get(CompoundRow, compound_id)

    def compounds(self, community: str | None = None) -> list[CompoundRow]:
        q = select(CompoundRow).order_by(CompoundRow.id)
        if community is not None:
            q = q.where(CompoundRow.community == community)
        return list(self.session.scalars(q))

    def volunteer(self, volunteer_id: str) -> VolunteerRow | None:
        return self.session.get(VolunteerRow, volunteer_id)

    def volunteers(self, community: str | None = None) -> list[VolunteerRow]:
        q = select(VolunteerRow).order_by(VolunteerRow.id)
        if community is not None:
            q = q.where(VolunteerRow.community == community)
        return list(self.session.scalars(q))

    def household(self, household_id: str) -> HouseholdRow | None:
        return self.session.get(HouseholdRow, household_id)

    def households(self, community: str | None = None) -> list[HouseholdRow]:
        q = select(HouseholdRow).order_by(HouseholdRow.id)
        if community is not None:
            q = q.where(HouseholdRow.community == community)
        return list(self.session.scalars(q))

    def households_by_id(self, ids: Iterable[str]) -> list[HouseholdRow]:
        wanted, found = sorted(set(ids)), []
        for i in range(0, len(wanted), 5000):  # bounded IN lists
            found += list(self.session.scalars(select(HouseholdRow).where(HouseholdRow.id.in_(wanted[i:i + 5000]))))
        return found

    def task(self, task_id: str, *, lock: bool = False) -> TaskRow | None:
        if lock and self._store.is_postgres:
            return self.session.scalars(select(TaskRow).where(TaskRow.id == task_id).with_for_update()).first()
        return self.session.get(TaskRow, task_id)

    def tasks(self, statuses: Iterable[str] | None = None, community: str | None = None) -> list[TaskRow]:
        q = select(TaskRow).order_by(TaskRow.raised_at, TaskRow.id)
        if statuses is not None:
            q = q.where(TaskRow.status.in_(list(statuses)))
        if community is not None:
            q = q.where(TaskRow.community == community)
        return list(self.session.scalars(q))

    def tasks_by_id(self, ids: Iterable[str], *, lock: bool = False) -> list[TaskRow]:
        q = select(TaskRow).where(TaskRow.id.in_(list(ids))).order_by(TaskRow.id)
        if lock and self._store.is_postgres:
            q = q.with_for_update()
        return list(self.session.scalars(q))

    def count_tasks(self, status: str) -> int:
        return int(self.session.scalar(select(func.count()).select_from(TaskRow).where(TaskRow.status == status))
                   or 0)

    def area_tasks(self, areas: Iterable[str], statuses: Iterable[str]) -> list[TaskRow]:
        """Tasks of these areas (`compound:`, `district:`, `community:` keys; see `DirtyAreaRow`)."""
        kinds: dict[str, list[str]] = {"compound": [], "district": [], "community": []}
        for a in areas:
            kind, _, name = a.partition(":")
            kinds.setdefault(kind, []).append(name)
        q = (select(TaskRow).join(HouseholdRow, HouseholdRow.id == TaskRow.household_id)
             .join(CompoundRow, CompoundRow.id == HouseholdRow.compound_id)
             .where(TaskRow.status.in_(list(statuses)))
             .where(or_(TaskRow.remote.is_(True) & TaskRow.community.in_(kinds["community"]),
                        TaskRow.remote.is_(False) & CompoundRow.id.in_(kinds["compound"])
                        & CompoundRow.zone.not_in(LOOSE_ZONES),
                        TaskRow.remote.is_(False) & CompoundRow.district.in_(kinds["district"])
                        & CompoundRow.zone.in_(LOOSE_ZONES)))
             .order_by(TaskRow.raised_at, TaskRow.id))
        return list(self.session.scalars(q))

    def community_names(self) -> list[str]:
        return list(self.session.scalars(select(CompoundRow.community).distinct().order_by(CompoundRow.community)))

    def community_tasks(self, community: str, *, live: Iterable[str], since: datetime,
                        limit: int) -> tuple[list[TaskRow], int]:
        """A community's tasks still under way or raised or finished since `since`, newest first, at
        most `limit`; and how many there are in all."""
        where = (TaskRow.community == community,
                 or_(TaskRow.status.in_(list(live)), TaskRow.raised_at >= since, TaskRow.done_at >= since))
        total = int(self.session.scalar(select(func.count()).select_from(TaskRow).where(*where)) or 0)
        rows = self.session.scalars(select(TaskRow).where(*where)
                                    .order_by(TaskRow.raised_at.desc(), TaskRow.id).limit(limit))
        return list(rows), total

    def coverage_counts(self, *, visit_cutoff: datetime, since: datetime, now: datetime) -> dict[str, Any]:
        """Coverage by district in three grouped queries (never the rows themselves): compounds by zone;
        vulnerable households and those not visited since `visit_cutoff`; tasks still open or finished
        since `since`, by status and cause, with medicine past its deadline (open) or delivered late."""
        zones = self.session.execute(
            select(CompoundRow.district, CompoundRow.zone, func.count()).group_by(CompoundRow.district,
                                                                                  CompoundRow.zone)).all()
        vulnerable = cast(HouseholdRow.vulnerability, String).not_in(["[]", "null"])
        homes = self.session.execute(
            select(CompoundRow.district, func.count(),
                   func.sum(case((or_(HouseholdRow.last_visit_at.is_(None),
                                      HouseholdRow.last_visit_at < visit_cutoff), 1), else_=0)))
            .join(CompoundRow, CompoundRow.id == HouseholdRow.compound_id)
            .where(vulnerable).group_by(CompoundRow.district)).all()
        live = ("wish", "matching", "open", "proposed", "accepted", "started", "unmet")
        medicine_late = and_(TaskRow.kind == "送药", TaskRow.deadline.is_not(None), or_(
            and_(TaskRow.done_at.is_(None), TaskRow.status.in_(live), TaskRow.deadline < now),
            and_(TaskRow.done_at.is_not(None), TaskRow.done_at > TaskRow.deadline)))
        on_time = and_(TaskRow.done_at.is_not(None),
                       or_(TaskRow.deadline.is_(None), TaskRow.done_at <= TaskRow.deadline))
        tasks = self.session.execute(
            select(CompoundRow.district, TaskRow.status, TaskRow.cause, func.count(),
                   func.sum(case((medicine_late, 1), else_=0)), func.sum(case((on_time, 1), else_=0)))
            .join(HouseholdRow, HouseholdRow.id == TaskRow.household_id)
            .join(CompoundRow, CompoundRow.id == HouseholdRow.compound_id)
            .where(or_(TaskRow.status.in_(live), TaskRow.done_at >= since, TaskRow.raised_at >= since))
            .group_by(CompoundRow.district, TaskRow.status, TaskRow.cause)).all()
        return {"zones": [tuple(r) for r in zones], "households": [tuple(r) for r in homes],
                "tasks": [tuple(r) for r in tasks]}

    def held_by(self, volunteer_ids: Iterable[str], statuses: Iterable[str]) -> list[TaskRow]:
        q = select(TaskRow).where(TaskRow.volunteer_id.in_(list(volunteer_ids)), TaskRow.status.in_(list(statuses)))
        return list(self.session.scalars(q))

    def volunteers_for(self, compound_ids: Iterable[str], loose_districts: Iterable[str],
                       communities: Iterable[str], ids: Iterable[str] = ()) -> list[Any]:
        """Verified volunteers living in these compounds, in a 防范区/常态 compound of these districts,
        of these communities, or with these ids: those a round's areas may use (`Matcher.round_volunteers`).
        Plain rows (the columns of `VolunteerRow`, read-only, no identity map): a round reads thousands;
        it writes back what changed with `set_volunteer_plans`."""
        q = (select(*VolunteerRow.__table__.columns).join(CompoundRow, CompoundRow.id == VolunteerRow.compound_id)
             .where(VolunteerRow.status == "verified")
             .where(or_(VolunteerRow.compound_id.in_(list(compound_ids)),
                        CompoundRow.district.in_(list(loose_districts)) & CompoundRow.zone.in_(LOOSE_ZONES),
                        VolunteerRow.community.in_(list(communities)), VolunteerRow.id.in_(list(ids))))
             .order_by(VolunteerRow.id))
        return list(self.session.execute(q).all())

    def set_volunteer_plans(self, changes: list[dict[str, Any]]) -> None:
        """Each volunteer's route and claim board ({"id", "route", "may_claim"}), in one batch."""
        if changes:
            self.session.execute(update(VolunteerRow), changes)

    def pending_places(self) -> list[tuple[bool, str, CompoundRow]]:
        """(remote, community, compound) of every task still 匹配中, once each (a new leader's `resume`)."""
        q = (select(TaskRow.remote, TaskRow.community, CompoundRow)
             .join(HouseholdRow, HouseholdRow.id == TaskRow.household_id)
             .join(CompoundRow, CompoundRow.id == HouseholdRow.compound_id)
             .where(TaskRow.status == "matching").distinct())
        return [(bool(r), str(c), row) for r, c, row in self.session.execute(q).all()]

    def tasks_due(self, now: Any, statuses: Iterable[str]) -> list[TaskRow]:
        q = (select(TaskRow).where(TaskRow.deadline.is_not(None), TaskRow.deadline <= now,
                                   TaskRow.status.in_(list(statuses))).order_by(TaskRow.deadline, TaskRow.id))
        return list(self.session.scalars(q))

    def compound_tasks(self, compound_ids: Iterable[str], statuses: Iterable[str]) -> list[tuple[TaskRow, str]]:
        q = (select(TaskRow, HouseholdRow.compound_id).join(HouseholdRow, HouseholdRow.id == TaskRow.household_id)
             .where(HouseholdRow.compound_id.in_(list(compound_ids)), TaskRow.status.in_(list(statuses)))
             .order_by(TaskRow.raised_at, TaskRow.id))
        return [(t, c) for t, c in self.session.execute(q).all()]

    def mark_dirty(self, areas: Iterable[str]) -> None:
        now = utcnow()
        rows = [{"area": a, "marked_at": now} for a in sorted(set(areas))]
        if not rows:
            return
        if self._store.is_postgres:  # one statement for the batch
            self.session.execute(text("INSERT INTO matching_dirty (area, marked_at) VALUES (:area, :marked_at) "
                                      "ON CONFLICT (area) DO NOTHING"), rows)
        else:
            for r in rows:
                if self.session.get(DirtyAreaRow, r["area"]) is None:
                    self.session.add(DirtyAreaRow(**r))
        self.session.flush()

    def take_dirty(self, limit: int) -> list[str]:
        """The oldest `limit` dirty areas, removed (the caller commits; a failed round marks them again)."""
        q = select(DirtyAreaRow.area).order_by(DirtyAreaRow.marked_at, DirtyAreaRow.area).limit(limit)
        if self._store.is_postgres:
            q = q.with_for_update(skip_locked=True)
        areas = list(self.session.scalars(q))
        if areas:
            self.session.execute(delete(DirtyAreaRow).where(DirtyAreaRow.area.in_(areas)))
        return areas

    def dirty_count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(DirtyAreaRow)) or 0)

    def add(self, row: Any) -> None:
        self.session.add(row)

    def emit(self, event: Event) -> None:
        topic, key, msg = encode(event, utcnow())
        add_event(self.session, OutboxRow, topic, key, msg)
