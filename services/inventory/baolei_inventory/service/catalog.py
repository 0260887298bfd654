"""Warehouses, SKUs and read models: balances, ledger, holds, days of cover. Edits of warehouses and
SKUs drop the entry of the per-process cache the stock service reads them through."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import func, select

from baolei_common.events import utcnow
from baolei_inventory.adapters import repository as repo
from baolei_inventory.adapters.db import Store
from baolei_inventory.adapters.orm import HoldRow, LevelRow, LotBalanceRow, LotRow, MovementRow, SkuRow, WarehouseRow
from baolei_inventory.adapters.refcache import RefCache
from baolei_inventory.domain import cover, ledger
from baolei_inventory.domain.model import Level, Sku, Warehouse
from baolei_inventory.service.stock import hold_view


class CatalogService:
    def __init__(self, store: Store, *, cover_window_days: int, low_cover_days: float,
                 refs: RefCache | None = None) -> None:
        self.store = store
        self.refs = refs or RefCache()  # the stock service's cache: an edit here drops its entry
        self.window = cover_window_days
        self.low_days = low_cover_days

    def upsert_warehouse(self, w: Warehouse) -> Warehouse:
        with self.store.transaction() as s:
            s.merge(WarehouseRow(**asdict(w)))
        self.refs.forget_warehouse(w.id)
        return w

    def upsert_sku(self, k: Sku) -> Sku:
        with self.store.transaction() as s:
            s.merge(SkuRow(**asdict(k)))
        self.refs.forget_sku(k.id)
        return k

    def warehouses(self, organisation: str | None = None) -> list[Warehouse]:
        with self.store.read() as s:
            q = select(WarehouseRow).order_by(WarehouseRow.id)
            if organisation:
                q = q.where(WarehouseRow.organisation == organisation)
            return [Warehouse(r.id, r.name, r.organisation, r.district, r.lat, r.lon)
                    for r in s.execute(q).scalars()]

    def warehouse(self, warehouse_id: str) -> Warehouse | None:
        with self.store.read() as s:
            r = s.get(WarehouseRow, warehouse_id)
            return Warehouse(r.id, r.name, r.organisation, r.district, r.lat, r.lon) if r else None

    def skus(self) -> list[Sku]:
        with self.store.read() as s:
            return [Sku(r.id, r.name_zh, r.name_en, r.unit, r.staple)
                    for r in s.execute(select(SkuRow).order_by(SkuRow.id)).scalars()]

    def levels(self, *, warehouse_id: str | None = None, sku: str | None = None,
               organisation: str | None = None) -> list[Level]:
        with self.store.read() as s:
            q = select(LevelRow).join(WarehouseRow).order_by(LevelRow.warehouse_id, LevelRow.sku)
            if warehouse_id:
                q = q.where(LevelRow.warehouse_id == warehouse_id)
            if sku:
                q = q.where(LevelRow.sku == sku)
            if organisation:
                q = q.where(WarehouseRow.organisation == organisation)
            return [Level(r.warehouse_id, r.sku, r.on_hand, r.held, r.reserve) for r in s.execute(q).scalars()]

    def levels_as_of(self, as_of: datetime, *, warehouse_id: str | None = None,
                     sku: str | None = None) -> list[Level]:
        """Balances at a past moment by event time, folded from the ledger."""
        with self.store.read() as s:
            derived = ledger.derive(repo.ledger(s, warehouse_id=warehouse_id, sku=sku), as_of=as_of)
        return [derived.levels[k] for k in sorted(derived.levels)]

    def lots(self, warehouse_id: str, sku: str) -> list[dict]:
        with self.store.read() as s:
            rows = s.execute(
                select(LotBalanceRow, LotRow.expiry).join(LotRow, (LotRow.warehouse_id == LotBalanceRow.warehouse_id)
                    & (LotRow.sku == LotBalanceRow.sku) & (LotRow.lot == LotBalanceRow.lot))
                .where(LotBalanceRow.warehouse_id == warehouse_id, LotBalanceRow.sku == sku)
                .order_by(LotRow.expiry, LotBalanceRow.lot)).all()
            return [{"lot": b.lot, "stock_class": b.stock_class, "on_hand": b.on_hand,
                     "expiry": e.isoformat() if e else None} for b, e in rows]

    def movements(self, *, warehouse_id: str | None = None, sku: str | None = None,
                  assignment_id: str | None = None, limit: int = 200) -> list[MovementRow]:
        with self.store.read() as s:
            q = select(MovementRow).order_by(MovementRow.id.desc()).limit(limit)
            if warehouse_id:
                q = q.where(MovementRow.warehouse_id == warehouse_id)
            if sku:
                q = q.where(MovementRow.sku == sku)
            if assignment_id:
                q = q.where(MovementRow.assignment_id == assignment_id)
            return list(s.execute(q).scalars())

    def holds(self, *, assignment_id: str | None = None, status: str | None = None,
              organisation: str | None = None, limit: int = 500, before_id: int | None = None):
        """Newest first, one page of `limit`; `before_id` continues after the last id of a page."""
        return self.holds_page(assignment_id=assignment_id, status=status, organisation=organisation,
                               limit=limit, before_id=before_id)[0]

    def holds_page(self, *, assignment_id: str | None = None, status: str | None = None,
                   organisation: str | None = None, limit: int = 500,
                   before_id: int | None = None) -> tuple[list, int, int | None]:
        """(page, total matching, id to continue before or None when this is the last page)."""
        with self.store.read() as s:
            q = select(HoldRow).join(WarehouseRow)
            if assignment_id:
                q = q.where(HoldRow.assignment_id == assignment_id)
            if status:
                q = q.where(HoldRow.status == status)
            if organisation:
                q = q.where(WarehouseRow.organisation == organisation)
            total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            if before_id is not None:
                q = q.where(HoldRow.id < before_id)
            rows = list(s.execute(q.order_by(HoldRow.id.desc()).limit(limit + 1)).scalars())
            more = len(rows) > limit
            page = [hold_view(h) for h in rows[:limit]]
            return page, total, (page[-1].id if more and page else None)

    def ledger_agrees(self) -> bool:
        """True when the stored balances equal the fold of the ledger (the ledger is the truth)."""
        with self.store.read() as s:
            derived = ledger.derive(repo.ledger(s))
            stored = {(r.warehouse_id, r.sku): (r.on_hand, r.held, r.reserve)
                      for r in s.execute(select(LevelRow)).scalars()}
            lots = {(r.warehouse_id, r.sku, r.lot, r.stock_class): r.on_hand
                    for r in s.execute(select(LotBalanceRow)).scalars()}
        want = {k: (v.on_hand, v.held, v.reserve) for k, v in derived.levels.items()}
        stored = {k: v for k, v in stored.items() if v != (0, 0, 0) or k in want}
        want_lots = {(w, k, lot, c.value): q for (w, k, lot, c), q in derived.lots.items()}
        lots = {k: v for k, v in lots.items() if v != 0 or k in want_lots}
        return want == stored and want_lots == lots

    def cover(self, *, now: datetime | None = None, district: str | None = None) -> list[cover.Cover]:
        """Days of cover per SKU×district from issues over the last `cover_window_days`."""
        now = now or utcnow()
        with self.store.read() as s:
            district_of = {w.id: w.district for w in s.execute(select(WarehouseRow)).scalars()}
            issued: dict[tuple[str, str], int] = defaultdict(int)
            for wh, sku, q in repo.issued_since(s, now - timedelta(days=self.window)):
                issued[(sku, district_of[wh])] += q
            avail: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
            for r in s.execute(select(LevelRow)).scalars():
                a = avail[(r.sku, district_of[r.warehouse_id])]
                a[0] += max(0, r.on_hand - r.held)
                a[1] += r.reserve
        keys = sorted(set(avail) | set(issued))
        return [cover.days_of_cover(sku=k, district=d, available=avail[(k, d)][0],
                                    reserve=avail[(k, d)][1], issued_window=issued.get((k, d), 0),
                                    window_days=self.window, low_days=self.low_days)
                for k, d in keys if district is None or d == district]
