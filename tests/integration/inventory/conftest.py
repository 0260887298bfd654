"""Fixtures of the inventory integration tests: a migrated PostgreSQL database per test, wired by
the service's own bootstrap, with two warehouses of 食品物资集团 and two SKUs."""
from __future__ import annotations

import pytest
from inv_fixtures import make_config, seed

from baolei_inventory.adapters.db import migrate
from baolei_inventory.bootstrap import bootstrap


@pytest.fixture
def container(pg_database: str):
    c = bootstrap(make_config(pg_database))
    migrate(c.store.engine)
    seed(c)
    yield c
    c.store.engine.dispose()
