"""Alembic environment: runs on the connection handed in by `adapters.db.migrate`, or on
`sqlalchemy.url` / BAOLEI_VOLUNTEERS_DATABASE_URL when run from the command line."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from baolei_volunteers.adapters.orm import Base

config = context.config
target_metadata = Base.metadata
VERSION_TABLE = "alembic_version_volunteers"


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from baolei_volunteers.config import VolunteersConfig

    url = config.get_main_option("sqlalchemy.url") or VolunteersConfig().database_url
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
