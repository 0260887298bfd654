"""The unit of work on the database: repositories over one SQLAlchemy session, events into the
outbox table in the same transaction.

Two ways in: `SqlUnitOfWork(sessions)` opens (and closes) a session of its own (the hold expiry);
`SqlUnitOfWork.over(session)` works in a session a route already holds, which stays open after the
commit so the route can read what it answers with.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from baolei_common.outbox import add_event
from baolei_requests.adapters.models import Assignment, Bus, Need, Outbox, StandingRule, Stay
from baolei_requests.service.unit_of_work import Event, T, UnitOfWork


class SqlAssignments:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, assignment_id: str, *, lock: bool = False) -> Assignment | None:
        return self._s.get(Assignment, assignment_id, with_for_update=lock)

    def expired(self, now: datetime) -> Sequence[Assignment]:
        return self._s.scalars(select(Assignment).where(Assignment.status == "proposed",
                                                        Assignment.hold_expires_at <= now)
                               .with_for_update(skip_locked=True)).all()

    def waiting_transfers(self, *, besides: str) -> Sequence[Assignment]:
        return self._s.scalars(select(Assignment).where(
            Assignment.status == "proposed", Assignment.kind == "transfer", Assignment.id != besides)
            .with_for_update(skip_locked=True)).all()

    def waiting_for(self, need_id: str) -> Sequence[Assignment]:
        return self._s.scalars(select(Assignment).where(Assignment.need_id == need_id,
                                                        Assignment.status == "proposed")
                               .with_for_update()).all()


    def waiting(self) -> Sequence[Assignment]:
        return self._s.scalars(select(Assignment).where(Assignment.status == "proposed")
                               .order_by(Assignment.proposed_at).with_for_update(skip_locked=True)).all()


class SqlNeeds:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, need_id: str) -> Need | None:
        return self._s.get(Need, need_id)


class SqlBuses:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, bus_id: str) -> Bus | None:
        return self._s.get(Bus, bus_id)

    def of_operator(self, operator: str) -> Sequence[Bus]:
        return self._s.scalars(select(Bus).where(Bus.operator == operator).order_by(Bus.id)).all()

    def with_plate(self, plate: str) -> str | None:
        return self._s.scalar(select(Bus.id).where(Bus.plate == plate).limit(1))


class SqlRules:
    def __init__(self, session: Session) -> None:
        self._s = session

    def automatic(self) -> Sequence[str]:
        return self._s.scalars(select(StandingRule.organisation).where(StandingRule.auto_confirm.is_(True))).all()


class SqlStays:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, stay_id: str, *, lock: bool = False) -> Stay | None:
        return self._s.get(Stay, stay_id, with_for_update=lock)

    def due(self, hotel_id: str, by: datetime) -> Sequence[Stay]:
        return self._s.scalars(select(Stay).where(Stay.hotel_id == hotel_id, Stay.status == "staying",
                                                  Stay.stay_until <= by).order_by(Stay.id).with_for_update()).all()

    def count_of(self, assignment_id: str) -> int:
        return int(self._s.scalar(select(func.count()).select_from(Stay).where(Stay.assignment_id == assignment_id))
                   or 0)


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, sessions: sessionmaker | None = None, *, session: Session | None = None) -> None:
        self._sessions = sessions
        self._own = session is None
        self._session = session

    @classmethod
    def over(cls, session: Session) -> SqlUnitOfWork:
        return cls(session=session)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._session

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is None:
            assert self._sessions is not None, "SqlUnitOfWork needs a session factory or a session"
            self._session = self._sessions()
        s = self._session
        self.assignments, self.needs, self.buses = SqlAssignments(s), SqlNeeds(s), SqlBuses(s)
        self.stays = SqlStays(s)
        self.rules = SqlRules(s)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        super().__exit__(exc_type, exc, tb)
        if self._own and self._session is not None:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def get(self, model: type[T], ident: str) -> T | None:
        return self.session.get(model, ident)

    def refresh(self, row: Any) -> None:
        self.session.refresh(row)

    def add(self, row: Any) -> None:
        self.session.add(row)

    def add_event(self, topic: str, key: str, message: Event) -> None:
        add_event(self.session, Outbox, topic, key, message)

    def flush(self) -> None:
        self.session.flush()
