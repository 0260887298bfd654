"""The need's status and progress follow all its assignments (domain/lifecycle.py)."""
from __future__ import annotations

import pytest

from baolei_requests.domain.lifecycle import (
    Part,
    awaiting,
    can_arrive,
    can_finish,
    can_start,
    is_breakdown,
    need_status,
    progress,
)


@pytest.mark.parametrize("parts,unmet,want", [
    ([], "", "submitted"),
    ([], "no_hotel_for_risk", "unmet"),
    ([Part("proposed", 5)], "", "proposed"),
    ([Part("released", 5)], "", "submitted"),
    ([Part("released", 5), Part("proposed", 5)], "", "proposed"),
    ([Part("confirmed", 3), Part("proposed", 2)], "", "confirmed"),
    ([Part("under_way", 3), Part("confirmed", 2)], "", "under_way"),
    ([Part("done", 3, 3), Part("confirmed", 2)], "", "confirmed"),
    ([Part("done", 3, 3), Part("done", 2, 2)], "", "done"),
    ([Part("done", 5, 4)], "", "submitted"),  # partial delivery: the rest is back to matching
    ([Part("done", 5, 4), Part("proposed", 1)], "", "proposed"),  # ... and proposed again
    ([Part("done", 5, 4)], "no_buses", "unmet"),  # ... or unmet, with the matcher's reason
    ([Part("arriving", 5, 5)], "", "under_way"),  # the bus is done, the hotel has not confirmed arrival
])
def test_status(parts, unmet, want):
    assert need_status("submitted", 5, parts, unmet) == want


def test_cancelled_and_done_stay():
    assert need_status("cancelled", 5, [Part("confirmed", 5)], "") == "cancelled"
    assert need_status("done", 5, [], "") == "done"


def test_progress_counts_asked_confirmed_delivered_remaining():
    p = progress(10, [Part("done", 4, 3), Part("under_way", 3), Part("proposed", 2), Part("released", 9)])
    assert p.as_dict() == {"asked": 10, "proposed": 9, "confirmed": 7, "delivered": 3, "remaining": 4}


def test_progress_of_a_partial_delivery_and_its_remainder():
    p = progress(6, [Part("done", 6, 4), Part("proposed", 2)])
    assert p.as_dict() == {"asked": 6, "proposed": 8, "confirmed": 6, "delivered": 4, "remaining": 2}
    p = progress(6, [Part("done", 6, 4), Part("arriving", 2, 2)])
    assert p.as_dict()["remaining"] == 0


def test_transitions():
    assert can_start("confirmed") and not can_start("proposed") and not can_start("done")
    assert can_finish("confirmed") and can_finish("under_way") and not can_finish("released")
    assert can_arrive("arriving") and not can_arrive("under_way") and not can_finish("arriving")


def test_breakdown_reasons_and_who_still_has_to_answer():
    assert is_breakdown("车辆故障") and is_breakdown("Engine breakdown") and not is_breakdown("司机不足")
    assert awaiting("proposed", ["巴士集团", "投控公司"], ["巴士集团"]) == ["投控公司"]
    assert awaiting("confirmed", ["巴士集团", "投控公司"], ["巴士集团"]) == []


def test_who_must_answer_a_hold_and_whose_accept_stands_for_all():
    from baolei_requests.domain.lifecycle import accepted, declined_resources, must_answer
    orgs = ["巴士集团", "投控公司"]
    assert accepted(orgs, [], "巴士集团", for_all=False) == ["巴士集团"]
    assert accepted(orgs, ["巴士集团"], "指挥部", for_all=True) == orgs
    assert must_answer("proposed", orgs, ["巴士集团"], "投控公司", for_all=False)
    assert not must_answer("proposed", orgs, ["巴士集团"], "巴士集团", for_all=False)  # said yes already
    assert not must_answer("proposed", orgs, [], "东部公交", for_all=False)  # not its resources
    assert must_answer("proposed", orgs, orgs[:1], "指挥部", for_all=True)
    assert not must_answer("confirming", orgs, [], "指挥部", for_all=True)
    trips = [{"bus": "B-1", "operator": "巴士集团"}, {"bus": "B-1", "operator": "巴士集团"}]
    room = {"hotel": "H-1", "operator": "投控公司"}
    assert declined_resources(trips, room, [], "巴士集团", for_all=False) == [("bus", "B-1")]
    assert declined_resources(trips, room, [], "指挥部", for_all=True) == [("bus", "B-1"), ("hotel", "H-1")]
