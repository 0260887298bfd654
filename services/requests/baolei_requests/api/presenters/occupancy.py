"""Hotel occupancy for the command center and the hotels: per hotel, rooms in use (people staying),
held by proposals and jobs on the way, being cleaned, free now, and the rooms coming back in each
of the next hours (certain: cleaning ends after people left; expected: stays due to end, plus the
cleaning). Read-only."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baolei_common import policy
from baolei_common.citytime import city_time
from baolei_common.identity import Principal
from baolei_common.rooms import ROOM_TYPES, Rooms
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Assignment, Departure, Hotel, Stay
from baolei_requests.domain.lifecycle import ACTIVE
from baolei_requests.domain.stays import Freeing, StayRules, hourly


def _n(rooms: dict | None) -> int:
    return Rooms.from_mapping(rooms or {}).total()


def visible_hotels(s: Session, p: Principal) -> list[Hotel]:
    q = select(Hotel).order_by(Hotel.name)
    if policy.scope(p, "occupancy.read") != policy.ANY:
        q = q.where(Hotel.operator == p.organisation)
    return list(s.scalars(q).all())


def held_rooms(s: Session) -> defaultdict[str, defaultdict[str, int]]:
    """Rooms by hotel and type of proposals and jobs not done yet (a done transfer is a stay)."""
    out: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    live = sorted(ACTIVE - {"done"})
    # summed in the database: at 20,000 open needs loading each assignment's room took seconds
    hotel = Assignment.room["hotel"].as_string()
    sums = [func.coalesce(func.sum(Assignment.room[t].as_integer()), 0) for t in ROOM_TYPES]
    for row in s.execute(select(hotel, *sums).where(Assignment.status.in_(live), Assignment.room.is_not(None))
                         .group_by(hotel)):
        for t, k in zip(ROOM_TYPES, row[1:], strict=True):
            out[row[0] or ""][t] += int(k)
    return out


def occupancy(s: Session, p: Principal, now: datetime, hours: int, rules: StayRules) -> dict:
    hotels = visible_hotels(s, p)
    ids = {h.id for h in hotels}
    stays = [x for x in s.scalars(select(Stay).where(Stay.status == "staying")) if x.hotel_id in ids]
    cleaning = [d for d in s.scalars(select(Departure).where(Departure.cleaning_until > now)) if d.hotel_id in ids]
    held = {hid: sum(by_type.values()) for hid, by_type in held_rooms(s).items()}
    by_hotel: defaultdict[str, list[Stay]] = defaultdict(list)
    for x in stays:
        by_hotel[x.hotel_id].append(x)
    cleaning_of: defaultdict[str, list[Departure]] = defaultdict(list)
    for d in cleaning:
        cleaning_of[d.hotel_id].append(d)
    rows = [_row(h, by_hotel[h.id], cleaning_of[h.id], held.get(h.id, 0), now, hours, rules) for h in hotels]
    totals = {k: sum(r[k] for r in rows) for k in ("total", "usable", "occupied", "people", "cleaning", "held", "free",
                                                   "freeing_certain", "freeing_expected")}
    totals["freeing"] = [[sum(r["freeing"][k][j] for r in rows) for j in (0, 1)] for k in range(hours)]
    return {"now": now.isoformat(), "hours": hours, "cleaning_hours": rules.cleaning_hours,
            "stay_days": dict(rules.days), "hotels": rows, "totals": totals}


def _row(h: Hotel, stays: list[Stay], cleaning: list[Departure], held: int, now: datetime, hours: int,
         rules: StayRules) -> dict:
    total = _n(h.rooms) if h.state == "open" else 0
    usable = max(0, total - _n(h.out_of_use))
    occupied, in_cleaning = sum(_n(x.rooms) for x in stays), sum(_n(d.rooms) for d in cleaning)
    freeing = [Freeing(as_utc(d.cleaning_until), _n(d.rooms), True) for d in cleaning]
    freeing += [Freeing(rules.clean_until(max(now, as_utc(x.stay_until))), _n(x.rooms), False) for x in stays]
    per_hour = hourly(now, hours, freeing)
    ahead = [f.at for f in freeing if f.rooms > 0]
    return {"id": h.id, "name": h.name, "operator": h.operator, "state": h.state, "accepts": list(h.accepts or []),
            "total": total, "usable": usable, "occupied": occupied, "people": sum(x.people for x in stays),
            "cleaning": in_cleaning, "held": held, "free": max(0, usable - occupied - in_cleaning - held),
            "over": max(0, occupied + in_cleaning + held - usable),
            "due_today": sum(x.people for x in stays if as_utc(x.stay_until) <= end_of_day(now)),
            "next_free_at": min(ahead).isoformat() if ahead else None,
            "freeing": [list(x) for x in per_hour], "freeing_certain": sum(a for a, _ in per_hour),
            "freeing_expected": sum(b for _, b in per_hour)}


def end_of_day(now: datetime) -> datetime:
    """The end of the city's day `now` is in (for "everyone due today")."""
    local = city_time(now)
    return (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).astimezone(now.tzinfo)


def stays_of(s: Session, hotel_ids: Iterable[str], now: datetime) -> list[dict]:
    """The stays going on at these hotels, soonest expected end first."""
    rows = s.scalars(select(Stay).where(Stay.status == "staying", Stay.hotel_id.in_(list(hotel_ids)))
                     .order_by(Stay.stay_until, Stay.id)).all()
    today = end_of_day(now)
    return [{"id": x.id, "assignment_id": x.assignment_id, "need_id": x.need_id, "hotel_id": x.hotel_id,
             "risk": x.risk, "people": x.people, "rooms": Rooms.from_mapping(x.rooms or {}).as_dict(),
             "arrived_at": as_utc(x.arrived_at).isoformat(), "stay_until": as_utc(x.stay_until).isoformat(),
             "due_today": as_utc(x.stay_until) <= today, "overdue": as_utc(x.stay_until) <= now} for x in rows]
