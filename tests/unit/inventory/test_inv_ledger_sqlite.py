"""The ledger's portable path (SQLite, the laptop default): the same use cases as on PostgreSQL,
written by plain statements instead of the one-statement PostgreSQL tail. Balances must equal the
fold of the ledger, FEFO must hold, refusals must write nothing, and the outbox gets one
StockChanged per touched warehouse×SKU."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from baolei_events.v1 import stock_pb2
from baolei_inventory.adapters.db import migrate
from baolei_inventory.adapters.orm import HoldRow, MovementRow, OutboxRow
from baolei_inventory.bootstrap import bootstrap
from baolei_inventory.config import InventoryConfig
from baolei_inventory.domain.commands import HoldPicks
from baolei_inventory.domain.errors import InsufficientStock, NotFound
from baolei_inventory.domain.model import Pick, Sku, Warehouse


@pytest.fixture
def c(tmp_path):
    container = bootstrap(InventoryConfig(database_url=f"sqlite:///{tmp_path / 'inv.db'}"))
    migrate(container.store.engine)
    container.catalog.upsert_sku(Sku("rice", "大米", "rice", "bag"))
    container.catalog.upsert_warehouse(Warehouse("wh-a", "甲仓", "食品物资集团", "福田", 22.5, 114.0))
    container.catalog.upsert_warehouse(Warehouse("wh-b", "乙仓", "食品物资集团", "南山", 22.5, 113.9))
    yield container
    container.store.engine.dispose()


def _level(c, wh="wh-a"):
    return c.catalog.levels(warehouse_id=wh, sku="rice")[0]


def _outbox(c) -> list[stock_pb2.StockChanged]:
    with c.store.read() as s:
        rows = s.execute(select(OutboxRow).where(OutboxRow.topic == "baolei.stock.v1")
                         .order_by(OutboxRow.id)).scalars().all()
    return [stock_pb2.StockChanged.FromString(r.payload) for r in rows]


def test_movements_keep_balances_equal_to_the_ledger_fold(c):
    c.stock.receive(actor="t", warehouse_id="wh-a", sku="rice", lot="LATE", quantity=10, expiry=date(2022, 9, 1))
    c.stock.receive(actor="t", warehouse_id="wh-a", sku="rice", lot="EARLY", quantity=5, expiry=date(2022, 3, 1))
    c.stock.receive(actor="t", warehouse_id="wh-a", sku="rice", lot="R", quantity=6, reserve=True)
    c.stock.issue(actor="t", warehouse_id="wh-a", sku="rice", quantity=3)
    c.stock.transfer(actor="t", from_warehouse="wh-a", to_warehouse="wh-b", sku="rice", quantity=4)
    holds = c.stock.hold(actor="t", assignment_id="as-1", need_id="n", picks=[Pick("wh-a", "rice", 5)])
    assert [h.quantity for h in holds] == [5] and holds[0].id > 0
    c.stock.confirm(actor="t", assignment_id="as-1")
    c.stock.hold(actor="t", assignment_id="as-2", need_id="n", picks=[Pick("wh-a", "rice", 2)])
    assert c.stock.release(actor="t", assignment_id="as-2")[0].status.value == "released"
    c.stock.release_reserve(actor="t", warehouse_id="wh-a", sku="rice", quantity=2)
    with c.store.transaction() as s:
        c.stock.count(s, actor="t", warehouse_id="wh-a", sku="rice", lot="LATE", counted=7)
    lots = {(x["lot"], x["stock_class"]): x["on_hand"] for x in c.catalog.lots("wh-a", "rice")}
    assert lots == {("EARLY", "regular"): 0, ("LATE", "regular"): 7,  # EARLY went first (FEFO)
                    ("R", "reserve"): 4, ("R", "regular"): 2}
    level = _level(c)
    assert (level.on_hand, level.held, level.reserve) == (9, 0, 4)
    assert _level(c, "wh-b").on_hand == 4
    assert c.catalog.ledger_agrees()
    last = _outbox(c)[-1]
    assert (last.warehouse.name, last.unit, last.on_hand, last.reserve) == ("甲仓", "bag", 9, 4)


def test_refusals_write_nothing(c):
    c.stock.receive(actor="t", warehouse_id="wh-a", sku="rice", lot="L1", quantity=5)
    c.stock.hold(actor="t", assignment_id="as-1", need_id="n", picks=[Pick("wh-a", "rice", 4)])
    with c.store.read() as s:
        before = s.execute(select(func.count()).select_from(MovementRow)).scalar()
    with pytest.raises(InsufficientStock):
        c.stock.issue(actor="t", warehouse_id="wh-a", sku="rice", quantity=2)  # 4 of 5 are held
    with pytest.raises(InsufficientStock):
        c.stock.hold(actor="t", assignment_id="as-2", need_id="n",
                     picks=[Pick("wh-a", "rice", 1), Pick("wh-b", "rice", 1)])  # wh-b has none
    with pytest.raises(NotFound):
        c.stock.receive(actor="t", warehouse_id="wh-x", sku="rice", lot="L", quantity=1)
    with c.store.read() as s:
        assert s.execute(select(func.count()).select_from(MovementRow)).scalar() == before
    assert (_level(c).on_hand, _level(c).held) == (5, 4)
    assert c.catalog.ledger_agrees()


def test_a_short_multi_pick_hold_inside_a_handler_transaction_leaves_nothing(c):
    c.stock.receive(actor="t", warehouse_id="wh-a", sku="rice", lot="L1", quantity=5)
    outcome = c.handler.handle(HoldPicks("ev-1", "as-9", "need-9",
                                         (Pick("wh-a", "rice", 3), Pick("wh-b", "rice", 1)), None, "m"))
    assert "stock short" in outcome
    assert _level(c).held == 0
    with c.store.read() as s:
        assert s.execute(select(HoldRow)).first() is None
    assert c.handler.handle(HoldPicks("ev-1", "as-9", "need-9", (Pick("wh-a", "rice", 1),), None, "m")
                            ).startswith("duplicate")
    assert c.catalog.ledger_agrees()


def test_an_edited_warehouse_shows_in_the_next_stock_changed(c):
    c.stock.receive(actor="t", warehouse_id="wh-a", sku="rice", lot="L1", quantity=1)
    c.catalog.upsert_warehouse(Warehouse("wh-a", "甲仓（新）", "食品物资集团", "罗湖", 22.5, 114.1))
    c.stock.receive(actor="t", warehouse_id="wh-a", sku="rice", lot="L1", quantity=1)
    first, second = _outbox(c)[-2:]
    assert first.warehouse.name == "甲仓" and second.warehouse.name == "甲仓（新）"
    assert second.warehouse.district == "罗湖"
