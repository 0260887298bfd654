"""An operator's faster alternative: the release carries it, the matcher re-solves the need with
lateness weighted higher or with only the named bus (issue 17, point 3)."""
from __future__ import annotations

from datetime import timedelta

from baolei_common.rooms import Rooms
from baolei_events.v1 import assignments_pb2, needs_pb2
from baolei_matcher.adapters import codec
from baolei_matcher.domain import snapshot
from baolei_matcher.domain.batch import groups, match_batch, scenario_for
from baolei_matcher.domain.entities import Bus
from baolei_matcher.domain.faster import Faster, ask_faster

from .test_batch import FAR, HZB, NOW, state, transfer


def two_buses():
    st = state()
    st.buses["b2"] = Bus("b2", "东部公交", FAR, 40, 0.5, NOW, NOW + timedelta(hours=12), 30)
    need = transfer("n1", 2, Rooms(standard=2))
    st.upsert_need(need)
    return st, need


def test_the_release_carries_the_request_to_the_matcher():
    ev = assignments_pb2.AssignmentReleased(assignment_id="A-1", need_id="n1", reason="faster: bus b2",
                                            faster=needs_pb2.FasterRequested(need_id="n1", bus_id="b2"))
    wire = assignments_pb2.AssignmentReleased.FromString(ev.SerializeToString())
    assert wire.HasField("faster") and codec.faster(wire) == Faster("n1", 1.0, "b2")


def test_named_bus_excludes_every_other_bus_and_says_so():
    st, need = two_buses()
    ask_faster(st, Faster("n1", bus_id="b2"))
    assert need.excluded == {"bus:b1"} and need.only_bus == "b2"
    (exclude, todo), = groups([need])
    (p,) = match_batch(st, todo, NOW, 5).proposals
    assert {t.bus_id for t in p.trips} == {"b2"}
    assert "指定车辆 b2" in p.explanation_zh and "named bus b2" in p.explanation_en
    assert "拒绝" not in p.explanation_zh  # the narrowing is not shown as declines


def test_named_bus_that_cannot_carry_the_need_is_the_reason():
    st, need = two_buses()
    st.buses["b2"].shift_end = NOW + timedelta(minutes=5)  # off shift before it could reach the site
    ask_faster(st, Faster("n1", bus_id="b2"))
    d = match_batch(st, [need], NOW, 5)
    assert not d.proposals
    (u,) = d.unmet
    assert "指定车辆 b2 无法承运：班次结束前" in u.reason_zh
    assert "the named bus b2 cannot carry it: no bus can reach it" in u.reason_en.lower()


def test_weighted_request_lifts_the_named_bus_but_keeps_declines():
    st, need = two_buses()
    st.exclude("n1", ["hotel:near"])
    ask_faster(st, Faster("n1", bus_id="b2"))
    ask_faster(st, Faster("n1", time_weight=5.0))
    assert need.excluded == {"hotel:near"} and need.only_bus == "" and need.time_weight == 5.0
    (t,) = scenario_for(st, [need], NOW).transfers
    assert t.time_weight == 5.0


def test_snapshot_keeps_the_request():
    st, need = two_buses()
    ask_faster(st, Faster("n1", time_weight=3.0, bus_id="b2"))
    back = snapshot.decode(snapshot.encode(snapshot.to_doc(st, {}, taken_at=NOW))).state.needs["n1"]
    assert (back.time_weight, back.only_bus, back.narrowed, back.excluded) == (3.0, "b2", {"bus:b1"}, {"bus:b1"})


def test_unknown_need_is_ignored():
    st, _ = two_buses()
    assert "ignored" in ask_faster(st, Faster("nope", time_weight=3.0))
    assert HZB  # the shared places are those of test_batch
