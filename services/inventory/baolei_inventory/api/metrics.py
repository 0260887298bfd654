"""The inventory's metrics: stock below cover by district, the outbox, the admission gate's 503s.

Why from the cover rule (`domain/cover.py` through `CatalogService.cover`): "below cover" must mean
what the stock page says it means — days of cover (available / recent daily issues) under
`low_cover_days` — not a second threshold. The rule works per SKU × district, so the gauge counts
SKUs below cover in each district (a bounded label: a city's districts), never a warehouse or lot.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from baolei_common.metrics import Metrics, watch_gate
from baolei_common.scrape import CachedCollector, Family, outbox_collector
from baolei_inventory.adapters.orm import OutboxRow
from baolei_inventory.service.catalog import CatalogService


def below_cover(catalog: CatalogService, ttl_s: float = 15.0) -> CachedCollector:
    """Cost per `ttl_s`: the cover rule's own reads — every warehouse and level row (one per
    warehouse × SKU) and the issues of the last `cover_window_days` summed by warehouse × SKU in
    the database (index on movements (kind, occurred_at)); cached longer than the others since
    consumption over days moves slowly."""
    fam = Family("baolei_stock_below_cover", "低于保障天数的 SKU 数，按区 / SKUs whose days of cover are "
                                             "below low_cover_days, by district", ["district"])

    def read() -> dict[str, dict[tuple[str, ...], float]]:
        low = Counter(c.district for c in catalog.cover() if c.low)
        return {fam.name: {(d,): float(n) for d, n in low.items()}}

    return CachedCollector([fam], read, ttl_s)


def install(app: Any, metrics: Metrics, gate: Any, container: Any) -> None:
    """/metrics on the app, the gate's counters and the database collectors (on the background
    pool: a scrape never takes a connection an admitted request needs)."""
    metrics.mount(app)
    watch_gate(metrics, gate)
    cfg = container.config
    metrics.add(outbox_collector(container.background.sessions, OutboxRow))
    metrics.add(below_cover(CatalogService(container.background, cover_window_days=cfg.cover_window_days,
                                           low_cover_days=cfg.low_cover_days)))
