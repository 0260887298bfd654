"""Reading the ledger inside a caller's session (read models: balances as of a time, issues since).

The writes of the ledger live in adapters/ledger_sql.py (plain statements, no ORM unit of work).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import overload

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baolei_inventory.adapters.orm import MovementRow
from baolei_inventory.domain.model import Entry, Kind, StockClass


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


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
