"""Helpers of the inventory integration tests: the config for a test database and a small seed
(two warehouses of 食品物资集团, rice and oil)."""
from __future__ import annotations

from baolei_inventory.bootstrap import Container
from baolei_inventory.config import InventoryConfig
from baolei_inventory.domain.model import Sku, Warehouse

FMG = "食品物资集团"


def make_config(pg_database: str, kafka_settings=None, **overrides) -> InventoryConfig:
    fields = {"database_url": pg_database, "db_pool_size": 20, "db_max_overflow": 40, **overrides}
    if kafka_settings is not None:
        fields["kafka"] = kafka_settings
    return InventoryConfig(**fields)


def seed(c: Container) -> None:
    c.catalog.upsert_sku(Sku("rice", "大米", "rice", "bag"))
    c.catalog.upsert_sku(Sku("oil", "食用油", "cooking oil", "bottle"))
    c.catalog.upsert_warehouse(Warehouse("wh-ft", "福田仓", FMG, "福田", 22.541, 114.055))
    c.catalog.upsert_warehouse(Warehouse("wh-ns", "南山仓", FMG, "南山", 22.533, 113.930))


