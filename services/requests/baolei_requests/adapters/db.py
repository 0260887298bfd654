"""Engine, sessions and migrations (Alembic) of the requests service."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from baolei_common.sqlite import one_writer

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
    return create_engine(url, pool_pre_ping=True, **pool)


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def migrate(url: str) -> None:
    """Bring the schema to the latest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")
