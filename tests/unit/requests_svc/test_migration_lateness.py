"""Migration 0006 adds a proposal's wait and lateness on SQLite; old rows read as on time."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from baolei_requests.adapters import db


def test_upgrade_adds_the_late_columns_and_downgrade_removes_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    db.migrate(url)
    cols = {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns("assignments")}
    assert {"wait_minutes", "late_minutes", "late_cause"} <= cols
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    command.downgrade(cfg, "0005")
    cols = {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns("assignments")}
    assert not {"wait_minutes", "late_minutes", "late_cause"} & cols
