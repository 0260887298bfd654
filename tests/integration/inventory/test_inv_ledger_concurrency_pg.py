"""The fast ledger on PostgreSQL under contention: guarded UPDATE … RETURNING instead of SELECT …
FOR UPDATE must still never oversell, a movement's tail (one CTE statement) must commit with its
level change, and refusals inside a caller's transaction (the Kafka handler) must leave nothing."""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from baolei_events.v1 import stock_pb2
from baolei_inventory.adapters.orm import HoldRow, MovementRow, OutboxRow
from baolei_inventory.domain.commands import ConfirmAssignment, HoldPicks
from baolei_inventory.domain.errors import DomainError
from baolei_inventory.domain.model import Pick


def _level(c, wh="wh-ft", sku="rice"):
    return c.catalog.levels(warehouse_id=wh, sku=sku)[0]


def test_mixed_movements_on_one_level_never_overdraw(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L0", quantity=30)

    def worker(i: int) -> None:
        rnd = random.Random(i)
        for n in range(25):
            roll = rnd.random()
            try:
                if roll < 0.2:
                    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot=f"L{n % 3}", quantity=2)
                elif roll < 0.5:
                    c.stock.issue(actor="t", warehouse_id="wh-ft", sku="rice", quantity=1 + n % 3)
                else:
                    aid = f"w{i}-{n}"
                    c.stock.hold(actor="t", assignment_id=aid, need_id="n", picks=[Pick("wh-ft", "rice", 2)])
                    if roll < 0.8:
                        c.stock.confirm(actor="t", assignment_id=aid)
                    else:
                        c.stock.release(actor="t", assignment_id=aid)
            except DomainError:
                pass

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(worker, range(16)))
    level = _level(c)
    assert level.on_hand >= level.held >= 0
    assert c.catalog.ledger_agrees()
    with c.store.read() as s:
        payloads = s.execute(select(OutboxRow.payload).where(OutboxRow.topic == "baolei.stock.v1")).scalars()
        for p in payloads:  # every level ever announced was a sound one
            msg = stock_pb2.StockChanged.FromString(p)
            assert msg.on_hand >= msg.held >= 0 and msg.available == msg.on_hand - msg.held
        assert all(q >= 0 for q in s.execute(select(MovementRow.on_hand_delta).where(
            MovementRow.kind == "receipt")).scalars())


def test_one_of_two_concurrent_confirms_issues(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=10)
    c.stock.hold(actor="t", assignment_id="as-1", need_id="n", picks=[Pick("wh-ft", "rice", 4)])

    def confirm(_: int) -> bool:
        try:
            c.stock.confirm(actor="t", assignment_id="as-1")
            return True
        except DomainError:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(confirm, range(8))) == 1
    level = _level(c)
    assert (level.on_hand, level.held) == (6, 0)
    assert c.catalog.ledger_agrees()


def test_a_short_multi_pick_hold_from_kafka_rolls_back_to_its_savepoint(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=5)
    c.stock.receive(actor="t", warehouse_id="wh-ns", sku="rice", lot="L2", quantity=1)
    outcome = c.handler.handle(HoldPicks("ev-1", "as-9", "need-9",
                                         (Pick("wh-ft", "rice", 3), Pick("wh-ns", "rice", 2)), None, "m"))
    assert "stock short" in outcome
    assert _level(c).held == 0 and _level(c, "wh-ns").held == 0
    with c.store.read() as s:
        assert s.execute(select(func.count()).select_from(HoldRow)).scalar() == 0
        released = s.execute(select(OutboxRow).where(OutboxRow.topic == "baolei.assignments.v1")).scalars().all()
    assert len(released) == 1
    assert c.handler.handle(ConfirmAssignment("ev-2", "as-9", "need-9", "d")).startswith("not issued")
    assert c.catalog.ledger_agrees()


def test_hold_views_carry_the_stored_ids(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=5)
    c.stock.receive(actor="t", warehouse_id="wh-ns", sku="oil", lot="L2", quantity=5)
    views = c.stock.hold(actor="t", assignment_id="as-2", need_id="n",
                         picks=[Pick("wh-ns", "oil", 1), Pick("wh-ft", "rice", 2)])
    stored = {(h.warehouse_id, h.sku): h.id for h in c.catalog.holds(assignment_id="as-2")}
    assert {(v.warehouse_id, v.sku): v.id for v in views} == stored
    issued = c.stock.confirm(actor="t", assignment_id="as-2")
    assert sorted(v.id for v in issued) == sorted(stored.values())
    assert {v.status.value for v in issued} == {"issued"}
