"""SQLAlchemy tables of the inventory. Every instant is a `UTCDateTime`: stored in UTC and read back
aware, on SQLite as on PostgreSQL. The `movements` table is the append-only ledger (the truth);
`levels` and `lot_balances` are balances kept in the same transaction for speed, and the row of
`levels` is the lock every change of a warehouse×SKU takes first (SELECT ... FOR UPDATE).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from baolei_common.events import utcnow
from baolei_common.outbox import OutboxMixin
from baolei_common.timecol import UTCDateTime


class Base(DeclarativeBase):
    pass


class WarehouseRow(Base):
    __tablename__ = "warehouses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), index=True)
    district: Mapped[str] = mapped_column(String(50), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class SkuRow(Base):
    __tablename__ = "skus"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    staple: Mapped[bool] = mapped_column(Boolean, default=True)


class LotRow(Base):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("warehouse_id", "sku", "lot"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("skus.id"))
    lot: Mapped[str] = mapped_column(String(64))
    expiry: Mapped[date | None] = mapped_column(Date, nullable=True)


class MovementRow(Base):
    """One ledger entry. Entries of one business movement share `movement_id`."""

    __tablename__ = "movements"
    __table_args__ = (
        Index("ix_movements_level", "warehouse_id", "sku"),
        Index("ix_movements_kind_time", "kind", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    movement_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("skus.id"))
    lot: Mapped[str] = mapped_column(String(64), default="")
    stock_class: Mapped[str] = mapped_column(String(10), default="regular")
    on_hand_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    held_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    assignment_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")


class LevelRow(Base):
    """Balance per warehouse×SKU: regular on hand, held, reserve (储备)."""

    __tablename__ = "levels"
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("skus.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    held: Mapped[int] = mapped_column(BigInteger, default=0)
    reserve: Mapped[int] = mapped_column(BigInteger, default=0)


class LotBalanceRow(Base):
    __tablename__ = "lot_balances"
    warehouse_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    lot: Mapped[str] = mapped_column(String(64), primary_key=True)
    stock_class: Mapped[str] = mapped_column(String(10), primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)


class HoldRow(Base):
    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_status_expiry", "status", "expires_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(String(64), index=True)
    need_id: Mapped[str] = mapped_column(String(64), default="")
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    sku: Mapped[str] = mapped_column(ForeignKey("skus.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="held")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    actor: Mapped[str] = mapped_column(String(100), default="")


class ProcessedEventRow(Base):
    """Event ids already handled: a replayed AssignmentEvent changes nothing."""

    __tablename__ = "processed_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PriceObservationRow(Base):
    __tablename__ = "price_observations"
    __table_args__ = (Index("ix_prices_sku_district_time", "sku", "district", "observed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(ForeignKey("skus.id"))
    district: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(30))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    grade: Mapped[str] = mapped_column(String(10))


class BaselineRow(Base):
    __tablename__ = "price_baselines"
    sku: Mapped[str] = mapped_column(ForeignKey("skus.id"), primary_key=True)
    district: Mapped[str] = mapped_column(String(50), primary_key=True)
    baseline_fen: Mapped[int] = mapped_column(BigInteger)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertRow(Base):
    __tablename__ = "price_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    sku: Mapped[str] = mapped_column(ForeignKey("skus.id"))
    district: Mapped[str] = mapped_column(String(50), index=True)
    grade: Mapped[str] = mapped_column(String(10))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    baseline_fen: Mapped[int] = mapped_column(BigInteger)
    rise_ratio: Mapped[float] = mapped_column(Float)
    recommended_reserve_release: Mapped[int] = mapped_column(BigInteger, default=0)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxRow(OutboxMixin, Base):
    __tablename__ = "outbox"
