"""Engine, sessions and migrations (Alembic) of the requests service."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import sessionmaker

from baolei_common.sqlite import one_writer

PING_AFTER_IDLE_S = 2.0  # a pooled connection idle this long is pinged before use
IDLE_SINCE = "baolei_idle_since"
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

        one_writer(engine, url.removeprefix("sqlite:///"), wait_s=busy_timeout_s)
        return engine
    engine = create_engine(url, **pool)
    ping_when_idle(engine)
    return engine


def ping_when_idle(engine: Engine, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """A connection is pinged on checkout only if it sat in the pool `idle_s` or longer. SQLAlchemy's
    `pool_pre_ping` pings on every checkout: under load that is one round trip more per request
    (of ~4 on intake's path) for connections used a moment ago. One that fails the ping is replaced
    (DisconnectionError: the pool connects anew); a database restarted within `idle_s` of a
    connection's last use costs that one request (its error invalidates the whole pool)."""
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as exc:
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessions(engine: Engine) -> sessionmaker:
    """Sessions for a read of one statement, on the same pool: on PostgreSQL in autocommit, so no
    BEGIN before it and no ROLLBACK after it — two of the five round trips of a status read, polled
    by every site while its need is matched (issue 20's status lag). SQLite as usual."""
    if engine.dialect.name != "postgresql":
        return make_sessions(engine)
    return sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def migrate(url: str) -> None:
    """Bring the schema to the latest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")
