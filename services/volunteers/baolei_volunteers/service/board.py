"""A volunteer's claim board: the open tasks the latest plan suggests to them (`may_claim`), their
community's, plus — for a volunteer living in a 常态 area — the doorstep tasks across a district line
that the zone rule and their reach allow. The zone rule (§二.1) restricts only volunteers living in a
封控区, 管控区 or 防范区; a 常态 volunteer may go to any 常态 or 防范区 compound within reach, whatever
district it is in, but a matching round plans a district with that district's volunteers, so those
tasks are found here by distance (the same static rules as the solver: `domain.rules.refusal`)."""
from __future__ import annotations

from baolei_volunteers.adapters.orm import CompoundRow, TaskRow, VolunteerRow
from baolei_volunteers.domain.geo import Travel, km
from baolei_volunteers.domain.rules import refusal
from baolei_volunteers.domain.skills import Credentials
from baolei_volunteers.domain.tasks import parse_kind
from baolei_volunteers.domain.zones import Place, Zone, parse_zone
from baolei_volunteers.service.ports import UnitOfWork

CLAIMABLE = ("open", "unmet")
LOOSE = (Zone.PRECAUTION.value, Zone.NORMAL.value)
TRAVEL = Travel()  # the solver's defaults: the service passes no travel model to it either


def place(c: CompoundRow) -> Place:
    return Place(c.id, parse_zone(c.zone), c.district)


def credentials(v: VolunteerRow) -> Credentials:
    kinds = set()
    for k in v.skills:
        try:
            kinds.add(parse_kind(k))
        except ValueError:
            continue
    return Credentials(frozenset(kinds), v.health_check, v.nucleic_training, v.counselling_cert)


def across_the_line(uow: UnitOfWork, v: VolunteerRow, where: dict[str, CompoundRow]) -> list[TaskRow]:
    """Open doorstep tasks in another district that a 常态 volunteer may take (zone, reach, skill,
    not declined, fits their day)."""
    home = where.get(v.compound_id)
    if v.status != "verified" or home is None or home.zone != Zone.NORMAL.value:
        return []
    reach = TRAVEL.reach(v.mode)
    near = {c.id: c for c in where.values() if c.district != home.district and c.zone in LOOSE
            and km(home.lat, home.lon, c.lat, c.lon) <= reach}
    if not near:
        return []
    who, origin, out = credentials(v), place(home), []
    for t, compound_id in uow.compound_tasks(sorted(near), CLAIMABLE):
        c = near[compound_id]
        why = refusal(home=origin, target=place(c), remote=t.remote, distance_km=km(home.lat, home.lon, c.lat, c.lon),
                      reach_km=reach, kind=parse_kind(t.kind), credentials=who, excluded=v.id in (t.excluded or []))
        if why is None and not t.remote and t.duration_min <= v.minutes_per_day:
            out.append(t)
    return out


def board(uow: UnitOfWork, v: VolunteerRow, where: dict[str, CompoundRow]) -> list[TaskRow]:
    suggested = [t for t in uow.tasks_by_id(v.may_claim or []) if t.status in CLAIMABLE and t.community == v.community]
    ids = {t.id for t in suggested}
    return suggested + [t for t in across_the_line(uow, v, where) if t.id not in ids]
