"""The inventory's nouns: warehouses, SKUs, lots, ledger movements, levels and holds.

The ledger (a list of `Entry`) is the truth. An entry changes the on-hand quantity of one lot in one
stock class (regular or reserve 储备) and/or the held quantity of one warehouse×SKU level; balances
are sums of entries, so the order in which movements arrive (late ones included) does not matter.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum


class Kind(str, Enum):
    """Movement kinds. A movement is one business fact; it writes one or more ledger entries."""

    RECEIPT = "receipt"          # goods arrive in a lot
    TRANSFER = "transfer"        # goods move between warehouses (one entry out, one in)
    HOLD = "hold"                # quantity set aside for an assignment (held +)
    RELEASE = "release"          # a hold is given back (held -)
    ISSUE = "issue"              # goods leave (on hand -, FEFO; held - when issued for a hold)
    ADJUST = "adjust"            # a stock count corrects the on-hand quantity of a lot
    RESERVE_RELEASE = "reserve_release"  # reserve stock becomes regular stock (储备投放)


class StockClass(str, Enum):
    REGULAR = "regular"
    RESERVE = "reserve"  # 储备: excluded from available until an operator releases it


class HoldStatus(str, Enum):
    HELD = "held"
    ISSUED = "issued"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Warehouse:
    id: str
    name: str
    organisation: str
    district: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Sku:
    id: str
    name_zh: str
    name_en: str
    unit: str
    staple: bool = True


@dataclass(frozen=True)
class LotStock:
    """The on-hand quantity of one lot of one class, as FEFO sees it."""

    lot: str
    expiry: date | None
    on_hand: int
    stock_class: StockClass = StockClass.REGULAR


@dataclass(frozen=True)
class Entry:
    """One ledger line. `lot` is empty for entries that only move `held`."""

    movement_id: str
    kind: Kind
    warehouse_id: str
    sku: str
    lot: str = ""
    stock_class: StockClass = StockClass.REGULAR
    on_hand_delta: int = 0
    held_delta: int = 0
    assignment_id: str = ""
    occurred_at: datetime | None = None


@dataclass
class Level:
    """A warehouse×SKU level. `on_hand` counts regular stock only; `reserve` is counted apart."""

    warehouse_id: str
    sku: str
    on_hand: int = 0
    held: int = 0
    reserve: int = 0

    @property
    def available(self) -> int:
        """What the matcher may hold: regular on hand minus held, never below zero."""
        return max(0, self.on_hand - self.held)


@dataclass(frozen=True)
class Pick:
    """One requested (warehouse, SKU, quantity) of an assignment."""

    warehouse_id: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class HoldView:
    id: int
    assignment_id: str
    warehouse_id: str
    sku: str
    quantity: int
    status: HoldStatus
    created_at: datetime
    expires_at: datetime


@dataclass
class LevelKeyed:
    """Levels by (warehouse, sku), plus lot balances by (warehouse, sku, lot, class)."""

    levels: dict[tuple[str, str], Level] = field(default_factory=dict)
    lots: dict[tuple[str, str, str, StockClass], int] = field(default_factory=dict)
