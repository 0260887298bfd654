"""Schemas of asks for capacity, decisions by run and hour, bulk answers and standing rules (issue 18)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from baolei_common.fields import Id, Instant, count
from baolei_requests.api.fields import Reason180, Text50, Text60, Text100
from baolei_requests.domain.needs import Risk

AskKind = Literal["add_buses", "extend_shifts", "open_rooms", "accept_risk", "move_stock"]


class RoomCountsIn(BaseModel):
    standard: int = count(default=0, le=10_000)
    family: int = count(default=0, le=10_000)
    accessible: int = count(default=0, le=10_000)


class StockMoveIn(BaseModel):
    """调拨或入库的物资 / staples received into, or moved to, one of the supply group's warehouses."""
    sku: Id = Field(description="物资 / the staple, e.g. rice")
    quantity: int = count(ge=1, le=10_000_000, description="数量 / quantity")
    warehouse_id: Id = Field(description="调入仓库（匹配可用）/ the warehouse the matcher draws from")
    from_warehouse_id: Id | None = Field(None, description="调出仓库（缺省为新到货入库）/ moved from (default: "
                                                           "new stock received)")
    expiry: date | None = Field(None, description="新到货的保质期 / a receipt's expiry")


class AskCreate(BaseModel):
    """发出增援请求：对无法满足的原因，向系统推荐的单位（或候选中的另一家）请求 / ask one of the organisations
    offered for an unmet cause. The figures come from the server, not from the body."""
    cause: Text60 = Field(min_length=1, description="无法满足的原因（提醒面板）/ the unmet cause, as on the panel")
    organisation: Text100 = Field(min_length=1, description="被请求的单位 / the organisation asked")
    kind: AskKind | None = Field(None, description="请求类型（缺省为推荐的类型）/ the kind (default: as offered)")
    resource_id: Id | None = Field(None, description="车场或酒店（缺省为推荐的）/ the depot or hotel "
                                                     "(default: as offered)")


class AskAnswerIn(BaseModel):
    """答复请求：增派车辆、延长班次、开放或新增房间、接收新的类别，或说明原因拒绝 / the answer."""
    refuse: StrictBool = False
    reason: Reason180 = Field("", description="拒绝原因（拒绝时必填）或备注 / why refused (required then), or a note")
    extend_until: Instant | None = Field(None, description="班次延长至 / shifts extended to this instant")
    bus_ids: list[Id] | None = Field(None, max_length=500, description="延长哪些车辆（缺省全部）/ which buses")
    add_buses: int = count(default=0, le=200, description="增派车辆数 / buses added")
    seats: int = count(default=45, ge=1, le=100)
    depot_id: Id | None = None
    plates: list[Text50] = Field(default_factory=list, max_length=200)
    open_rooms: RoomCountsIn = Field(default_factory=RoomCountsIn, description="恢复使用的停用房间 / put back in use")
    add_rooms: RoomCountsIn = Field(default_factory=RoomCountsIn, description="新增房间 / rooms added")
    accept_risks: list[Risk] = Field(default_factory=list, max_length=3, description="新接收的类别 / categories taken")
    stock: list[StockMoveIn] = Field(default_factory=list, max_length=50,
                                     description="调拨或入库的物资（物资请求）/ staples moved or received (stock asks)")


class AskOption(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: str
    kind_zh: str
    kind_en: str
    organisation: str
    resource_id: str
    resource_name: str
    why_zh: str
    why_en: str
    text_zh: str
    text_en: str


class AskRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    cause: str
    organisation: str
    resource_id: str
    resource_name: str = ""
    text_zh: str = Field(description="如“增派车辆：约缺 38 车次，828 人待转运”")
    text_en: str
    status: Literal["open", "answered", "refused"]
    asked_at: datetime
    answered_at: datetime | None
    unlocked_people: int | None = Field(description="答复后在其车辆或酒店上匹配的人数 / people matched since the "
                                                    "answer on what it added or changed")
    line_zh: str = Field(description="如“请求 21:31 → 答复 21:38 → 已匹配 124 人”")
    line_en: str


class DecisionMany(BaseModel):
    """一次决定：整个车次、一个小时的入住，或所选各项 / one decision: a run, an hour of arrivals, a selection."""
    assignment_ids: list[Id] = Field(min_length=1, max_length=500)
    label: Text100 = Field("", description="车次或时段（记入审计）/ the run or hour, for the audit")
    reason: Reason180 = Field("", description="拒绝原因（拒绝时必填）/ why declined (required to decline)")
    breakdown: StrictBool = False


class DecisionManyRead(BaseModel):
    answered: list[str]
    confirming: list[str]
    skipped: list[dict[str, str]]


class RuleIn(BaseModel):
    auto_confirm: StrictBool = Field(description="自动确认本单位资源的方案 / confirm proposals for our resources "
                                                 "automatically")


class RuleRead(BaseModel):
    organisation: str
    auto_confirm: bool
    set_by: str
    set_at: datetime | None
