"""Holds on PostgreSQL: no oversell under concurrency, idempotent replay, expiry from the log, FEFO,
late movements."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from baolei_events.v1 import assignments_pb2, stock_pb2
from baolei_inventory.adapters import proto
from baolei_inventory.adapters.orm import MovementRow, OutboxRow
from baolei_inventory.domain.errors import InsufficientStock
from baolei_inventory.domain.model import Pick


def _level(c, wh="wh-ft", sku="rice"):
    return c.catalog.levels(warehouse_id=wh, sku=sku)[0]


def test_fifty_concurrent_holds_never_oversell(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=20)

    def try_hold(i: int) -> bool:
        try:
            c.stock.hold(actor="t", assignment_id=f"a{i}", need_id=f"n{i}",
                         picks=[Pick("wh-ft", "rice", 1)])
            return True
        except InsufficientStock:
            return False

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(try_hold, range(50)))
    level = _level(c)
    assert sum(results) == 20
    assert level.held == 20 and level.available == 0 and level.on_hand == 20
    assert c.catalog.ledger_agrees()


def test_concurrent_multi_unit_holds_leave_available_non_negative(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=37)
    c.stock.receive(actor="t", warehouse_id="wh-ns", sku="rice", lot="L2", quantity=11)

    def try_hold(i: int) -> int:
        picks = [Pick("wh-ft", "rice", 1 + i % 4), Pick("wh-ns", "rice", 1)]
        if i % 2:
            picks.reverse()
        try:
            c.stock.hold(actor="t", assignment_id=f"m{i}", need_id="n", picks=picks)
            return 1 + i % 4
        except InsufficientStock:
            return 0

    with ThreadPoolExecutor(max_workers=50) as pool:
        held = list(pool.map(try_hold, range(50)))
    ft, ns = _level(c, "wh-ft"), _level(c, "wh-ns")
    assert ft.held == sum(held) <= 37
    assert ns.held == sum(1 for h in held if h) <= 11
    assert ft.available >= 0 and ns.available >= 0
    assert c.catalog.ledger_agrees()


def _proposed(event_id: str, assignment_id: str, quantity: int) -> bytes:
    from baolei_common.events import meta
    return assignments_pb2.AssignmentEvent(
        meta=meta(producer="matcher", event_id=event_id),
        proposed=assignments_pb2.AssignmentProposed(
            assignment_id=assignment_id, need_id="need-1",
            picks=[assignments_pb2.SupplyPick(sku="rice", warehouse_id="wh-ft", quantity=quantity)]),
    ).SerializeToString()


def test_replaying_an_assignment_event_holds_once(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=10)
    payload = _proposed("ev-1", "as-1", 4)
    first = c.handler.handle(proto.decode_assignment(payload))
    second = c.handler.handle(proto.decode_assignment(payload))
    assert first.startswith("held")
    assert second.startswith("duplicate")
    assert _level(c).held == 4
    assert len(c.catalog.holds(assignment_id="as-1")) == 1


def test_short_stock_holds_nothing_and_releases_the_assignment(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=3)
    outcome = c.handler.handle(proto.decode_assignment(_proposed("ev-2", "as-2", 5)))
    assert "stock short" in outcome
    assert _level(c).held == 0
    with c.store.read() as s:
        rows = s.execute(select(OutboxRow).where(OutboxRow.topic == "baolei.assignments.v1")).scalars().all()
    msg = assignments_pb2.AssignmentEvent.FromString(rows[0].payload)
    assert msg.released.assignment_id == "as-2" and msg.released.reason == "stock_short"


def _released(event_id: str, assignment_id: str, reason: str) -> bytes:
    from baolei_common.events import meta
    return assignments_pb2.AssignmentEvent(
        meta=meta(producer="requests", event_id=event_id, actor="system"),
        released=assignments_pb2.AssignmentReleased(assignment_id=assignment_id, need_id="need-3", reason=reason),
    ).SerializeToString()


def test_holds_expire_only_when_the_requests_service_says_so(container):
    """The requests service owns every hold's expiry: the inventory has no timer of its own (a hold
    past its shown expiry stays held) and releases it when `expired` arrives on the log, once."""
    c = container
    assert not hasattr(c.stock, "expire_due")
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=10)
    assert c.handler.handle(proto.decode_assignment(_proposed("ev-3", "as-3", 6))).startswith("held")
    assert _level(c).held == 6
    outcome = c.handler.handle(proto.decode_assignment(_released("ev-4", "as-3", "expired")))
    assert outcome == "released 1 line(s) for as-3"
    assert _level(c).held == 0 and _level(c).available == 10
    assert c.catalog.holds(assignment_id="as-3")[0].status.value == "expired"
    assert c.handler.handle(proto.decode_assignment(_released("ev-4", "as-3", "expired"))).startswith("duplicate")
    with c.store.read() as s:
        rows = s.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars().all()
    assert not [r for r in rows if r.topic == "baolei.assignments.v1"]  # the inventory announces no expiry
    levels = [stock_pb2.StockChanged.FromString(r.payload) for r in rows if r.topic == "baolei.stock.v1"]
    # each level names its assignment in a field of its own, with the movement's kind
    assert [(m.assignment_id, m.movement_kind, m.held) for m in levels[-2:]] == [("as-3", "hold", 6),
                                                                                 ("as-3", "release", 0)]


def test_confirm_issues_earliest_expiry_first(container):
    c = container
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="LATE", quantity=10, expiry=date(2022, 9, 1))
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="EARLY", quantity=5, expiry=date(2022, 3, 1))
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="MID", quantity=5, expiry=date(2022, 6, 1))
    c.stock.hold(actor="t", assignment_id="as-4", need_id="n", picks=[Pick("wh-ft", "rice", 8)])
    c.stock.confirm(actor="t", assignment_id="as-4")
    lots = {x["lot"]: x["on_hand"] for x in c.catalog.lots("wh-ft", "rice")}
    assert lots == {"EARLY": 0, "MID": 2, "LATE": 10}
    level = _level(c)
    assert (level.on_hand, level.held, level.available) == (12, 0, 12)
    with c.store.read() as s:
        issued = s.execute(select(MovementRow.lot, MovementRow.on_hand_delta).where(
            MovementRow.kind == "issue", MovementRow.lot != "").order_by(MovementRow.id)).all()
    assert [tuple(r) for r in issued] == [("EARLY", -5), ("MID", -3)]
    assert c.catalog.ledger_agrees()


def test_late_movement_keeps_balances_right(container):
    c = container
    t0 = datetime(2022, 1, 14, 8, tzinfo=timezone.utc)
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L1", quantity=10, occurred_at=t0)
    c.stock.issue(actor="t", warehouse_id="wh-ft", sku="rice", quantity=4, occurred_at=t0 + timedelta(hours=4))
    # a receipt that happened at 10:00 arrives after the 12:00 issue was recorded
    c.stock.receive(actor="t", warehouse_id="wh-ft", sku="rice", lot="L2", quantity=7,
                    occurred_at=t0 + timedelta(hours=2))
    assert _level(c).on_hand == 13
    as_of_11 = c.catalog.levels_as_of(t0 + timedelta(hours=3), warehouse_id="wh-ft", sku="rice")[0]
    assert as_of_11.on_hand == 17
    assert c.catalog.ledger_agrees()
