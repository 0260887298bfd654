"""Warehouses, SKUs, movements (the ledger), balances, lots and days of cover."""
from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from baolei_common.errors import BASE, responses
from baolei_common.fields import Id, Instant
from baolei_common.identity import Principal
from baolei_common.webauth import authorize, current_principal, requires
from baolei_inventory.api import schemas as sc
from baolei_inventory.api.deps import check_read, container, warehouse_or_404
from baolei_inventory.api.texts import DistrictFilter
from baolei_inventory.bootstrap import Container
from baolei_inventory.domain.errors import DomainError
from baolei_inventory.domain.model import Level, Sku, Warehouse

router = APIRouter(prefix="/api", responses=responses(*BASE))
IdQuery = Annotated[Id | None, Query()]


def _balance(level: Level) -> sc.BalanceRead:
    return sc.BalanceRead(warehouse_id=level.warehouse_id, sku=level.sku, on_hand=level.on_hand,
                          held=level.held, available=level.available, reserve=level.reserve)


@router.post("/warehouses", response_model=sc.WarehouseRead, tags=["catalog"], responses=responses(403),
             summary="Create or update a warehouse (dispatchers: own organisation only)")
def put_warehouse(body: sc.WarehouseCreate, user: Principal = Depends(requires("warehouse.manage")),
                  c: Container = Depends(container)) -> sc.WarehouseRead:
    authorize(user, "warehouse.manage", body.organisation, "organisation")
    existing = c.catalog.warehouse(body.id)
    if existing is not None:
        authorize(user, "warehouse.manage", existing.organisation, "id")
    return sc.WarehouseRead(**asdict(c.catalog.upsert_warehouse(Warehouse(**body.model_dump()))))


@router.get("/warehouses", response_model=list[sc.WarehouseRead], tags=["catalog"])
def list_warehouses(user: Principal = Depends(current_principal), c: Container = Depends(container)):
    return [sc.WarehouseRead(**asdict(w)) for w in c.catalog.warehouses(user.org_filter)]


@router.post("/skus", response_model=sc.SkuRead, tags=["catalog"], summary="Create or update a SKU (operators)",
             responses=responses(403))
def put_sku(body: sc.SkuCreate, _: Principal = Depends(requires("sku.manage")), c: Container = Depends(container)):
    return sc.SkuRead(**asdict(c.catalog.upsert_sku(Sku(**body.model_dump()))))


@router.get("/skus", response_model=list[sc.SkuRead], tags=["catalog"])
def list_skus(_: Principal = Depends(current_principal), c: Container = Depends(container)):
    return [sc.SkuRead(**asdict(k)) for k in c.catalog.skus()]


@router.post("/movements", response_model=sc.MovementDone, status_code=201, tags=["ledger"],
             summary="Record a receipt, issue, transfer or stock count", responses=responses(400, 403, 404, 409))
def post_movement(body: sc.MovementCreate, user: Principal = Depends(requires("stock.move")),
                  c: Container = Depends(container)) -> sc.MovementDone:
    wh = warehouse_or_404(c, body.warehouse_id)
    authorize(user, "stock.move", wh.organisation, "warehouse_id")
    common = {"actor": user.user, "occurred_at": body.occurred_at, "reason": body.reason}
    if body.kind == "adjust":
        if not body.lot:
            raise DomainError("lot", "盘点需要批次号", "a stock count needs a lot")
        with c.store.transaction() as s:
            mid = c.stock.count(s, warehouse_id=wh.id, sku=body.sku, lot=body.lot, counted=body.quantity,
                                reserve=body.reserve, expiry=body.expiry, **common)
        return sc.MovementDone(movement_id=mid)
    if body.kind == "receipt":
        if not body.lot:
            raise DomainError("lot", "入库需要批次号", "a receipt needs a lot")
        mid = c.stock.receive(warehouse_id=wh.id, sku=body.sku, lot=body.lot, quantity=body.quantity,
                              expiry=body.expiry, reserve=body.reserve, **common)
    elif body.kind == "issue":
        mid = c.stock.issue(warehouse_id=wh.id, sku=body.sku, quantity=body.quantity, **common)
    else:
        if not body.to_warehouse:
            raise DomainError("to_warehouse", "调拨需要目标仓库", "a transfer needs to_warehouse")
        # both ends of a transfer must be the clerk's own warehouses, unless an operator acts
        authorize(user, "stock.move", warehouse_or_404(c, body.to_warehouse, "to_warehouse").organisation,
                  "to_warehouse")
        mid = c.stock.transfer(from_warehouse=wh.id, to_warehouse=body.to_warehouse, sku=body.sku,
                               quantity=body.quantity, **common)
    return sc.MovementDone(movement_id=mid)


