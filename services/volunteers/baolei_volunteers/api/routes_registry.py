"""Registers: compounds and their zones, volunteers (registered, self-registered, verified),
households. A zone change answers with what the re-match did."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends

from baolei_common.errors import responses
from baolei_common.identity import Principal
from baolei_common.webauth import requires
from baolei_volunteers.api.deps import container, now
from baolei_volunteers.api.schemas import CompoundIn, HouseholdIn, VolunteerIn, ZoneIn
from baolei_volunteers.bootstrap import Container
from baolei_volunteers.service.errors import Invalid
from baolei_volunteers.service.views import household_view, volunteer_view

router = APIRouter(prefix="/api", tags=["registers"])
R = responses(401, 403, 404, 409, 422, 503)


def _same(path_id: str, body_id: str) -> None:
    if path_id != body_id:
        raise Invalid("id", f"路径中的编号 {path_id} 与请求体中的 {body_id} 不一致",
                      f"the id in the path ({path_id}) differs from the body's ({body_id})")


@router.put("/compounds/{compound_id}", summary="登记小区 / register a compound", responses=R)
def put_compound(compound_id: str, body: CompoundIn, c: Container = Depends(container),
                 p: Principal = Depends(requires("zone.change")), at: datetime = Depends(now)) -> dict[str, Any]:
    _same(compound_id, body.id)
    row = c.registry.put_compound(p, body.model_dump(), at)
    return {"id": row.id, "zone": row.zone, "community": row.community}


@router.put("/compounds/{compound_id}/zone", responses=R,
            summary="变更小区管控等级（封控/管控/防范/解除）/ change a compound's zone")
def put_zone(compound_id: str, body: ZoneIn, c: Container = Depends(container),
             p: Principal = Depends(requires("zone.change")), at: datetime = Depends(now)) -> dict[str, Any]:
    return c.registry.change_zone(p, compound_id, body.zone, at)


@router.put("/volunteers/{volunteer_id}", summary="登记志愿者（社区登记或本人报名）/ register a volunteer",
            responses=R)
def put_volunteer(volunteer_id: str, body: VolunteerIn, c: Container = Depends(container),
                  p: Principal = Depends(requires("volunteer.register")),
                  at: datetime = Depends(now)) -> dict[str, Any]:
    _same(volunteer_id, body.id)
    return volunteer_view(c.registry.register_volunteer(p, body.model_dump(), at), None)


@router.post("/volunteers/{volunteer_id}/verify", summary="审核志愿者 / verify a volunteer", responses=R)
def verify(volunteer_id: str, c: Container = Depends(container),
           p: Principal = Depends(requires("volunteer.verify")), at: datetime = Depends(now)) -> dict[str, Any]:
    return volunteer_view(c.registry.verify_volunteer(p, volunteer_id, at), None)


@router.put("/households/{household_id}", summary="登记困难家庭 / register a household", responses=R)
def put_household(household_id: str, body: HouseholdIn, c: Container = Depends(container),
                  p: Principal = Depends(requires("household.manage")),
                  at: datetime = Depends(now)) -> dict[str, Any]:
    _same(household_id, body.id)
    return household_view(c.registry.put_household(p, body.model_dump(), at), None)
