"""Alembic environment of the volunteers service (`baolei_common.alembic_env`; version table
`alembic_version_volunteers`): the connection handed in by `adapters.db.migrate`, or
`sqlalchemy.url` / BAOLEI_VOLUNTEERS_DATABASE_URL from the command line."""
from __future__ import annotations

from baolei_common import alembic_env
from baolei_volunteers.adapters.orm import Base


def _url() -> str:
    from baolei_volunteers.config import VolunteersConfig

    return VolunteersConfig().database_url


alembic_env.run(Base.metadata, _url, version_table="alembic_version_volunteers")
