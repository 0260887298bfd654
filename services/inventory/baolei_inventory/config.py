"""The inventory service's one typed config, read from `BAOLEI_INVENTORY_*` environment variables.

Every field has a documented default so `create_app(InventoryConfig())` runs on a laptop: SQLite in
var/, Kafka on 127.0.0.1:19092 (`BAOLEI_KAFKA_*`, see baolei_common.config), demo tokens.
"""
from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from baolei_common.service_config import ServiceConfig

FMG = "食品物资集团"


class InventoryConfig(ServiceConfig):
    """Settings of the inventory service. Env prefix `BAOLEI_INVENTORY_`."""

    model_config = SettingsConfigDict(env_prefix="BAOLEI_INVENTORY_", extra="ignore")

    database_url: str = Field("sqlite:///var/inventory.db", description="SQLAlchemy URL (PostgreSQL in production)")
    db_pool_size: int = Field(16, ge=1, le=200,
                              description="API requests served at once, and the connections of the API's pool")
    db_max_overflow: int = Field(4, ge=0,
                                 description="extra API connections (health checks); admitted requests never need them")
    background_pool_size: int = Field(
        4, ge=2, description="connections of the relay, consumer and reconciliation (not shared with the API)")
    reconcile_interval_s: float = Field(60.0, gt=0,
                                        description="how often the assignments log is checked against the holds")
    ref_cache_ttl_s: float = Field(30.0, description="seconds a warehouse or SKU read by the ledger is cached "
                                   "per process (edits through another process show after this)")
    http_host: str = Field("127.0.0.1", description="bind address of the HTTP API")
    http_port: int = Field(8003, description="port of the HTTP API")
    consumer_group: str = Field("inventory", description="Kafka consumer group for assignments")
    start_consumer: bool = Field(True, description="consume baolei.assignments.v1 in the app")
    price_stress: float = Field(0.05, description="rise over baseline from which a price is 'stress'")
    price_alert: float = Field(0.10, description="rise over baseline from which a price is 'alert'")
    price_crisis: float = Field(0.20, description="rise over baseline from which a price is 'crisis'")
    baseline_window_days: int = Field(7, description="days of observations for the median baseline")
    cover_window_days: int = Field(7, description="days of issues that define recent consumption")
    low_cover_days: float = Field(3.0, description="below this many days of cover a level is low stock")
    reserve_target_days_alert: float = Field(3.0, description="days of consumption to release as reserve in alert")
    reserve_target_days_crisis: float = Field(7.0, description="days of consumption to release as reserve in crisis")
    upload_max_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="largest CSV upload (stock counts, prices)")
    upload_max_rows: int = Field(20_000, ge=1, description="most data rows of one CSV upload")
    upload_max_errors: int = Field(50, ge=1, le=10_000, description="row errors listed in a CSV's 422 (plus a count)")

    @model_validator(mode="after")
    def _order(self) -> InventoryConfig:
        if not 0 < self.price_stress < self.price_alert < self.price_crisis:
            raise ValueError("price thresholds must satisfy 0 < stress < alert < crisis")
        return self
