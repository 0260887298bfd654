"""Alembic environment of the inventory (`baolei_common.alembic_env`): the connection handed in by
`adapters.db.migrate`, or `sqlalchemy.url` / BAOLEI_INVENTORY_DATABASE_URL from the command line."""
from __future__ import annotations

from baolei_common import alembic_env
from baolei_inventory.adapters.orm import Base


def _url() -> str:
    from baolei_inventory.config import InventoryConfig

    return InventoryConfig().database_url


alembic_env.run(Base.metadata, _url)
