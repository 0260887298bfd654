"""Request and response schemas of the requests API (XxxCreate / XxxRead)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from baolei_common import skus
from baolei_requests.domain.needs import NeedKind, Risk, Vulnerability, Zone, rooms_fit_people


class Rooms(BaseModel):
    standard: int = Field(0, ge=0, description="单人标准间 / one person each")
    family: int = Field(0, ge=0, description="家庭房 / one household, up to 3")
    accessible: int = Field(0, ge=0, description="无障碍房 / one person, wheelchair")


class SupplyLineIn(BaseModel):
    sku: str = Field(min_length=1, max_length=50, description="物资编码或名称（大米、rice…）/ a staple's code or name")
    quantity: int = Field(gt=0, le=1_000_000)

    @field_validator("sku", mode="before")
    @classmethod
    def _staple_code(cls, v: object) -> object:
        """A staple's name or alias becomes its code (大米 → rice), so 大米 and rice are one line;
        intake refuses a name the catalogue does not know, naming the line."""
        return (skus.resolve(v) or v) if isinstance(v, str) else v


class NeedCreate(BaseModel):
    kind: NeedKind
    site_id: str = Field(min_length=1, max_length=64)
    due_at: AwareDatetime
    priority: int | None = Field(None, ge=1, le=4, description="人工指定优先级（需填写理由）")
    priority_reason: str | None = Field(None, max_length=300)
    vulnerabilities: list[Vulnerability] = Field(default_factory=list)
    risk: Risk | None = None
    people: int | None = Field(None, gt=0, le=2000)
    rooms: Rooms | None = None
    ready_at: AwareDatetime | None = None
    lines: list[SupplyLineIn] = Field(default_factory=list)
    organisation: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _by_kind(self) -> NeedCreate:
        if self.priority is not None and not self.priority_reason:
            raise ValueError("priority_reason: 人工调整优先级必须填写理由 / an override of priority needs a reason")
        if self.kind == NeedKind.TRANSFER:
            missing = [f for f in ("risk", "people", "ready_at") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"{', '.join(missing)}: 转运需求必填 / required for a transfer need")
            if self.rooms is None:
                self.rooms = Rooms(standard=self.people)
            r = self.rooms
            if not rooms_fit_people(self.people, r.standard, r.family, r.accessible):
                raise ValueError("rooms: 房间数与人数不符（标准间、无障碍房各 1 人，家庭房 1–3 人）/ "
                                 "rooms do not fit people (standard and accessible hold 1, family 1–3)")
            if self.due_at <= self.ready_at:
                raise ValueError("due_at: 必须晚于 ready_at / must be after ready_at")
            if self.lines:
                raise ValueError("lines: 转运需求不应包含物资明细 / a transfer need has no supply lines")
        else:
            if not self.lines:
                raise ValueError("lines: 物资需求至少一行 / a supply need needs at least one line")
            skus = [ln.sku for ln in self.lines]
            if len(set(skus)) != len(skus):
                raise ValueError("lines: 同一物资重复出现 / each sku at most once")
        return self


class SiteCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    district: str = ""
    street: str = ""
    zone: Zone = Zone.OTHER
    lat: float = Field(ge=18, le=54)
    lon: float = Field(ge=73, le=135)
    organisation: str = ""


class HotelCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    operator: str = Field(min_length=1)
    site_id: str
    accepts: list[Risk] = Field(min_length=1)
    rooms: Rooms
    out_of_use: Rooms = Field(default_factory=Rooms)
    open_at: AwareDatetime | None = None
    state: Literal["open", "closed"] = "open"


class BusCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    operator: str = Field(min_length=1)
    plate: str = ""
    depot_id: str
    seats: int = Field(gt=0, le=100)
    load_limit: float = Field(0.5, gt=0, le=1)
    shift_start: AwareDatetime
    shift_end: AwareDatetime
    turnaround_min: int = Field(30, ge=0, le=600)
    state: Literal["in_service", "out_of_service"] = "in_service"

    @model_validator(mode="after")
    def _shift(self) -> BusCreate:
        if self.shift_end <= self.shift_start:
            raise ValueError("shift_end: 必须晚于 shift_start / must be after shift_start")
        return self


class AssignmentRead(BaseModel):
    id: str
    need_id: str
    status: str
    status_zh: str
    organisations: list[str]
    room: dict | None
    trips: list[dict]
    picks: list[dict]
    people: int
    explanation_zh: str
    explanation_en: str
    release_reason: str
    proposed_at: datetime
    hold_expires_at: datetime | None = Field(description="when the hold expires if not everyone has accepted "
                                                         "(the requests service expires it) / 占用到期时间")
    started_at: datetime | None = None
    done_at: datetime | None = None
    delivered: int = 0
    decided_by: str = ""
    accepted_by: list[str] = []
    awaiting: list[str] = Field([], description="organisations that still have to answer this hold / 尚待确认的单位")
    decline_reason: str = Field("", description="why a dispatcher declined it / 拒绝原因")


class NeedRead(BaseModel):
    id: str
    kind: str
    site_id: str
    site_name: str
    district: str
    organisation: str
    priority: int
    priority_reason: str
    status: str
    status_zh: str
    risk: str | None
    people: int
    rooms: dict
    lines: list[dict]
    ready_at: datetime | None
    due_at: datetime
    created_at: datetime
    duplicate_of: str | None
    unmet_code: str
    unmet_reason_zh: str
    unmet_reason_en: str
    note: str = ""
    progress: dict
    assignments: list[AssignmentRead]


class Decision(BaseModel):
    reason: str = Field("", max_length=300)
    breakdown: bool = Field(False, description="车辆故障: the declined buses go out of service until put back "
                                               "(also when the reason says 车辆故障)")


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


SkuKey = Annotated[str, Field(min_length=1, max_length=50)]
Quantity = Annotated[int, Field(ge=0, le=1_000_000)]


class DoneIn(BaseModel):
    delivered: int | None = Field(None, ge=0, le=1_000_000,
                                  description="实际送达人数/数量，缺省为计划数 / defaults to planned")
    lines: dict[SkuKey, Quantity] | None = Field(None, max_length=50,
                                                 description="supply: units handed over per SKU / 按物资填写送达数量")
    note: str = Field("", max_length=300)


class ArriveIn(BaseModel):
    arrived: int | None = Field(None, ge=0, le=2000,
                                description="实际入住人数，缺省为车辆送达人数 / defaults to what the bus delivered")
    note: str = Field("", max_length=300)


class BusStateIn(BaseModel):
    state: Literal["in_service", "out_of_service"]


class HotelStateIn(BaseModel):
    state: Literal["open", "closed"] = "open"
    out_of_use: Rooms = Field(default_factory=Rooms, description="关闭或消杀中的房间 / closed or being cleaned")


class LiveTicket(BaseModel):
    ticket: str = Field(description="open GET /api/live?ticket=… with it, once, before it expires")
    expires_in_s: float
