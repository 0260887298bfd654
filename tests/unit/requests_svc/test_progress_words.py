"""A supply need's progress staple by staple, with units: 80 bags of rice and 30 bottles of oil were
shown as "需 110"; and English counts in the singular when there is one ("1 person", "1 tray")."""
from __future__ import annotations

from types import SimpleNamespace

from baolei_requests.api.presenters.labels import lines_text, need_text
from baolei_requests.api.routes import progress_words


def supply(*assignments) -> SimpleNamespace:
    lines = [{"sku": "rice", "quantity": 80}, {"sku": "oil", "quantity": 30}]
    return SimpleNamespace(kind="supply", people=0, lines=lines, assignments=list(assignments))


def job(status, picks, delivered=0):
    return SimpleNamespace(status=status, kind="supply", picks=picks, delivered=delivered, people=0)


def test_units_are_never_added_across_staples():
    w = progress_words(supply())
    assert w["progress_zh"] == "需 大米 80 袋、食用油 30 瓶 · 待解决 大米 80 袋、食用油 30 瓶"
    assert "110" not in w["progress_zh"] + w["progress_en"]
    done = job("done", [{"sku": "rice", "quantity": 80, "delivered": 50},
                        {"sku": "oil", "quantity": 30, "delivered": 30}], delivered=80)
    w = progress_words(supply(done))
    assert w["progress_zh"] == "需 大米 80 袋、食用油 30 瓶 · 已送达 大米 50 袋、食用油 30 瓶 · 待解决 大米 30 袋"
    assert w["progress_en"] == ("rice 80 bags, cooking oil 30 bottles asked · rice 50 bags, cooking oil 30 bottles "
                                "delivered · rice 30 bags remaining")
    flying = job("under_way", [{"sku": "rice", "quantity": 30}])
    w = progress_words(supply(done, flying))
    assert [ln["remaining"] for ln in w["progress_lines"]] == [0, 0] and "在途 大米 30 袋" in w["progress_zh"]


def test_english_counts_one_in_the_singular():
    assert need_text("transfer", "莲花北社区", 1, [])[1] == "the transfer of 1 person from 莲花北社区"
    got = lines_text([{"sku": "eggs", "quantity": 1}, {"sku": "rice", "quantity": 2}])[1]
    assert got == "1 tray of eggs, 2 bags of rice"
