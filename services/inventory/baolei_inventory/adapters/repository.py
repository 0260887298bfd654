"""Reading and writing ledger, balances and lots inside a caller's session (no commits here).

Every change of a warehouse×SKU first locks its `levels` row (`lock_levels`, sorted keys so two
transactions never wait on each other in a cycle); on PostgreSQL that is SELECT ... FOR UPDATE, so
concurrent holds on scarce stock queue up and each sees the committed result of the one before.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from baolei_inventory.adapters.orm import LevelRow, LotBalanceRow, LotRow, MovementRow
from baolei_inventory.domain.model import Entry, Kind, Level, LotStock, StockClass


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _insert(session: Session, table):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def lock_levels(session: Session, keys: Iterable[tuple[str, str]], *, create: bool) -> dict[tuple[str, str], LevelRow]:
    """The level rows of `keys`, locked for this transaction; created at zero when `create`."""
    out: dict[tuple[str, str], LevelRow] = {}
    for wh, sku in sorted(set(keys)):
        if create:
            session.execute(_insert(session, LevelRow.__table__)
                            .values(warehouse_id=wh, sku=sku, on_hand=0, held=0, reserve=0)
                            .on_conflict_do_nothing())
        row = session.execute(
            select(LevelRow).where(LevelRow.warehouse_id == wh, LevelRow.sku == sku)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if row is not None:
            out[(wh, sku)] = row
    return out


def as_level(row: LevelRow | None, wh: str = "", sku: str = "") -> Level | None:
    if row is None:
        return None
    return Level(row.warehouse_id, row.sku, row.on_hand, row.held, row.reserve)


def ensure_lot(session: Session, wh: str, sku: str, lot: str, expiry: date | None) -> None:
    stmt = _insert(session, LotRow.__table__).values(warehouse_id=wh, sku=sku, lot=lot, expiry=expiry)
    session.execute(stmt.on_conflict_do_nothing())


def lot_stock(session: Session, wh: str, sku: str, stock_class: StockClass) -> list[LotStock]:
    rows = session.execute(
        select(LotBalanceRow.lot, LotRow.expiry, LotBalanceRow.on_hand)
        .join(LotRow, (LotRow.warehouse_id == LotBalanceRow.warehouse_id)
              & (LotRow.sku == LotBalanceRow.sku) & (LotRow.lot == LotBalanceRow.lot))
        .where(LotBalanceRow.warehouse_id == wh, LotBalanceRow.sku == sku,
               LotBalanceRow.stock_class == stock_class.value, LotBalanceRow.on_hand > 0)
    ).all()
    return [LotStock(r.lot, r.expiry, r.on_hand, stock_class) for r in rows]


def lot_on_hand(session: Session, wh: str, sku: str, lot: str, stock_class: StockClass) -> int:
    row = session.get(LotBalanceRow, (wh, sku, lot, stock_class.value))
    return row.on_hand if row else 0


def lot_expiry(session: Session, wh: str, sku: str, lot: str) -> date | None:
    return session.execute(select(LotRow.expiry).where(
        LotRow.warehouse_id == wh, LotRow.sku == sku, LotRow.lot == lot)).scalar_one_or_none()


def write(session: Session, entries: list[Entry], levels: dict[tuple[str, str], LevelRow], *,
          occurred_at: datetime, recorded_at: datetime, actor: str, reason: str) -> None:
    """Append entries to the ledger and apply them to the (locked) balance rows."""
    for e in entries:
        session.add(MovementRow(
            movement_id=e.movement_id, kind=e.kind.value, warehouse_id=e.warehouse_id, sku=e.sku,
            lot=e.lot, stock_class=e.stock_class.value, on_hand_delta=e.on_hand_delta,
            held_delta=e.held_delta, assignment_id=e.assignment_id, occurred_at=occurred_at,
            recorded_at=recorded_at, actor=actor, reason=reason))
        level = levels[(e.warehouse_id, e.sku)]
        level.held += e.held_delta
        if e.stock_class is StockClass.RESERVE:
            level.reserve += e.on_hand_delta
        else:
            level.on_hand += e.on_hand_delta
        if e.lot and e.on_hand_delta:
            stmt = _insert(session, LotBalanceRow.__table__).values(
                warehouse_id=e.warehouse_id, sku=e.sku, lot=e.lot, stock_class=e.stock_class.value,
                on_hand=e.on_hand_delta)
            session.execute(stmt.on_conflict_do_update(
                index_elements=["warehouse_id", "sku", "lot", "stock_class"],
                set_={"on_hand": LotBalanceRow.__table__.c.on_hand + e.on_hand_delta}))
    session.flush()


def ledger(session: Session, *, warehouse_id: str | None = None, sku: str | None = None) -> list[Entry]:
    q = select(MovementRow).order_by(MovementRow.id)
    if warehouse_id:
        q = q.where(MovementRow.warehouse_id == warehouse_id)
    if sku:
        q = q.where(MovementRow.sku == sku)
    return [Entry(m.movement_id, Kind(m.kind), m.warehouse_id, m.sku, m.lot, StockClass(m.stock_class),
                  m.on_hand_delta, m.held_delta, m.assignment_id, aware(m.occurred_at))
            for m in session.execute(q).scalars()]


def issued_since(session: Session, since: datetime) -> list[tuple[str, str, int]]:
    """(warehouse, sku, quantity issued) since a time, by event time."""
    rows = session.execute(
        select(MovementRow.warehouse_id, MovementRow.sku, func.sum(-MovementRow.on_hand_delta))
        .where(MovementRow.kind == "issue", MovementRow.occurred_at >= since)
        .group_by(MovementRow.warehouse_id, MovementRow.sku)).all()
    return [(r[0], r[1], int(r[2] or 0)) for r in rows]
