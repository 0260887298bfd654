"""Issue 19's "Done when", played in headless Chromium on a 390×844 phone against the volunteers
service as a real process on PostgreSQL and the real broker (volunteer_day.mjs): a compound becomes
a 管控区 and its volunteer's reach shrinks to it at once; an elderly resident's medicine inside it is
delivered before its deadline by the volunteer living there; a doorstep task in a 封控区 with nobody
allowed to reach it is unmet with the reason and the fix; a 封控区 volunteer takes a 电话关怀 task."""
from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from baolei_common.citytime import city_time
from tests.integration.conftest import volunteers  # noqa: F401
from tests.integration.test_volunteers_service import planned

pytestmark = pytest.mark.e2e
WORKER = {"Authorization": "Bearer demo-community"}
DOCS = Path(__file__).resolve().parents[2] / "docs"  # BAOLEI_UPDATE_SCREENSHOTS=1 rewrites docs/volunteers-*.png
FIX = "封控区 彩田村 内无可上门志愿者：请街道安排下沉干部或防护到位的工作人员"


def test_a_day_of_doorstep_help_under_the_zone_rule_on_a_phone(node_tooling, volunteers, tmp_path):  # noqa: F811
    from baolei_dev.demo_volunteers import load_demo

    base = volunteers["url"]
    load_demo(base, "demo-operator", tasks=False)
    r = httpx.post(f"{base}/api/tasks", headers=WORKER, json={"household_id": "H-LHB2-0302", "kind": "快递代取"})
    assert r.status_code == 201 and r.json()["status_zh"] == "匹配中", r.text  # answered before the solve
    parcel = r.json()["id"]
    assert planned(base, parcel)["volunteer_id"] == "V-LH-01"
    deadline = city_time(datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    shots = tmp_path / "shots"
    shots.mkdir()
    run = subprocess.run(["node", "volunteer_day.mjs", base, str(shots), deadline, parcel], cwd=node_tooling,
                         capture_output=True, text=True, timeout=420)
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{volunteers['log'].read_text()[-3000:]}"
    assert steps[-1]["step"] == "done" and not [s for s in steps if s["step"] == "pageerror"], steps
    by = {s["step"]: s for s in steps}

    # a compound becomes a 管控区: the reach of the volunteer living there shrinks to it at once
    assert "不进入封控区" in by["volunteer-before"]["reach"]
    assert parcel in [t["id"] for t in by["volunteer-before"]["tasks"]]
    assert "管控区" in by["zone-changed"]["zone"]
    assert "仅在本小区 莲花北村一区 内上门" in by["volunteer-after"]["reach"]
    assert parcel not in [t["id"] for t in by["volunteer-after"]["tasks"]]

    # the medicine inside it: delivered by him, before its deadline
    assert by["medicine-done"]["status"] == "done" and "按时送达" in by["medicine-done"]["text"]
    tasks = {t["id"]: t for t in httpx.get(f"{base}/api/community", headers=WORKER).json()["tasks"]}
    med = tasks[by["medicine-done"]["id"]]
    assert med["volunteer_id"] == "V-LH-01" and med["kind"] == "送药" and med["household"]["id"] == "H-LHB1-0701"
    assert datetime.fromisoformat(med["done_at"]) <= datetime.fromisoformat(med["deadline"])
    assert city_time(datetime.fromisoformat(med["deadline"])).strftime("%Y-%m-%dT%H:%M") == deadline
    assert tasks[parcel]["volunteer_id"] != "V-LH-01"

    # a doorstep task in the 封控区: unmet, with the reason and the fix
    assert "彩田村" in by["sealed-unmet"]["reason"] and FIX in by["sealed-unmet"]["fix"]
    # the 封控区 volunteer takes the caring call, from home
    assert by["call-done"]["status"] == "done" and "居家服务" in by["call-done"]["reach"]
    call = tasks[by["call-done"]["id"]]
    assert call["kind"] == "电话关怀" and call["volunteer_id"] == "V-LH-03" and call["remote"]
    # the command center: 福田's row counts the unmet task by its cause
    assert "封控区内无人可上门 1" in by["coverage"]["row"]  # the cause named, not its code
    assert by["english"]["heading"] == "Vanguard volunteers" and "inside 莲花北村一区 only" in by["english"]["reach"]
    for png in shots.glob("*.png"):
        target = DOCS / f"volunteers-{png.name}"
        if os.environ.get("BAOLEI_UPDATE_SCREENSHOTS") == "1" or not target.exists():
            target.write_bytes(png.read_bytes())
    # every page fits the phone's width
    assert all(by[s]["fits"] for s in ("volunteer-before", "zone-changed", "medicine-done", "call-done", "coverage"))
