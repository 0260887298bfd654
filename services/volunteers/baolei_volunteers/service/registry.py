"""Compounds and their zones, volunteers, households: registered by the community (or the command
center); a volunteer may register themself and waits for the community's verification.

A zone change is the event that moves everyone's reach at once: it is stored with its event and
marks the compound's areas (the compound, its district, its community) for the matching loop,
which plans them again (`Matcher.round`); the task views say 匹配中 until it has.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from baolei_common import policy
from baolei_common.identity import Principal
from baolei_volunteers.adapters.orm import CompoundRow, HouseholdRow, VolunteerRow
from baolei_volunteers.domain.zones import parse_zone
from baolei_volunteers.service.errors import Invalid, NotFound
from baolei_volunteers.service.matching import Matcher
from baolei_volunteers.service.ports import Event
from baolei_volunteers.service.tasks import check_kind
from baolei_volunteers.service.texts import mask_phone

VOLUNTEER_DEFAULTS: dict[str, Any] = {
    "name": "", "phone": "", "compound_id": "", "party_member": False, "skills": [], "health_check": False,
    "nucleic_training": False, "counselling_cert": False, "minutes_per_day": 120, "mode": "foot", "buildings": [],
    "pairs": []}
HOUSEHOLD_DEFAULTS: dict[str, Any] = {
    "building": "", "unit": "", "floor": 1, "room": "", "contact": "", "phone": "", "residents": 1,
    "vulnerability": [], "needs": ""}


def _zone(value: str) -> str:
    try:
        return parse_zone(value).value
    except ValueError:
        raise Invalid("zone", f"未知的管控等级：{value}（应为 封控区、管控区、防范区 或 常态）",
                      f"unknown zone {value!r}: one of 封控区, 管控区, 防范区, 常态") from None


def zone_event(c: CompoundRow, previous: str = "") -> Event:
    return Event("zone", c.id, {"compound_id": c.id, "name": c.name, "district": c.district, "street": c.street,
                                "community": c.community, "zone": c.zone, "previous_zone": previous,
                                "lat": c.lat, "lon": c.lon})


def volunteer_event(v: VolunteerRow) -> Event:
    return Event("volunteer", v.id, {
        "volunteer_id": v.id, "name": v.name, "phone_masked": mask_phone(v.phone), "community": v.community,
        "compound_id": v.compound_id, "party_member": v.party_member, "skills": list(v.skills),
        "health_check": v.health_check, "nucleic_training": v.nucleic_training,
        "counselling_cert": v.counselling_cert, "minutes_per_day": v.minutes_per_day, "mode": v.mode,
        "buildings": list(v.buildings), "pairs": list(v.pairs), "status": v.status})


def household_event(h: HouseholdRow) -> Event:
    return Event("household", h.id, {
        "household_id": h.id, "community": h.community, "compound_id": h.compound_id, "building": h.building,
        "unit": h.unit, "floor": h.floor, "vulnerability": list(h.vulnerability), "residents": h.residents})


class Registry:
    """Use cases of the registers; each opens one unit of work and commits it."""

    def __init__(self, uow_factory: Any, matcher: Matcher) -> None:
        self._uow = uow_factory
        self._matcher = matcher

    def put_compound(self, actor: Principal, data: dict[str, Any], now: datetime) -> CompoundRow:
        zone = _zone(data["zone"])
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            policy.require(actor, "zone.change", data["community"], "community")
            row = uow.compound(data["id"])
            previous = ""
            if row is None:
                row = CompoundRow(id=data["id"], zone_since=now, **{k: data[k] for k in (
                    "name", "district", "street", "community", "lat", "lon")}, zone=zone)
                uow.add(row)
            else:
                policy.require(actor, "zone.change", row.community, "id")
                previous = row.zone
                for k in ("name", "district", "street", "community", "lat", "lon"):
                    setattr(row, k, data[k])
                if zone != row.zone:
                    row.zone, row.zone_since = zone, now
            uow.emit(zone_event(row, previous))
            self._matcher.mark_compound(uow, row)
            uow.commit()
            return row

    def change_zone(self, actor: Principal, compound_id: str, zone_value: str, now: datetime) -> dict[str, Any]:
        """A compound sealed, controlled or lifted: every volunteer's reach changes in this commit."""
        zone = _zone(zone_value)
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            row = uow.compound(compound_id)
            if row is None:
                raise NotFound("compound_id", f"小区不存在：{compound_id}", f"unknown compound: {compound_id}")
            policy.require(actor, "zone.change", row.community, "compound_id")
            previous = row.zone
            row.zone, row.zone_since = zone, now
            uow.emit(zone_event(row, previous))
            self._matcher.mark_compound(uow, row)
            uow.commit()
            return {"compound_id": row.id, "zone": zone, "previous_zone": previous, "matching": "pending"}

    def register_volunteer(self, actor: Principal, data: dict[str, Any], now: datetime) -> VolunteerRow:
        """By the community (verified at once) or by the volunteer themself (pending until verified)."""
        for i, skill in enumerate(data.get("skills", [])):
            check_kind(skill, f"skills[{i}]")
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            compound = uow.compound(data["compound_id"])
            if compound is None:
                raise Invalid("compound_id", f"小区不存在：{data['compound_id']}",
                              f"unknown compound: {data['compound_id']}")
            policy.require(actor, "volunteer.register", compound.community, "compound_id")
            if actor.role == policy.VOLUNTEER and data["id"] != actor.user:
                raise policy.Denied("id", "志愿者只能登记本人", "a volunteer may register only themself")
            row = uow.volunteer(data["id"])
            if row is not None:
                policy.require(actor, "volunteer.register", row.community, "id")
            else:
                row = VolunteerRow(id=data["id"], status="pending", route={}, may_claim=[])
                uow.add(row)
            for k, default in VOLUNTEER_DEFAULTS.items():
                setattr(row, k, data.get(k, default))
            row.community = compound.community
            row.registered_by = actor.user
            row.status = "pending" if actor.role == policy.VOLUNTEER else "verified"
            uow.emit(volunteer_event(row))
            self._matcher.mark_compound(uow, compound)
            uow.commit()
            return row

    def verify_volunteer(self, actor: Principal, volunteer_id: str, now: datetime) -> VolunteerRow:
        with self._uow() as uow:
            uow.lock_matching()  # before any row lock: rounds never deadlock
            row = uow.volunteer(volunteer_id)
            if row is None:
                raise NotFound("volunteer_id", f"志愿者不存在：{volunteer_id}", f"unknown volunteer: {volunteer_id}")
            policy.require(actor, "volunteer.verify", row.community, "volunteer_id")
            row.status = "verified"
            uow.emit(volunteer_event(row))
            home = uow.compound(row.compound_id)
            if home is not None:
                self._matcher.mark_compound(uow, home)
            uow.commit()
            return row

    def put_household(self, actor: Principal, data: dict[str, Any], now: datetime) -> HouseholdRow:
        with self._uow() as uow:
            compound = uow.compound(data["compound_id"])
            if compound is None:
                raise Invalid("compound_id", f"小区不存在：{data['compound_id']}",
                              f"unknown compound: {data['compound_id']}")
            policy.require(actor, "household.manage", compound.community, "compound_id")
            row = uow.household(data["id"])
            if row is None:
                row = HouseholdRow(id=data["id"])
                uow.add(row)
            else:
                policy.require(actor, "household.manage", row.community, "id")
            for k, default in HOUSEHOLD_DEFAULTS.items():
                setattr(row, k, data.get(k, default))
            row.compound_id, row.community = compound.id, compound.community
            uow.emit(household_event(row))
            uow.commit()
            return row
