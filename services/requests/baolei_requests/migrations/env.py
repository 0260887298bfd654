"""Alembic environment of the requests service."""
from alembic import context
from sqlalchemy import engine_from_config, pool

from baolei_requests.adapters.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            # replicas starting at once on a new database: one migrates, the others wait for it and
            # then find nothing to do
            connection.exec_driver_sql("SELECT pg_advisory_lock(7012201)")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=connection.dialect.name == "sqlite")
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if postgres:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(7012201)")
                connection.commit()


run_migrations_online()
