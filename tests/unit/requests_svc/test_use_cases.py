"""The use cases of a proposal's life, on an in-memory unit of work (no database, no Kafka): what
each changes, what it audits and which events it stages for the matcher and the inventory."""
from __future__ import annotations

from datetime import timedelta

import pytest

from baolei_common import policy, topics
from baolei_common.events import utcnow
from baolei_common.identity import Principal
from baolei_requests.service import cancel, decisions, faster, registry, transitions
from baolei_requests.service.errors import Conflict, Forbidden, Invalid
from tests.unit.requests_svc.fakes import FakeUnitOfWork

BUS = Principal("巴士集团调度", "dispatcher", "巴士集团", kind="bus")
HOTEL = Principal("投控公司调度", "dispatcher", "投控公司", kind="hotel")
OP = Principal("指挥部值班员", "operator", "指挥部")
SITE = Principal("莲花北社区", "site", "福田区")


def released(uow: FakeUnitOfWork):
    return [m.released for t, _, m in uow.events if t == topics.ASSIGNMENTS and m.WhichOneof("event") == "released"]


def test_every_organisation_must_accept_before_the_confirmation_goes_out():
    uow = FakeUnitOfWork()
    a = uow.assignment(uow.need())
    assert decisions.decide(uow, BUS, a.id, True) == ["投控公司"]
    assert a.status == "proposed" and a.accepted_by == ["巴士集团"] and uow.events == []
    assert decisions.decide(uow, HOTEL, a.id, True) == []
    assert a.status == "confirming"
    assert uow.kinds() == [f"{topics.ASSIGNMENTS}:confirmed"]
    assert [e.action for e in uow.audited] == ["assignment.accept", "assignment.accept"]


def test_an_operators_accept_stands_for_all():
    uow = FakeUnitOfWork()
    a = uow.assignment(uow.need())
    assert decisions.decide(uow, OP, a.id, True) == []
    assert a.status == "confirming" and sorted(a.accepted_by) == ["巴士集团", "投控公司"]
    assert uow.kinds() == [f"{topics.ASSIGNMENTS}:confirmed"]


def test_a_second_answer_is_refused_and_nothing_is_staged():
    uow = FakeUnitOfWork()
    a = uow.assignment(uow.need())
    decisions.decide(uow, OP, a.id, True)
    with pytest.raises(Conflict):
        decisions.decide(uow, BUS, a.id, False, "太忙")
    assert a.status == "confirming" and uow.kinds() == [f"{topics.ASSIGNMENTS}:confirmed"]


def test_a_dispatcher_declines_naming_only_its_own_resources():
    uow = FakeUnitOfWork()
    a = uow.assignment(uow.need())
    decisions.decide(uow, HOTEL, a.id, False, "房间维修")
    assert a.status == "releasing"
    (body,) = released(uow)
    assert body.reason == "declined: 房间维修" and [r.id for r in body.declined] == ["H-1"]
    assert uow.audited[-1].action == "assignment.decline" and uow.audited[-1].after["declined"] == ["hotel:H-1"]


def test_an_operators_decline_turns_down_every_resource():
    uow = FakeUnitOfWork()
    a = uow.assignment(uow.need())
    decisions.decide(uow, OP, a.id, False)
    (body,) = released(uow)
    assert sorted(r.id for r in body.declined) == ["B-1", "H-1"] and body.reason == "declined"


def test_a_breakdown_takes_the_bus_out_of_service_and_releases_its_other_proposals():
    uow = FakeUnitOfWork()
    bus = uow.bus()
    a = uow.assignment(uow.need())
    other = uow.assignment(uow.need("N-2"), "A-2")
    decisions.decide(uow, BUS, a.id, False, "车辆故障")
    assert bus.state == "out_of_service" and a.status == "releasing" and other.status == "releasing"
    assert uow.kinds() == [f"{topics.BUSES}:BusStatus", f"{topics.ASSIGNMENTS}:released",
                           f"{topics.ASSIGNMENTS}:released"]  # the bus first: the matcher hears of it before


def test_a_dispatcher_not_in_the_proposal_may_not_answer():
    uow = FakeUnitOfWork()
    a = uow.assignment(uow.need(), organisations=("巴士集团",))
    with pytest.raises(policy.Denied) as exc:
        decisions.decide(uow, HOTEL, a.id, True)
    assert exc.value.field == "assignment_id"
    assert a.status == "proposed" and uow.events == [] and not uow.committed


def test_holds_not_answered_in_time_expire_once():
    uow = FakeUnitOfWork()
    late = uow.assignment(uow.need(), expires_in_s=-1)
    fresh = uow.assignment(uow.need("N-2"), "A-2")
    assert decisions.expire_holds(uow) == 1
    assert late.status == "expiring" and fresh.status == "proposed"
    assert [b.reason for b in released(uow)] == ["expired"]
    assert decisions.expire_holds(uow, now=utcnow() + timedelta(seconds=1)) == 0


