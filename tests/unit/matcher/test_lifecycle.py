"""A lifecycle that finishes, on plain matcher state: the remainder of a partial delivery is matched
again, declined resources are never offered to that need again, and a stock level names its
assignment in a field of its own."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from baolei_common.rooms import Rooms
from baolei_events.v1 import assignments_pb2, needs_pb2
from baolei_matcher.adapters import codec
from baolei_matcher.domain import snapshot
from baolei_matcher.domain.batch import groups, match_batch
from baolei_matcher.domain.entities import Bus, Delivered, Hold, Hotel, Need, Pick, Place, Stock
from baolei_matcher.domain.state import MatcherState

NOW = datetime(2022, 1, 14, 0, 0, tzinfo=timezone.utc)
SITE = Place("s1", "莲花北", "福田", 22.5585, 114.0578)
HZB = Place("hzb", "会展北", "福田", 22.5367, 114.0545)
FAR = Place("bg", "坝光国际酒店", "大鹏", 22.6000, 114.1000)


def state() -> MatcherState:
    st = MatcherState()
    st.hotels["near"] = Hotel("near", "会展北", "投控公司", HZB, frozenset({"close_contact"}),
                              Rooms(standard=10, family=0, accessible=0), None)
    st.hotels["far"] = Hotel("far", "坝光国际酒店", "投控公司", FAR, frozenset({"close_contact"}),
                             Rooms(standard=50, family=0, accessible=0), None)
    st.buses["b1"] = Bus("b1", "巴士集团", HZB, 40, 0.5, NOW, NOW + timedelta(hours=12), 30)
    st.buses["b2"] = Bus("b2", "东部公交", FAR, 40, 0.5, NOW, NOW + timedelta(hours=12), 30)
    return st


def transfer(nid: str, people: int) -> Need:
    return Need(nid, "transfer", SITE, 1, NOW + timedelta(hours=4), NOW, "close_contact", people,
                Rooms(standard=people), NOW, {})


def test_a_partial_transfer_leaves_the_remainder_open_with_rooms_for_it():
    st = state()
    st.upsert_need(transfer("n1", 6))
    st.add_hold(Hold("a1", "n1", "confirmed", "near", Rooms(standard=6), people=6))
    assert st.to_match() == []  # waits for its job
    st.resources_changed = False
    st.release("a1", "done: delivered 4 of 6", Delivered(people=4))
    assert "n1" in st.needs and not st.needs["n1"].closed
    assert st.resources_changed  # two rooms nobody moved into are free again
    assert st.rooms_taken == {"near": Rooms(standard=4)}
    assert st.rooms_free()["near"].standard == 6
    (rest,) = st.to_match()
    assert (rest.people, rest.rooms) == (2, Rooms(standard=2, family=0, accessible=0))
    assert rest.submitted_at == NOW and rest.priority == 1  # its original waiting time and priority
    d = match_batch(st, [rest], NOW, 5)
    (p,) = d.proposals
    assert p.people == 2 and "剩余部分" in p.explanation_zh and "4" in p.explanation_zh
    assert "remainder" in p.explanation_en.lower()
    # the remainder done too: nothing is left and the need leaves the state
    st.add_hold(Hold("a2", "n1", "confirmed", "near", Rooms(standard=2), people=2))
    st.release("a2", "done: delivered 2 of 2", Delivered(people=2))
    assert "n1" not in st.needs


def test_a_done_without_a_delivery_closes_the_need_as_before():
    st = state()
    st.upsert_need(transfer("n1", 6))
    st.add_hold(Hold("a1", "n1", "confirmed", "near", Rooms(standard=6), people=6))
    st.release("a1", "done: delivered 4 of 6")  # an event written before deliveries were counted
    assert "n1" not in st.needs and st.rooms_taken == {"near": Rooms(standard=6)}


def test_a_partial_supply_is_matched_again_for_what_is_left():
    st = state()
    st.stock[("hzb", "rice")] = Stock(HZB, "食品物资集团", "rice", 100)
    st.upsert_need(Need("s1", "supply", SITE, 2, NOW + timedelta(hours=4), NOW, lines={"rice": 50, "oil": 5}))
    st.add_hold(Hold("a1", "s1", "confirmed", picks=[Pick("hzb", "rice", 50, "食品物资集团")]))
    assert [n.lines for n in st.to_match()] == [{"oil": 5}]
    st.release("a1", "done: delivered 30 of 50", Delivered(quantities={"rice": 30}))
    (rest,) = st.to_match()
    assert rest.lines == {"rice": 20, "oil": 5}
    (p,) = match_batch(st, [rest], NOW, 5).proposals
    assert [(k.sku, k.quantity) for k in p.picks] == [("rice", 20)]
    assert "剩余部分" in p.explanation_zh and "已送达 大米 30 袋" in p.explanation_zh  # staples by name, not code


def test_declined_resources_are_not_offered_again_and_unmet_says_why():
    st = state()
    st.upsert_need(transfer("n1", 2))
    st.exclude("n1", ["bus:b1", "hotel:near"])
    (n,) = st.to_match()
    (p,) = match_batch(st, [n], NOW, 5).proposals
    assert p.hotel_id == "far" and {t.bus_id for t in p.trips} == {"b2"}
    assert "b1" in p.explanation_zh and "near" in p.explanation_en
    st.exclude("n1", ["bus:b2"])
    d = match_batch(st, st.to_match(), NOW, 5)
    (u,) = d.unmet
    assert not d.proposals and "已排除调度拒绝过的资源" in u.reason_zh and "b2" in u.reason_zh
    assert "declined for this need" in u.reason_en.lower()
    # another need is not affected by n1's declines
    st.upsert_need(transfer("n2", 2))
    (p2,) = match_batch(st, [st.needs["n2"]], NOW, 5).proposals
    assert p2.hotel_id == "near"


def test_a_declined_warehouse_is_not_picked_again():
    st = state()
    st.stock[("hzb", "rice")] = Stock(HZB, "食品物资集团", "rice", 100)
    st.stock[("bg", "rice")] = Stock(FAR, "食品物资集团", "rice", 100)
    st.upsert_need(Need("s1", "supply", SITE, 2, NOW + timedelta(hours=4), NOW, lines={"rice": 10}))
    st.exclude("s1", ["warehouse:hzb"])
    (p,) = match_batch(st, st.to_match(), NOW, 5).proposals
    assert [k.warehouse_id for k in p.picks] == ["bg"]


def test_needs_with_declines_are_solved_in_groups_after_the_others():
    a, b, c = transfer("a", 1), transfer("b", 1), transfer("c", 1)
    b.excluded.add("bus:b1")
    c.excluded.add("bus:b1")
    assert [(sorted(k), [n.id for n in v]) for k, v in groups([b, a, c])] == [([], ["a"]), (["bus:b1"], ["b", "c"])]
    assert groups([b]) == [(frozenset({"bus:b1"}), [b])]


def test_a_stock_level_names_its_assignment_in_a_field():
    st = state()
    st.stock[("hzb", "rice")] = Stock(HZB, "食品物资集团", "rice", 100)
    st.add_hold(Hold("A-1", "x", picks=[Pick("hzb", "rice", 30)]))
    assert st.stock_free()[("hzb", "rice")] == 70
    # a level for another assignment whose cause text happens to contain A-1: not this hold's
    st.upsert_stock(Stock(HZB, "食品物资集团", "rice", 90), "hold movement=mv-1 assignment=A-10", "A-10")
    assert not st.holds["A-1"].picks[0].reflected and st.stock_free()[("hzb", "rice")] == 60
    st.upsert_stock(Stock(HZB, "食品物资集团", "rice", 60), "hold movement=mv-2", "A-1")
    assert st.holds["A-1"].picks[0].reflected and st.stock_free()[("hzb", "rice")] == 60


def test_a_stock_level_from_before_the_field_is_read_from_its_cause():
    st = state()
    st.stock[("hzb", "rice")] = Stock(HZB, "食品物资集团", "rice", 100)
    st.add_hold(Hold("A-1", "x", picks=[Pick("hzb", "rice", 30)]))
    st.upsert_stock(Stock(HZB, "食品物资集团", "rice", 70), "hold movement=mv-1 assignment=A-1")
    assert st.holds["A-1"].picks[0].reflected and st.stock_free()[("hzb", "rice")] == 70


def test_deliveries_and_declines_survive_a_snapshot_and_a_replayed_need():
    st = state()
    st.upsert_need(transfer("n1", 6))
    st.add_hold(Hold("a1", "n1", "confirmed", "near", Rooms(standard=6), people=6))
    st.release("a1", "done", Delivered(people=4))
    st.exclude("n1", ["hotel:near"])
    back = snapshot.decode(snapshot.encode(snapshot.to_doc(st, {}, taken_at=NOW))).state
    n = back.needs["n1"]
    assert (n.delivered_people, n.rooms_done, n.excluded) == (4, Rooms(standard=4), {"hotel:near"})
    back.upsert_need(transfer("n1", 6))  # the NeedSubmitted event read again
    assert back.needs["n1"].delivered_people == 4 and back.needs["n1"].excluded == {"hotel:near"}
    old = snapshot.to_doc(st, {}, taken_at=NOW)
    old["needs"] = [row[:12] for row in old["needs"]]  # a snapshot written before these were kept
    assert snapshot.from_doc(old).state.needs["n1"].delivered_people == 0


def test_the_released_event_carries_the_delivery_and_the_declined_resources():
    r = assignments_pb2.AssignmentReleased(
        assignment_id="a1", need_id="n1", reason="declined: 车辆故障",
        declined=[assignments_pb2.ResourceRef(kind=assignments_pb2.RESOURCE_KIND_BUS, id="b1"),
                  assignments_pb2.ResourceRef(kind=assignments_pb2.RESOURCE_KIND_WAREHOUSE, id="w1")])
    assert codec.declined(r) == ["bus:b1", "warehouse:w1"] and codec.delivered(r) is None
    done = assignments_pb2.AssignmentReleased(assignment_id="a1", need_id="n1", reason="done")
    done.delivery.CopyFrom(assignments_pb2.Delivery(quantities=[needs_pb2.SupplyLine(sku="rice", quantity=30)]))
    assert codec.delivered(done) == Delivered(0, {"rice": 30})
    zero = assignments_pb2.AssignmentReleased(assignment_id="a1", need_id="n1", reason="done")
    zero.delivery.SetInParent()  # nobody came: still a delivery (of nothing), not an old event
    assert codec.delivered(zero) == Delivered(0, {})


def test_room_arithmetic():
    """The grant's rooms after a partial arrival, and the rooms a remainder asks (baolei_common.rooms)."""
    assert Rooms(standard=6).kept_after(4) == Rooms(standard=4)
    assert Rooms(family=2).kept_after(4) == Rooms(family=2)  # who shares is unknown
    assert Rooms(standard=2, accessible=1).kept_after(0) == Rooms()
    assert Rooms().fitted_to(2) == Rooms(standard=2)
    assert Rooms(standard=3, family=1, accessible=1).fitted_to(2) == Rooms(family=1, accessible=1)
