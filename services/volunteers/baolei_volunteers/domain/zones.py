"""The zone rule of the notice (§二.1): where a volunteer may go depends on the zone they live in.

A 封控区 volunteer stays home (remote help only); a 管控区 volunteer stays in their own compound; a
防范区 volunteer stays within the 防范区 of their district; a 常态 volunteer may go to 常态 and 防范区
compounds but never into a 封控区 or 管控区 compound. Nobody is sent to a doorstep inside a 封控区.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Zone(str, Enum):
    SEALED = "封控区"
    CONTROLLED = "管控区"
    PRECAUTION = "防范区"
    NORMAL = "常态"


ZONE_EN = {
    Zone.SEALED: "sealed zone",
    Zone.CONTROLLED: "controlled zone",
    Zone.PRECAUTION: "precaution zone",
    Zone.NORMAL: "normal area",
}


def parse_zone(value: str) -> Zone:
    """A zone from its Chinese name or its English/enum name; ValueError names the value."""
    for zone in Zone:
        if value in (zone.value, zone.name, zone.name.lower()):
            return zone
    raise ValueError(f"unknown zone {value!r}: one of 封控区, 管控区, 防范区, 常态")


@dataclass(frozen=True, slots=True)
class Place:
    """A compound as the zone rule sees it."""

    compound_id: str
    zone: Zone
    district: str


def zone_refusal(home: Place, target: Place, *, remote: bool) -> str | None:
    """Why a volunteer living at `home` may not do a task for a household at `target`; None when allowed.

    Returns a short code: 'home_sealed', 'target_sealed', 'outside_own_compound', 'target_controlled',
    'outside_precaution', 'other_district'.
    """
    if remote:
        return None
    if target.zone is Zone.SEALED:
        return "target_sealed"
    if home.zone is Zone.SEALED:
        return "home_sealed"
    if home.zone is Zone.CONTROLLED:
        return None if target.compound_id == home.compound_id else "outside_own_compound"
    if target.zone is Zone.CONTROLLED:
        return "target_controlled"
    if home.zone is Zone.PRECAUTION:
        if target.zone is not Zone.PRECAUTION:
            return "outside_precaution"
        return None if target.district == home.district else "other_district"
    return None  # a 常态 volunteer going to a 常态 or 防范区 compound


def may_reach(home: Place, target: Place, *, remote: bool) -> bool:
    return zone_refusal(home, target, remote=remote) is None
