"""Engine, sessions and migrations of the volunteers service: the shared `baolei_common.store`
(engine, `Store` with after-commit hooks) and this service's Alembic migrations (their own version
table, `alembic_version_volunteers`, so the service may share a PostgreSQL database)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from baolei_common import store
from baolei_common.store import Store, make_engine

__all__ = ["MIGRATIONS", "Store", "make_engine", "migrate"]
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migrate(engine: Engine) -> None:
    """Alembic `upgrade head` on this engine."""
    store.migrate(engine, MIGRATIONS, 7012204)
