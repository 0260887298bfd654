"""Price grading, baselines, days of cover and reserve-release recommendations."""
from __future__ import annotations

import pytest

from baolei_inventory.domain import cover, prices
from baolei_inventory.domain.prices import Grade, Thresholds


@pytest.mark.parametrize("price,expected", [
    (1000, Grade.NORMAL), (1049, Grade.NORMAL), (1050, Grade.STRESS), (1099, Grade.STRESS),
    (1100, Grade.ALERT), (1199, Grade.ALERT), (1200, Grade.CRISIS), (2000, Grade.CRISIS), (900, Grade.NORMAL)])
def test_default_grades(price, expected):
    assert prices.grade(price, 1000).grade is expected


def test_configurable_thresholds_and_no_baseline():
    assert prices.grade(1030, 1000, Thresholds(0.02, 0.03, 0.5)).grade is Grade.ALERT
    assert prices.grade(5000, None).grade is Grade.NORMAL


def test_median_baseline():
    assert prices.median_baseline([]) is None
    assert prices.median_baseline([10, 30, 20]) == 20
    assert prices.median_baseline([10, 20]) == 15


def test_alert_messages_in_both_languages():
    a = prices.grade(3600, 3000)
    zh, en = prices.messages("猪肉", "pork", "福田", a, 120, "kg")
    assert "福田猪肉价格危机" in zh and "20.0%" in zh and "120" in zh
    assert "crisis" in en and "pork" in en and "120 kg" in en


def test_days_of_cover_and_low_stock():
    c = cover.days_of_cover(sku="rice", district="福田", available=70, reserve=0, issued_window=140)
    assert c.daily == 20 and c.days == 3.5 and not c.low
    low = cover.days_of_cover(sku="rice", district="福田", available=40, reserve=0, issued_window=140)
    assert low.days == 2 and low.low
    idle = cover.days_of_cover(sku="rice", district="福田", available=40, reserve=0, issued_window=0)
    assert idle.days is None and not idle.low


def test_reserve_release_recommendation():
    assert cover.recommend_reserve_release(daily=20, reserve=500, target_days=3) == 60
    assert cover.recommend_reserve_release(daily=20 / 7, reserve=500, target_days=7) == 20
    assert cover.recommend_reserve_release(daily=20, reserve=30, target_days=3) == 30
    assert cover.recommend_reserve_release(daily=0, reserve=30, target_days=3) == 0
