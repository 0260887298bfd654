"""Integration fixtures: services started for real against the real broker and PostgreSQL."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from baolei_common.config import KafkaSettings
from baolei_common.procs import wait_ready

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(module: str, env: dict[str, str], ready_url: str, log: Path) -> subprocess.Popen:
    full = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", module], env=full, cwd=ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_ready(ready_url, proc, log, timeout_s=90)
    except Exception:
        proc.kill()
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def matcher(kafka_settings: KafkaSettings, tmp_path: Path) -> Iterator[dict]:
    """The matcher worker (Faust) as its own process, on this test's topics."""
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_MATCHER_APP_ID": f"matcher-{uuid.uuid4().hex[:8]}",
           "BAOLEI_MATCHER_HTTP_PORT": str(port), "BAOLEI_MATCHER_BATCH_WINDOW_S": "0.2"}
    log = tmp_path / "matcher.log"
    proc = start_service("baolei_matcher", env, f"http://127.0.0.1:{port}/readyz", log)
    yield {"url": f"http://127.0.0.1:{port}", "log": log, "proc": proc}
    stop(proc)


def poll(fn, *, timeout_s: float = 30, every_s: float = 0.2):
    """Calls fn until it returns something truthy; returns it, or fails with the last value."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(every_s)
    raise AssertionError(f"condition not met in {timeout_s} s; last value: {last!r}")


@pytest.fixture
def inventory(kafka_settings: KafkaSettings, pg_database: str, tmp_path: Path) -> Iterator[dict]:
    """The inventory service as a real uvicorn server on PostgreSQL, on this test's topics."""
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_INVENTORY_DATABASE_URL": pg_database, "BAOLEI_INVENTORY_HTTP_PORT": str(port),
           "BAOLEI_INVENTORY_CONSUMER_GROUP": f"inventory-{uuid.uuid4().hex[:8]}"}
    log = tmp_path / "inventory.log"
    proc = start_service("baolei_inventory", env, f"http://127.0.0.1:{port}/readyz", log)
    yield {"url": f"http://127.0.0.1:{port}", "log": log, "proc": proc}
    stop(proc)


def rice_warehouses(inv_url: str, warehouses: tuple[tuple[str, str, float, float], ...]) -> None:
    """Rice known to the inventory and warehouses of 食品物资集团 ((id, name, lat, lon)), none with any
    rice: a supply need for rice is then unmet for stock."""
    import httpx

    with httpx.Client(base_url=inv_url, headers={"Authorization": "Bearer demo-operator"}, timeout=30) as c:
        assert c.post("/api/skus", json={"id": "rice", "name_zh": "大米", "name_en": "rice", "unit": "袋",
                                         "staple": True}).status_code in (200, 201)
        for wid, name, lat, lon in warehouses:
            r = c.post("/api/warehouses", json={"id": wid, "name": name, "organisation": "食品物资集团",
                                                "district": "福田", "lat": lat, "lon": lon})
            assert r.status_code in (200, 201), r.text


@pytest.fixture
def volunteers(kafka_settings: KafkaSettings, pg_database: str, tmp_path: Path) -> Iterator[dict]:
    """The volunteers service (先锋行动) as a real uvicorn server on PostgreSQL, on this test's topics."""
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_VOLUNTEERS_DATABASE_URL": pg_database, "BAOLEI_VOLUNTEERS_HTTP_PORT": str(port),
           "BAOLEI_VOLUNTEERS_CONSUMER_GROUP": f"volunteers-{uuid.uuid4().hex[:8]}"}
    log = tmp_path / "volunteers.log"
    proc = start_service("baolei_volunteers", env, f"http://127.0.0.1:{port}/readyz", log)
    yield {"url": f"http://127.0.0.1:{port}", "log": log, "proc": proc}
    stop(proc)
