"""Stock use cases: receipts, transfers, counts, issues, holds, confirmations, releases, expiry and
reserve release. Each call is one transaction that appends to the ledger, updates the locked
balance rows and stages a StockChanged per touched warehouse×SKU in the outbox.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common import topics
from baolei_common.events import new_id, utcnow
from baolei_common.outbox import add_event
from baolei_inventory.adapters import proto
from baolei_inventory.adapters import repository as repo
from baolei_inventory.adapters.db import Store
from baolei_inventory.adapters.orm import HoldRow, LevelRow, OutboxRow, SkuRow, WarehouseRow
from baolei_inventory.domain import fefo, ledger
from baolei_inventory.domain.errors import Conflict, DomainError, InsufficientStock, NotFound
from baolei_inventory.domain.model import (Entry, HoldStatus, HoldView, Kind, Pick, StockClass,
                                           Warehouse)

log = logging.getLogger(__name__)


def warehouse(s: Session, warehouse_id: str, field: str = "warehouse_id") -> Warehouse:
    row = s.get(WarehouseRow, warehouse_id)
    if row is None:
        raise NotFound(field, f"仓库不存在：{warehouse_id}", f"unknown warehouse: {warehouse_id}")
    return Warehouse(row.id, row.name, row.organisation, row.district, row.lat, row.lon)


def sku_row(s: Session, sku: str, field: str = "sku") -> SkuRow:
    row = s.get(SkuRow, sku)
    if row is None:
        raise NotFound(field, f"品类不存在：{sku}", f"unknown SKU: {sku}")
    return row


def hold_view(h: HoldRow) -> HoldView:
    return HoldView(h.id, h.assignment_id, h.warehouse_id, h.sku, h.quantity, HoldStatus(h.status),
                    repo.aware(h.created_at), repo.aware(h.expires_at))


class StockService:
    def __init__(self, store: Store, *, hold_ttl_s: float) -> None:
        self.store = store
        self.hold_ttl = timedelta(seconds=hold_ttl_s)

    def _apply(self, s: Session, levels: dict[tuple[str, str], LevelRow], entries: list[Entry], *,
               occurred_at: datetime | None, actor: str, reason: str) -> None:
        """Write entries, then stage the new level of every warehouse×SKU they touched."""
        now = utcnow()
        occurred = occurred_at or now
        repo.write(s, entries, levels, occurred_at=occurred, recorded_at=now, actor=actor, reason=reason)
        seen: dict[tuple[str, str], Entry] = {}
        for e in entries:
            seen.setdefault((e.warehouse_id, e.sku), e)
        for (wh, sku), e in seen.items():
            level = repo.as_level(levels[(wh, sku)])
            msg = proto.stock_changed(
                level, warehouse(s, wh), sku_row(s, sku).unit,
                cause_text=proto.cause(e.kind.value, e.movement_id, e.assignment_id),
                occurred_at=occurred, actor=actor, correlation_id=e.assignment_id)
            add_event(s, OutboxRow, topics.STOCK, proto.stock_key(wh, sku), msg)

    # --- goods in, out and between -------------------------------------------------------------

    def receive(self, *, actor: str, warehouse_id: str, sku: str, lot: str, quantity: int,
                expiry: date | None = None, reserve: bool = False, occurred_at: datetime | None = None,
                reason: str = "") -> str:
        ledger.check_positive(quantity)
        mid = new_id("mv-")
        klass = StockClass.RESERVE if reserve else StockClass.REGULAR
        with self.store.transaction() as s:
            warehouse(s, warehouse_id)
            sku_row(s, sku)
            levels = repo.lock_levels(s, [(warehouse_id, sku)], create=True)
            repo.ensure_lot(s, warehouse_id, sku, lot, expiry)
            self._apply(s, levels, [Entry(mid, Kind.RECEIPT, warehouse_id, sku, lot, klass, quantity)],
                        occurred_at=occurred_at, actor=actor, reason=reason)
        return mid

    def issue(self, *, actor: str, warehouse_id: str, sku: str, quantity: int,
              occurred_at: datetime | None = None, reason: str = "") -> str:
        ledger.check_positive(quantity)
        mid = new_id("mv-")
        with self.store.transaction() as s:
            levels = repo.lock_levels(s, [(warehouse_id, sku)], create=False)
            level = repo.as_level(levels.get((warehouse_id, sku)))
            ledger.check_can_remove(level, quantity)
            picks = fefo.pick(repo.lot_stock(s, warehouse_id, sku, StockClass.REGULAR), quantity)
            entries = [Entry(mid, Kind.ISSUE, warehouse_id, sku, lot, StockClass.REGULAR, -q)
                       for lot, q in picks]
            self._apply(s, levels, entries, occurred_at=occurred_at, actor=actor, reason=reason)
        return mid

    def transfer(self, *, actor: str, from_warehouse: str, to_warehouse: str, sku: str, quantity: int,
                 occurred_at: datetime | None = None, reason: str = "") -> str:
        ledger.check_positive(quantity)
        if from_warehouse == to_warehouse:
            raise DomainError("to_warehouse", "调入与调出仓库相同", "source and destination are the same")
        mid = new_id("mv-")
        with self.store.transaction() as s:
            warehouse(s, to_warehouse, "to_warehouse")
            levels = repo.lock_levels(s, [(from_warehouse, sku), (to_warehouse, sku)], create=True)
            ledger.check_can_remove(repo.as_level(levels[(from_warehouse, sku)]), quantity)
            entries: list[Entry] = []
            for lot, q in fefo.pick(repo.lot_stock(s, from_warehouse, sku, StockClass.REGULAR), quantity):
                repo.ensure_lot(s, to_warehouse, sku, lot, repo.lot_expiry(s, from_warehouse, sku, lot))
                entries.append(Entry(mid, Kind.TRANSFER, from_warehouse, sku, lot, StockClass.REGULAR, -q))
                entries.append(Entry(mid, Kind.TRANSFER, to_warehouse, sku, lot, StockClass.REGULAR, q))
            self._apply(s, levels, entries, occurred_at=occurred_at, actor=actor, reason=reason)
        return mid

    def count(self, s: Session, *, actor: str, warehouse_id: str, sku: str, lot: str, counted: int,
              reserve: bool = False, expiry: date | None = None, occurred_at: datetime | None = None,
              reason: str = "stock count") -> str | None:
        """A stock count sets a lot to what was counted (inside the caller's transaction). A count
        is a fact and is always accepted; if it falls below what is held, available shows zero."""
        warehouse(s, warehouse_id)
        sku_row(s, sku)
        klass = StockClass.RESERVE if reserve else StockClass.REGULAR
        levels = repo.lock_levels(s, [(warehouse_id, sku)], create=True)
        repo.ensure_lot(s, warehouse_id, sku, lot, expiry)
        delta = counted - repo.lot_on_hand(s, warehouse_id, sku, lot, klass)
        if delta == 0:
            return None
        mid = new_id("mv-")
        self._apply(s, levels, [Entry(mid, Kind.ADJUST, warehouse_id, sku, lot, klass, delta)],
                    occurred_at=occurred_at, actor=actor, reason=reason)
        return mid

    def release_reserve(self, *, actor: str, warehouse_id: str, sku: str, quantity: int,
                        reason: str = "") -> str:
        """储备投放: reserve stock becomes regular (available) stock, earliest expiry first."""
        ledger.check_positive(quantity)
        mid = new_id("mv-")
        with self.store.transaction() as s:
            levels = repo.lock_levels(s, [(warehouse_id, sku)], create=False)
            have = levels[(warehouse_id, sku)].reserve if (warehouse_id, sku) in levels else 0
            if have < quantity:
                raise InsufficientStock("quantity", f"储备不足：需要 {quantity}，储备 {have}",
                                        f"not enough reserve: need {quantity}, reserve {have}")
            entries: list[Entry] = []
            for lot, q in fefo.pick(repo.lot_stock(s, warehouse_id, sku, StockClass.RESERVE), quantity):
                entries.append(Entry(mid, Kind.RESERVE_RELEASE, warehouse_id, sku, lot, StockClass.RESERVE, -q))
                entries.append(Entry(mid, Kind.RESERVE_RELEASE, warehouse_id, sku, lot, StockClass.REGULAR, q))
            self._apply(s, levels, entries, occurred_at=None, actor=actor, reason=reason)
        return mid

    # --- holds ---------------------------------------------------------------------------------

    def hold_in(self, s: Session, *, actor: str, assignment_id: str, need_id: str, picks: list[Pick],
                expires_at: datetime | None = None) -> list[HoldView]:
        """Hold every pick or none (raises InsufficientStock before writing anything)."""
        if not picks:
            raise DomainError("picks", "至少需要一条拣货", "at least one pick is required")
        if s.execute(select(HoldRow.id).where(HoldRow.assignment_id == assignment_id).limit(1)).first():
            raise Conflict("assignment_id", f"该分配已有占用：{assignment_id}",
                           f"assignment already has holds: {assignment_id}")
        wanted: dict[tuple[str, str], int] = defaultdict(int)
        for i, p in enumerate(picks):
            ledger.check_positive(p.quantity, f"picks[{i}].quantity")
            wanted[(p.warehouse_id, p.sku)] += p.quantity
        levels = repo.lock_levels(s, wanted, create=False)
        for (wh, sku), q in wanted.items():
            ledger.check_can_hold(repo.as_level(levels.get((wh, sku))), q, f"picks[{wh}:{sku}].quantity")
        now = utcnow()
        expiry = now + self.hold_ttl
        if expires_at is not None and expires_at < expiry:
            expiry = expires_at
        mid = new_id("mv-")
        rows = [HoldRow(assignment_id=assignment_id, need_id=need_id, warehouse_id=wh, sku=sku,
                        quantity=q, status=HoldStatus.HELD.value, created_at=now, expires_at=expiry,
                        actor=actor) for (wh, sku), q in wanted.items()]
        s.add_all(rows)
        entries = [Entry(mid, Kind.HOLD, wh, sku, held_delta=q, assignment_id=assignment_id)
                   for (wh, sku), q in wanted.items()]
        self._apply(s, levels, entries, occurred_at=now, actor=actor, reason=f"hold for {assignment_id}")
        return [hold_view(h) for h in rows]

    def hold(self, **kwargs) -> list[HoldView]:
        with self.store.transaction() as s:
            return self.hold_in(s, **kwargs)

    def _open_holds(self, s: Session, assignment_id: str) -> tuple[list[HoldRow], dict]:
        """The assignment's open holds, read after locking their levels (so a concurrent confirm,
        release or expiry of the same assignment waits and then sees them closed)."""
        keys = s.execute(select(HoldRow.warehouse_id, HoldRow.sku)
                         .where(HoldRow.assignment_id == assignment_id,
                                HoldRow.status == HoldStatus.HELD.value)).all()
        levels = repo.lock_levels(s, [tuple(k) for k in keys], create=False)
        holds = list(s.execute(select(HoldRow).where(
            HoldRow.assignment_id == assignment_id, HoldRow.status == HoldStatus.HELD.value)
            .order_by(HoldRow.id).execution_options(populate_existing=True)).scalars())
        return holds, levels

    def confirm_in(self, s: Session, *, actor: str, assignment_id: str) -> list[HoldView]:
        """Issue the held stock, earliest expiry first."""
        holds, levels = self._open_holds(s, assignment_id)
        if not holds:
            raise NotFound("assignment_id", f"没有待确认的占用：{assignment_id}",
                           f"no open holds for assignment: {assignment_id}")
        mid = new_id("mv-")
        entries: list[Entry] = []
        for h in holds:
            ledger.check_can_remove(repo.as_level(levels[(h.warehouse_id, h.sku)]), h.quantity,
                                    from_held=h.quantity)
            lots = repo.lot_stock(s, h.warehouse_id, h.sku, StockClass.REGULAR)
            for lot, q in fefo.pick(lots, h.quantity):
                entries.append(Entry(mid, Kind.ISSUE, h.warehouse_id, h.sku, lot, StockClass.REGULAR,
                                     -q, assignment_id=assignment_id))
            entries.append(Entry(mid, Kind.ISSUE, h.warehouse_id, h.sku, held_delta=-h.quantity,
                                 assignment_id=assignment_id))
            h.status, h.closed_at = HoldStatus.ISSUED.value, utcnow()
        self._apply(s, levels, entries, occurred_at=None, actor=actor, reason=f"issue for {assignment_id}")
        return [hold_view(h) for h in holds]

    def confirm(self, *, actor: str, assignment_id: str) -> list[HoldView]:
        with self.store.transaction() as s:
            return self.confirm_in(s, actor=actor, assignment_id=assignment_id)

    def release_in(self, s: Session, *, actor: str, assignment_id: str, reason: str,
                   status: HoldStatus = HoldStatus.RELEASED) -> list[HoldView]:
        holds, levels = self._open_holds(s, assignment_id)
        if not holds:
            return []
        mid = new_id("mv-")
        entries = [Entry(mid, Kind.RELEASE, h.warehouse_id, h.sku, held_delta=-h.quantity,
                         assignment_id=assignment_id) for h in holds]
        for h in holds:
            h.status, h.closed_at = status.value, utcnow()
        self._apply(s, levels, entries, occurred_at=None, actor=actor, reason=reason)
        return [hold_view(h) for h in holds]

    def release(self, *, actor: str, assignment_id: str, reason: str = "released") -> list[HoldView]:
        with self.store.transaction() as s:
            return self.release_in(s, actor=actor, assignment_id=assignment_id, reason=reason)

    def expire_due(self, now: datetime | None = None) -> list[str]:
        """Release holds past their expiry and tell the assignments topic (reason "expired")."""
        now = now or utcnow()
        with self.store.read() as s:
            due = s.execute(select(HoldRow.assignment_id, HoldRow.need_id).where(
                HoldRow.status == HoldStatus.HELD.value, HoldRow.expires_at <= now).distinct()).all()
        expired: list[str] = []
        for assignment_id, need_id in due:
            with self.store.transaction() as s:
                if self.release_in(s, actor="inventory", assignment_id=assignment_id,
                                   reason="hold expired", status=HoldStatus.EXPIRED):
                    add_event(s, OutboxRow, topics.ASSIGNMENTS, need_id or assignment_id,
                              proto.assignment_released(assignment_id, need_id, "expired"))
                    expired.append(assignment_id)
        for a in expired:
            log.info("hold expired assignment=%s", a)
        return expired
