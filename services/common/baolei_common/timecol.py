"""A datetime column that means an instant on every database.

PostgreSQL's timestamptz keeps the instant; SQLite keeps text, and SQLAlchemy writes an aware
datetime's wall clock without its offset, so 20:00+08:00 was stored as "20:00" and read back as
20:00Z, eight hours late. This type converts every value to UTC before it is written and marks what
is read as UTC, so both databases store and return the same instant (a naive value is taken as UTC).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
