"""The volunteers' pages update live, without a reload, on a 390×844 phone in headless Chromium
(volunteer_live.mjs) against the service as a real process on PostgreSQL and the real broker: a task
proposed to a volunteer appears on his page, his acceptance on the community worker's page, and a
proposal whose hold expires leaves his page. Holds last 40 s here so that expiry is seen."""
from __future__ import annotations

import json
import subprocess
import uuid

import httpx
import pytest

from tests.integration.conftest import free_port, start_service, stop

pytestmark = pytest.mark.e2e
WORKER = {"Authorization": "Bearer demo-community"}


@pytest.fixture
def short_holds(kafka_settings, pg_database, tmp_path):
    port = free_port()
    env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix,
           "BAOLEI_VOLUNTEERS_DATABASE_URL": pg_database, "BAOLEI_VOLUNTEERS_HTTP_PORT": str(port),
           "BAOLEI_VOLUNTEERS_CONSUMER_GROUP": f"volunteers-{uuid.uuid4().hex[:8]}",
           "BAOLEI_VOLUNTEERS_HOLD_TTL_S": "40", "BAOLEI_VOLUNTEERS_EXPIRY_INTERVAL_S": "2"}
    log = tmp_path / "volunteers.log"
    proc = start_service("baolei_volunteers", env, f"http://127.0.0.1:{port}/readyz", log)
    yield {"url": f"http://127.0.0.1:{port}", "log": log}
    stop(proc)


def test_the_volunteer_and_community_pages_update_live_without_reload(node_tooling, short_holds, tmp_path):
    from baolei_dev.demo_volunteers import load_demo

    base = short_holds["url"]
    load_demo(base, "demo-operator", tasks=False)
    shots = tmp_path / "shots"
    shots.mkdir()
    run = subprocess.run(["node", "volunteer_live.mjs", base, str(shots)], cwd=node_tooling,
                         capture_output=True, text=True, timeout=420)
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{short_holds['log'].read_text()[-3000:]}"
    assert steps[-1]["step"] == "done" and not [s for s in steps if s["step"] == "pageerror"], steps
    by = {s["step"]: s for s in steps}
    assert "实时" in by["live"]["volunteer"] and "实时" in by["live"]["worker"]
    # proposed to him, shown on his page without a reload
    assert by["proposed-live"]["notReloaded"] and by["proposed-live"]["fits"]
    assert "刘奶奶" in by["proposed-live"]["text"] and "****" in by["proposed-live"]["text"]
    # his acceptance on the worker's page, without a reload
    assert by["accepted-live"]["id"] == by["proposed-live"]["id"] and by["accepted-live"]["notReloaded"]
    # the unanswered parcel left his page when its hold expired, and went back to matching without him
    parcel = by["expired-live"]["id"]
    assert by["expired-live"]["notReloaded"] and parcel not in by["expired-live"]["mine"]
    tasks = {t["id"]: t for t in httpx.get(f"{base}/api/community", headers=WORKER).json()["tasks"]}
    assert tasks[parcel]["volunteer_id"] != "V-LH-01"
    assert by["proposed-live"]["id"] in by["expired-live"]["mine"]  # the accepted medicine stays
