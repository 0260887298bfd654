"""The console end to end in headless Chromium, against the real broker, the real matcher and
inventory processes and the requests service as a real uvicorn server on PostgreSQL."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e
# BAOLEI_UPDATE_SCREENSHOTS=1 make test  rewrites docs/console-*.png from this run
DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_operator_site_and_dispatcher_in_the_browser(node_tooling, requests_server, inventory, matcher, tmp_path):
    from baolei_inventory.demo import load_demo as load_stock
    from baolei_requests.demo import load_demo

    load_stock(inventory["url"], "demo-operator")
    load_demo(requests_server["url"], "demo-operator")
    shots = tmp_path / "shots"
    shots.mkdir()
    run = subprocess.run(["node", "console_flow.mjs", requests_server["url"], str(shots)], cwd=node_tooling,
                         capture_output=True, text=True, timeout=300)
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{requests_server['log'].read_text()[-3000:]}"
    assert [s["step"] for s in steps if s["step"] != "pageerror"][-1] == "done"
    assert not [s for s in steps if s["step"] == "pageerror"], steps
    need_id = steps[-1]["needId"]
    # 停运 asked first: dismissed, the bus stayed in service; confirmed with a reason, the audit keeps it
    stop = next(s for s in steps if s["step"] == "bus taken out of service after confirming")
    assert stop["stillInAfterDismiss"] == 1 and "停运" in stop["asked"], stop
    # on a 390 px phone the site page fits: no sideways scrolling before or after raising a need there
    phone = next(s for s in steps if s["step"] == "phone")
    for when in ("before", "after"):
        w = phone[when]
        assert w["viewport"] == 390 and w["page"] <= 390 and not w["over"], phone
    assert phone["submit"]["x"] + phone["submit"]["width"] <= 390, phone
    assert steps[-1]["navigations"] == 1  # no reload: the updates came live

    op = {"Authorization": "Bearer demo-operator"}
    need = httpx.get(f"{requests_server['url']}/api/needs/{need_id}", headers=op).json()
    assert need["status"] == "confirmed" and need["progress"]["confirmed"] == 6
    audit = httpx.get(f"{requests_server['url']}/api/audit", headers=op, params={"limit": 500}).json()
    assert {"need.create", "assignment.accept"} <= {a["action"] for a in audit}
    assert any(a["action"] == "bus.state" and a["entity"] == f"bus:{stop['busId']}"
               and a["after"]["reason"] == "车辆故障：刹车异常" for a in audit), audit[:5]
    # another company's dispatcher may not touch this trip
    a_id = need["assignments"][0]["id"]
    r = httpx.post(f"{requests_server['url']}/api/assignments/{a_id}/decline", json={"reason": "not ours"},
                   headers={"Authorization": "Bearer demo-east"})
    assert r.status_code == 403
    DOCS.mkdir(exist_ok=True)
    for png in shots.glob("*.png"):  # docs/ keeps the committed pictures unless asked to refresh them
        if os.environ.get("BAOLEI_UPDATE_SCREENSHOTS") == "1" or not (DOCS / png.name).exists():
            (DOCS / png.name).write_bytes(png.read_bytes())
    assert {p.name for p in shots.glob("*.png")} == {"console-command-center.png", "console-dispatcher.png",
                                                     "console-site.png", "console-site-phone.png"}
