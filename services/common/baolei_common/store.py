"""Engine, sessions and migrations shared by the services that keep their own database (inventory,
volunteers). `Store.transaction()` is a unit of work: one commit, then the after-commit hooks
(waking the outbox relay) run — events are published only after commit. `Store.begin()` is the same
on a bare Core connection, for a hot path (no ORM session to build, flush or expire).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from baolei_common.sqlite import one_writer

log = logging.getLogger(__name__)


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        one_writer(engine, u.database or ":memory:", wait_s=30)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)


def migrate(engine: Engine, migrations: Path, lock_key: int) -> None:
    """Alembic `upgrade head` from `migrations` on this engine; on PostgreSQL replicas starting at
    once, one migrates under the advisory lock `lock_key` and the rest wait."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(lock_key)})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("database migrated to head (%s)", migrations.parent.name)


class Store:
    """Sessions of one database, with after-commit hooks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._after_commit: list[Callable[[], None]] = []
        self.is_postgres = engine.dialect.name == "postgresql"

    def on_commit(self, hook: Callable[[], None]) -> None:
        self._after_commit.append(hook)

    def committed(self) -> None:
        """Run the after-commit hooks (a unit of work that commits itself calls this)."""
        for hook in self._after_commit:
            hook()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session
        self.committed()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One Core transaction (commit on success, rollback on error), then the after-commit hooks."""
        with self.engine.begin() as conn:
            yield conn
        self.committed()

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
