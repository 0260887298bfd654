"""Shared route dependencies."""
from __future__ import annotations

from fastapi import Request

from baolei_inventory.bootstrap import Container
from baolei_inventory.domain.errors import NotFound
from baolei_inventory.domain.model import Warehouse


async def container(request: Request) -> Container:  # no I/O: async, so no thread hop per request
    return request.app.state.container


def warehouse_or_404(c: Container, warehouse_id: str, field: str = "warehouse_id") -> Warehouse:
    w = c.catalog.warehouse(warehouse_id)
    if w is None:
        raise NotFound(field, f"仓库不存在：{warehouse_id}", f"unknown warehouse: {warehouse_id}")
    return w
