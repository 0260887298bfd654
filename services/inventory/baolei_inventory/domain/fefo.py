"""First-expiry-first-out picking: issue from the lot that expires first.

Lots without an expiry date go last; ties break on the lot code so picking is deterministic.
"""
from __future__ import annotations

from datetime import date

from baolei_inventory.domain.errors import InsufficientStock
from baolei_inventory.domain.model import LotStock

_FAR = date.max


def order(lots: list[LotStock]) -> list[LotStock]:
    return sorted(lots, key=lambda lot: (lot.expiry or _FAR, lot.lot))


def pick(lots: list[LotStock], quantity: int) -> list[tuple[str, int]]:
    """(lot, quantity) pairs covering `quantity` from the earliest-expiring lots first."""
    out: list[tuple[str, int]] = []
    left = quantity
    for lot in order([x for x in lots if x.on_hand > 0]):
        if left == 0:
            break
        take = min(left, lot.on_hand)
        out.append((lot.lot, take))
        left -= take
    if left > 0:
        have = quantity - left
        raise InsufficientStock("quantity", f"批次库存不足：需要 {quantity}，现有 {have}",
                                f"not enough in lots: need {quantity}, have {have}")
    return out
