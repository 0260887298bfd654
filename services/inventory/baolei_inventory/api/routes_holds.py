"""Holds for assignments (hold / confirm / release) and reserve release (储备投放)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from baolei_common.errors import BASE, responses
from baolei_common.fields import INT32_MAX, Id, text
from baolei_inventory.api import schemas as sc
from baolei_inventory.api.auth import User, authorize, current_user, requires
from baolei_inventory.api.deps import container, warehouse_or_404
from baolei_inventory.bootstrap import Container
from baolei_inventory.domain.errors import NotFound
from baolei_inventory.domain.model import HoldView, Pick

router = APIRouter(prefix="/api", tags=["holds"], responses=responses(*BASE))
AssignmentId = Annotated[Id, Path(description="任务编号 / assignment id")]


def _read(h: HoldView) -> sc.HoldRead:
    d = asdict(h)
    d["status"] = h.status.value
    return sc.HoldRead(**d)


def _check_assignment(c: Container, user: User, assignment_id: str) -> None:
    holds = c.catalog.holds(assignment_id=assignment_id, status="held")
    if not holds:
        raise NotFound("assignment_id", f"没有待处理的占用：{assignment_id}",
                       f"no open holds for assignment: {assignment_id}")
    for h in holds:
        authorize(user, "hold.manage", warehouse_or_404(c, h.warehouse_id).organisation, "assignment_id")


@router.post("/holds", response_model=list[sc.HoldRead], status_code=201, responses=responses(403, 404, 409),
             summary="Hold stock for an assignment: every pick or none (409 when short)")
def post_hold(body: sc.HoldCreate, user: User = Depends(requires("hold.manage")),
              c: Container = Depends(container)):
    for i, p in enumerate(body.picks):
        authorize(user, "hold.manage", warehouse_or_404(c, p.warehouse_id, f"picks[{i}].warehouse_id").organisation,
                  f"picks[{i}].warehouse_id")
    holds = c.stock.hold(actor=user.name, assignment_id=body.assignment_id, need_id=body.need_id,
                         picks=[Pick(p.warehouse_id, p.sku, p.quantity) for p in body.picks])
    return [_read(h) for h in holds]


@router.get("/holds", response_model=list[sc.HoldRead],
            summary="Holds, newest first, a page at a time",
            description="At most `limit` rows (default 500). `X-Total-Count` gives how many match; when more "
                        "remain, `X-Next-Before-Id` gives the `before_id` of the next page (absent on the last).")
def list_holds(response: Response, assignment_id: Annotated[Id | None, Query()] = None,
               status: Annotated[text(20) | None, Query()] = None, limit: Annotated[int, Query(ge=1, le=5000)] = 500,
               before_id: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
               user: User = Depends(current_user), c: Container = Depends(container)):
    page, total, next_before = c.catalog.holds_page(assignment_id=assignment_id, status=status,
                                                    organisation=user.org_filter, limit=limit, before_id=before_id)
    response.headers["X-Total-Count"] = str(total)
    if next_before is not None:
        response.headers["X-Next-Before-Id"] = str(next_before)
    return [_read(h) for h in page]


@router.post("/holds/{assignment_id}/confirm", response_model=list[sc.HoldRead], responses=responses(403, 404, 409),
             summary="Confirm: issue the held stock, earliest expiry first")
def confirm(assignment_id: AssignmentId, user: User = Depends(requires("hold.manage")),
            c: Container = Depends(container)):
    _check_assignment(c, user, assignment_id)
    return [_read(h) for h in c.stock.confirm(actor=user.name, assignment_id=assignment_id)]


@router.post("/holds/{assignment_id}/release", response_model=list[sc.HoldRead], responses=responses(403, 404, 409),
             summary="Release the holds of an assignment")
def release(assignment_id: AssignmentId, body: sc.ReleaseIn | None = None,
            user: User = Depends(requires("hold.manage")), c: Container = Depends(container)):
    _check_assignment(c, user, assignment_id)
    reason = body.reason if body else "released"
    return [_read(h) for h in c.stock.release(actor=user.name, assignment_id=assignment_id, reason=reason)]


@router.post("/reserve/release", response_model=sc.MovementDone, tags=["reserve"],
             responses=responses(400, 403, 404, 409),
             summary="储备投放: turn reserve stock into available stock (operators)")
def release_reserve(body: sc.ReserveRelease, user: User = Depends(requires("reserve.release")),
                    c: Container = Depends(container)) -> sc.MovementDone:
    warehouse_or_404(c, body.warehouse_id)
    mid = c.stock.release_reserve(actor=user.name, warehouse_id=body.warehouse_id, sku=body.sku,
                                  quantity=body.quantity, reason=body.reason)
    return sc.MovementDone(movement_id=mid)
