"""FEFO picking and ledger folding."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolei_inventory.domain import fefo, ledger
from baolei_inventory.domain.errors import InsufficientStock
from baolei_inventory.domain.model import Entry, Kind, Level, LotStock, StockClass


def test_earliest_expiry_first_and_undated_last():
    lots = [LotStock("none", None, 10), LotStock("jun", date(2022, 6, 1), 5),
            LotStock("mar", date(2022, 3, 1), 4)]
    assert fefo.pick(lots, 12) == [("mar", 4), ("jun", 5), ("none", 3)]


def test_short_pick_raises():
    with pytest.raises(InsufficientStock):
        fefo.pick([LotStock("a", None, 2)], 3)


@given(st.lists(st.tuples(st.dates(), st.integers(0, 50)), min_size=1, max_size=8), st.integers(1, 200))
def test_pick_takes_exactly_the_quantity_from_the_earliest_lots(raw, quantity):
    lots = [LotStock(f"l{i}", d, q) for i, (d, q) in enumerate(raw)]
    total = sum(q for _, q in raw)
    if quantity > total:
        with pytest.raises(InsufficientStock):
            fefo.pick(lots, quantity)
        return
    picked = fefo.pick(lots, quantity)
    assert sum(q for _, q in picked) == quantity
    by = {x.lot: x for x in lots}
    taken = {lot for lot, _ in picked}
    for lot, q in picked[:-1]:  # every lot but the last is emptied
        assert q == by[lot].on_hand
    last_expiry = by[picked[-1][0]].expiry
    assert all(x.expiry >= last_expiry for x in lots if x.lot not in taken and x.on_hand > 0)


def test_derive_is_order_independent_and_respects_as_of():
    t = lambda h: datetime(2022, 1, 14, h, tzinfo=timezone.utc)  # noqa: E731
    entries = [
        Entry("m1", Kind.RECEIPT, "w", "rice", "L1", on_hand_delta=10, occurred_at=t(8)),
        Entry("m2", Kind.HOLD, "w", "rice", held_delta=3, occurred_at=t(9)),
        Entry("m3", Kind.RECEIPT, "w", "rice", "R1", StockClass.RESERVE, 50, occurred_at=t(7)),
        Entry("m4", Kind.ISSUE, "w", "rice", "L1", on_hand_delta=-2, occurred_at=t(11)),
    ]
    a = ledger.derive(entries).levels[("w", "rice")]
    b = ledger.derive(list(reversed(entries))).levels[("w", "rice")]
    assert (a.on_hand, a.held, a.reserve, a.available) == (8, 3, 50, 5) == (b.on_hand, b.held, b.reserve, b.available)
    early = ledger.derive(entries, as_of=t(10)).levels[("w", "rice")]
    assert (early.on_hand, early.held) == (10, 3)


def test_available_excludes_reserve_and_never_negative():
    assert Level("w", "s", on_hand=5, held=7, reserve=100).available == 0


def test_hold_and_remove_checks():
    level = Level("w", "s", on_hand=10, held=6)
    ledger.check_can_hold(level, 4)
    with pytest.raises(InsufficientStock):
        ledger.check_can_hold(level, 5)
    ledger.check_can_remove(level, 6, from_held=6)
    with pytest.raises(InsufficientStock):
        ledger.check_can_remove(level, 5)
