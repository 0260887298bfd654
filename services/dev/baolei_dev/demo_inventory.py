"""Demo data over the HTTP API: warehouses of 食品物资集团 in six Shenzhen districts, the six
staples (米面油、肉蛋奶) with lots and expiry dates, reserve stock (储备), a few days of issues (so
days of cover mean something), price baselines and observations (one pork survey above the band).

    python -m baolei_dev.demo_inventory http://127.0.0.1:8003 demo-operator
"""
from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone

import httpx

FMG = "食品物资集团"
WAREHOUSES = [  # id, name, district, lat, lon
    ("fmg-futian", "食品物资集团福田配送中心", "福田", 22.5431, 114.0579),
    ("fmg-luohu", "食品物资集团布吉冷链仓（罗湖）", "罗湖", 22.5551, 114.1310),
    ("fmg-nanshan", "食品物资集团南山蛇口仓", "南山", 22.4996, 113.9190),
    ("fmg-baoan", "食品物资集团宝安西乡仓", "宝安", 22.5786, 113.8660),
    ("fmg-longgang", "食品物资集团龙岗平湖物流园", "龙岗", 22.6890, 114.1270),
    ("fmg-longhua", "食品物资集团龙华观澜仓", "龙华", 22.7200, 114.0450),
]
SKUS = [  # id, zh, en, unit, regular per warehouse, shelf life days, reserve, daily issue, price fen
    ("rice", "大米", "rice", "bag", 800, 365, 2000, 60, 7500),
    ("flour", "面粉", "flour", "bag", 400, 180, 800, 25, 6000),
    ("oil", "食用油", "cooking oil", "bottle", 600, 540, 1000, 40, 7900),
    ("pork", "猪肉", "pork", "kg", 300, 10, 500, 45, 3000),
    ("eggs", "鸡蛋", "eggs", "tray", 250, 20, 0, 30, 2800),
    ("milk", "牛奶", "milk", "case", 200, 14, 0, 20, 6500),
]


def _ok(r: httpx.Response) -> httpx.Response:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text}")
    return r


def load_demo(base_url: str, token: str) -> None:
    """Create the demo city's stock and prices through the API (idempotent enough to rerun:
    warehouses and SKUs are upserts; stock and prices are added again)."""
    today = date.today()
    now = datetime.now(timezone.utc)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        for sku, zh, en, unit, *_ in SKUS:
            _ok(http.post("/api/skus", json={"id": sku, "name_zh": zh, "name_en": en, "unit": unit, "staple": True}))
        for i, (wid, name, district, lat, lon) in enumerate(WAREHOUSES):
            _ok(http.post("/api/warehouses", json={"id": wid, "name": name, "organisation": FMG,
                                                   "district": district, "lat": lat, "lon": lon}))
            for sku, _zh, _en, _unit, qty, life, reserve, daily, _p in SKUS:
                for n, share in enumerate((0.4, 0.6)):  # two lots, the older one expires first
                    _ok(http.post("/api/movements", json={
                        "kind": "receipt", "warehouse_id": wid, "sku": sku, "lot": f"{sku}-{today:%y%m}-{n + 1}",
                        "quantity": int(qty * share), "expiry": (today + timedelta(days=life // (2 - n))).isoformat(),
                        "occurred_at": (now - timedelta(days=8)).isoformat(), "reason": "demo opening stock"}))
                if reserve and i % 2 == 0:  # reserve (储备) sits in three of the six warehouses
                    _ok(http.post("/api/movements", json={
                        "kind": "receipt", "warehouse_id": wid, "sku": sku, "lot": f"{sku}-reserve",
                        "quantity": reserve, "reserve": True, "expiry": (today + timedelta(days=life)).isoformat(),
                        "occurred_at": (now - timedelta(days=8)).isoformat(), "reason": "市储备 demo"}))
                for d in range(1, 4):  # some consumption over the last days
                    _ok(http.post("/api/movements", json={
                        "kind": "issue", "warehouse_id": wid, "sku": sku,
                        "quantity": int(daily * (0.5 + 0.25 * (i % 3))),
                        "occurred_at": (now - timedelta(days=d)).isoformat(), "reason": "demo community supply"}))
        for sku, *_rest, price in SKUS:
            for _wid, _name, district, *_ in WAREHOUSES[:3]:
                _ok(http.put("/api/baselines", json={"sku": sku, "district": district, "baseline_fen": price}))
                _ok(http.post("/api/prices", json={"sku": sku, "district": district, "source": "market_survey",
                                                   "price_fen": int(price * 1.02)}))
        _ok(http.post("/api/prices", json={"sku": "pork", "district": "福田", "source": "market_survey",
                                           "price_fen": 3600}))  # +20 %: crisis, raises a PriceAlert
        _ok(http.post("/api/prices", json={"sku": "eggs", "district": "罗湖", "source": "supply_group_sale",
                                           "price_fen": 3120}))  # +11 %: alert


if __name__ == "__main__":
    load_demo(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8003",
              sys.argv[2] if len(sys.argv) > 2 else "demo-operator")
