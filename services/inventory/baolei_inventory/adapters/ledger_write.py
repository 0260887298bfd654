"""The tail of every movement — new lots, ledger rows, lot balances, hold rows, outbox events — in
one statement on PostgreSQL.

Why: after the level rows are changed (and locked, see ledger_sql.py) nothing else in a movement
can be refused, so the remaining writes need no answers in between. On PostgreSQL they go as one
statement of data-modifying CTEs fed by one JSON document, one round trip and one executor start
instead of four or five. On other databases (SQLite for a laptop) the same rows are written by
plain statements one after the other. Either way it is the caller's transaction: the ledger rows,
the balances and the outbox rows commit together or not at all (publish-after-commit).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from sqlalchemy import Connection, Table, insert, text

from baolei_inventory.adapters import ledger_sql as sql
from baolei_inventory.adapters.orm import HoldRow, MovementRow, OutboxRow
from baolei_inventory.adapters.sqlrun import Stmt, run
from baolei_inventory.domain.model import Entry


@dataclass
class Tail:
    """Everything a movement writes after its levels: what `write` takes."""

    entries: list[Entry]
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    reason: str
    new_lots: list[tuple[str, str, str, date | None]] = field(default_factory=list)
    events: list[tuple[str, str, bytes]] = field(default_factory=list)  # outbox (topic, key, payload)
    holds: list[dict] = field(default_factory=list)  # hold rows (HoldRow columns but id)


def lot_deltas(entries: list[Entry]) -> list[tuple[str, str, str, str, int]]:
    """Per lot and class, the sum of the entries' on-hand deltas (sorted: lock order)."""
    lots: dict[tuple[str, str, str, str], int] = {}
    for e in entries:
        if e.lot and e.on_hand_delta:
            k = (e.warehouse_id, e.sku, e.lot, e.stock_class.value)
            lots[k] = lots.get(k, 0) + e.on_hand_delta
    return [(*k, q) for k, q in sorted(lots.items())]


_PG_TAIL = Stmt("""
WITH doc AS (SELECT CAST(:doc AS jsonb) AS d),
new_lots AS (
  INSERT INTO lots (warehouse_id, sku, lot, expiry)
  SELECT t.warehouse_id, t.sku, t.lot, t.expiry FROM doc, jsonb_to_recordset(doc.d -> 'lots')
    AS t(warehouse_id varchar, sku varchar, lot varchar, expiry date)
  ON CONFLICT (warehouse_id, sku, lot) DO NOTHING),
lot_deltas AS (
  INSERT INTO lot_balances (warehouse_id, sku, lot, stock_class, on_hand)
  SELECT t.warehouse_id, t.sku, t.lot, t.stock_class, t.q FROM doc, jsonb_to_recordset(doc.d -> 'deltas')
    AS t(warehouse_id varchar, sku varchar, lot varchar, stock_class varchar, q bigint)
  ON CONFLICT (warehouse_id, sku, lot, stock_class)
  DO UPDATE SET on_hand = lot_balances.on_hand + excluded.on_hand),
entries AS (
  INSERT INTO movements (movement_id, kind, warehouse_id, sku, lot, stock_class, on_hand_delta,
                         held_delta, assignment_id, occurred_at, recorded_at, actor, reason)
  SELECT t.movement_id, t.kind, t.warehouse_id, t.sku, t.lot, t.stock_class, t.on_hand_delta,
         t.held_delta, t.assignment_id, :occurred_at, :recorded_at, :actor, :reason
  FROM doc, jsonb_to_recordset(doc.d -> 'entries') AS t(movement_id varchar, kind varchar,
    warehouse_id varchar, sku varchar, lot varchar, stock_class varchar, on_hand_delta bigint,
    held_delta bigint, assignment_id varchar)),
events AS (
  INSERT INTO outbox (topic, key, payload, created_at)
  SELECT t.topic, t.key, decode(t.payload, 'base64'), :recorded_at
  FROM doc, jsonb_to_recordset(doc.d -> 'events') AS t(topic varchar, key varchar, payload text)),
new_holds AS (
  INSERT INTO holds (assignment_id, need_id, warehouse_id, sku, quantity, status, created_at,
                     expires_at, actor)
  SELECT t.assignment_id, t.need_id, t.warehouse_id, t.sku, t.quantity, 'held', :recorded_at,
         t.expires_at, :actor
  FROM doc, jsonb_to_recordset(doc.d -> 'holds') AS t(assignment_id varchar, need_id varchar,
    warehouse_id varchar, sku varchar, quantity bigint, expires_at timestamptz)
  RETURNING id, warehouse_id, sku)
SELECT id, warehouse_id, sku FROM new_holds""")