@router.get("/movements", response_model=list[sc.MovementRead], tags=["ledger"],
            summary="Ledger entries, newest first", responses=responses(403, 404))
def list_movements(warehouse_id: IdQuery = None, sku: IdQuery = None,
                   assignment_id: IdQuery = None, limit: Annotated[int, Query(ge=1, le=5000)] = 200,
                   user: Principal = Depends(current_principal), c: Container = Depends(container)):
    if warehouse_id and user.org_filter:
        check_read(user, warehouse_or_404(c, warehouse_id).organisation)
    rows = c.catalog.movements(warehouse_id=warehouse_id, sku=sku, assignment_id=assignment_id, limit=limit)
    if user.org_filter and not warehouse_id:
        own = {w.id for w in c.catalog.warehouses(user.org_filter)}
        rows = [r for r in rows if r.warehouse_id in own]
    return [sc.MovementRead.model_validate(r) for r in rows]


@router.get("/balances", response_model=list[sc.BalanceRead], tags=["ledger"],
            summary="On hand, held, available and reserve per warehouse×SKU (as_of: from the ledger)")
def list_balances(warehouse_id: IdQuery = None, sku: IdQuery = None,
                  as_of: Annotated[Instant | None,
                                   Query(description="balances at this event time (with its zone)")] = None,
                  user: Principal = Depends(current_principal), c: Container = Depends(container)):
    if as_of is not None:
        levels = c.catalog.levels_as_of(as_of, warehouse_id=warehouse_id, sku=sku)
        if user.org_filter:
            own = {w.id for w in c.catalog.warehouses(user.org_filter)}
            levels = [x for x in levels if x.warehouse_id in own]
    else:
        levels = c.catalog.levels(warehouse_id=warehouse_id, sku=sku, organisation=user.org_filter)
    return [_balance(x) for x in levels]


@router.get("/warehouses/{warehouse_id}/lots", tags=["ledger"], summary="Lots of one SKU, by expiry",
            response_model=list[sc.LotRead], responses=responses(403, 404))
def list_lots(warehouse_id: Annotated[Id, Path()], sku: Annotated[Id, Query()],
              user: Principal = Depends(current_principal), c: Container = Depends(container)) -> list[dict]:
    if user.org_filter:
        check_read(user, warehouse_or_404(c, warehouse_id).organisation)
    return c.catalog.lots(warehouse_id, sku)


@router.get("/cover", response_model=list[sc.CoverRead], tags=["cover"],
            summary="Days of cover per SKU×district from the last days of issues")
def list_cover(district: Annotated[DistrictFilter | None, Query()] = None, low_only: bool = False,
               _: Principal = Depends(current_principal), c: Container = Depends(container)):
    rows = [sc.CoverRead(**asdict(x)) for x in c.catalog.cover(district=district)]
    return [r for r in rows if r.low] if low_only else rows


@router.get("/alerts/low-stock", response_model=list[sc.CoverRead], tags=["cover"],
            summary="SKU×district levels below the low-cover threshold (days)")
def low_stock(_: Principal = Depends(current_principal), c: Container = Depends(container)):
    return [sc.CoverRead(**asdict(x)) for x in c.catalog.cover() if x.low]
