"""Request and response bodies (XxxCreate / XxxRead). Quantities are integers in the SKU's unit;
prices are integers in fen (0.01 yuan)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from baolei_common import skus as staples
from baolei_common.fields import Code, Id, Instant, Latitude, Longitude, Name, Reason, count, outside_shenzhen
from baolei_inventory.api.texts import Lot, SkuName, Unit


def _staple_code(v: object) -> object:
    """A staple's name or alias as users write it (大米, 食用油, Rice) becomes its code; other SKUs
    pass as they are and are checked against the registered ones."""
    return (staples.resolve(v) or v) if isinstance(v, str) else v


SkuIn = Annotated[str, BeforeValidator(_staple_code), Field(
    min_length=1, max_length=64, description="品类编码或名称（rice、大米、米…）/ SKU code or a staple's name")]


MAX_QUANTITY = 1_000_000_000  # units in one movement, hold or count
MAX_PRICE_FEN = 100_000_000  # one million yuan per unit


class WarehouseCreate(BaseModel):
    id: Id = Field(examples=["fmg-futian"])
    name: Name = Field(examples=["食品物资集团福田仓"])
    organisation: Name = Field(examples=["食品物资集团"])
    district: Code = Field(examples=["福田"])
    lat: Latitude = Field(examples=[22.5431], description="纬度，须在深圳市内 / latitude, in Shenzhen")
    lon: Longitude = Field(examples=[114.0579], description="经度，须在深圳市内 / longitude, in Shenzhen")

    @model_validator(mode="after")
    def _in_shenzhen(self) -> WarehouseCreate:
        problem = outside_shenzhen(self.lat, self.lon)
        if problem:
            raise ValueError(problem)
        return self


class WarehouseRead(BaseModel):
    """A registered warehouse as stored (one registered before the Shenzhen check still reads)."""
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    organisation: str
    district: str
    lat: float
    lon: float


class SkuCreate(BaseModel):
    id: Id = Field(examples=["rice"])
    name_zh: SkuName = Field(examples=["大米"])
    name_en: SkuName = Field(examples=["rice"])
    unit: Unit = Field(examples=["bag"])
    staple: bool = Field(True, strict=True)


class SkuRead(SkuCreate):
    model_config = ConfigDict(from_attributes=True)


class MovementCreate(BaseModel):
    """receipt: into `lot` (reserve=true for 储备); issue: out, earliest expiry first; transfer:
    to `to_warehouse`, earliest expiry first; adjust: a stock count setting `lot` to `quantity`."""

    kind: Literal["receipt", "issue", "transfer", "adjust"]
    warehouse_id: Id
    sku: SkuIn
    quantity: int = count(ge=0, le=MAX_QUANTITY, description="units; for adjust, the counted quantity")
    lot: Lot | None = Field(None, description="lot code (receipt, adjust)")
    expiry: date | None = None
    reserve: bool = Field(False, strict=True)
    to_warehouse: Id | None = None
    occurred_at: Instant | None = Field(None, description="when it happened, with its zone; late facts are accepted")
    reason: Reason = ""


class MovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    movement_id: str
    kind: str
    warehouse_id: str
    sku: str
    lot: str
    stock_class: str
    on_hand_delta: int
    held_delta: int
    assignment_id: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    reason: str


class LotRead(BaseModel):
    lot: str
    stock_class: str
    on_hand: int
    expiry: date | None


class MovementDone(BaseModel):
    movement_id: str | None


class BalanceRead(BaseModel):
    warehouse_id: str
    sku: str
    on_hand: int
    held: int
    available: int
    reserve: int


class HoldRead(BaseModel):
    id: int
    assignment_id: str
    warehouse_id: str
    sku: str
    quantity: int
    status: str
    created_at: datetime
    expires_at: datetime


class ReserveRelease(BaseModel):
    warehouse_id: Id
    sku: SkuIn
    quantity: int = count(ge=1, le=MAX_QUANTITY)
    reason: Reason = "储备投放 reserve release"


class PriceCreate(BaseModel):
    sku: SkuIn
    district: Code
    source: Literal["market_survey", "supply_group_sale"]
    price_fen: int = count(ge=1, le=MAX_PRICE_FEN, description="price per unit in fen (0.01 yuan)")
    observed_at: Instant | None = Field(None, description="when it was seen, with its zone; default now")


class PriceRead(BaseModel):
    id: int
    sku: str
    district: str
    source: str
    price_fen: int
    observed_at: datetime
    grade: str
    baseline_fen: int = 0
    rise_ratio: float = 0.0
    alert_id: str | None = None


class BaselineSet(BaseModel):
    sku: SkuIn
    district: Code
    baseline_fen: int = count(ge=1, le=MAX_PRICE_FEN)


class BaselineRead(BaselineSet):
    model_config = ConfigDict(from_attributes=True)
    set_by: str
    set_at: datetime


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    event_id: str
    sku: str
    district: str
    grade: str
    price_fen: int
    baseline_fen: int
    rise_ratio: float
    recommended_reserve_release: int
    message_zh: str
    message_en: str
    raised_at: datetime


class CoverRead(BaseModel):
    sku: str
    district: str
    available: int
    reserve: int
    issued_window: int
    window_days: int
    daily: float
    days: float | None = Field(description="days of cover; null when nothing was issued recently")
    low: bool


class CsvApplied(BaseModel):
    applied: int
