"""The SQL unit of work: repositories over one session, events encoded to the outbox in the same
transaction, one commit (then the store's after-commit hooks wake the relay)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from baolei_common.events import utcnow
from baolei_common.outbox import add_event
from baolei_volunteers.adapters.db import Store
from baolei_volunteers.adapters.orm import (
    CompoundRow,
    HouseholdRow,
    OutboxRow,
    ProcessedEventRow,
    TaskRow,
    VolunteerRow,
)
from baolei_volunteers.adapters.proto import encode
from baolei_volunteers.events import Event

MATCH_LOCK = 7012205


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

    def add(self, row: Any) -> None:
        self.session.add(row)

    def emit(self, event: Event) -> None:
        topic, key, msg = encode(event, utcnow())
        add_event(self.session, OutboxRow, topic, key, msg)
