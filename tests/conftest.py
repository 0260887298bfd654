"""Shared fixtures: the real Kafka broker and PostgreSQL started by tests/run.sh (or `make test`)."""
from __future__ import annotations

import os
import uuid

import pytest

from baolei_common.config import KafkaSettings


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")


@pytest.fixture
def kafka_settings(kafka_bootstrap: str):
    """A fresh topic namespace per test: the topics exist, and nothing else writes to them. They
    are deleted afterwards (a whole run left ~3,000 topics behind, and every later test's clients
    paid for them in metadata)."""
    from baolei_common.topics import delete_topics, ensure_topics

    prefix = f"t{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap, prefix)
    yield KafkaSettings(bootstrap_servers=kafka_bootstrap, topic_prefix=prefix)
    try:
        delete_topics(kafka_bootstrap, prefix)
    except Exception as exc:  # noqa: BLE001 — a broker the test stopped itself; leftovers are harmless
        print(f"topics under {prefix} left on the broker: {exc}")


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get("BAOLEI_TEST_PG_URL")
    if not url:
        pytest.fail("BAOLEI_TEST_PG_URL is not set: run the tests with `make test` (it starts PostgreSQL)")
    return url


@pytest.fixture
def pg_databases(pg_url: str):
    """A factory of fresh PostgreSQL databases for one test; all dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        return make_url(pg_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_database(pg_databases) -> str:
    """A fresh PostgreSQL database for this test."""
    return pg_databases()
