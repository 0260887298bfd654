"""Request and response shapes of hotel stays: departures, extensions, occupancy."""
from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from baolei_common.fields import Id, Instant, Reason, count


class LeavingIn(BaseModel):
    stay_id: Id = Field(description="入住记录编号 / the stay (GET /api/hotels/{id}/stays)")
    people: int | None = count(default=None, ge=1, le=2000,
                               description="离开人数，缺省为该记录全部人员 / defaults to everyone still there")


class DeparturesIn(BaseModel):
    leaving: list[LeavingIn] = Field(default_factory=list, max_length=5000,
                                     description="解除隔离离开的人员 / who left, by stay")
    due_today: bool = Field(False, strict=True,
                            description="今日到期人员全部离开（批量）/ everyone due to leave by the end of today left")
    note: Reason = ""

    @model_validator(mode="after")
    def _one_way(self) -> DeparturesIn:
        if bool(self.leaving) == self.due_today:
            raise ValueError("give either `leaving` or `due_today: true` / 请填写离开人员，或选择今日到期全部离开")
        return self


class DeparturesRead(BaseModel):
    hotel_id: str
    stays: int
    people: int
    rooms_vacated: int
    cleaning_until: str | None


class ExtendIn(BaseModel):
    until: Instant = Field(description="新的预计解除隔离时间（须带时区）/ the new expected end, with its zone")
    people: int | None = count(default=None, ge=1, le=2000,
                               description="延长的人数，缺省为该记录全部人员 / defaults to everyone in the stay")
    reason: Reason = Field(min_length=1, description="延长原因（记入审计）/ why: audited")


class StayRead(BaseModel):
    id: str
    hotel_id: str
    people: int
    stay_until: str
