"""SQLAlchemy tables of the volunteers service (先锋行动). Every instant is a `UTCDateTime`.

A task row carries its whole state (status, who holds it, the plan's visit order and times, the
unmet reason); its history is the events on `baolei.doorstep-tasks.v1`, written to the outbox in
the same transaction as the change. Phone numbers are stored whole (the community calls them) and
leave the service only masked.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from baolei_common.events import utcnow
from baolei_common.outbox import OutboxMixin
from baolei_common.timecol import UTCDateTime


class Base(DeclarativeBase):
    pass


class CompoundRow(Base):
    __tablename__ = "compounds"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(50), index=True)
    street: Mapped[str] = mapped_column(String(200))
    community: Mapped[str] = mapped_column(String(200), index=True)
    zone: Mapped[str] = mapped_column(String(10))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    zone_since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VolunteerRow(Base):
    __tablename__ = "volunteers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(50))
    community: Mapped[str] = mapped_column(String(200), index=True)
    compound_id: Mapped[str] = mapped_column(String(64), index=True)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    health_check: Mapped[bool] = mapped_column(Boolean, default=False)
    nucleic_training: Mapped[bool] = mapped_column(Boolean, default=False)
    counselling_cert: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes_per_day: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10))
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    pairs: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))  # pending, verified
    registered_by: Mapped[str] = mapped_column(String(200))
    route: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the plan's route for today
    may_claim: Mapped[list[str]] = mapped_column(JSON, default=list)  # open task ids they may claim


class HouseholdRow(Base):
    __tablename__ = "households"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    community: Mapped[str] = mapped_column(String(200), index=True)
    compound_id: Mapped[str] = mapped_column(String(64), index=True)
    building: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(200))
    floor: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(50))
    residents: Mapped[int] = mapped_column(Integer, default=1)
    vulnerability: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs: Mapped[str] = mapped_column(Text, default="")
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DirtyAreaRow(Base):
    """An area whose open tasks the matching loop must plan again: `compound:<id>` (a 管控区 or
    封控区 compound's doorstep tasks), `district:<name>` (doorstep tasks of 防范区 and 常态 compounds)
    or `community:<name>` (remote tasks). One row an area: its number is bounded by the city's."""
    __tablename__ = "matching_dirty"
    area: Mapped[str] = mapped_column(String(260), primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_community", "status", "community"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    community: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    earliest: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_min: Mapped[int] = mapped_column(Integer)
    every_days: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10))  # worker, hotline, sheet, wish
    raised_by: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # wish (awaiting approval), open, proposed, accepted, started, done, confirmed, unmet, cancelled
    status: Mapped[str] = mapped_column(String(12))
    volunteer_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    claimed: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    excluded: Mapped[list[str]] = mapped_column(JSON, default=list)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    plan_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    plan_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    why_zh: Mapped[str] = mapped_column(Text, default="")
    why_en: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(String(40), default="")
    reason_zh: Mapped[str] = mapped_column(Text, default="")
    reason_en: Mapped[str] = mapped_column(Text, default="")
    fix_zh: Mapped[str] = mapped_column(Text, default="")
    fix_en: Mapped[str] = mapped_column(Text, default="")
    done_note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # 代购: the staples on its list drawn from a supply group's stock ([{"sku", "quantity"}]) and where
    # that stands ({"state": reserving|reserved|short|consumed|released, pickup or reason and fix})
    items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True, default=list)
    stock: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=dict)


class OutboxRow(OutboxMixin, Base):
    __tablename__ = "outbox"


class ProcessedEventRow(Base):
    """Event ids already applied by the consumer (idempotence)."""

    __tablename__ = "processed_events"
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
