"""The unit of work the use cases take (cosmicpython's pattern): the rows they read, through a few
small repositories, and what they write, committed or rolled back as one.

Why: the use cases of a proposal's life (accept, decline, expire, start, done, arrive, cancel) took
a raw SQLAlchemy `Session` and the route committed, so they could be tested only through Kafka and
PostgreSQL. Here they read and write through this interface and commit themselves; the adapter
(`service/sql_uow.py`) runs it on the database, a fake (tests/unit/requests_svc/fakes.py) in memory.

Events are staged with `add_event` and reach Kafka from the outbox after the commit (publish after
commit); new rows (audit entries) with `add`. Leaving the `with` block without `commit()` rolls back.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

from baolei_requests.adapters.models import Assignment, Bus, Need, Stay

T = TypeVar("T")


class Event(Protocol):
    """A protobuf message (generated code stays out of this layer's types)."""

    def SerializeToString(self) -> bytes: ...  # noqa: N802 (protobuf's name)


class Assignments(Protocol):
    def get(self, assignment_id: str, *, lock: bool = False) -> Assignment | None:
        """One assignment; `lock` holds it against a concurrent answer or expiry."""

    def expired(self, now: datetime) -> Sequence[Assignment]:
        """Proposals whose hold ran out by `now`, locked (rows another replica holds are skipped)."""

    def waiting_transfers(self, *, besides: str) -> Sequence[Assignment]:
        """Proposed transfers (but `besides`), locked, skipping rows another replica holds."""

    def waiting_for(self, need_id: str) -> Sequence[Assignment]:
        """The need's proposals still waiting for an answer, locked."""

    def waiting(self) -> Sequence[Assignment]:
        """Every proposal still waiting for an answer, locked, skipping rows another replica holds."""


class Needs(Protocol):
    def get(self, need_id: str) -> Need | None: ...


class Buses(Protocol):
    def get(self, bus_id: str) -> Bus | None: ...

    def of_operator(self, operator: str) -> Sequence[Bus]:
        """A company's buses."""

    def with_plate(self, plate: str) -> str | None:
        """The id of the bus with this plate, if any."""


class Rules(Protocol):
    def automatic(self) -> Sequence[str]:
        """Organisations whose standing rule confirms their proposals automatically."""


class Stays(Protocol):
    def get(self, stay_id: str, *, lock: bool = False) -> Stay | None: ...

    def due(self, hotel_id: str, by: datetime) -> Sequence[Stay]:
        """Stays at this hotel still going whose expected end is at or before `by`, locked."""

    def count_of(self, assignment_id: str) -> int:
        """How many stays one arrival has become (extensions of some of its people split it)."""


class UnitOfWork(abc.ABC):
    assignments: Assignments
    needs: Needs
    buses: Buses
    stays: Stays
    rules: Rules

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rollback()  # nothing, once committed

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def get(self, model: type[T], ident: str) -> T | None:
        """One registry row (a site, a hotel, a bus) by id."""

    @abc.abstractmethod
    def refresh(self, row: Any) -> None:
        """Read a row's stored values back (defaults the database filled in)."""

    @abc.abstractmethod
    def add(self, row: Any) -> None:
        """A new row (an audit entry) written with the rest."""

    @abc.abstractmethod
    def add_event(self, topic: str, key: str, message: Event) -> None:
        """Stage one event in the outbox, in this unit's transaction."""

    @abc.abstractmethod
    def flush(self) -> None:
        """Make pending changes visible to the unit's own queries (nothing to do in memory)."""
