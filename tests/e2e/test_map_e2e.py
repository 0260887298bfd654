"""The command center's map and charts in headless Chromium at 1440×900 and 390×844, against the real
broker, matcher and inventory processes and the requests service as a real uvicorn server on PostgreSQL
with the demo city loaded: Shenzhen's districts drawn and fitted, every place and assignment line of
/api/map on them, no overlapping labels, names in tooltips, time axes and units on the charts."""
from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from baolei_common.fields import SHENZHEN_BOUNDS

pytestmark = pytest.mark.e2e
# BAOLEI_UPDATE_SCREENSHOTS=1 rewrites docs/console-map*.png from this run
DOCS = Path(__file__).resolve().parents[2] / "docs"
OP = {"Authorization": "Bearer demo-operator"}
BEIJING = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_city_map_and_charts_at_desktop_and_phone_sizes(node_tooling, requests_server, inventory, matcher, tmp_path):
    from baolei_dev.demo_inventory import load_demo as load_stock
    from baolei_dev.demo_requests import load_demo

    load_stock(inventory["url"], "demo-operator")
    load_demo(requests_server["url"], "demo-operator")
    shots = tmp_path / "shots"
    shots.mkdir()
    main = SHENZHEN_BOUNDS[0]
    box = json.dumps({"lon": list(main.lon), "lat": list(main.lat)})
    run = subprocess.run(["node", "map_flow.mjs", requests_server["url"], str(shots), box], cwd=node_tooling,
                         capture_output=True, text=True, timeout=300)
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{requests_server['log'].read_text()[-3000:]}"
    assert steps[-1]["step"] == "done", steps
    assert not [s for s in steps if s["step"] in ("pageerror", "http-error")], steps

    api = httpx.get(f"{requests_server['url']}/api/map", headers=OP).json()
    places = {s["id"] for s in api["sites"]} | {w["id"] for w in api["warehouses"]}
    assert len(api["warehouses"]) == 6 and len(api["sites"]) == 10 + 5 + 3  # the demo city, all in Shenzhen
    maps = {s["size"]: s for s in steps if s["step"] == "map"}
    assert set(maps) == {"desktop", "phone"}
    assert maps["phone"]["timezone"] == "America/New_York"
    stock = httpx.get(f"{requests_server['url']}/api/city/stock", headers=OP, timeout=30).json()
    for size, m in maps.items():
        assert m["canvas"] and m["map"] == "shenzhen" and len(m["districts"]) == 8 and "福田区" in m["districts"]
        # every place of /api/map drawn once, with its own symbol per kind; every line of an assignment
        assert sorted(p["id"] for p in m["points"]) == sorted(places), (size, m["points"])
        kinds = {s["name"] for s in m["series"]}
        assert {"隔离酒店", "公交车场", "物资仓库"} <= kinds and any(k.endswith("社区") for k in kinds), kinds
        assert m["lines"] == m["expected"]["lines"] > 0, m
        assert all(s["hideOverlap"] for s in m["series"] if s["type"] == "scatter")
        # the city fills the box: one side within 3 % of the room it has (legend on top, 6 px margins)
        box, city = m["box"], m["cityPx"]
        assert max(city["w"] / (box["w"] - 12), city["h"] / (box["h"] - m["geoTop"] - 6)) > 0.97, m
        assert city["left"] >= -1 and city["right"] <= box["w"] + 1 and city["top"] >= m["geoTop"] - 1 \
            and city["bottom"] <= box["h"] + 1, m
        # no place is clipped, 坝光 (the far east) included
        assert all(0 <= p["x"] <= box["w"] and 0 <= p["y"] <= box["h"] for p in m["points"]), m["points"]
        baguang = next(p for p in m["points"] if p["id"] == "h-baguang")
        assert baguang["x"] > box["w"] * 0.7, baguang
        # labels: many drawn, none overlapping (the hidden ones show on hover)
        assert m["overlaps"] == [] and len(m["labels"]) >= (10 if size == "desktop" else 5), m["labels"]
        assert m["stray"] == {"outside": 1, "shown": 0} and m["outsideNote"] == ""
        assert m["corners"] == 4  # what registration accepts, the map draws
        assert "<b>" in m["tip"] and not any(i in m["tip"] for i in places), m["tip"]
        # the charts: a time axis in Beijing time and the staple's unit on the value axis
        charts = m["charts"]
        assert len(charts) == 12 and all(c["canvas"] and c["xType"] == "time" and c["useUTC"] for c in charts), charts
        units = {c["title"]: c["unit"] for c in charts if c["panel"].startswith("各区库存")}
        assert units == {"大米": "袋", "面粉": "袋", "食用油": "瓶", "猪肉": "公斤", "鸡蛋": "托", "牛奶": "箱"}, units
        prices = {c["title"]: c["unit"] for c in charts if not c["panel"].startswith("各区库存")}
        assert prices["猪肉"] == "元/公斤" and prices["大米"] == "元/袋", prices
        assert all(c["width"] <= m["viewport"] for c in charts)
        # Beijing time whatever the browser's zone (the phone runs on New York time): each price chart ends
        # at its staple's latest observation, and every axis label is that instant's Beijing wall clock
        for c in charts:
            labels = [(ms, text) for ms, text in c["ticks"] if text]
            assert len(labels) >= 2, c
            for ms, text in labels:
                at = datetime.fromtimestamp(ms / 1000 - 8 * 3600, BEIJING)
                assert text in (f"{at:%H:%M}", f"{at.month}/{at.day}", f"{at.year}/{at.month}/{at.day}"), (size, c)
        for c in charts:
            if c["panel"].startswith("各区主副食价格"):
                sku = next(k["id"] for k in stock["skus"] if k["name_zh"] == c["title"])
                last = max(datetime.fromisoformat(p["at"]) for per in stock["prices"].values()
                           for p in per.get(sku, []))
                ms = (last - EPOCH) // timedelta(milliseconds=1)  # whole ms, as JS parses it
                assert c["maxX"] == ms + 8 * 3600 * 1000, (size, c, last)
        # the page fits the screen
        assert m["page"] <= m["viewport"] and not m["over"], m
    assert maps["phone"]["viewport"] == 390 and maps["desktop"]["viewport"] == 1440
    tips = {s["size"]: s for s in steps if s["step"] == "tooltip"}
    assert set(tips) == {"desktop", "phone"}
    for tip in tips.values():  # the hovered place's name, never its id
        assert tip["hovered"] in tip["tooltip"] and not any(i in tip["tooltip"] for i in places), tip
    for en in (s for s in steps if s["step"] == "english"):
        assert "Isolation hotels" in {s["name"] for s in en["series"]}, en
        assert en["nameMap"]["福田区"] == "Futian" and en["nameMap"]["宝安区"] == "Bao'an", en
        assert {"bags", "kg", "yuan/kg", "yuan/bag"} <= set(en["units"]) and "rice" in en["titles"], en
        assert en["labels"] > 0 and en["page"] <= (390 if en["size"] == "phone" else 1440), en

    DOCS.mkdir(exist_ok=True)
    for png in shots.glob("*.png"):  # docs/ keeps the committed pictures unless asked to refresh them
        if os.environ.get("BAOLEI_UPDATE_SCREENSHOTS") == "1" or not (DOCS / png.name).exists():
            (DOCS / png.name).write_bytes(png.read_bytes())
    assert {p.name for p in shots.glob("*.png")} == {"console-map.png", "console-map-phone.png"}
