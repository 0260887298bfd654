"""The explanation of a remainder names staples and units as an operator reads them, not codes."""
from __future__ import annotations

from datetime import datetime, timezone

from baolei_matcher.domain.batch import context
from baolei_matcher.domain.entities import Need, Place

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=timezone.utc)


def test_a_supply_remainder_reads_in_staples_and_units():
    site = Place("c-1", "华强南社区", "福田", 22.54, 114.05)
    need = Need(id="N-1", kind="supply", site=site, priority=2, due_at=NOW, submitted_at=NOW,
                lines={"rice": 8, "oil": 4}, delivered_lines={"rice": 5, "oil": 4})
    zh, en = context(need.remainder())
    assert "已送达 食用油 4 瓶、大米 5 袋，尚余 大米 3 袋" in zh, zh
    assert "delivered cooking oil 4 bottles, rice 5 bags; left rice 3 bags" in en, en
    assert "rice 3" not in zh
