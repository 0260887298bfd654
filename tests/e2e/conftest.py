"""End-to-end fixtures: the real broker, the matcher and inventory processes, and the requests
service as a real uvicorn server on PostgreSQL, plus the npm tooling that drives Chromium."""
from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, inventory, matcher, start_service, stop  # noqa: F401

E2E = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def node_tooling() -> Path:
    """playwright-core under tests/e2e/node_modules (installed from npm on first use)."""
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the console e2e tests need Node 20 and npm")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs it) "
                    "or `apt-get install -y chromium fonts-wqy-microhei`")
    if not (E2E / "node_modules" / "playwright-core").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=E2E, check=True)
    return E2E


@pytest.fixture
def requests_server(kafka_settings, pg_databases, tmp_path: Path, inventory) -> Iterator[dict]:  # noqa: F811
    """`python -m baolei_requests` (uvicorn) on its own PostgreSQL database and this test's topics."""
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_REQUESTS_DATABASE_URL": pg_databases(), "BAOLEI_REQUESTS_HTTP_PORT": str(port),
           "BAOLEI_REQUESTS_CONSUMER_GROUP": f"requests-{uuid.uuid4().hex[:8]}",
           "BAOLEI_REQUESTS_INVENTORY_URL": inventory["url"]}
    log = tmp_path / "requests.log"
    proc = start_service("baolei_requests", env, f"http://127.0.0.1:{port}/readyz", log)
    yield {"url": f"http://127.0.0.1:{port}", "log": log, "proc": proc}
    stop(proc)
