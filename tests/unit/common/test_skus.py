"""The staples catalogue: every name offices write resolves to one code; anything else is unknown."""
from __future__ import annotations

import pytest

from baolei_common import skus


@pytest.mark.parametrize("name,code", [
    ("大米", "rice"), ("米", "rice"), ("稻米", "rice"), (" Rice ", "rice"), ("ＲＩＣＥ", "rice"),
    ("面粉", "flour"), ("面", "flour"), ("Wheat  Flour", "flour"),
    ("食用油", "oil"), ("油", "oil"), ("花生油", "oil"), ("Cooking Oil", "oil"),
    ("猪肉", "pork"), ("肉", "pork"), ("PORK", "pork"),
    ("鸡蛋", "eggs"), ("蛋", "eggs"), ("egg", "eggs"),
    ("牛奶", "milk"), ("奶", "milk"), ("纯牛奶", "milk"), ("milk", "milk"),
])
def test_names_and_aliases_resolve(name, code):
    assert skus.resolve(name) == code


@pytest.mark.parametrize("name", ["", "黄金", "大米饭", "rice crackers", "口罩"])
def test_unknown_names_do_not_resolve(name):
    assert skus.resolve(name) is None


def test_every_staple_of_the_domain_with_its_names():
    assert [s.code for s in skus.STAPLES] == ["rice", "flour", "oil", "pork", "eggs", "milk"]
    for s in skus.STAPLES:
        assert skus.resolve(s.code) == s.code and skus.resolve(s.name_zh) == s.code
        assert s.name_en and s.unit and s.unit_zh


def test_unknown_reason_lists_the_staples_in_both_languages():
    zh, en = skus.unknown_reason("黄金")
    assert "黄金" in zh and "大米(rice)" in zh and "牛奶(milk)" in zh
    assert "黄金" in en and "rice, flour, oil, pork, eggs, milk" in en
