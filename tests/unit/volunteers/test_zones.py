"""The zone rule (§二.1) as a table: every home zone × target zone, inside and outside the compound."""

from __future__ import annotations

import pytest

from baolei_volunteers.domain.zones import Place, Zone, may_reach, parse_zone

HOME = "C1"


def place(zone: Zone, cid: str = "C2", district: str = "南山区") -> Place:
    return Place(cid, zone, district)


@pytest.mark.parametrize(
    ("home", "target", "same_compound", "other_district", "allowed"),
    [
        (Zone.SEALED, Zone.SEALED, True, False, False),
        (Zone.SEALED, Zone.NORMAL, False, False, False),
        (Zone.CONTROLLED, Zone.CONTROLLED, True, False, True),
        (Zone.CONTROLLED, Zone.CONTROLLED, False, False, False),
        (Zone.CONTROLLED, Zone.NORMAL, False, False, False),
        (Zone.PRECAUTION, Zone.PRECAUTION, False, False, True),
        (Zone.PRECAUTION, Zone.PRECAUTION, False, True, False),
        (Zone.PRECAUTION, Zone.NORMAL, False, False, False),
        (Zone.PRECAUTION, Zone.CONTROLLED, False, False, False),
        (Zone.NORMAL, Zone.NORMAL, False, True, True),
        (Zone.NORMAL, Zone.PRECAUTION, False, False, True),
        (Zone.NORMAL, Zone.CONTROLLED, False, False, False),
        (Zone.NORMAL, Zone.SEALED, False, False, False),
    ],
)
def test_doorstep_reach_follows_the_notice(home: Zone, target: Zone, same_compound: bool, other_district: bool,
                                           allowed: bool) -> None:
    h = Place(HOME, home, "南山区")
    t = place(target, HOME if same_compound else "C2", "福田区" if other_district else "南山区")
    assert may_reach(h, t, remote=False) is allowed


@pytest.mark.parametrize("home", list(Zone))
@pytest.mark.parametrize("target", list(Zone))
def test_remote_tasks_are_open_to_every_zone(home: Zone, target: Zone) -> None:
    assert may_reach(Place(HOME, home, "南山区"), place(target), remote=True)


def test_zone_names_parse_in_chinese_and_english() -> None:
    assert parse_zone("封控区") is Zone.SEALED and parse_zone("controlled") is Zone.CONTROLLED
    with pytest.raises(ValueError, match="unknown zone"):
        parse_zone("红区")