def test_a_transfer_is_done_once_the_hotel_confirms_who_arrived():
    uow = FakeUnitOfWork()
    need = uow.need(status="confirmed")
    a = uow.assignment(need, status="confirmed")
    transitions.start(uow, BUS, a.id)
    assert a.status == "under_way" and need.status == "under_way"
    transitions.finish(uow, BUS, a.id, None)
    assert a.status == "arriving" and a.delivered == 6 and released(uow) == []
    with pytest.raises(Forbidden):
        transitions.arrive(uow, BUS, a.id, 6)  # the hotel confirms, not the bus company
    transitions.arrive(uow, HOTEL, a.id, 6)
    assert a.status == "done" and need.status == "done"
    (body,) = released(uow)
    assert body.delivery.people == 6 and body.delivery.people_remaining == 0


def test_whoever_did_not_arrive_goes_back_to_matching():
    uow = FakeUnitOfWork()
    need = uow.need(status="confirmed")
    a = uow.assignment(need, status="confirmed")
    transitions.finish(uow, BUS, a.id, 6)
    with pytest.raises(Invalid):
        transitions.arrive(uow, HOTEL, a.id, 7)
    transitions.arrive(uow, OP, a.id, 4)
    assert a.status == "done" and a.delivered == 4 and need.status == "submitted"
    (body,) = released(uow)
    assert body.delivery.people == 4 and body.delivery.people_remaining == 2


def test_a_partial_supply_delivery_tells_the_matcher_what_is_left():
    uow = FakeUnitOfWork()
    need = uow.need(kind="supply", lines=[{"sku": "rice", "quantity": 80}], status="confirmed")
    picks = [{"sku": "rice", "warehouse": "W-1", "operator": "食品物资集团", "quantity": 50},
             {"sku": "rice", "warehouse": "W-2", "operator": "食品物资集团", "quantity": 30}]
    a = uow.assignment(need, status="confirmed", organisations=("食品物资集团",), picks=picks)
    fmg = Principal("食品物资集团调度", "dispatcher", "食品物资集团", kind="supply")
    with pytest.raises(Conflict):
        transitions.finish(uow, fmg, a.id, 81)
    transitions.finish(uow, fmg, a.id, 60)
    assert a.status == "done" and a.delivered == 60 and need.status == "submitted"  # the rest is matched anew
    (body,) = released(uow)
    assert {q.sku: q.quantity for q in body.delivery.quantities} == {"rice": 60}
    assert {q.sku: q.quantity for q in body.delivery.quantity_remaining} == {"rice": 20}
    assert uow.audited[-1].after["need_remaining"] == 20


def test_two_staples_partly_handed_over_leave_each_its_own_remainder():
    """Rice 50 of 80 and oil 10 of 10: rice 30 is left, not oil (the split per staple is kept, not
    spread over the picks in order)."""
    uow = FakeUnitOfWork()
    need = uow.need(kind="supply", lines=[{"sku": "rice", "quantity": 80}, {"sku": "oil", "quantity": 10}],
                    status="confirmed")
    picks = [{"sku": "rice", "warehouse": "W-1", "operator": "食品物资集团", "quantity": 80},
             {"sku": "oil", "warehouse": "W-1", "operator": "食品物资集团", "quantity": 10}]
    a = uow.assignment(need, status="confirmed", organisations=("食品物资集团",), picks=picks)
    fmg = Principal("食品物资集团调度", "dispatcher", "食品物资集团", kind="supply")
    transitions.finish(uow, fmg, a.id, None, lines={"rice": 50, "oil": 10})
    (body,) = released(uow)
    assert {q.sku: q.quantity for q in body.delivery.quantities} == {"rice": 50, "oil": 10}
    assert {q.sku: q.quantity for q in body.delivery.quantity_remaining} == {"rice": 30}
    assert [k["delivered"] for k in a.picks] == [50, 10]


def test_cancelling_a_need_releases_its_live_holds():
    uow = FakeUnitOfWork()
    need = uow.need()
    a = uow.assignment(need)
    cancel.cancel_need(uow, SITE, need.id, "已自行安排")
    assert need.status == "cancelled"
    assert uow.kinds() == [f"{topics.NEEDS}:cancelled", f"{topics.ASSIGNMENTS}:released"]
    assert released(uow)[0].assignment_id == a.id
    with pytest.raises(Conflict):
        cancel.cancel_need(uow, SITE, need.id, "again")


def test_asking_for_a_faster_alternative_releases_the_waiting_proposal_with_the_request():
    uow = FakeUnitOfWork()
    need = uow.need()
    a = uow.assignment(need)
    assert faster.ask_faster(uow, OP, need.id, None, None) == [a.id]
    (body,) = released(uow)
    assert a.status == "releasing" and body.faster.time_weight == faster.WEIGHTED


def test_a_bus_put_out_of_service_is_audited_with_its_reason_and_told_to_the_matcher():
    uow = FakeUnitOfWork()
    bus = uow.bus()
    with pytest.raises(policy.Denied):
        registry.set_bus_state(uow, HOTEL, "B-1", "out_of_service", "维修")  # not the hotel company's bus
    assert bus.state == "in_service" and uow.events == []
    assert registry.set_bus_state(uow, BUS, "B-1", "out_of_service", "维修") == "巴士集团"
    assert bus.state == "out_of_service" and uow.kinds() == [f"{topics.BUSES}:BusStatus"]
    assert [(e.action, e.after) for e in uow.audited] == [("bus.state", {"state": "out_of_service", "reason": "维修"})]
