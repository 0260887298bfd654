"""The Alembic environment every service's `migrations/env.py` runs: on the connection handed in by
`baolei_common.store.migrate`, or on `sqlalchemy.url` / the service's configured database URL when
Alembic is run from the command line. A service with its own version table (so that it may share a
PostgreSQL database) names it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import MetaData, create_engine


def run(metadata: MetaData, default_url: Callable[[], str], version_table: str | None = None) -> None:
    from alembic import context

    config = context.config
    options: dict[str, Any] = {} if version_table is None else {"version_table": version_table}

    def _run(connection: Any) -> None:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite", **options)
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with create_engine(config.get_main_option("sqlalchemy.url") or default_url()).connect() as conn:
        _run(conn)
        conn.commit()
