"""The Alembic initial revision creates exactly the tables the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from baolei_inventory.adapters.db import migrate
from baolei_inventory.adapters.orm import Base


def test_upgrade_head_matches_the_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'inv.db'}")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
