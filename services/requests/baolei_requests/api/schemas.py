"""Request and response schemas of the requests API (XxxCreate / XxxRead)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baolei_common import skus
from baolei_common.fields import (
    Code,
    Id,
    Instant,
    Latitude,
    Longitude,
    Name,
    Note,
    Reason,
    count,
    outside_shenzhen,
)
from baolei_common.rooms import Rooms as RoomCounts
from baolei_requests.api.fields import Name100, Reason180, Reason200, Reason300, Text20, Text50, Text64, Text100
from baolei_requests.api.schemas_asks import AskOption, AskRead
from baolei_requests.domain.needs import NeedKind, Risk, Vulnerability, Zone

MAX_ROOMS = 10_000  # rooms of one kind in one hotel, or asked by one need


class Rooms(BaseModel):
    standard: int = count(default=0, le=MAX_ROOMS, description="单人标准间 / one person each")
    family: int = count(default=0, le=MAX_ROOMS, description="家庭房 / one household, up to 3")
    accessible: int = count(default=0, le=MAX_ROOMS, description="无障碍房 / one person, wheelchair")


class SupplyLineIn(BaseModel):
    sku: Code = Field(description="物资编码或名称（大米、rice…）/ a staple's code or name")
    quantity: int = count(ge=1, le=1_000_000)

    @field_validator("sku", mode="before")
    @classmethod
    def _staple_code(cls, v: object) -> object:
        """A staple's name or alias becomes its code (大米 → rice), so 大米 and rice are one line;
        intake refuses a name the catalogue does not know, naming the line."""
        return (skus.resolve(v) or v) if isinstance(v, str) else v


class NeedCreate(BaseModel):
    kind: NeedKind
    site_id: Id
    due_at: Instant
    priority: int | None = count(default=None, ge=1, le=4, description="人工指定优先级（需填写理由）")
    priority_reason: Reason200 | None = None  # kept with the suggested priority in 300
    vulnerabilities: list[Vulnerability] = Field(default_factory=list, max_length=10)
    risk: Risk | None = None
    people: int | None = count(default=None, ge=1, le=2000)
    rooms: Rooms | None = None
    ready_at: Instant | None = None
    lines: list[SupplyLineIn] = Field(default_factory=list, max_length=50)
    organisation: Text100 | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _by_kind(self) -> NeedCreate:
        if self.priority is not None and not self.priority_reason:
            raise ValueError("priority_reason: 人工调整优先级必须填写理由 / an override of priority needs a reason")
        if self.kind == NeedKind.TRANSFER:
            missing = [f for f in ("risk", "people", "ready_at") if getattr(self, f) is None]
            people, ready_at = self.people, self.ready_at
            if missing or people is None or ready_at is None:
                raise ValueError(f"{', '.join(missing)}: 转运需求必填 / required for a transfer need")
            if self.rooms is None:
                self.rooms = Rooms(standard=people)
            r = self.rooms
            if not RoomCounts(r.standard, r.family, r.accessible).fits(people):
                raise ValueError("rooms: 房间数与人数不符（标准间、无障碍房各 1 人，家庭房 1–3 人）/ "
                                 "rooms do not fit people (standard and accessible hold 1, family 1–3)")
            if self.due_at <= ready_at:
                raise ValueError("due_at: 必须晚于可出发时间 / must be after the time people are ready")
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
    id: Id
    name: Name
    district: Text50 = ""
    street: Text50 = ""
    zone: Zone = Zone.OTHER
    lat: Latitude = Field(description="纬度（WGS-84），须在深圳市范围内 / latitude, within Shenzhen")
    lon: Longitude = Field(description="经度（WGS-84），须在深圳市范围内 / longitude, within Shenzhen")
    organisation: Text100 = ""

    @model_validator(mode="after")
    def _in_shenzhen(self) -> SiteCreate:
        problem = outside_shenzhen(self.lat, self.lon)
        if problem:
            raise ValueError(problem)
        return self


class HotelCreate(BaseModel):
    id: Id
    name: Name
    operator: Name100
    site_id: Id
    accepts: list[Risk] = Field(min_length=1, max_length=3)
    rooms: Rooms
    out_of_use: Rooms = Field(default_factory=Rooms)
    open_at: Instant | None = None
    state: Literal["open", "closed"] = "open"


class BusCreate(BaseModel):
    id: Id
    operator: Name100
    plate: Text20 = ""
    depot_id: Id
    seats: int = count(ge=1, le=100)
    load_limit: float = Field(0.5, gt=0, le=1, strict=True)
    shift_start: Instant
    shift_end: Instant
    turnaround_min: int = count(default=30, ge=0, le=600)
    state: Literal["in_service", "out_of_service"] = "in_service"

    @model_validator(mode="after")
    def _shift(self) -> BusCreate:
        if self.shift_end <= self.shift_start:
            raise ValueError("shift_end: 必须晚于 shift_start / must be after shift_start")
        return self


class LateRead(BaseModel):
    """A transfer plan's wait and lateness (matcher solver/lateness.py); on a need, of its current
    plan (its latest active assignment)."""

    wait_minutes: int = Field(0, description="ready_at 至到达酒店的分钟数 / minutes from ready to arrival")
    late_minutes: int = Field(0, description="晚于 due_at 的分钟数，0 为按时 / minutes after due_at, 0 when on time")
    late_cause: str = Field("", description="逾期原因代码 / why late: no_bus_earlier, no_room_nearer, "
                                            "hotel_opens_later, due_unreachable")
    late_zh: str = Field("", description="如“逾期 45 分钟：无更早可用车辆”")
    late_en: str = Field("", description='e.g. "45 min late: no bus free earlier"')


class AssignmentRead(LateRead):
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
    must_answer: bool = Field(False, description="the signed-in caller is still to accept or decline this hold "
                                                 "(an operator's answer stands for all) / 当前用户须确认此方案")
    must_confirm_arrival: bool = Field(False, description="the signed-in caller confirms who arrived at the hotel / "
                                                          "当前用户须确认入住人数")
    decline_reason: str = Field("", description="why a dispatcher declined it / 拒绝原因")
    # display names for the dispatcher console (GET /api/assignments): ids never shown to people
    names: dict[str, str] = Field({}, description="bus plates, site, hotel and warehouse names by id / 车牌、地点、"
                                                  "酒店与仓库名称（按编号）")
    kind: str = Field("", description="transfer or supply / 转运或物资")
    risk: str = Field("", description="the need's risk category (transfers) / 人员类别")
    site_name: str = Field("", description="the need's site (pickup or delivery) / 需求地点名称")
    resources_zh: str = Field("", description="车牌、酒店、仓库名称 / plates, hotel and warehouse names")
    resources_en: str = ""


class DuplicateRef(BaseModel):
    need_id: str | None = None
    label_zh: str
    label_en: str
    created_at: datetime | None = None


class NeedRead(LateRead):
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
    priority_reason_en: str = ""
    label_zh: str = Field("", description="需求的一句话，如“莲花北社区 6 人转运” / the need in a few words")
    label_en: str = ""
    duplicate: DuplicateRef | None = Field(None, description="疑似重复的需求：可查看时带编号，否则只有描述 / "
                                                             "the likely duplicate: its id if the reader may open it")
    progress_lines: list[dict] = Field([], description="物资需求逐项进度（不同物资不相加）/ a supply need's progress "
                                                      "per staple: sku, asked, delivered, in_flight, remaining")
    progress_zh: str = Field("", description="进度的一句话，物资按品类与单位列出 / the progress in words")
    progress_en: str = ""


class Page(BaseModel):
    """A page of a list and how many match: a table says "显示 300 / 504", never stops silently."""

    total: int = Field(description="符合筛选、本人可见的总数 / how many the caller may see match the filters")
    offset: int
    limit: int
    shown_zh: str = Field(description="如“显示 300 / 504”")
    shown_en: str = Field(description='e.g. "showing 300 of 504"')


class AssignmentPage(Page):
    """A page of the caller's assignments (a dispatcher's: those holding its resources)."""

    items: list[AssignmentRead]


class NeedPage(Page):
    """A page of needs."""

    items: list[NeedRead]


class Decision(BaseModel):
    # kept as "declined: <reason>" in a column of 200; required: the operator must know why to act on it
    reason: Reason180 = Field(description="拒绝原因（必填）/ why, required")
    breakdown: bool = Field(False, strict=True, description="车辆故障: the declined buses go out of service until "
                                                            "put back (also when the reason says 车辆故障); a JSON "
                                                            "boolean only")

    @field_validator("reason")
    @classmethod
    def _said(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("reason: 请填写拒绝原因，指挥部据此处理 / say why: the command center acts on it")
        return v.strip()


class FasterIn(BaseModel):
    """更快的方案：指定车辆，或提高逾期权重重新匹配 / a faster alternative: a named bus, or lateness weighted higher."""

    bus_id: Text64 | None = Field(None, description="只用这辆车重新匹配 / re-match with only this bus")
    time_weight: float | None = Field(None, gt=1, le=100, description="逾期权重（缺省 5）/ lateness weight "
                                                                       "(default 5); ignored with bus_id")


class CancelIn(BaseModel):
    reason: Reason300


SkuKey = Annotated[str, Field(min_length=1, max_length=50)]
Quantity = Annotated[int, Field(ge=0, le=1_000_000)]


class DoneIn(BaseModel):
    delivered: int | None = count(default=None, ge=0, le=1_000_000,
                                  description="实际送达人数/数量，缺省为计划数 / defaults to planned")
    lines: dict[SkuKey, Quantity] | None = Field(None, max_length=50,
                                                 description="supply: units handed over per SKU / 按物资填写送达数量")
    note: Reason = ""


class ArriveIn(BaseModel):
    arrived: int | None = count(default=None, ge=0, le=2000,
                                description="实际入住人数，缺省为车辆送达人数 / defaults to what the bus delivered")
    note: Reason = ""


class BusStateIn(BaseModel):
    state: Literal["in_service", "out_of_service"]
    reason: Reason = Field("", description="停运原因（控制台必填，记入审计）/ why: the console asks for it; audited")


class HotelStateIn(BaseModel):
    state: Literal["open", "closed"] = "open"
    out_of_use: Rooms = Field(default_factory=Rooms, description="关闭或消杀中的房间 / closed or being cleaned")
    reason: Reason = Field("", description="关闭或停用房间的原因（控制台必填，记入审计）/ "
                                           "why: the console asks for it; audited")


class LiveTicket(BaseModel):
    ticket: str = Field(description="open GET /api/live?ticket=… with it, once, before it expires")
    expires_in_s: float


class AcceptRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    assignment: str
    status: str = Field(description="awaiting（仍待其他单位确认）或 confirming / "
                                    "awaiting other organisations, or confirming")
    awaiting: list[str]
    accepted_by: list[str]


class DeclineRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    assignment: str
    status: str


class IdRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str


class HotelRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    operator: str
    site_id: str
    accepts: list[str]
    rooms: dict
    out_of_use: dict
    state: str
    open_at: datetime | None


class BusRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    operator: str
    plate: str
    depot_id: str
    seats: int
    load_limit: float
    state: str
    shift_start: datetime
    shift_end: datetime
    turnaround_min: int


class MeRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    user: str
    role: str
    role_zh: str
    organisation: str
    can_write: bool


class ImportedNeed(BaseModel):
    row: int
    id: str
    created: bool
    priority: int
    duplicate_of: str | None


class ImportRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    imported: int
    repeated: int
    needs: list[ImportedNeed]


class RowErrorRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    field: str
    row: int = Field(0, description="表格中的行号（表头为第 1 行；0 为整个文件）/ row as the spreadsheet shows it, "
                                    "header = 1; 0 for the whole file")
    column: str = ""
    reason_zh: str
    reason_en: str


class ImportRejectedRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    detail: list[RowErrorRead]
    imported: int = 0


class AuditRead(BaseModel):
    text_zh: str = Field("", description="这条记录的一句话 / the entry as a sentence")
    text_en: str = ""
    id: int
    at: datetime
    actor: str
    role: str
    organisation: str
    action: str
    entity: str
    before: dict | None
    after: dict | None


class AttentionNeed(BaseModel):
    model_config = ConfigDict(extra="allow")
    need_id: str
    priority: int
    site_name: str
    label_zh: str
    label_en: str
    status: str


class AttentionHold(AttentionNeed):
    assignment_id: str
    awaiting: list[str]
    accepted_by: list[str]
    expires_at: datetime | None
    expires_in_min: int | None
    resources_zh: str
    resources_en: str


class AttentionGroup(BaseModel):
    model_config = ConfigDict(extra="allow")
    cause: str
    count: int
    needs: list[AttentionNeed]
    title_zh: str
    title_en: str
    shortfall: int
    text_zh: str = Field(description="如“无障碍房不足：缺 12 间，坝光国际酒店可加开 20 间”")
    text_en: str
    fix_zh: str
    fix_en: str
    more: int = Field(0, description="此原因下未列出的需求数 / needs of this cause not listed (most urgent first)")
    rest_url: str = Field("", description="列出全部此原因需求的查询 / the query listing all needs of this cause")
    ask_options: list[AskOption] = Field(default_factory=list, description="可请求的单位，最合适的在前 / whom to "
                                                                          "ask, best placed first")
    asks: list[AskRead] = Field(default_factory=list, description="已发出的请求 / asks sent about this cause")


class AttentionShortfall(BaseModel):
    """房间与车次缺口，各自假定另一资源充足 / rooms and trips short, each with the other assumed available."""
    people: int
    rooms_needed: int
    rooms_free: int
    rooms_short: int = Field(description="若车辆充足仍缺的房间 / rooms short even with unlimited buses")
    rooms_short_by_type: dict[str, int]
    trips_short: int = Field(description="若房间充足仍缺的车次（约）/ trips short even with unlimited rooms (about)")
    per_trip: int
    text_zh: str = Field(description="如“若车辆充足，仍缺房间 120 间；若房间充足，仍约缺 40 车次；…”")
    text_en: str


class AttentionDecline(AttentionNeed):
    assignment_id: str
    at: datetime
    by: str
    organisation: str
    reason: str


class AttentionStranded(AttentionNeed):
    delivered: int
    remaining: int


class AttentionLateItem(AttentionNeed, LateRead):
    assignment_id: str


class AttentionLate(BaseModel):
    count: int = Field(description="仍待执行且晚于截止时间到达的方案数 / plans still to run that arrive after due")
    people: int
    title_zh: str = Field(description="如“3 个方案逾期”")
    title_en: str
    items: list[AttentionLateItem] = Field(description="逾期最多的在前，至多 20 项 / the latest first, at most 20")


class AttentionHoldsOf(BaseModel):
    """The holds waiting for one organisation: how many, and the soonest to expire."""

    organisation: str
    count: int
    soonest_expires_at: datetime | None = None
    soonest_in_min: int | None = None


class AttentionRead(BaseModel):
    at: datetime
    holds: list[AttentionHold]
    holds_total: int = Field(0, description="待确认的提议总数（列表只列最早到期的若干）/ all holds waiting")
    holds_by_organisation: list[AttentionHoldsOf] = Field(
        [], description="按单位汇总的待确认方案，最早到期者在前 / holds per organisation still to answer, soonest "
                        "expiry first")
    unmet: list[AttentionGroup]
    shortfall: AttentionShortfall | None = None
    declines: list[AttentionDecline]
    stranded: list[AttentionStranded]
    late: AttentionLate | None = None
    asks: list[AskRead] = Field(default_factory=list, description="最近的增援请求（未答复的在前）/ the latest asks "
                                                                  "for capacity, open ones first")
    asks_total: int = Field(0, description="增援请求总数（其余见 GET /api/asks）/ all asks (the rest: GET /api/asks)")
    auto_confirm: list[dict] = Field(default_factory=list, description="已开启自动确认的单位 / organisations "
                                                                      "confirming automatically")
