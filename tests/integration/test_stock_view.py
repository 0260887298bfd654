"""The matcher's view of available stock follows the inventory's ledger, movement by movement."""
from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}


def test_matcher_stock_follows_the_ledger(matcher, inventory):
    inv = httpx.Client(base_url=inventory["url"], headers=OP, timeout=10)
    assert inv.post("/api/skus", json={"id": "oil", "name_zh": "食用油", "name_en": "oil", "unit": "桶",
                                       "staple": True}).status_code in (200, 201)
    assert inv.post("/api/warehouses", json={"id": "wh-ba", "name": "食品物资集团宝安仓",
                                             "organisation": "食品物资集团", "district": "宝安", "lat": 22.58,
                                             "lon": 113.87}).status_code in (200, 201)

    def move(body: dict) -> None:
        r = inv.post("/api/movements", json={"warehouse_id": "wh-ba", "sku": "oil", **body})
        assert r.status_code in (200, 201), r.text

    def matcher_sees() -> int | None:
        rows = httpx.get(f"{matcher['url']}/state/stock", timeout=5).json()
        return next((r["available"] for r in rows if (r["warehouse"], r["sku"]) == ("wh-ba", "oil")), None)

    def ledger_says() -> int:
        (b,) = inv.get("/api/balances", params={"warehouse_id": "wh-ba", "sku": "oil"}).json()
        return b["available"]

    move({"kind": "receipt", "lot": "oil-1", "quantity": 80, "expiry": "2027-03-01", "reason": "到货"})
    poll(lambda: matcher_sees() == 80)
    move({"kind": "receipt", "lot": "oil-r", "quantity": 50, "expiry": "2027-03-01", "reserve": True,
          "reason": "市储备"})
    move({"kind": "issue", "quantity": 30, "reason": "社区配送"})
    poll(lambda: matcher_sees() == ledger_says() == 50)  # reserve is never available to the matcher
    r = inv.post("/api/reserve/release", json={"warehouse_id": "wh-ba", "sku": "oil", "quantity": 20,
                                               "reason": "储备投放"})
    assert r.status_code in (200, 201), r.text
    poll(lambda: matcher_sees() == ledger_says() == 70)
