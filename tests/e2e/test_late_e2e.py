"""A need that must be late, in the browser at 1440×900 and 390×844, against the real broker,
matcher and inventory processes and the requests service on PostgreSQL with the demo city: "逾期"
in the command center's needs table and attention panel, the dispatcher's jobs, the site's needs
and the need's drawer (with the cause and the faster alternative), "min late" in English; the
operator's named-bus request answered in the drawer (issue 17)."""
from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e
# BAOLEI_UPDATE_SCREENSHOTS=1 rewrites docs/console-late*.png from this run
DOCS = Path(__file__).resolve().parents[2] / "docs"
OP = {"Authorization": "Bearer demo-operator"}


def late_need(base: str) -> dict:
    """Ready now, due five minutes later: no bus can make it (the dwell alone is ten minutes)."""
    now = datetime.now(timezone.utc)
    r = httpx.post(f"{base}/api/needs", headers=OP, json={
        "kind": "transfer", "site_id": "c-lianhua-bei", "risk": "close_contact", "people": 3,
        "ready_at": now.isoformat(), "due_at": (now + timedelta(minutes=5)).isoformat()})
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        need = httpx.get(f"{base}/api/needs/{r.json()['id']}", headers=OP).json()
        if need["status"] == "proposed":
            return need
        time.sleep(0.3)
    raise AssertionError(f"no proposal: {need}")


def test_late_proposal_is_marked_everywhere_and_a_faster_one_can_be_asked(node_tooling, requests_server, inventory,
                                                                          matcher, tmp_path):
    from baolei_dev.demo_inventory import load_demo as load_stock
    from baolei_dev.demo_requests import load_demo

    load_stock(inventory["url"], "demo-operator")
    load_demo(requests_server["url"], "demo-operator")
    need = late_need(requests_server["url"])
    assert need["late_minutes"] >= 5 and need["late_cause"], need
    shots = tmp_path / "shots"
    shots.mkdir()
    run = subprocess.run(["node", "late_flow.mjs", requests_server["url"], str(shots), need["id"]],
                         cwd=node_tooling, capture_output=True, text=True, timeout=420)
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{requests_server['log'].read_text()[-3000:]}"
    assert steps[-1]["step"] == "done" and not [s for s in steps if s["step"] == "pageerror"], steps
    by = {(s["step"], s.get("size")): s for s in steps}
    late = need["late_minutes"]
    for size, width in (("desktop", 1440), ("phone", 390)):
        table = by[("needs-table", size)]
        assert table["text"] == f"逾期 {late} 分钟" and table["title"] == need["late_zh"], table
        assert table["page"] <= table["viewport"] == width, table
        att = by[("attention", size)]
        assert att["title"].startswith("1 个方案逾期") and f"逾期 {late} 分钟" in att["item"], att
        drawer = by[("drawer", size)]
        assert drawer["why"] == need["late_zh"] and drawer["buses"] > 1 and drawer["page"] <= width, drawer
        assert by[("dispatch", size)]["seen"] and by[("dispatch", size)]["text"] == f"逾期 {late} 分钟"
        assert by[("dispatch", size)]["page"] <= width
        assert by[("english", size)]["text"] == f"{late} min late" and by[("english", size)]["title"] == need["late_en"]
        assert by[("site", size)]["text"] == f"逾期 {late} 分钟" and by[("site", size)]["page"] <= width
    answer = by[("faster", None)]
    assert answer["unmet"] and "无法承运" in answer["unmet"][0] or any(
        "指定车辆" in j and "已匹配待确认" in j for j in answer["jobs"]), answer

    DOCS.mkdir(exist_ok=True)
    for png in shots.glob("*.png"):  # docs/ keeps the committed pictures unless asked to refresh them
        if os.environ.get("BAOLEI_UPDATE_SCREENSHOTS") == "1" or not (DOCS / png.name).exists():
            (DOCS / png.name).write_bytes(png.read_bytes())
    assert {p.name for p in shots.glob("*.png")} == {"console-late.png", "console-late-drawer.png",
                                                     "console-late-drawer-phone.png", "console-late-faster.png"}
