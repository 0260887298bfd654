"""The dispatchers' pages and the dispatch sheet end to end in headless Chromium, against the real
broker, matcher and inventory processes and the requests service as a real uvicorn server on
PostgreSQL: names not ids at 1440×900 and 390×844, accept → run → check in, the sheet with planned
vs delivered and signature columns, and its print rendering on A4 (navigation hidden, header row
repeated, a PDF)."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e
# BAOLEI_UPDATE_SCREENSHOTS=1 rewrites docs/console-dispatcher*.png and docs/dispatch-sheet-a4.png from this run
DOCS = Path(__file__).resolve().parents[2] / "docs"
SHOTS = {"console-dispatcher.png", "console-dispatcher-phone.png", "dispatch-sheet-a4.png"}


def test_dispatchers_see_names_run_a_transfer_and_print_the_sheet(node_tooling, requests_server, inventory,
                                                                    matcher, tmp_path):
    from baolei_dev.demo_inventory import load_demo as load_stock
    from baolei_dev.demo_requests import load_demo

    load_stock(inventory["url"], "demo-operator")
    load_demo(requests_server["url"], "demo-operator")
    shots = tmp_path / "shots"
    shots.mkdir()
    run = subprocess.run(["node", "dispatch_flow.mjs", requests_server["url"], str(shots), str(tmp_path)],
                         cwd=node_tooling, capture_output=True, text=True, timeout=400)
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{requests_server['log'].read_text()[-3000:]}"
    assert not [s for s in steps if s["step"] == "pageerror"], steps
    step = {s["step"]: s for s in steps}
    assert steps[-1]["step"] == "done"

    # desktop: the tasks name plates, communities and hotels; no id or code anywhere on the page
    tasks = step["tasks"]
    assert re.search(r"粤B·D1\d{3}", tasks["busTask"]) and "莲花北社区" in tasks["busTask"] + tasks["hotelTask"]
    assert "会展北" in tasks["hotelTask"] and "标准间" in tasks["hotelTask"], tasks
    assert tasks["busRaw"] is None and tasks["hotelRaw"] is None, tasks
    for w in (tasks["busWidth"], tasks["hotelWidth"]):
        assert w["page"] <= 1440 and not w["over"], w

    # the sheets: the bus company's trip and the hotel's check-in, planned vs delivered, signatures
    planned, arrived = step["accepted by both"]["planned"], step["driven and checked in"]["arrived"]
    bus_sheet, hotel_sheet = step["sheets"]["busSheet"], step["sheets"]["hotelSheet"]
    assert {"车牌", "计划人数", "实际送达", "司机签字", "社区确认", "酒店签收"} <= set(bus_sheet["headers"])
    trip = next(r for r in bus_sheet["rows"] if r["status"] == "已完成")
    assert re.fullmatch(r"粤B·D1\d{3}", trip["plate"]) and trip["hotel"] == "会展北" and trip["category"] == "密接"
    assert trip["planned"] == trip["delivered"] == str(planned) and trip["sign_driver"] == ""
    assert {"酒店", "房间", "实际入住", "入住确认时间", "酒店签收"} <= set(hotel_sheet["headers"])
    room = next(r for r in hotel_sheet["rows"] if r["status"] == "已完成")
    assert room["from"] == "莲花北社区" and re.fullmatch(r"标准间 \d+ 间(、家庭房 \d+ 间)?", room["rooms"]), room
    assert (room["planned"], room["brought"], room["delivered"]) == (str(planned), str(planned), str(arrived))
    assert re.fullmatch(r"\d\d:\d\d", room["arrived_at"]) and re.fullmatch(r"粤B·D1\d{3}", room["buses"]), room
    assert step["sheets"]["busRaw"] is None and step["sheets"]["hotelRaw"] is None, step["sheets"]

    # the supply group: 大米 80 袋 from a named warehouse, never rice×80 or fmg-…
    sup = step["supply"]
    assert sup["fmgRaw"] is None and re.search(r"(大米|食用油|牛奶|鸡蛋) \d+ (袋|瓶|箱|托)", sup["fmgTask"]), sup
    line = sup["fmgSheet"]["rows"][0]
    assert line["warehouse"].startswith("食品物资集团") and line["item"] in {"大米", "食用油", "牛奶", "鸡蛋"}, line
    assert line["unit"] in {"袋", "瓶", "箱", "托"}
    assert {"实际送达", "司机签字", "社区确认"} <= set(sup["fmgSheet"]["headers"])
    if sup["key"] == "supplies_proposed":  # proposals apart from confirmed work, and marked so
        assert sup["title"] == "物资配送（待确认方案，未确认前勿执行）", sup
        assert {r["status"] for r in sup["fmgSheet"]["rows"]} == {"待确认"}, sup

    # a 390 px phone: lists, nothing sideways, no ids
    for who, p in step["phones"]["phones"].items():
        for w in (p["width"], p["sheetWidth"]):
            assert w["viewport"] == 390 and w["page"] <= 390 and not w["over"], (who, w)
        assert p["raw"] is None and p["rawAfter"] is None, (who, p)
    hotel_phone = step["phones"]["phones"]["demo-hotel"]
    box = hotel_phone["acceptBox"]
    assert hotel_phone["tapped"] and box["x"] >= 0 and box["x"] + box["width"] <= 390, hotel_phone
    accepted, _, waiting = hotel_phone["awaiting"].partition("待确认")
    assert "投控公司" in accepted and "巴士集团" in waiting, hotel_phone

    # print: only the sheet, the header row on every page, rows kept whole, room to sign, within the
    # printable width of A4 landscape, and a PDF of that size
    for who, want in (("bus", {"实际送达", "司机签字", "社区确认", "酒店签收"}), ("hotel", {"实际入住", "酒店签收"})):
        pr, pdf = step["print"][who]["printed"], step["print"][who]["pdf"]
        assert not pr["header"] and not pr["tasks"] and not pr["printButton"] and pr["sheet"], pr
        assert pr["theadDisplay"] == "table-header-group" and pr["rowBreak"] == "avoid", pr
        assert want <= set(pr["headers"]) and pr["signHeight"] >= 30, pr
        assert pr["tableRight"] <= pr["width"], pr
        raw = Path(pdf["path"]).read_bytes()
        assert pdf["ok"] and raw.startswith(b"%PDF"), pdf
        box = [float(x) for x in re.search(rb"/MediaBox\s*\[([^\]]*)\]", raw).group(1).split()]
        assert abs(box[2] - 842) < 2 and abs(box[3] - 595) < 2, box  # A4 landscape, in points
    assert "巴士集团" in step["print"]["bus"]["printed"]["title"]
    assert "投控公司" in step["print"]["hotel"]["printed"]["title"]

    # English one click away
    en = step["english"]
    assert {"Plate", "Delivered", "Driver's signature"} <= set(en["headers"]) and "Transfer" in en["task"], en

    # the server agrees: the need got what the hotel confirmed
    need = httpx.get(f"{requests_server['url']}/api/needs/{tasks['needId']}",
                     headers={"Authorization": "Bearer demo-operator"}).json()
    assert need["progress"]["delivered"] == arrived

    DOCS.mkdir(exist_ok=True)
    assert {p.name for p in shots.glob("*.png")} == SHOTS
    for png in shots.glob("*.png"):  # docs/ keeps the committed pictures unless asked to refresh them
        if os.environ.get("BAOLEI_UPDATE_SCREENSHOTS") == "1" or not (DOCS / png.name).exists():
            (DOCS / png.name).write_bytes(png.read_bytes())
