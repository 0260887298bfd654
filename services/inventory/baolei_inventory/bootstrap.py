"""Composition root: builds the store, use cases, Kafka handler and background workers from config.
Nothing connects at import time; `bootstrap(config)` opens the engine (lazily) and wires things."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from baolei_common import topics
from baolei_common.consumer import ConsumerLoop, per_record
from baolei_common.outbox import OutboxRelay
from baolei_common.reconcile import Reconciler
from baolei_common.uploads import Limits
from baolei_inventory.adapters.db import Store, make_engine
from baolei_inventory.adapters.orm import OutboxRow, ProcessedEventRow
from baolei_inventory.adapters.proto import decode_assignment
from baolei_inventory.adapters.refcache import RefCache
from baolei_inventory.config import InventoryConfig
from baolei_inventory.domain.commands import Ignore
from baolei_inventory.domain.prices import Thresholds
from baolei_inventory.service.assignments import AssignmentHandler
from baolei_inventory.service.catalog import CatalogService
from baolei_inventory.service.prices import PriceService
from baolei_inventory.service.stock import StockService


@dataclass
class Container:
    config: InventoryConfig
    store: Store
    stock: StockService
    prices: PriceService
    catalog: CatalogService
    handler: AssignmentHandler
    background: Store  # the relay, consumer, expiry and reconciliation: a pool the API cannot starve
    background_stock: StockService

    @property
    def upload_limits(self) -> Limits:
        return Limits.of(self.config)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.background.sessions, OutboxRow, self.config.kafka)

    def consumer(self) -> ConsumerLoop:
        return ConsumerLoop(self.config.kafka, [topics.ASSIGNMENTS, topics.ASKS, topics.DOORSTEP_STOCK],
                            self.config.consumer_group, self.handler, service="inventory")

    def reconciler(self) -> Reconciler:
        return Reconciler(self.config.kafka, topics.ASSIGNMENTS, self.config.consumer_group,
                          per_record(self.handler), self._processed, service="inventory",
                          relevant=_holds_stock)

    def _processed(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        if not wanted:
            return set()
        with self.background.read() as s:
            return set(s.scalars(select(ProcessedEventRow.event_id)
                                 .where(ProcessedEventRow.event_id.in_(wanted))))


def _holds_stock(record) -> bool:
    """Events the inventory acts on (a transfer's proposal is ignored and never recorded)."""
    try:
        return not isinstance(decode_assignment(record.value or b""), Ignore)
    except Exception:
        return False


def bootstrap(config: InventoryConfig) -> Container:
    store = Store(make_engine(config.database_url, pool_size=config.db_pool_size,
                              max_overflow=config.db_max_overflow))
    background = Store(make_engine(config.database_url, pool_size=config.background_pool_size, max_overflow=2))
    refs = RefCache(ttl_s=config.ref_cache_ttl_s)
    stock = StockService(store, refs=refs)
    background_stock = StockService(background, refs=refs)
    prices = PriceService(
        store, thresholds=Thresholds(config.price_stress, config.price_alert, config.price_crisis),
        baseline_window_days=config.baseline_window_days, cover_window_days=config.cover_window_days,
        target_days={"alert": config.reserve_target_days_alert,
                     "crisis": config.reserve_target_days_crisis})
    catalog = CatalogService(store, cover_window_days=config.cover_window_days,
                             low_cover_days=config.low_cover_days, refs=refs)
    return Container(config, store, stock, prices, catalog, AssignmentHandler(background_stock),
                     background, background_stock)
