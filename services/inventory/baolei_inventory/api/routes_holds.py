"""Holds for assignments, read only, and reserve release (储备投放).

Stock is held, issued and released only by the assignment events the requests service and the
matcher publish (baolei.assignments.v1, applied by `service/assignments.py`): an HTTP write here
would change stock behind the back of the one owner of an assignment's life, so there is none.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from baolei_common.errors import BASE, responses
from baolei_common.fields import INT32_MAX, Id
from baolei_common.identity import Principal
from baolei_common.webauth import current_principal, requires
from baolei_inventory.api import schemas as sc
from baolei_inventory.api.deps import container, warehouse_or_404
from baolei_inventory.api.texts import StatusFilter
from baolei_inventory.bootstrap import Container
from baolei_inventory.domain.model import HoldView

router = APIRouter(prefix="/api", tags=["holds"], responses=responses(*BASE))


def _read(h: HoldView) -> sc.HoldRead:
    d = asdict(h)
    d["status"] = h.status.value
    return sc.HoldRead(**d)


@router.get("/holds", response_model=list[sc.HoldRead],
            summary="Holds, newest first, a page at a time",
            description="At most `limit` rows (default 500). `X-Total-Count` gives how many match; when more "
                        "remain, `X-Next-Before-Id` gives the `before_id` of the next page (absent on the last). "
                        "Holds are made, issued and released by assignment events only.")
def list_holds(response: Response, assignment_id: Annotated[Id | None, Query()] = None,
               status: Annotated[StatusFilter | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=5000)] = 500,
               before_id: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
               user: Principal = Depends(current_principal),
               c: Container = Depends(container)) -> list[sc.HoldRead]:
    page, total, next_before = c.catalog.holds_page(assignment_id=assignment_id, status=status,
                                                    organisation=user.org_filter, limit=limit, before_id=before_id)
    response.headers["X-Total-Count"] = str(total)
    if next_before is not None:
        response.headers["X-Next-Before-Id"] = str(next_before)
    return [_read(h) for h in page]


@router.post("/reserve/release", response_model=sc.MovementDone, tags=["reserve"],
             responses=responses(400, 403, 404, 409),
             summary="储备投放: turn reserve stock into available stock (operators)")
def release_reserve(body: sc.ReserveRelease, user: Principal = Depends(requires("reserve.release")),
                    c: Container = Depends(container)) -> sc.MovementDone:
    warehouse_or_404(c, body.warehouse_id)
    mid = c.stock.release_reserve(actor=user.user, warehouse_id=body.warehouse_id, sku=body.sku,
                                  quantity=body.quantity, reason=body.reason)
    return sc.MovementDone(movement_id=mid)