def _write_pg(conn: Connection, t: Tail) -> dict[tuple[str, str], int]:
    """All of it as one statement whose rows travel as one JSON document (one cheap parameter
    instead of ~30 arrays for the driver to adapt)."""
    doc = {
        "lots": [{"warehouse_id": w, "sku": s, "lot": lot, "expiry": e.isoformat() if e else None}
                 for w, s, lot, e in t.new_lots],
        "deltas": [{"warehouse_id": w, "sku": s, "lot": lot, "stock_class": c, "q": q}
                   for w, s, lot, c, q in lot_deltas(t.entries)],
        "entries": [{"movement_id": e.movement_id, "kind": e.kind.value, "warehouse_id": e.warehouse_id,
                     "sku": e.sku, "lot": e.lot, "stock_class": e.stock_class.value,
                     "on_hand_delta": e.on_hand_delta, "held_delta": e.held_delta,
                     "assignment_id": e.assignment_id} for e in t.entries],
        "events": [{"topic": tp, "key": k, "payload": base64.b64encode(p).decode("ascii")}
                   for tp, k, p in t.events],
        "holds": [{**h, "expires_at": h["expires_at"].isoformat()} for h in t.holds],
    }
    rows = run(conn, _PG_TAIL, {"doc": json.dumps(doc), "occurred_at": t.occurred_at,
                                "recorded_at": t.recorded_at, "actor": t.actor, "reason": t.reason})
    return {(r[1], r[2]): int(r[0]) for r in rows}


_MOVEMENTS = insert(cast(Table, MovementRow.__table__))
_OUTBOX = insert(cast(Table, OutboxRow.__table__))
_HOLD = insert(cast(Table, HoldRow.__table__)).returning(HoldRow.__table__.c.id)
_ADD_LOT = text(
    "INSERT INTO lot_balances (warehouse_id, sku, lot, stock_class, on_hand)"
    " VALUES (:wh, :sku, :lot, :cls, :q) ON CONFLICT (warehouse_id, sku, lot, stock_class)"
    " DO UPDATE SET on_hand = lot_balances.on_hand + excluded.on_hand")


def _write_portable(conn: Connection, t: Tail) -> dict[tuple[str, str], int]:
    for wh, sku, lot, expiry in t.new_lots:
        sql.ensure_lot(conn, wh, sku, lot, expiry)
    deltas = lot_deltas(t.entries)
    if deltas:
        conn.execute(_ADD_LOT, [{"wh": w, "sku": s, "lot": lot, "cls": c, "q": q}
                                for w, s, lot, c, q in deltas])
    conn.execute(_MOVEMENTS, [
        {"movement_id": e.movement_id, "kind": e.kind.value, "warehouse_id": e.warehouse_id,
         "sku": e.sku, "lot": e.lot, "stock_class": e.stock_class.value,
         "on_hand_delta": e.on_hand_delta, "held_delta": e.held_delta,
         "assignment_id": e.assignment_id, "occurred_at": t.occurred_at,
         "recorded_at": t.recorded_at, "actor": t.actor, "reason": t.reason} for e in t.entries])
    if t.events:
        conn.execute(_OUTBOX, [{"topic": tp, "key": k, "payload": p, "created_at": t.recorded_at}
                               for tp, k, p in t.events])
    ids: dict[tuple[str, str], int] = {}
    for h in t.holds:
        row = {**h, "status": "held", "created_at": t.recorded_at, "actor": t.actor}
        ids[(h["warehouse_id"], h["sku"])] = int(conn.execute(_HOLD, row).scalar_one())
    return ids


def write(conn: Connection, t: Tail) -> dict[tuple[str, str], int]:
    """Write the tail of a movement; returns the ids of new hold rows by (warehouse, sku)."""
    if conn.dialect.name == "postgresql":
        return _write_pg(conn, t)
    return _write_portable(conn, t)
