"""SQLAlchemy models of the requests service: needs, assignments, the resource registry, outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from baolei_common.events import utcnow
from baolei_common.outbox import OutboxMixin
from baolei_common.timecol import UTCDateTime


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(50), default="")
    street: Mapped[str] = mapped_column(String(50), default="")
    zone: Mapped[str] = mapped_column(String(20), default="other")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    organisation: Mapped[str] = mapped_column(String(100), default="")


class Need(Base):
    __tablename__ = "needs"
    __table_args__ = (UniqueConstraint("idempotency_key", "created_by", name="uq_need_idempotency"),
                      Index("ix_needs_site_kind_status_due", "site_id", "kind", "status", "due_at"),
                      Index("ix_needs_status_created", "status", "created_at"))
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(100), default="")
    priority: Mapped[int] = mapped_column(Integer)
    priority_reason: Mapped[str] = mapped_column(String(300), default="")
    vulnerabilities: Mapped[list] = mapped_column(JSON, default=list)
    risk: Mapped[str | None] = mapped_column(String(30), nullable=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    rooms: Mapped[dict] = mapped_column(JSON, default=dict)
    lines: Mapped[list] = mapped_column(JSON, default=list)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    unmet_code: Mapped[str] = mapped_column(String(60), default="")
    unmet_reason_zh: Mapped[str] = mapped_column(Text, default="")
    unmet_reason_en: Mapped[str] = mapped_column(Text, default="")
    duplicate_of: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # what the key was used for
    created_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    site: Mapped[Site] = relationship(lazy="joined")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="need", order_by="Assignment.proposed_at")


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_status_expiry", "status", "hold_expires_at"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    need_id: Mapped[str] = mapped_column(ForeignKey("needs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    organisations: Mapped[list] = mapped_column(JSON, default=list)
    accepted_by: Mapped[list] = mapped_column(JSON, default=list)  # organisations that said yes so far
    room: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    trips: Mapped[list] = mapped_column(JSON, default=list)
    picks: Mapped[list] = mapped_column(JSON, default=list)
    people: Mapped[int] = mapped_column(Integer, default=0)
    explanation_zh: Mapped[str] = mapped_column(Text, default="")
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    solve_id: Mapped[str] = mapped_column(String(64), default="")
    release_reason: Mapped[str] = mapped_column(String(200), default="")
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered: Mapped[int] = mapped_column(Integer, default=0)  # people moved or units handed over
    wait_minutes: Mapped[int] = mapped_column(Integer, default=0)  # ready_at -> arrival (transfers)
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)  # after due_at; 0 when on time
    late_cause: Mapped[str] = mapped_column(String(40), default="")  # matcher solver/lateness.py codes
    need: Mapped[Need] = relationship(back_populates="assignments")


class Hotel(Base):
    __tablename__ = "hotels"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str] = mapped_column(String(100), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    accepts: Mapped[list] = mapped_column(JSON, default=list)
    rooms: Mapped[dict] = mapped_column(JSON, default=dict)       # total by type
    out_of_use: Mapped[dict] = mapped_column(JSON, default=dict)  # closed or being cleaned, by type
    open_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="open")
    site: Mapped[Site] = relationship(lazy="joined")


class Bus(Base):
    __tablename__ = "buses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(String(100), index=True)
    plate: Mapped[str] = mapped_column(String(30), default="")
    depot_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    seats: Mapped[int] = mapped_column(Integer)
    load_limit: Mapped[float] = mapped_column(Float, default=0.5)
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime())
    shift_end: Mapped[datetime] = mapped_column(UTCDateTime())
    turnaround_min: Mapped[int] = mapped_column(Integer, default=30)
    state: Mapped[str] = mapped_column(String(20), default="in_service")
    depot: Mapped[Site] = relationship(lazy="joined")


class Stay(Base):
    """People at a hotel after a transfer (one per arrival; an extension of some of them splits it):
    the rooms they occupy and when they are expected to leave isolation."""
    __tablename__ = "stays"
    __table_args__ = (Index("ix_stays_hotel_status_until", "hotel_id", "status", "stay_until"),)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    assignment_id: Mapped[str] = mapped_column(String(64), index=True)
    need_id: Mapped[str] = mapped_column(String(64))
    hotel_id: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(100), index=True)
    risk: Mapped[str] = mapped_column(String(30), default="")
    people: Mapped[int] = mapped_column(Integer)  # still there
    rooms: Mapped[dict] = mapped_column(JSON, default=dict)  # still occupied, by type
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stay_until: Mapped[datetime] = mapped_column(UTCDateTime())  # expected end of isolation
    status: Mapped[str] = mapped_column(String(20), default="staying")  # staying, ended
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Departure(Base):
    """People who left isolation (解除隔离), the rooms they gave back and until when those are cleaned."""
    __tablename__ = "stay_departures"
    __table_args__ = (Index("ix_departures_hotel_cleaning", "hotel_id", "cleaning_until"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stay_id: Mapped[str] = mapped_column(String(80), index=True)
    hotel_id: Mapped[str] = mapped_column(String(64))
    people: Mapped[int] = mapped_column(Integer)
    rooms: Mapped[dict] = mapped_column(JSON, default=dict)
    left_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleaning_until: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
class Ask(Base):
    """An ask for capacity sent by the command center to one organisation, and its answer."""
    __tablename__ = "asks"
    __table_args__ = (Index("ix_asks_org_status", "organisation", "status"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # add_buses, extend_shifts, open_rooms, accept_risk
    cause: Mapped[str] = mapped_column(String(60), default="")
    organisation: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str] = mapped_column(String(64), default="")  # a depot or a hotel
    risk: Mapped[str] = mapped_column(String(30), default="")
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # trips, rooms, people when asked
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, answered, refused
    asked_by: Mapped[str] = mapped_column(String(100), default="")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_by: Mapped[str] = mapped_column(String(100), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answer: Mapped[dict] = mapped_column(JSON, default=dict)  # what was added, as figures
    reason: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[list] = mapped_column(JSON, default=list)  # "bus:<id>", "hotel:<id>" the answer changed


class StandingRule(Base):
    """An organisation's standing rule: confirm proposals holding its resources automatically."""
    __tablename__ = "standing_rules"
    organisation: Mapped[str] = mapped_column(String(100), primary_key=True)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by: Mapped[str] = mapped_column(String(100), default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedEvent(Base):
    """Event ids already handled: consumers are idempotent."""
    __tablename__ = "processed_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default="")
    organisation: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(100), index=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"
