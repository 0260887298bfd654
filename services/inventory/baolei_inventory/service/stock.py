"""Stock use cases: receipts, transfers, counts, issues, holds, confirmations, releases and reserve
release. Holds do not expire here: the requests service owns the expiry of every assignment's hold
and publishes AssignmentReleased `expired`, which the consumer applies like any release.

Each call is one transaction that changes the level rows it touches (locking them,
guarded so available never goes below zero), appends its entries to the ledger and stages a
StockChanged per touched warehouse×SKU in the outbox (see adapters/ledger_sql.py for the locking).

The calls own their transaction (Core connection, no ORM unit of work: the hot path). The `*_in`
variants run inside a caller's session and wrap their work in a SAVEPOINT, so a refused hold or
confirmation leaves nothing behind even when the caller goes on and commits.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from baolei_common import topics
from baolei_common.events import new_id, utcnow
from baolei_inventory.adapters import ledger_sql as sql
from baolei_inventory.adapters import ledger_write as tail
from baolei_inventory.adapters import proto
from baolei_inventory.adapters.db import Store
from baolei_inventory.adapters.orm import HoldRow, SkuRow
from baolei_inventory.adapters.refcache import RefCache
from baolei_inventory.adapters.repository import aware
from baolei_inventory.domain import fefo, ledger
from baolei_inventory.domain.commands import AskMove
from baolei_inventory.domain.errors import Conflict, DomainError, InsufficientStock, NotFound
from baolei_inventory.domain.model import Entry, HoldStatus, HoldView, Kind, Level, Pick, StockClass, Warehouse

log = logging.getLogger(__name__)

UNDATED_HOLD = timedelta(minutes=15)  # shown on a proposal that carries no hold_expires_at (old events)
Key = tuple[str, str]


def sku_row(s: Session, sku: str, field: str = "sku") -> SkuRow:
    """The SKU's row in an ORM session (prices); NotFound when there is none."""
    row = s.get(SkuRow, sku)
    if row is None:
        raise NotFound(field, f"品类不存在：{sku}", f"unknown SKU: {sku}")
    return row


def hold_view(h: HoldRow) -> HoldView:
    return HoldView(h.id, h.assignment_id, h.warehouse_id, h.sku, h.quantity, HoldStatus(h.status),
                    aware(h.created_at), aware(h.expires_at))


