"""Demo data of 先锋行动 over the HTTP API: four compounds of 莲花北社区 and one of 景田社区 (福田),
one of them a 封控区; volunteers (one living in each compound, a party member among them), vulnerable
households with their floors, and a few doorstep tasks. The community worker's token is
demo-community, the volunteers' demo-vol-inside / demo-vol-outside / demo-vol-sealed / demo-vol-jingtian.

    python -m baolei_dev.demo_volunteers http://127.0.0.1:8004 demo-operator
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

LHB, JT = "莲花北社区", "景田社区"
COMPOUNDS = [  # id, name, community, zone, lat, lon
    ("C-LHB-1", "莲花北村一区", LHB, "常态", 22.5530, 114.0560),
    ("C-LHB-2", "莲花北村二区", LHB, "常态", 22.5545, 114.0585),
    ("C-LHB-3", "彩田村", LHB, "封控区", 22.5520, 114.0600),
    ("C-JT-1", "景田北小区", JT, "常态", 22.5560, 114.0450),
]
VOLUNTEERS: list[dict[str, Any]] = [
    {"id": "V-LH-01", "name": "王建国", "phone": "13800010001", "compound_id": "C-LHB-1", "party_member": True,
     "skills": ["送药", "送餐", "代购", "定期探访", "快递代取"], "health_check": True, "minutes_per_day": 180,
     "mode": "foot", "buildings": ["C-LHB-1/3"], "pairs": ["H-LHB1-0701", "H-LHB2-0302"]},
    {"id": "V-LH-02", "name": "李梅", "phone": "13800010002", "compound_id": "C-LHB-2", "party_member": False,
     "skills": ["送药", "送餐", "快递代取", "垃圾清运", "代购"], "health_check": True, "minutes_per_day": 240,
     "mode": "ebike", "buildings": [], "pairs": []},
    {"id": "V-LH-03", "name": "陈静", "phone": "13800010003", "compound_id": "C-LHB-3", "party_member": True,
     "skills": ["电话关怀", "线上答疑", "送餐"], "health_check": False, "minutes_per_day": 120,
     "mode": "foot", "buildings": [], "pairs": []},
    {"id": "V-JT-01", "name": "赵磊", "phone": "13800010004", "compound_id": "C-JT-1", "party_member": False,
     "skills": ["送餐", "代购", "快递代取"], "health_check": False, "minutes_per_day": 120,
     "mode": "foot", "buildings": [], "pairs": []},
]
HOUSEHOLDS: list[dict[str, Any]] = [
    {"id": "H-LHB1-0701", "compound_id": "C-LHB-1", "building": "3", "unit": "1", "floor": 7, "room": "701",
     "contact": "刘奶奶（82岁）", "phone": "13900020001", "residents": 1, "vulnerability": ["独居老人"],
     "needs": "降压药每日一次；行动不便"},
    {"id": "H-LHB2-0302", "compound_id": "C-LHB-2", "building": "5", "unit": "2", "floor": 3, "room": "302",
     "contact": "张先生", "phone": "13900020002", "residents": 2, "vulnerability": ["残障"], "needs": "轮椅使用者"},
    {"id": "H-LHB3-0501", "compound_id": "C-LHB-3", "building": "2", "unit": "1", "floor": 5, "room": "501",
     "contact": "周阿姨", "phone": "13900020003", "residents": 1, "vulnerability": ["病患", "独居老人"],
     "needs": "糖尿病，需胰岛素"},
    {"id": "H-LHB3-0202", "compound_id": "C-LHB-3", "building": "1", "unit": "2", "floor": 2, "room": "202",
     "contact": "吴大爷", "phone": "13900020004", "residents": 1, "vulnerability": ["独居老人"],
     "needs": "独居，需每日问候"},
    {"id": "H-JT1-1001", "compound_id": "C-JT-1", "building": "8", "unit": "1", "floor": 10, "room": "1001",
     "contact": "孙女士", "phone": "13900020005", "residents": 3, "vulnerability": ["居家隔离"],
     "needs": "居家隔离 7 天"},
]


def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 300:
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}")
    body: dict[str, Any] = r.json()
    return body


def load_demo(base: str, token: str = "demo-operator", *, tasks: bool = True) -> dict[str, int]:
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=h, timeout=60) as c:
        for cid, name, community, zone, lat, lon in COMPOUNDS:
            _ok(c.put(f"/api/compounds/{cid}", json={"id": cid, "name": name, "district": "福田",
                                                    "street": "莲花街道", "community": community, "zone": zone,
                                                    "lat": lat, "lon": lon}))
        for hh in HOUSEHOLDS:
            _ok(c.put(f"/api/households/{hh['id']}", json=hh))
        for v in VOLUNTEERS:
            _ok(c.put(f"/api/volunteers/{v['id']}", json=v))
        made = 0
        if tasks:
            soon = datetime.now(timezone.utc) + timedelta(hours=6)
            for body in ({"household_id": "H-LHB2-0302", "kind": "快递代取", "note": "菜鸟驿站 2 件"},
                         {"household_id": "H-JT1-1001", "kind": "垃圾清运"},
                         {"household_id": "H-LHB2-0302", "kind": "送餐", "deadline": soon.isoformat()}):
                _ok(c.post("/api/tasks", json=body))
                made += 1
    return {"compounds": len(COMPOUNDS), "volunteers": len(VOLUNTEERS), "households": len(HOUSEHOLDS), "tasks": made}


if __name__ == "__main__":
    print(load_demo(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8004",
                    sys.argv[2] if len(sys.argv) > 2 else "demo-operator"))
