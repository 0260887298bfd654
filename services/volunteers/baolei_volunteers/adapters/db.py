"""Engine, sessions and migrations of the volunteers service. `Store.transaction()` is the unit of
work: one commit, then the after-commit hooks (waking the outbox relay) — events go out only after
commit. Alembic keeps its own version table (`alembic_version_volunteers`), so the service may share
a PostgreSQL database with the others.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from baolei_common.sqlite import one_writer

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        one_writer(engine, u.database or ":memory:", wait_s=30)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Alembic `upgrade head` on this engine."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # replicas starting at once: one migrates, the rest wait
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7012204)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("database migrated to head")


class Store:
    """Sessions of one database, with after-commit hooks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._after_commit: list[Callable[[], None]] = []
        self.is_postgres = engine.dialect.name == "postgresql"

    def on_commit(self, hook: Callable[[], None]) -> None:
        self._after_commit.append(hook)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session
        self.committed()

    def committed(self) -> None:
        """Run the after-commit hooks (the unit of work calls this after its commit)."""
        for hook in self._after_commit:
            hook()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as c:
                c.execute(text("SELECT 1"))
            return True
        except Exception:  # readiness reports, it does not raise
            log.warning("database not reachable", exc_info=True)
            return False
