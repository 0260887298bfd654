"""The rules of a hotel stay (domain/stays.py): its expected end by risk category, the rooms given
back when some or all leave, a split when some stay longer, and the rooms coming back per hour."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from baolei_common.rooms import Rooms
from baolei_requests.config import RequestsConfig
from baolei_requests.domain.stays import Freeing, StayRules, hourly, leave, split

NOW = datetime(2022, 1, 14, 13, 0, tzinfo=timezone.utc)


def test_the_expected_end_follows_the_risk_category_and_the_config():
    rules = RequestsConfig(stay_days='{"close_contact": 7, "inbound": 10}', cleaning_hours=3).stay_rules()
    assert rules.ends(NOW, "close_contact") == NOW + timedelta(days=7)
    assert rules.ends(NOW, "inbound") == NOW + timedelta(days=10)
    assert rules.ends(NOW, "secondary_contact") == NOW + timedelta(days=7)  # the default for the rest
    assert rules.clean_until(NOW) == NOW + timedelta(hours=3)
    with pytest.raises(ValueError, match="unknown risk"):
        RequestsConfig(stay_days={"martian": 3})
    with pytest.raises(ValueError, match="at most 60"):
        RequestsConfig(stay_days={"close_contact": 0})


def test_leaving_gives_back_one_person_rooms_first_and_a_family_room_with_its_last_guest():
    mixed = Rooms(standard=2, family=1)  # 2 singles, and a household of 2 in the family room: 4 people
    assert leave(mixed, 4, 1) == (mixed, Rooms())  # the one who left may have shared the family room
    staying, back = leave(mixed, 4, 2)
    assert (staying, back) == (Rooms(standard=1, family=1), Rooms(standard=1))
    staying, back = leave(mixed, 4, 3)  # who is left may share the family room: it stays taken
    assert (staying, back) == (Rooms(family=1), Rooms(standard=2))
    assert leave(mixed, 4, 4) == (Rooms(), mixed)
    with pytest.raises(ValueError):
        leave(mixed, 4, 5)


def test_a_longer_stay_of_some_splits_the_rooms_without_losing_one():
    longer, rest = split(Rooms(standard=3), 3, 1)
    assert (longer, rest) == (Rooms(standard=1), Rooms(standard=2))
    longer, rest = split(Rooms(family=1), 3, 1)  # a shared family room goes with the longer stay
    assert (longer, rest) == (Rooms(family=1), Rooms())
    with pytest.raises(ValueError):
        split(Rooms(standard=2), 2, 2)


def test_rooms_come_back_per_hour_certain_and_expected():
    rules = StayRules(cleaning_hours=4)
    freeing = [Freeing(NOW + timedelta(minutes=30), 2, True), Freeing(NOW - timedelta(hours=1), 1, False),
               Freeing(rules.clean_until(NOW + timedelta(hours=20)), 3, False),
               Freeing(NOW + timedelta(hours=80), 5, True)]
    h = hourly(NOW, 72, freeing)
    assert len(h) == 72 and h[0] == (2, 1) and h[24] == (0, 3) and sum(a + b for a, b in h) == 6
