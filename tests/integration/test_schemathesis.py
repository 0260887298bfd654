"""Schemathesis against the HTTP services (requests, inventory, volunteers), as running processes on
a fresh PostgreSQL database each and this test's broker topics, signed in as an operator: the
schemathesis CLI runs every phase
(examples, coverage, fuzzing, stateful) with `EXAMPLES` generated requests per operation, valid and
invalid, seeded (a run is repeatable), and every answer must pass not_a_server_error,
status_code_conformance, content_type_conformance and response_schema_conformance. The live feed
(an endless stream) is left out.

The issue found 5 server errors and 1 schema violation on the requests API, 3 and 19 on the
inventory API. The test prints each service's totals from the CLI's JSON report and fails on any
failure or error; the CLI's own text (with a curl line per failure) is printed on failure.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, start_service, stop, volunteers  # noqa: F401

pytestmark = pytest.mark.integration
EXAMPLES = 30
SEED = 1
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def run_schemathesis(base_url: str, report_dir: Path) -> tuple[dict, str]:
    """The CLI against one service; (its JSON report, its text output)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json",
           "-H", "Authorization: Bearer demo-operator", "--checks", CHECKS,
           "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "2",
           "--exclude-path", "/api/live", "--generation-database", "none", "--no-color",
           "--report", "json", "--report-dir", str(report_dir)]
    done = subprocess.run(cmd, cwd=report_dir, capture_output=True, text=True, timeout=600)
    reports = sorted(report_dir.glob("*.json"))
    assert reports, f"no report (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(reports[-1].read_text()), done.stdout


@pytest.fixture
def services(kafka_settings, pg_databases, tmp_path: Path):
    kafka = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
             "BAOLEI_KAFKA_TOPIC_PREFIX": kafka_settings.topic_prefix}
    inv_port, rq_port = free_port(), free_port()
    inventory = start_service("baolei_inventory", {
        **kafka, "BAOLEI_INVENTORY_DATABASE_URL": pg_databases(), "BAOLEI_INVENTORY_HTTP_PORT": str(inv_port),
        "BAOLEI_INVENTORY_CONSUMER_GROUP": f"inventory-{uuid.uuid4().hex[:8]}"},
        f"http://127.0.0.1:{inv_port}/readyz", tmp_path / "inventory.log")
    try:
        requests = start_service("baolei_requests", {
            **kafka, "BAOLEI_REQUESTS_DATABASE_URL": pg_databases(), "BAOLEI_REQUESTS_HTTP_PORT": str(rq_port),
            "BAOLEI_REQUESTS_CONSUMER_GROUP": f"requests-{uuid.uuid4().hex[:8]}",
            "BAOLEI_REQUESTS_INVENTORY_URL": f"http://127.0.0.1:{inv_port}"},
            f"http://127.0.0.1:{rq_port}/readyz", tmp_path / "requests.log")
    except Exception:
        stop(inventory)
        raise
    yield {"requests": f"http://127.0.0.1:{rq_port}", "inventory": f"http://127.0.0.1:{inv_port}",
           "logs": tmp_path}
    stop(requests)
    stop(inventory)


# CPython 3.11's own error inside schemathesis' test generation, seen once under load (no request involved):
# that run says nothing about the API, so it is run again (at most twice); any other error fails at once.
TOOL_CRASH = "SystemError: AST constructor recursion depth mismatch"


@pytest.mark.parametrize("service", ["requests", "inventory"])
def test_no_server_errors_and_no_schema_violations(services, service, tmp_path: Path):
    check(services[service], service, tmp_path)


def test_the_volunteers_api_has_no_server_errors_and_no_schema_violations(volunteers, tmp_path: Path):  # noqa: F811
    from baolei_dev.demo_volunteers import load_demo

    load_demo(volunteers["url"], "demo-operator")  # ids that exist, for the stateful phase
    check(volunteers["url"], "volunteers", tmp_path)


def check(url: str, service: str, tmp_path: Path) -> None:
    report, text = run_schemathesis(url, tmp_path / "run1")
    for again in (2, 3):  # seen twice in a row on the volunteers' API with the machine's load at 17
        if not (report["errors"] and not report["failures"] and TOOL_CRASH in text):
            break
        print(f"\nschemathesis {service}: the tool itself crashed ({TOOL_CRASH}); running it again")
        report, text = run_schemathesis(url, tmp_path / f"run{again}")
    by_title = {f["title"]: f["count"] for f in report["failures"]}
    print(f"\nschemathesis {service}: {report['operations']['tested']} operations, "
          f"{report['test_cases']['generated']} test cases in {report['running_time']:.0f} s; "
          f"failures: {by_title or 'none'}; errors: {len(report['errors'])}")
    ok = report["complete"] and not report["failures"] and not report["errors"] and report["operations"]["tested"] > 10
    assert ok, text[-20000:]
