"""CSV imports (multipart upload): stock counts and price surveys. All rows or none: every bad row
is reported with its row number and reason (422), and nothing is applied."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, UploadFile

from baolei_common.errors import BASE, responses
from baolei_inventory.api import schemas as sc
from baolei_inventory.api.auth import User, writer
from baolei_inventory.api.deps import container
from baolei_inventory.api.errors import CsvRejected
from baolei_inventory.bootstrap import Container
from baolei_inventory.domain import csvrows
from baolei_inventory.domain.csvrows import RowError

router = APIRouter(prefix="/api", tags=["csv"], responses=responses(*BASE, 403))


def _text(upload: UploadFile) -> str:
    raw = upload.file.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRejected([RowError(0, "file", "文件须为 UTF-8 编码", "the file must be UTF-8")]) from None


@router.post("/stock-counts/csv", response_model=sc.CsvApplied,
             summary="Import stock counts: columns warehouse_id,sku,lot,counted[,expiry,reserve]")
def import_counts(file: UploadFile = File(...), user: User = Depends(writer),
                  c: Container = Depends(container)) -> sc.CsvApplied:
    warehouses = {w.id: w for w in c.catalog.warehouses()}
    rows, errors = csvrows.parse_counts(_text(file), warehouses=set(warehouses),
                                        skus={k.id for k in c.catalog.skus()})
    for r in rows:
        org = warehouses[r.warehouse_id].organisation
        if not user.is_operator and org != user.organisation:
            errors.append(RowError(r.row, "warehouse_id", f"无权操作其他单位的仓库（{org}）",
                                   f"you may act only on warehouses of your organisation, not {org}"))
    if errors:
        raise CsvRejected(sorted(errors, key=lambda e: e.row))
    with c.store.transaction() as s:
        for r in sorted(rows, key=lambda r: (r.warehouse_id, r.sku)):  # lock order
            c.stock.count(s, actor=user.name, warehouse_id=r.warehouse_id, sku=r.sku, lot=r.lot,
                          counted=r.counted, reserve=r.reserve, expiry=r.expiry,
                          reason=f"CSV stock count row {r.row}")
    return sc.CsvApplied(applied=len(rows))


@router.post("/prices/csv", response_model=sc.CsvApplied,
             summary="Import a price survey: columns sku,district,source,price_fen[,observed_at]")
def import_prices(file: UploadFile = File(...), user: User = Depends(writer),
                  c: Container = Depends(container)) -> sc.CsvApplied:
    rows, errors = csvrows.parse_prices(_text(file), skus={k.id for k in c.catalog.skus()})
    if errors:
        raise CsvRejected(errors)
    with c.store.transaction() as s:
        for r in rows:
            c.prices.observe_in(s, actor=user.name, sku=r.sku, district=r.district, source=r.source,
                                price_fen=r.price_fen, observed_at=r.observed_at)
    return sc.CsvApplied(applied=len(rows))
