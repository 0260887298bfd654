"""A proposal's wait and lateness travel as data: the matcher fills them from the plan, the event
carries them, the requests service reads them back (issue 17, point 3)."""
from __future__ import annotations

from datetime import timedelta

from baolei_common.rooms import Rooms
from baolei_matcher.adapters import codec
from baolei_matcher.domain.batch import match_batch
from baolei_matcher.domain.decisions import Proposal
from baolei_matcher.domain.entities import Hotel, Stop, Trip
from baolei_requests.adapters.codec import proposal_dict

from .test_batch import FAR, HZB, NOW, SITE, state, transfer


def test_late_fields_round_trip_to_the_requests_service():
    stop = Stop(SITE, NOW + timedelta(minutes=20), [("n1", 3)])
    trip = Trip("b1", NOW, [stop], "H1", HZB, NOW + timedelta(minutes=50))
    p = Proposal("A-1", "n1", "transfer", "H1", "投控公司", Rooms(standard=3), [trip], [], 3,
                 wait_minutes=50, late_minutes=20, late_cause="no_bus_earlier")
    ev = codec.proposed(p, solve_id="S1", hold_ttl_s=60, now=NOW, bus_operator={}, kind="transfer")
    wire = type(ev).FromString(ev.SerializeToString())
    d = proposal_dict(wire.proposed)
    assert (d["wait_minutes"], d["late_minutes"], d["late_cause"]) == (50, 20, "no_bus_earlier")


def test_matcher_marks_a_proposal_late_when_the_hotel_opens_after_due():
    st = state()
    del st.hotels["near"]
    st.hotels["far"] = Hotel("far", "坝光国际酒店", "投控公司", FAR, frozenset({"close_contact"}),
                             Rooms(standard=50, family=10, accessible=5), NOW + timedelta(hours=6))
    need = transfer("n1", 3, Rooms(standard=3))  # due at NOW + 4 h
    (p,) = match_batch(st, [need], NOW, 5).proposals
    assert p.late_cause == "hotel_opens_later" and p.late_minutes >= 120
    assert p.wait_minutes >= p.late_minutes + 240
    assert "逾期" in p.explanation_zh and "min late: hotel opens later" in p.explanation_en


def test_matcher_leaves_an_on_time_proposal_unmarked():
    (p,) = match_batch(state(), [transfer("n1", 2, Rooms(standard=2))], NOW, 5).proposals
    assert p.late_minutes == 0 and p.late_cause == "" and p.wait_minutes > 0
    assert "等候" in p.explanation_zh and "逾期" not in p.explanation_zh
