"""CSV imports (multipart upload): stock counts and price surveys. All rows or none: every bad row
is reported with its row number and reason (422), and nothing is applied."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Depends, File, UploadFile

from baolei_common import policy
from baolei_common.errors import BASE, responses
from baolei_common.identity import Principal
from baolei_common.uploads import Limits, RowError, RowsRejected, UploadRejected, capped, check_size, decode_text
from baolei_common.webauth import requires
from baolei_inventory.api import schemas as sc
from baolei_inventory.api.deps import container
from baolei_inventory.bootstrap import Container
from baolei_inventory.domain import csvrows

router = APIRouter(prefix="/api", tags=["csv"], responses=responses(*BASE, 403))
T = TypeVar("T")


def _text(upload: UploadFile, limits: Limits) -> str:
    """The upload as text: at most `limits.max_bytes` read; UTF-8 (with or without BOM), GBK or GB18030."""
    raw = upload.file.read(limits.max_bytes + 1)
    try:
        check_size(raw, limits)
        return decode_text(raw)[0]
    except UploadRejected as exc:
        raise RowsRejected([RowError(0, exc.field, exc.reason_zh, exc.reason_en)]) from None


def _parsed(parse: Callable[[], tuple[list[T], list[RowError]]]) -> tuple[list[T], list[RowError]]:
    try:
        return parse()
    except UploadRejected as exc:
        raise RowsRejected([RowError(0, exc.field, exc.reason_zh, exc.reason_en)]) from None


def _reject(errors: list[RowError], limits: Limits) -> RowsRejected:
    shown, total = capped(sorted(errors, key=lambda e: e.row), limits)
    return RowsRejected(shown, total=total)


@router.post("/stock-counts/csv", response_model=sc.CsvApplied,
             summary="Import stock counts: columns warehouse_id,sku,lot,counted[,expiry,reserve]")
def import_counts(file: UploadFile = File(...), user: Principal = Depends(requires("stock.move")),
                  c: Container = Depends(container)) -> sc.CsvApplied:
    limits = c.upload_limits
    text = _text(file, limits)
    warehouses = {w.id: w for w in c.catalog.warehouses()}
    rows, errors = _parsed(lambda: csvrows.parse_counts(text, warehouses=set(warehouses),
                                                        skus={k.id for k in c.catalog.skus()}, limits=limits))
    denied = []
    for r in rows:
        org = warehouses[r.warehouse_id].organisation
        if not policy.allows(user, "stock.move", org):
            denied.append(RowError(r.row, "warehouse_id", f"无权操作其他单位的仓库（{org}）",
                                   f"you may act only on warehouses of your organisation, not {org}"))
    if denied:  # not entitled: 403, nothing applied
        shown, total = capped(denied, limits)
        raise RowsRejected(shown, 403, total)
    if errors:
        raise _reject(errors, limits)
    with c.store.transaction() as s:
        for r in sorted(rows, key=lambda r: (r.warehouse_id, r.sku)):  # lock order
            c.stock.count(s, actor=user.user, warehouse_id=r.warehouse_id, sku=r.sku, lot=r.lot,
                          counted=r.counted, reserve=r.reserve, expiry=r.expiry,
                          reason=f"CSV stock count row {r.row}")
    return sc.CsvApplied(applied=len(rows))


@router.post("/prices/csv", response_model=sc.CsvApplied,
             summary="Import a price survey: columns sku,district,source,price_fen[,observed_at]")
def import_prices(file: UploadFile = File(...), user: Principal = Depends(requires("price.record")),
                  c: Container = Depends(container)) -> sc.CsvApplied:
    limits = c.upload_limits
    text = _text(file, limits)
    rows, errors = _parsed(lambda: csvrows.parse_prices(text, skus={k.id for k in c.catalog.skus()}, limits=limits))
    owners: dict[str, set[str]] = {}
    for w in c.catalog.warehouses():
        owners.setdefault(w.district, set()).add(w.organisation)
    denied = [RowError(r.row, "district", f"无权上报此区价格：本单位在{r.district}没有仓库",
                       f"you may record prices only in districts where your organisation has a warehouse, "
                       f"not {r.district}")
              for r in rows if not policy.allows(user, "price.record", owners.get(r.district, set()))]
    if denied:  # not entitled: 403, nothing applied
        shown, total = capped(denied, limits)
        raise RowsRejected(shown, 403, total)
    checked = c.prices.row_problems([(r.district, r.observed_at) for r in rows])
    errors += [RowError(r.row, field, zh, en)
               for r, found in zip(rows, checked, strict=True) for field, zh, en in found]
    if errors:
        raise _reject(errors, limits)
    with c.store.transaction() as s:
        for r in rows:
            c.prices.observe_in(s, actor=user.user, sku=r.sku, district=r.district, source=r.source,
                                price_fen=r.price_fen, observed_at=r.observed_at)
    return sc.CsvApplied(applied=len(rows))
