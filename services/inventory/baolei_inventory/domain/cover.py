"""Days of cover and reserve-release recommendations.

Days of cover = available / daily consumption, where daily consumption is the quantity issued in
the district over the last `window_days` (default 7) divided by `window_days`. With no recent
consumption, cover is unbounded (None). A level below `low_days` days is low stock.

Reserve release rule (储备投放建议): for a district whose price grade is alert or crisis, release
onto the market enough reserve to cover `target_days` of the district's recent daily consumption
(alert: 3 days, crisis: 7 days by default), never more than the reserve held in the district:
min(ceil(target_days × daily), reserve). Regular stock is not subtracted: a price rise means the
market lacks supply even while warehouses hold stock, and the release is what adds supply.
With no recorded consumption, nothing is recommended (there is no evidence of demand to size it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Cover:
    sku: str
    district: str
    available: int
    reserve: int
    issued_window: int
    window_days: int
    daily: float
    days: float | None
    low: bool


def days_of_cover(*, sku: str, district: str, available: int, reserve: int, issued_window: int,
                  window_days: int = 7, low_days: float = 3.0) -> Cover:
    daily = issued_window / window_days if window_days > 0 else 0.0
    days = (available / daily) if daily > 0 else None
    low = days is not None and days < low_days
    return Cover(sku, district, available, reserve, issued_window, window_days, daily, days, low)


def recommend_reserve_release(*, daily: float, reserve: int, target_days: float) -> int:
    if daily <= 0 or reserve <= 0 or target_days <= 0:
        return 0
    return min(math.ceil(target_days * daily - 1e-9), reserve)