class StockService:
    def __init__(self, store: Store, *, refs: RefCache | None = None) -> None:
        self.store = store
        self.refs = refs or RefCache()

    # --- shared steps --------------------------------------------------------------------------

    def _warehouse(self, conn: Connection, warehouse_id: str, field: str = "warehouse_id") -> Warehouse:
        w = self.refs.warehouse(conn, warehouse_id)
        if w is None:
            raise NotFound(field, f"仓库不存在：{warehouse_id}", f"unknown warehouse: {warehouse_id}")
        return w

    def _unit(self, conn: Connection, sku: str, field: str = "sku") -> str:
        unit = self.refs.unit(conn, sku)
        if unit is None:
            raise NotFound(field, f"品类不存在：{sku}", f"unknown SKU: {sku}")
        return unit

    @staticmethod
    def _change(conn: Connection, deltas: dict[Key, sql.Delta], *, create: frozenset[Key] = frozenset(),
                refuse=None) -> dict[Key, Level]:
        """Change levels in sorted key order; `refuse(key, level_now)` raises when a guard fails."""
        out: dict[Key, Level] = {}
        for key in sorted(deltas):
            level = sql.change_level(conn, key, deltas[key], create=key in create)
            if level is None:
                if refuse is not None:
                    refuse(key, sql.read_level(conn, key))
                raise InsufficientStock("quantity", "库存已变化，请重试", "stock changed, try again")
            out[key] = level
        return out

    def _record(self, conn: Connection, levels: dict[Key, Level], applied: dict[Key, sql.Delta],
                entries: list[Entry], *, occurred_at: datetime | None, actor: str, reason: str,
                now: datetime | None = None, new_lots: list | None = None,
                holds: list[dict] | None = None) -> dict[Key, int]:
        """Write entries (with new lots and hold rows), then stage the new level of every
        warehouse×SKU they touched; returns new hold ids by key."""
        if sql.deltas_of(entries) != {k: d for k, d in applied.items() if d != sql.Delta()}:
            raise RuntimeError("ledger entries do not add up to the level changes")  # a bug, not input
        now = now or utcnow()
        occurred = occurred_at or now
        first: dict[Key, Entry] = {}
        for e in entries:
            first.setdefault((e.warehouse_id, e.sku), e)
        events = []
        for (wh, sku), e in first.items():
            msg = proto.stock_changed(
                levels[(wh, sku)], self._warehouse(conn, wh), self._unit(conn, sku),
                cause_text=proto.cause(e.kind.value, e.movement_id, e.assignment_id),
                occurred_at=occurred, actor=actor, correlation_id=e.assignment_id,
                assignment_id=e.assignment_id, movement_kind=e.kind.value)
            events.append((topics.STOCK, proto.stock_key(wh, sku), msg.SerializeToString()))
        return tail.write(conn, tail.Tail(entries, occurred, now, actor, reason, new_lots=new_lots or [],
                                          events=events, holds=holds or []))

    @staticmethod
    def _refuse_removal(key: Key, level: Level | None, quantity: int, from_held: int = 0) -> None:
        ledger.check_can_remove(level, quantity, from_held=from_held)

    # --- goods in, out and between -------------------------------------------------------------

    def receive(self, *, actor: str, warehouse_id: str, sku: str, lot: str, quantity: int,
                expiry: date | None = None, reserve: bool = False, occurred_at: datetime | None = None,
                reason: str = "") -> str:
        with self.store.begin() as conn:
            return self._receive(conn, actor=actor, warehouse_id=warehouse_id, sku=sku, lot=lot, quantity=quantity,
                                 expiry=expiry, reserve=reserve, occurred_at=occurred_at, reason=reason)

    def _receive(self, conn: Connection, *, actor: str, warehouse_id: str, sku: str, lot: str, quantity: int,
                 expiry: date | None = None, reserve: bool = False, occurred_at: datetime | None = None,
                 reason: str = "") -> str:
        ledger.check_positive(quantity)
        mid = new_id("mv-")
        klass = StockClass.RESERVE if reserve else StockClass.REGULAR
        key = (warehouse_id, sku)
        self._warehouse(conn, warehouse_id)
        self._unit(conn, sku)
        entries = [Entry(mid, Kind.RECEIPT, warehouse_id, sku, lot, klass, quantity)]
        deltas = sql.deltas_of(entries)
        levels = self._change(conn, deltas, create=frozenset([key]))
        self._record(conn, levels, deltas, entries, occurred_at=occurred_at, actor=actor, reason=reason,
                     new_lots=[(warehouse_id, sku, lot, expiry)])
        return mid

    def issue(self, *, actor: str, warehouse_id: str, sku: str, quantity: int,
              occurred_at: datetime | None = None, reason: str = "") -> str:
        ledger.check_positive(quantity)
        mid = new_id("mv-")
        deltas = {(warehouse_id, sku): sql.Delta(on_hand=-quantity)}
        with self.store.begin() as conn:
            levels = self._change(conn, deltas, refuse=lambda k, lv: self._refuse_removal(k, lv, quantity))
            picks = fefo.pick(sql.lot_stock(conn, warehouse_id, sku, StockClass.REGULAR), quantity)
            entries = [Entry(mid, Kind.ISSUE, warehouse_id, sku, lot, StockClass.REGULAR, -q)
                       for lot, q in picks]
            self._record(conn, levels, deltas, entries, occurred_at=occurred_at, actor=actor, reason=reason)
        return mid

    def transfer(self, *, actor: str, from_warehouse: str, to_warehouse: str, sku: str, quantity: int,
                 occurred_at: datetime | None = None, reason: str = "") -> str:
        with self.store.begin() as conn:
            return self._transfer(conn, actor=actor, from_warehouse=from_warehouse, to_warehouse=to_warehouse,
                                  sku=sku, quantity=quantity, occurred_at=occurred_at, reason=reason)

    def _transfer(self, conn: Connection, *, actor: str, from_warehouse: str, to_warehouse: str, sku: str,
                  quantity: int, occurred_at: datetime | None = None, reason: str = "") -> str:
        ledger.check_positive(quantity)
        if from_warehouse == to_warehouse:
            raise DomainError("to_warehouse", "调入与调出仓库相同", "source and destination are the same")
        mid = new_id("mv-")
        src, dst = (from_warehouse, sku), (to_warehouse, sku)
        deltas = {src: sql.Delta(on_hand=-quantity), dst: sql.Delta(on_hand=quantity)}
        self._warehouse(conn, to_warehouse, "to_warehouse")
        levels = self._change(conn, deltas, create=frozenset([dst]),
                              refuse=lambda k, lv: self._refuse_removal(k, lv, quantity))
        lots = {x.lot: x for x in sql.lot_stock(conn, from_warehouse, sku, StockClass.REGULAR)}
        entries: list[Entry] = []
        new_lots = []
        for lot, q in fefo.pick(list(lots.values()), quantity):
            new_lots.append((to_warehouse, sku, lot, lots[lot].expiry))
            entries.append(Entry(mid, Kind.TRANSFER, from_warehouse, sku, lot, StockClass.REGULAR, -q))
            entries.append(Entry(mid, Kind.TRANSFER, to_warehouse, sku, lot, StockClass.REGULAR, q))
        self._record(conn, levels, deltas, entries, occurred_at=occurred_at, actor=actor, reason=reason,
                     new_lots=new_lots)
        return mid

    def answer_ask_in(self, s: Session, *, actor: str, organisation: str, ask_id: str,
                      moves: list[AskMove]) -> list[str]:
        """Stock a supply group added in answer to an ask (调拨物资): each move received into, or
        transferred to, one of `organisation`'s warehouses, in the caller's transaction (all or none,
        in a SAVEPOINT). A warehouse of another organisation is refused (DomainError)."""
        with s.begin_nested():
            conn = s.connection()
            out = []
            for m in moves:
                for w, field in ((m.warehouse_id, "warehouse_id"), (m.from_warehouse_id, "from_warehouse_id")):
                    if w and self._warehouse(conn, w, field).organisation != organisation:
                        raise DomainError(field, f"不是{organisation}的仓库：{w}",
                                          f"not a warehouse of {organisation}: {w}")
                reason = f"ask:{ask_id}"
                if m.from_warehouse_id:
                    out.append(self._transfer(conn, actor=actor, from_warehouse=m.from_warehouse_id,
                                              to_warehouse=m.warehouse_id, sku=m.sku, quantity=m.quantity,
                                              reason=reason))
                else:
                    out.append(self._receive(conn, actor=actor, warehouse_id=m.warehouse_id, sku=m.sku, lot=m.lot,
                                             quantity=m.quantity, expiry=m.expiry, reason=reason))
            return out

    def count(self, s: Session, *, actor: str, warehouse_id: str, sku: str, lot: str, counted: int,
              reserve: bool = False, expiry: date | None = None, occurred_at: datetime | None = None,
              reason: str = "stock count") -> str | None:
        """A stock count sets a lot to what was counted (inside the caller's transaction). A count
        is a fact and is always accepted; if it falls below what is held, available shows zero."""
        conn = s.connection()
        self._warehouse(conn, warehouse_id)
        self._unit(conn, sku)
        key = (warehouse_id, sku)
        klass = StockClass.RESERVE if reserve else StockClass.REGULAR
        sql.change_level(conn, key, sql.Delta(), create=True)  # lock (and create) before reading the lot
        sql.ensure_lot(conn, warehouse_id, sku, lot, expiry)
        delta = counted - sql.lot_on_hand(conn, warehouse_id, sku, lot, klass)
        if delta == 0:
            return None
        mid = new_id("mv-")
        entries = [Entry(mid, Kind.ADJUST, warehouse_id, sku, lot, klass, delta)]
        deltas = sql.deltas_of(entries)
        levels = self._change(conn, deltas, create=frozenset([key]))
        self._record(conn, levels, deltas, entries, occurred_at=occurred_at, actor=actor, reason=reason)
        return mid

    def release_reserve(self, *, actor: str, warehouse_id: str, sku: str, quantity: int,
                        reason: str = "") -> str:
        """储备投放: reserve stock becomes regular (available) stock, earliest expiry first."""
        ledger.check_positive(quantity)
        mid = new_id("mv-")
        deltas = {(warehouse_id, sku): sql.Delta(on_hand=quantity, reserve=-quantity)}

        def refuse(key: Key, level: Level | None) -> None:
            have = level.reserve if level else 0
            raise InsufficientStock("quantity", f"储备不足：需要 {quantity}，储备 {have}",
                                    f"not enough reserve: need {quantity}, reserve {have}")

        with self.store.begin() as conn:
            levels = self._change(conn, deltas, refuse=refuse)
            entries: list[Entry] = []
            for lot, q in fefo.pick(sql.lot_stock(conn, warehouse_id, sku, StockClass.RESERVE), quantity):
                entries.append(Entry(mid, Kind.RESERVE_RELEASE, warehouse_id, sku, lot, StockClass.RESERVE, -q))
                entries.append(Entry(mid, Kind.RESERVE_RELEASE, warehouse_id, sku, lot, StockClass.REGULAR, q))
            self._record(conn, levels, deltas, entries, occurred_at=None, actor=actor, reason=reason)
        return mid

    # --- holds ---------------------------------------------------------------------------------

    def _hold(self, conn: Connection, *, actor: str, assignment_id: str, need_id: str,
              picks: list[Pick], expires_at: datetime | None = None) -> list[HoldView]:
        if not picks:
            raise DomainError("picks", "至少需要一条拣货", "at least one pick is required")
        if sql.has_holds(conn, assignment_id):
            raise Conflict("assignment_id", f"该分配已有占用：{assignment_id}",
                           f"assignment already has holds: {assignment_id}")
        wanted: dict[Key, int] = defaultdict(int)
        for i, p in enumerate(picks):
            ledger.check_positive(p.quantity, f"picks[{i}].quantity")
            wanted[(p.warehouse_id, p.sku)] += p.quantity
        deltas = {k: sql.Delta(held=q) for k, q in wanted.items()}
        levels = self._change(conn, deltas, refuse=lambda k, lv: ledger.check_can_hold(
            lv, wanted[k], f"picks[{k[0]}:{k[1]}].quantity"))
        now = utcnow()
        # the proposal's own deadline (the matcher's HOLD_TTL_S, the one hold TTL of the system); a
        # proposal from before the field existed shows the default deadline
        expiry = expires_at if expires_at is not None else now + UNDATED_HOLD
        mid = new_id("mv-")
        entries = [Entry(mid, Kind.HOLD, wh, sku, held_delta=q, assignment_id=assignment_id)
                   for (wh, sku), q in wanted.items()]
        rows = [{"assignment_id": assignment_id, "need_id": need_id, "warehouse_id": wh, "sku": sku,
                 "quantity": q, "expires_at": expiry} for (wh, sku), q in wanted.items()]
        ids = self._record(conn, levels, deltas, entries, occurred_at=now, actor=actor,
                           reason=f"hold for {assignment_id}", now=now, holds=rows)
        return sorted((HoldView(ids[(wh, sku)], assignment_id, wh, sku, q, HoldStatus.HELD, now, expiry)
                       for (wh, sku), q in wanted.items()), key=lambda h: h.id)

    def hold_in(self, s: Session, **kwargs) -> list[HoldView]:
        """Hold every pick or none, inside the caller's transaction."""
        with s.begin_nested():
            return self._hold(s.connection(), **kwargs)

    def hold(self, **kwargs) -> list[HoldView]:
        with self.store.begin() as conn:
            return self._hold(conn, **kwargs)

    def _confirm(self, conn: Connection, *, actor: str, assignment_id: str) -> list[HoldView]:
        """Issue the held stock, earliest expiry first."""
        now = utcnow()
        holds = sql.close_holds(conn, assignment_id, HoldStatus.ISSUED.value, now)
        if not holds:
            raise NotFound("assignment_id", f"没有待确认的占用：{assignment_id}",
                           f"no open holds for assignment: {assignment_id}")
        held = {(h.warehouse_id, h.sku): h.quantity for h in holds}
        deltas = {k: sql.Delta(on_hand=-q, held=-q) for k, q in held.items()}
        levels = self._change(conn, deltas, refuse=lambda k, lv: self._refuse_removal(k, lv, held[k], held[k]))
        mid = new_id("mv-")
        entries: list[Entry] = []
        for h in holds:
            lots = sql.lot_stock(conn, h.warehouse_id, h.sku, StockClass.REGULAR)
            for lot, q in fefo.pick(lots, h.quantity):
                entries.append(Entry(mid, Kind.ISSUE, h.warehouse_id, h.sku, lot, StockClass.REGULAR,
                                     -q, assignment_id=assignment_id))
            entries.append(Entry(mid, Kind.ISSUE, h.warehouse_id, h.sku, held_delta=-h.quantity,
                                 assignment_id=assignment_id))
        self._record(conn, levels, deltas, entries, occurred_at=None, actor=actor,
                     reason=f"issue for {assignment_id}")
        return self._views(assignment_id, holds, HoldStatus.ISSUED)

    def confirm_in(self, s: Session, *, actor: str, assignment_id: str) -> list[HoldView]:
        with s.begin_nested():
            return self._confirm(s.connection(), actor=actor, assignment_id=assignment_id)

    def confirm(self, *, actor: str, assignment_id: str) -> list[HoldView]:
        with self.store.begin() as conn:
            return self._confirm(conn, actor=actor, assignment_id=assignment_id)

    def _release(self, conn: Connection, *, actor: str, assignment_id: str, reason: str,
                 status: HoldStatus = HoldStatus.RELEASED) -> list[HoldView]:
        holds = sql.close_holds(conn, assignment_id, status.value, utcnow())
        if not holds:
            return []
        deltas = {(h.warehouse_id, h.sku): sql.Delta(held=-h.quantity) for h in holds}
        levels = self._change(conn, deltas)  # giving back never lowers available: unguarded
        mid = new_id("mv-")
        entries = [Entry(mid, Kind.RELEASE, h.warehouse_id, h.sku, held_delta=-h.quantity,
                         assignment_id=assignment_id) for h in holds]
        self._record(conn, levels, deltas, entries, occurred_at=None, actor=actor, reason=reason)
        return self._views(assignment_id, holds, status)

    def release_in(self, s: Session, *, actor: str, assignment_id: str, reason: str,
                   status: HoldStatus = HoldStatus.RELEASED) -> list[HoldView]:
        return self._release(s.connection(), actor=actor, assignment_id=assignment_id, reason=reason,
                             status=status)

    def release(self, *, actor: str, assignment_id: str, reason: str = "released") -> list[HoldView]:
        with self.store.begin() as conn:
            return self._release(conn, actor=actor, assignment_id=assignment_id, reason=reason)

    @staticmethod
    def _views(assignment_id: str, holds: list[sql.OpenHold], status: HoldStatus) -> list[HoldView]:
        return [HoldView(h.id, assignment_id, h.warehouse_id, h.sku, h.quantity, status,
                         aware(h.created_at), aware(h.expires_at)) for h in holds]
