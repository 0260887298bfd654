"""The need's status and progress follow all its assignments (domain/lifecycle.py)."""
from __future__ import annotations

import pytest

from baolei_requests.domain.lifecycle import Part, can_finish, can_start, need_status, progress


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
    ([Part("done", 5, 4)], "", "confirmed"),  # partial delivery: the rest stays visible
])
def test_status(parts, unmet, want):
    assert need_status("submitted", 5, parts, unmet) == want


def test_cancelled_and_done_stay():
    assert need_status("cancelled", 5, [Part("confirmed", 5)], "") == "cancelled"
    assert need_status("done", 5, [], "") == "done"


def test_progress_counts_asked_confirmed_delivered_remaining():
    p = progress(10, [Part("done", 4, 3), Part("under_way", 3), Part("proposed", 2), Part("released", 9)])
    assert p.as_dict() == {"asked": 10, "proposed": 9, "confirmed": 7, "delivered": 3, "remaining": 4}


def test_transitions():
    assert can_start("confirmed") and not can_start("proposed") and not can_start("done")
    assert can_finish("confirmed") and can_finish("under_way") and not can_finish("released")
