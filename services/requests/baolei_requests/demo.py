"""A demo city for `make run`: Shenzhen communities, isolation hotels, bus fleets, a few needs.

Loaded over the HTTP API like any client would, so it also exercises validation and events.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import httpx

log = logging.getLogger(__name__)

# (id, name, district, street, zone, lat, lon)
COMMUNITIES = [
    ("c-lianhua-bei", "莲花北社区", "福田", "莲花街道", "sealed", 22.5585, 114.0578),
    ("c-huaqiang-nan", "华强南社区", "福田", "华强北街道", "controlled", 22.5375, 114.0870),
    ("c-dongmen", "东门社区", "罗湖", "东门街道", "controlled", 22.5470, 114.1200),
    ("c-yuehai", "粤海社区", "南山", "粤海街道", "precaution", 22.5230, 113.9440),
    ("c-xixiang", "西乡社区", "宝安", "西乡街道", "sealed", 22.5770, 113.8700),
    ("c-buji", "布吉社区", "龙岗", "布吉街道", "controlled", 22.6050, 114.1200),
    ("c-minzhi", "民治社区", "龙华", "民治街道", "precaution", 22.6190, 114.0400),
    ("c-yantian", "沙头角社区", "盐田", "沙头角街道", "sealed", 22.5530, 114.2360),
    ("c-pingshan", "坪山社区", "坪山", "坪山街道", "precaution", 22.6900, 114.3500),
    ("c-guangming", "光明社区", "光明", "光明街道", "controlled", 22.7480, 113.9350),
]
# (hotel id, site id, name, operator, district, lat, lon, accepts, rooms)
HOTELS = [
    ("H-huizhanbei", "h-huizhanbei", "会展北", "投控公司", "福田", 22.5367, 114.0545,
     ["close_contact", "secondary_contact"], {"standard": 300, "family": 40, "accessible": 10}),
    ("H-baguang", "h-baguang", "坝光国际酒店", "投控公司", "大鹏", 22.6510, 114.5420,
     ["close_contact", "inbound"], {"standard": 800, "family": 120, "accessible": 30}),
    ("H-luohu-1", "h-luohu-1", "罗湖区集中隔离点一号", "酒店业商会", "罗湖", 22.5480, 114.1310,
     ["secondary_contact"], {"standard": 120, "family": 20, "accessible": 4}),
    ("H-nanshan-1", "h-nanshan-1", "南山区集中隔离酒店", "深业集团", "南山", 22.5330, 113.9300,
     ["close_contact", "secondary_contact", "inbound"], {"standard": 200, "family": 30, "accessible": 6}),
    ("H-baoan-1", "h-baoan-1", "宝安区集中隔离酒店", "投控公司", "宝安", 22.5600, 113.8830,
     ["close_contact", "secondary_contact"], {"standard": 180, "family": 25, "accessible": 5}),
]
# (depot id, name, district, lat, lon, operator, count, plate prefix)
DEPOTS = [
    ("d-bus-futian", "巴士集团福田车场", "福田", 22.5401, 114.0300, "巴士集团", 6, "粤B·D1"),
    ("d-east-longgang", "东部公交龙岗车场", "龙岗", 22.7200, 114.2470, "东部公交", 4, "粤B·E2"),
    ("d-west-baoan", "西部公交宝安车场", "宝安", 22.5830, 113.8650, "西部公交", 4, "粤B·W3"),
]


def _put(client: httpx.Client, path: str, body: dict) -> None:
    r = client.put(path, json=body)
    if r.status_code >= 400:
        raise RuntimeError(f"PUT {path}: {r.status_code} {r.text}")


def load_demo(base_url: str, token: str = "demo-operator", *, with_needs: bool = True) -> dict[str, int]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    counts = {"sites": 0, "hotels": 0, "buses": 0, "needs": 0}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for cid, name, district, street, zone, lat, lon in COMMUNITIES:
            _put(c, f"/api/sites/{cid}", {"id": cid, "name": name, "district": district, "street": street,
                                          "zone": zone, "lat": lat, "lon": lon, "organisation": street})
            counts["sites"] += 1
        for hid, sid, name, op, district, lat, lon, accepts, rooms in HOTELS:
            _put(c, f"/api/sites/{sid}", {"id": sid, "name": name, "district": district, "lat": lat, "lon": lon,
                                          "organisation": op})
            _put(c, f"/api/hotels/{hid}", {"id": hid, "name": name, "operator": op, "site_id": sid,
                                           "accepts": accepts, "rooms": rooms})
            counts["hotels"] += 1
        for did, name, district, lat, lon, op, n, plate in DEPOTS:
            _put(c, f"/api/sites/{did}", {"id": did, "name": name, "district": district, "lat": lat, "lon": lon,
                                          "organisation": op})
            for i in range(1, n + 1):
                bid = f"{did.removeprefix('d-')}-{i:02d}"
                _put(c, f"/api/buses/{bid}", {
                    "id": bid, "operator": op, "plate": f"{plate}{i:03d}", "depot_id": did, "seats": 45,
                    "load_limit": 0.5, "shift_start": (now - timedelta(hours=1)).isoformat(),
                    "shift_end": (now + timedelta(hours=11)).isoformat(), "turnaround_min": 30})
                counts["buses"] += 1
        if with_needs and not c.get("/api/needs", params={"limit": 1}).json():
            demo_needs = [
                {"kind": "transfer", "site_id": "c-lianhua-bei", "risk": "close_contact", "people": 18,
                 "rooms": {"standard": 12, "family": 2}, "note": "莲花北 3 栋密接人员"},
                {"kind": "transfer", "site_id": "c-dongmen", "risk": "secondary_contact", "people": 6,
                 "vulnerabilities": ["elderly_alone"], "rooms": {"standard": 5, "accessible": 1}},
                {"kind": "supply", "site_id": "c-xixiang", "lines": [{"sku": "rice", "quantity": 80},
                                                                     {"sku": "oil", "quantity": 30}]},
                {"kind": "supply", "site_id": "c-yantian", "vulnerabilities": ["medicine_needed"],
                 "lines": [{"sku": "milk", "quantity": 40}, {"sku": "eggs", "quantity": 60}]},
            ]
            for body in demo_needs:
                if body["kind"] == "transfer":
                    body["ready_at"] = now.isoformat()
                body["due_at"] = (now + timedelta(hours=4)).isoformat()
                r = c.post("/api/needs", json=body)
                if r.status_code >= 400:
                    raise RuntimeError(f"POST /api/needs: {r.status_code} {r.text}")
                counts["needs"] += 1
    log.info("demo city loaded: %s", counts)
    return counts
