"""Engine, sessions and migrations of the inventory: the shared `baolei_common.store` (engine,
`Store` as the unit of work with after-commit hooks, `begin()` for the ledger's hot path) and its Alembic migrations."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from baolei_common import store
from baolei_common.store import Store, make_engine

__all__ = ["MIGRATIONS", "Store", "make_engine", "migrate"]
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migrate(engine: Engine) -> None:
    """Alembic `upgrade head` on this engine."""
    store.migrate(engine, MIGRATIONS, 7012202)
