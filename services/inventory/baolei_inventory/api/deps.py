"""Shared route dependencies and the read rule of a warehouse's ledger."""
from __future__ import annotations

from fastapi import Request

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_common.webauth import forbidden
from baolei_inventory.bootstrap import Container
from baolei_inventory.domain.errors import NotFound
from baolei_inventory.domain.model import Warehouse


async def container(request: Request) -> Container:  # no I/O: async, so no thread hop per request
    c: Container = request.app.state.container
    return c


def warehouse_or_404(c: Container, warehouse_id: str, field: str = "warehouse_id") -> Warehouse:
    w = c.catalog.warehouse(warehouse_id)
    if w is None:
        raise NotFound(field, f"仓库不存在：{warehouse_id}", f"unknown warehouse: {warehouse_id}")
    return w


def check_read(p: Principal, organisation: str, field: str = "warehouse_id") -> None:
    """A dispatcher reads the ledger of its own organisation's warehouses only (403 otherwise)."""
    try:
        policy.require_read(p, organisation, field, "仓库", "warehouses")
    except policy.Denied as exc:
        raise forbidden(exc) from None
