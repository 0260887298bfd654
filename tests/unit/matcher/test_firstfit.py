"""First-fit rules on plain state: upgrades not downgrades, bus capacity, stock shortfalls."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from baolei_matcher.domain.decisions import Proposal, Unmet
from baolei_matcher.domain.firstfit import _allocate_rooms, first_fit
from baolei_matcher.domain.state import Bus, Hold, Hotel, MatcherState, Need, Place, Stock

NOW = datetime(2022, 1, 14, 0, 0, tzinfo=timezone.utc)
SITE = Place("s1", "莲花北", "福田", 22.5585, 114.0578)
HZB = Place("hzb", "会展北", "福田", 22.5367, 114.0545)
FAR = Place("bg", "坝光国际酒店", "大鹏", 22.6000, 114.1000)  # nearer than in life, to keep trips short


def state() -> MatcherState:
    st = MatcherState()
    st.hotels["near"] = Hotel("near", "会展北", "投控公司", HZB, frozenset({"close_contact"}),
                              {"standard": 2, "family": 1, "accessible": 0}, None)
    st.hotels["far"] = Hotel("far", "坝光国际酒店", "投控公司", FAR, frozenset({"close_contact", "inbound"}),
                             {"standard": 50, "family": 10, "accessible": 5}, None)
    st.buses["b1"] = Bus("b1", "巴士集团", HZB, 40, 0.5, NOW, NOW + timedelta(hours=12), 30)
    return st


def transfer(nid: str, people: int, rooms: dict, risk: str = "close_contact", prio: int = 1) -> Need:
    return Need(nid, "transfer", SITE, prio, NOW + timedelta(hours=4), NOW, risk, people, rooms, NOW, {})


def test_rooms_upgrade_standard_but_never_downgrade():
    assert _allocate_rooms({"standard": 3}, {"standard": 2, "family": 1, "accessible": 0}) == \
        {"standard": 2, "family": 1, "accessible": 0}
    assert _allocate_rooms({"family": 1}, {"standard": 5, "family": 0, "accessible": 5}) is None
    assert _allocate_rooms({"accessible": 1}, {"standard": 5, "family": 5, "accessible": 0}) is None


def test_nearest_hotel_that_fits_and_trips_within_capacity():
    st = state()
    d = first_fit(st, [transfer("n1", 3, {"standard": 3})], NOW)
    (p,) = d.proposals
    assert p.hotel_id == "near" and p.rooms == {"standard": 2, "family": 1, "accessible": 0}
    d = first_fit(st, [transfer("n2", 45, {"standard": 45})], NOW)
    (p,) = d.proposals
    assert p.hotel_id == "far"
    assert [sum(n for _, n in t.stops[0].load) for t in p.trips] == [20, 20, 5]
    starts = [t.start_at for t in p.trips]
    assert starts == sorted(starts)
    for a, b in zip(p.trips, p.trips[1:]):  # turnaround between trips of one bus
        assert b.start_at >= a.arrive_at + timedelta(minutes=30)


def test_holds_consume_rooms_and_unmet_reasons():
    st = state()
    st.add_hold(Hold("a1", "other", hotel_id="near", rooms={"standard": 2, "family": 1}))
    st.add_hold(Hold("a2", "other2", hotel_id="far", rooms={"family": 10}))
    d = first_fit(st, [transfer("n1", 2, {"family": 1})], NOW)
    (u,) = d.unmet
    assert isinstance(u, Unmet) and u.code == "no_family_rooms"
    d = first_fit(st, [transfer("n2", 1, {"standard": 1}, risk="secondary_contact")], NOW)
    assert d.unmet[0].code == "no_hotel_accepts_risk"


def test_no_bus_in_shift():
    st = state()
    st.buses["b1"].shift_end = NOW + timedelta(minutes=5)
    d = first_fit(st, [transfer("n1", 2, {"standard": 2})], NOW)
    assert d.unmet[0].code == "no_bus_in_shift"


def test_supply_nearest_stock_first_and_shortfall():
    st = state()
    st.stock[("hzb", "rice")] = Stock(HZB, "食品物资集团", "rice", 100)
    st.stock[("bg", "rice")] = Stock(FAR, "食品物资集团", "rice", 50)
    need = Need("s1", "supply", SITE, 2, NOW + timedelta(hours=4), NOW, lines={"rice": 180})
    d = first_fit(st, [need], NOW)
    (p,) = d.proposals
    assert isinstance(p, Proposal)
    assert [(k.warehouse_id, k.quantity) for k in p.picks] == [("hzb", 100), ("bg", 50)]
    assert p.quantity_unserved == {"rice": 30}
    assert "30" in p.explanation_zh


def test_unreflected_picks_reduce_available_until_inventory_reports():
    st = state()
    st.stock[("hzb", "rice")] = Stock(HZB, "食品物资集团", "rice", 100)
    from baolei_matcher.domain.state import Pick
    st.add_hold(Hold("A-1", "x", picks=[Pick("hzb", "rice", 60)]))
    assert st.stock_free()[("hzb", "rice")] == 40
    st.upsert_stock(Stock(HZB, "食品物资集团", "rice", 40), cause="hold assignment:A-1")
    assert st.stock_free()[("hzb", "rice")] == 40
