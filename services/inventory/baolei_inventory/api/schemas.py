"""Request and response bodies (XxxCreate / XxxRead). Quantities are integers in the SKU's unit;
prices are integers in fen (0.01 yuan)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from baolei_common import skus as staples


def _staple_code(v: object) -> object:
    """A staple's name or alias as users write it (大米, 食用油, Rice) becomes its code; other SKUs
    pass as they are and are checked against the registered ones."""
    return (staples.resolve(v) or v) if isinstance(v, str) else v


SkuIn = Annotated[str, BeforeValidator(_staple_code), Field(
    min_length=1, max_length=64, description="品类编码或名称（rice、大米、米…）/ SKU code or a staple's name")]


class WarehouseCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64, examples=["fmg-futian"])
    name: str = Field(min_length=1, max_length=200, examples=["食品物资集团福田仓"])
    organisation: str = Field(min_length=1, max_length=200, examples=["食品物资集团"])
    district: str = Field(min_length=1, max_length=50, examples=["福田"])
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class WarehouseRead(WarehouseCreate):
    model_config = ConfigDict(from_attributes=True)


class SkuCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64, examples=["rice"])
    name_zh: str = Field(min_length=1, examples=["大米"])
    name_en: str = Field(min_length=1, examples=["rice"])
    unit: str = Field(min_length=1, examples=["bag"])
    staple: bool = True


class SkuRead(SkuCreate):
    model_config = ConfigDict(from_attributes=True)


class MovementCreate(BaseModel):
    """receipt: into `lot` (reserve=true for 储备); issue: out, earliest expiry first; transfer:
    to `to_warehouse`, earliest expiry first; adjust: a stock count setting `lot` to `quantity`."""

    kind: Literal["receipt", "issue", "transfer", "adjust"]
    warehouse_id: str = Field(min_length=1)
    sku: SkuIn
    quantity: int = Field(ge=0, description="units; for adjust, the counted quantity")
    lot: str | None = Field(None, description="lot code (receipt, adjust)")
    expiry: date | None = None
    reserve: bool = False
    to_warehouse: str | None = None
    occurred_at: datetime | None = Field(None, description="when it happened; late facts are accepted")
    reason: str = ""


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


class MovementDone(BaseModel):
    movement_id: str | None


class BalanceRead(BaseModel):
    warehouse_id: str
    sku: str
    on_hand: int
    held: int
    available: int
    reserve: int


class PickIn(BaseModel):
    warehouse_id: str = Field(min_length=1)
    sku: SkuIn
    quantity: int = Field(gt=0)


class HoldCreate(BaseModel):
    assignment_id: str = Field(min_length=1, max_length=64)
    need_id: str = ""
    picks: list[PickIn] = Field(min_length=1)


class HoldRead(BaseModel):
    id: int
    assignment_id: str
    warehouse_id: str
    sku: str
    quantity: int
    status: str
    created_at: datetime
    expires_at: datetime


class ReleaseIn(BaseModel):
    reason: str = "released"


class ReserveRelease(BaseModel):
    warehouse_id: str = Field(min_length=1)
    sku: SkuIn
    quantity: int = Field(gt=0)
    reason: str = "储备投放 reserve release"


class PriceCreate(BaseModel):
    sku: SkuIn
    district: str = Field(min_length=1)
    source: Literal["market_survey", "supply_group_sale"]
    price_fen: int = Field(gt=0, description="price per unit in fen (0.01 yuan)")
    observed_at: datetime | None = None


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
    district: str = Field(min_length=1)
    baseline_fen: int = Field(gt=0)


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
