"""Request bodies of the volunteers API (bounded, strict: a bad field is a 422 naming it)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from baolei_common.fields import Code, Id, Instant, Label, Latitude, Longitude, Name, Note, count

ZoneName = Literal["封控区", "管控区", "防范区", "常态"]
Vulnerability = Literal["独居老人", "独居儿童", "残障", "病患", "特困", "居家隔离"]
Skill = Literal["送餐", "送药", "送检上门", "代购", "快递代取", "垃圾清运", "定期探访", "电话关怀", "线上答疑", "核酸",
                "心理疏导"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompoundIn(Strict):
    id: Id
    name: Name
    district: Code
    street: Label = ""
    community: Name
    zone: ZoneName = "常态"
    lat: Latitude
    lon: Longitude


class ZoneIn(Strict):
    zone: ZoneName = Field(description="封控区 / 管控区 / 防范区 / 常态 (lifted)")


class VolunteerIn(Strict):
    id: Id
    name: Name
    phone: Code = Field(description="手机号（对外只显示掩码）/ phone, shown masked")
    compound_id: Id
    party_member: bool = False
    skills: list[Skill] = Field(default_factory=list, max_length=20)
    health_check: bool = False
    nucleic_training: bool = False
    counselling_cert: bool = False
    minutes_per_day: int = count(ge=0, le=24 * 60, default=120)
    mode: Literal["foot", "ebike"] = "foot"
    buildings: list[Code] = Field(default_factory=list, max_length=50, description="包楼: compound_id/building")
    pairs: list[Id] = Field(default_factory=list, max_length=20, description="一助一: household ids")


class HouseholdIn(Strict):
    id: Id
    compound_id: Id
    building: Code
    unit: Label = ""
    floor: int = count(ge=-5, le=200, default=1)
    room: Label = ""
    contact: Label = ""
    phone: Code = Field(description="手机号（对外只显示掩码）/ phone, shown masked")
    residents: int = count(ge=1, le=50, default=1)
    vulnerability: list[Vulnerability] = Field(default_factory=list, max_length=6)
    needs: Note = ""


class TaskIn(Strict):
    id: Id | None = None
    household_id: Id
    kind: Code = Field(description="送餐 送药 送检上门 代购 快递代取 垃圾清运 定期探访 电话关怀 线上答疑 核酸 心理疏导")
    deadline: Instant | None = None
    earliest: Instant | None = None
    duration_min: int | None = count(ge=1, le=600, default=None)
    every_days: int = count(ge=0, le=90, default=0)
    remote: bool = Field(False, description="定期探访、心理疏导 by phone or video (电话关怀、线上答疑 always are)")
    note: Note = ""
    shopping_list: Note = Field("", description="代购: the list; its staples (大米 2袋、鸡蛋 1托…) are reserved "
                                                "from a supply group's warehouse of the district")
    source: Literal["worker", "hotline"] = "worker"


class WishIn(Strict):
    household_id: Id
    kind: Code
    deadline: Instant | None = None
    note: Note = ""
    shopping_list: Note = Field("", description="代购: the list; its staples are reserved once the wish is approved")


class NoteIn(Strict):
    note: Note = ""
