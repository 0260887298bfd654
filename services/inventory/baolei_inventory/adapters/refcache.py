"""A per-process cache of warehouses and SKUs for the ledger's hot path.

Why: every movement needs its warehouse (name, district, position and operator go into the
StockChanged it stages) and its SKU's unit. Reading both per movement was two round trips and two
ORM loads of data that changes only when an operator edits the catalogue.

Rules that keep it safe:
- only rows that exist are cached; an unknown id is looked up again every time, so a warehouse is
  usable as soon as it is committed;
- warehouses and SKUs are never deleted, and the ledger tables reference them by foreign key, so a
  cached id cannot let a movement name something that does not exist;
- an edit through this process (`CatalogService.upsert_*`) drops the entry after its commit, and a
  generation counter stops a lookup that raced with the edit from putting the old row back;
- an edit through another process shows here within `ttl_s` (the only staleness: a StockChanged may
  carry the previous name or position of a warehouse for that long).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, text

from baolei_inventory.domain.model import Warehouse

_WAREHOUSE = text("SELECT id, name, organisation, district, lat, lon FROM warehouses WHERE id = :id")
_SKU_UNIT = text("SELECT unit FROM skus WHERE id = :id")


class RefCache:
    """Warehouses by id and SKU units by id, each entry valid for `ttl_s` seconds."""

    def __init__(self, ttl_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._warehouses: dict[str, tuple[float, Warehouse]] = {}
        self._units: dict[str, tuple[float, str]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def warehouse(self, conn: Connection, warehouse_id: str) -> Warehouse | None:
        hit = self._warehouses.get(warehouse_id)
        now = self._clock()
        if hit is not None and hit[0] > now:
            return hit[1]
        generation = self._generation
        row = conn.execute(_WAREHOUSE, {"id": warehouse_id}).first()
        if row is None:
            return None
        w = Warehouse(row[0], row[1], row[2], row[3], row[4], row[5])
        with self._lock:
            if generation == self._generation:
                self._warehouses[warehouse_id] = (now + self.ttl_s, w)
        return w

    def unit(self, conn: Connection, sku: str) -> str | None:
        """The SKU's unit, or None when there is no such SKU."""
        hit = self._units.get(sku)
        now = self._clock()
        if hit is not None and hit[0] > now:
            return hit[1]
        generation = self._generation
        unit = conn.execute(_SKU_UNIT, {"id": sku}).scalar_one_or_none()
        if unit is None:
            return None
        with self._lock:
            if generation == self._generation:
                self._units[sku] = (now + self.ttl_s, unit)
        return unit

    def forget_warehouse(self, warehouse_id: str) -> None:
        with self._lock:
            self._generation += 1
            self._warehouses.pop(warehouse_id, None)

    def forget_sku(self, sku: str) -> None:
        with self._lock:
            self._generation += 1
            self._units.pop(sku, None)
