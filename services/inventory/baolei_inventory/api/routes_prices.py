"""Price observations, baselines and price alerts (稳价)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from baolei_common.errors import BASE, responses
from baolei_common.fields import Id
from baolei_common.identity import Principal
from baolei_common.webauth import authorize, current_principal, requires
from baolei_inventory.api import schemas as sc
from baolei_inventory.api.deps import container
from baolei_inventory.api.texts import DistrictFilter
from baolei_inventory.bootstrap import Container

router = APIRouter(prefix="/api", tags=["prices"], responses=responses(*BASE))


def district_owners(c: Container, district: str) -> set[str]:
    """The organisations with a warehouse in this district: a supply group reports prices there."""
    return {w.organisation for w in c.catalog.warehouses() if w.district == district}


@router.post("/prices", response_model=sc.PriceRead, status_code=201, responses=responses(400, 403, 404),
             summary="Record a price observation; alert/crisis grades raise a PriceAlert")
def post_price(body: sc.PriceCreate, user: Principal = Depends(requires("price.record")),
               c: Container = Depends(container)):
    authorize(user, "price.record", district_owners(c, body.district), "district")
    return sc.PriceRead(**asdict(c.prices.observe(actor=user.user, **body.model_dump())))


@router.get("/prices", response_model=list[sc.PriceRead])
def list_prices(sku: Annotated[Id | None, Query()] = None, district: Annotated[DistrictFilter | None, Query()] = None,
                limit: Annotated[int, Query(ge=1, le=5000)] = 200, _: Principal = Depends(current_principal),
                c: Container = Depends(container)):
    return [sc.PriceRead(id=r.id, sku=r.sku, district=r.district, source=r.source,
                         price_fen=r.price_fen, observed_at=r.observed_at, grade=r.grade)
            for r in c.prices.observations(sku=sku, district=district, limit=limit)]


@router.put("/baselines", response_model=sc.BaselineSet, responses=responses(400, 403, 404),
            summary="Set the baseline price of a SKU in a district (operators)")
def put_baseline(body: sc.BaselineSet, user: Principal = Depends(requires("baseline.set")),
                 c: Container = Depends(container)):
    c.prices.set_baseline(actor=user.user, **body.model_dump())
    return body


@router.get("/baselines", response_model=list[sc.BaselineRead])
def list_baselines(_: Principal = Depends(current_principal), c: Container = Depends(container)):
    return [sc.BaselineRead.model_validate(b) for b in c.prices.baselines()]


@router.get("/alerts", response_model=list[sc.AlertRead], summary="Price alerts, newest first")
def list_alerts(district: Annotated[DistrictFilter | None, Query()] = None, _: Principal = Depends(current_principal),
                c: Container = Depends(container)):
    return [sc.AlertRead.model_validate(a) for a in c.prices.alerts(district=district)]
