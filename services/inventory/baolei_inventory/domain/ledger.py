"""Balances derived from the ledger, and the checks a movement must pass before it is written.

`derive` folds ledger entries into levels and lot balances; the stored balance rows are a cache of
exactly this fold (a test compares them). Sums do not depend on order, so late movements (an
`occurred_at` before others already recorded) leave the balances right; `derive(..., as_of=t)`
gives the balances as they were at time t by event time.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from baolei_inventory.domain.errors import DomainError, InsufficientStock
from baolei_inventory.domain.model import Entry, Level, LevelKeyed, StockClass


def derive(entries: Iterable[Entry], *, as_of: datetime | None = None) -> LevelKeyed:
    """Levels and lot balances from ledger entries (optionally only those that occurred by as_of)."""
    out = LevelKeyed()
    for e in entries:
        if as_of is not None and e.occurred_at is not None and e.occurred_at > as_of:
            continue
        level = out.levels.setdefault((e.warehouse_id, e.sku), Level(e.warehouse_id, e.sku))
        level.held += e.held_delta
        if e.stock_class is StockClass.RESERVE:
            level.reserve += e.on_hand_delta
        else:
            level.on_hand += e.on_hand_delta
        if e.lot:
            key = (e.warehouse_id, e.sku, e.lot, e.stock_class)
            out.lots[key] = out.lots.get(key, 0) + e.on_hand_delta
    return out


def check_positive(quantity: int, field: str = "quantity") -> None:
    if quantity <= 0:
        raise DomainError(field, "数量必须为正整数", "quantity must be a positive integer")


def check_can_hold(level: Level | None, quantity: int, field: str = "quantity") -> None:
    """A hold may take only what is available (regular on hand minus held)."""
    check_positive(quantity, field)
    have = level.available if level else 0
    if have < quantity:
        raise InsufficientStock(
            field, f"可用库存不足：需要 {quantity}，可用 {have}",
            f"insufficient available stock: need {quantity}, available {have}")


def check_can_remove(level: Level | None, quantity: int, *, from_held: int = 0,
                     field: str = "quantity") -> None:
    """Removing regular stock (issue, transfer out, negative count) must not eat into holds of
    others: what remains on hand must still cover what stays held."""
    on_hand = level.on_hand if level else 0
    held_after = (level.held if level else 0) - from_held
    if on_hand - quantity < held_after:
        free = max(0, on_hand - held_after)
        raise InsufficientStock(
            field, f"可出库数量不足：需要 {quantity}，可用 {free}",
            f"insufficient stock to remove: need {quantity}, free {free}")
