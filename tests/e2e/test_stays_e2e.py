"""Stays end and rooms come back, in the console, end to end in headless Chromium against the real
broker and matcher and the requests service as a real uvicorn server on PostgreSQL: three people
check in at a three-room hotel; its dispatcher sees their stay and records that two left; the
command center's occupancy panel (Chinese, then English) shows one room in use, two being cleaned
and freeing within the hour, 72 hourly bars; everything fits 1440 px and a 390 px phone."""
from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import poll

pytestmark = pytest.mark.e2e
# BAOLEI_UPDATE_SCREENSHOTS=1 rewrites docs/console-occupancy*.png and docs/console-stays.png from this run
DOCS = Path(__file__).resolve().parents[2] / "docs"
SHOTS = {"console-stays.png": "stays-hotel.png", "console-occupancy.png": "occupancy.png",
         "console-occupancy-phone.png": "occupancy-phone.png"}
H = {name: {"Authorization": f"Bearer demo-{name}"} for name in ("operator", "bus", "hotel", "site")}


def check_in_three(url: str) -> None:
    """A three-room hotel, a bus, and a transfer of three people run to the end over the API."""
    c = httpx.Client(base_url=url, timeout=30)
    now = datetime.now(timezone.utc)
    for site in ({"id": "c-lianhua", "name": "莲花北社区", "district": "福田", "zone": "sealed", "lat": 22.5585,
                  "lon": 114.0578, "organisation": "莲花街道"},
                 {"id": "hzb", "name": "会展北", "district": "福田", "lat": 22.5367, "lon": 114.0545},
                 {"id": "depot", "name": "巴士集团福田车场", "district": "福田", "lat": 22.5401, "lon": 114.03}):
        assert c.put(f"/api/sites/{site['id']}", json=site, headers=H["operator"]).status_code == 200
    assert c.put("/api/hotels/H-stay", headers=H["operator"], json={
        "id": "H-stay", "name": "会展北隔离酒店", "operator": "投控公司", "site_id": "hzb",
        "accepts": ["close_contact"],
        "rooms": {"standard": 3, "family": 0, "accessible": 0}}).status_code == 200
    assert c.put("/api/buses/B-stay", headers=H["operator"], json={
        "id": "B-stay", "operator": "巴士集团", "plate": "粤B·D1001", "depot_id": "depot", "seats": 40,
        "load_limit": 0.5, "shift_start": (now - timedelta(hours=1)).isoformat(),
        "shift_end": (now + timedelta(hours=10)).isoformat()}).status_code == 200
    r = c.post("/api/needs", headers=H["site"], json={
        "kind": "transfer", "site_id": "c-lianhua", "risk": "close_contact", "people": 3,
        "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=3)).isoformat()})
    assert r.status_code == 201, r.text
    need_id = r.json()["id"]
    a = poll(lambda: next((x for x in c.get(f"/api/needs/{need_id}", headers=H["operator"]).json()["assignments"]
                           if x["status"] == "proposed"), None), timeout_s=60)
    for who in ("bus", "hotel"):
        assert c.post(f"/api/assignments/{a['id']}/accept", headers=H[who]).status_code == 200
    poll(lambda: c.get(f"/api/needs/{need_id}", headers=H["operator"]).json()["status"] == "confirmed", timeout_s=60)
    assert c.post(f"/api/assignments/{a['id']}/start", headers=H["bus"]).status_code == 200
    assert c.post(f"/api/assignments/{a['id']}/done", headers=H["bus"], json={"delivered": 3}).status_code == 200
    assert c.post(f"/api/assignments/{a['id']}/arrive", headers=H["hotel"], json={}).status_code == 200


def test_hotel_records_departures_and_the_command_center_sees_rooms_come_back(node_tooling, requests_server,
                                                                             matcher, tmp_path):
    check_in_three(requests_server["url"])
    shots = tmp_path / "shots"
    shots.mkdir()
    run = subprocess.run(["node", "stays_flow.mjs", requests_server["url"], str(shots)], cwd=node_tooling,
                         capture_output=True, text=True, timeout=300)
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{requests_server['log'].read_text()[-3000:]}"
    assert steps[-1]["step"] == "done" and not [s for s in steps if s["step"] == "pageerror"], steps
    step = {s["step"]: s for s in steps}

    left = step["left"]
    assert "会展北隔离酒店" in left["before"] and "在住人数 3" in left["before"] and "预计解除隔离" in left["before"]
    assert "在住人数 1" in left["after"] and "终末消毒中 2" in left["after"], left
    zh, en = step["command"]["zh"], step["command"]["en"]
    assert zh["title"] == "酒店入住与未来72小时腾房" and en["title"].startswith("Hotel occupancy")
    row = next(h for h in zh["hotels"] if h["id"] == "H-stay")
    assert row["在住房间"].startswith("1 / 3") and row["终末消毒中"] == "2" and row["空房"] == "0", row
    assert "确定 2" in row["72小时内腾房"] and row["在住人数"] == "1", row
    row_en = next(h for h in en["hotels"] if h["id"] == "H-stay")
    assert row_en["Being cleaned"] == "2" and "certain 2" in row_en["Freeing in 72 h"], row_en
    assert zh["bars"] == 72 * (len(zh["hotels"]) + 1)  # one bar per hour, each hotel and the city total
    for w in (left["width"], step["command"]["width"]):
        assert w["page"] <= 1440 and not w["over"], w
    for w in (step["phone"]["width"], step["phone"]["hotelWidth"]):
        assert w["viewport"] == 390 and w["page"] <= 390 and not w["over"], w
    assert step["phone"]["occupancy"]["cardRight"] <= 390
    for doc, png in SHOTS.items():  # docs/ keeps the committed pictures unless asked to refresh them
        if os.environ.get("BAOLEI_UPDATE_SCREENSHOTS") == "1" or not (DOCS / doc).exists():
            (DOCS / doc).write_bytes((shots / png).read_bytes())
