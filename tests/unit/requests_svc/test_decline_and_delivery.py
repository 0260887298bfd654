"""What a decline turns down, and what a finished supply job delivered per SKU (no database)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from baolei_common.identity import Principal
from baolei_requests.service.decisions import declined_resources
from baolei_requests.service.transitions import Invalid, _per_sku

BUS = Principal("巴士集团调度", "dispatcher", "巴士集团", token="t")
HOTEL = Principal("投控公司调度", "dispatcher", "投控公司", token="t")
OP = Principal("指挥部值班员", "operator", "指挥部", token="t")


def transfer() -> SimpleNamespace:
    return SimpleNamespace(
        trips=[{"bus": "B-1", "operator": "巴士集团"}, {"bus": "B-1", "operator": "巴士集团"},
               {"bus": "E-7", "operator": "东部公交"}],
        room={"hotel": "H-hzb", "operator": "投控公司"}, picks=[])


def supply(*picks: tuple[str, str, int]) -> SimpleNamespace:
    return SimpleNamespace(trips=[], room=None, picks=[
        {"sku": sku, "warehouse": wh, "operator": "食品物资集团", "quantity": q} for sku, wh, q in picks])


def test_a_dispatcher_declines_only_its_own_resources_an_operator_all():
    assert declined_resources(BUS, transfer()) == [("bus", "B-1")]  # once, though it makes two trips
    assert declined_resources(HOTEL, transfer()) == [("hotel", "H-hzb")]
    assert declined_resources(OP, transfer()) == [("bus", "B-1"), ("bus", "E-7"), ("hotel", "H-hzb")]
    fmg = Principal("食品物资集团调度", "dispatcher", "食品物资集团", token="t")
    assert declined_resources(fmg, supply(("rice", "w1", 5), ("oil", "w1", 2), ("rice", "w2", 1))) == [
        ("warehouse", "w1"), ("warehouse", "w2")]
    assert declined_resources(BUS, supply(("rice", "w1", 5))) == []


def test_delivered_per_sku():
    one = supply(("rice", "w1", 30), ("rice", "w2", 20))
    assert _per_sku(one, None, None) == {"rice": 50}
    assert _per_sku(one, 30, None) == {"rice": 30}
    two = supply(("rice", "w1", 30), ("oil", "w1", 10))
    assert _per_sku(two, 40, None) == {"rice": 30, "oil": 10}  # all of it
    assert _per_sku(two, None, {"rice": 25}) == {"rice": 25, "oil": 0}
    with pytest.raises(Invalid) as exc:
        _per_sku(two, 35, None)  # which SKU fell short is unknown
    assert exc.value.field == "lines" and "逐项" in exc.value.reason_zh
    with pytest.raises(Invalid) as exc:
        _per_sku(two, None, {"oil": 11})
    assert exc.value.items() == [{"field": "lines.oil", "reason_zh": "送达数量须在 0 到 10 之间",
                                   "reason_en": "must be between 0 and 10"}]
    with pytest.raises(Invalid):
        _per_sku(two, None, {"flour": 1})


@pytest.mark.parametrize("body,loc", [
    ({"lines": {"rice": -1}}, ("lines", "rice")),
    ({"lines": {"rice": 10**12}}, ("lines", "rice")),
    ({"lines": {"": 1}}, ("lines", "", "[key]")),
    ({"delivered": 10**12}, ("delivered",)),
])
def test_done_and_arrive_bodies_are_bounded(body, loc):
    from pydantic import ValidationError

    from baolei_requests.api.schemas import ArriveIn, DoneIn
    with pytest.raises(ValidationError) as exc:
        DoneIn(**body)
    assert exc.value.errors()[0]["loc"] == loc
    with pytest.raises(ValidationError):
        ArriveIn(arrived=-1)
