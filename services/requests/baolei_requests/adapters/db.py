"""Engine, sessions and migrations (Alembic) of the requests service."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 0, pool_timeout_s: float = 5.0,
                busy_timeout_s: float = 10.0) -> Engine:
    """One pool of a known size. The service keeps two: one for API requests (sized with the
    admission limit, so an admitted request never waits for a connection) and one for the
    background loops (relay, consumer, expiry), which request traffic therefore cannot starve."""
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout_s}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}, **pool)

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # WAL lets the relay read while a request writes
            conn.isolation_level = None  # transactions are begun below, not by the driver
            conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives a killed process; only a power cut may roll back the
            # last commits (no fsync per commit: SQLite's ~5 ms fsync capped intake near 60/s here).
            # PostgreSQL is the production database.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # Take the write lock up front: a transaction that read first and writes later fails at
            # once with "database is locked" when another writer committed in between (WAL snapshot);
            # BEGIN IMMEDIATE waits its turn (busy timeout) instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def migrate(url: str) -> None:
    """Bring the schema to the latest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")
