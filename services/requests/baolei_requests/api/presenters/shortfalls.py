"""The city's room and trip shortfalls for the attention panel, read from the database.

Why a module of its own: the numbers come from every unmet transfer (not from one cause group) and
from every hotel's free rooms, and are worked out by `domain/shortfall.py`; this gathers its inputs
in a few queries (a need's assignments are loaded for all needs at once, not one query per need:
at 11,500 open needs that alone took seconds) and words the result in zh and en.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baolei_common.events import utcnow
from baolei_requests.adapters.models import Departure, Hotel, Stay
from baolei_requests.api.presenters.labels import Names, count_en
from baolei_requests.api.presenters.occupancy import held_rooms
from baolei_requests.domain.lifecycle import ACTIVE
from baolei_requests.domain.shortfall import ROOM_TYPES, FreeRooms, Shortfall, Waiting, shortfall
from baolei_requests.service.transitions import progress_of

BUS_CODES = ("no_bus_in_shift", "buses_fully_booked", "no_buses")
ROOM_CODES = ("rooms_full", "rooms_to_more_urgent", "standard_rooms_full", "family_rooms_full",
              "accessible_rooms_full", "no_hotel_for_risk", "hotel_not_open")
DEFAULT_PER_TRIP = 22  # a 45-seat bus at half load, when no bus is registered


def rooms_held(session: Session) -> defaultdict[str, defaultdict[str, int]]:
    """Rooms by hotel and type not free: held by proposals and jobs on the way, people staying
    (a finished transfer is a stay until they leave), and rooms being cleaned after they left."""
    held = held_rooms(session)
    taken = [*session.execute(select(Stay.hotel_id, Stay.rooms).where(Stay.status == "staying")),
             *session.execute(select(Departure.hotel_id, Departure.rooms).where(Departure.cleaning_until > utcnow()))]
    for hotel_id, rooms in taken:
        for t in ROOM_TYPES:
            held[hotel_id][t] += (rooms or {}).get(t, 0)
    return held


def free_rooms(session: Session, hotels: list[Hotel]) -> list[FreeRooms]:
    held = rooms_held(session)
    return [FreeRooms(frozenset(h.accepts or []),
                      {t: max(0, (h.rooms or {}).get(t, 0) - (h.out_of_use or {}).get(t, 0) - held[h.id][t])
                       for t in ROOM_TYPES})
            for h in hotels if h.state != "closed"]


def waiting_of(n: Any) -> Waiting:
    """An unmet transfer's rooms still to find (asked, less what live or finished assignments give
    it; `standard` for each person when it asked no types) and people still to move."""
    asked = {t: (n.rooms or {}).get(t, 0) for t in ROOM_TYPES}
    if not any(asked.values()):
        asked["standard"] = n.people
    for a in n.assignments:
        if a.status in ACTIVE:
            for t in ROOM_TYPES:
                asked[t] -= (a.room or {}).get(t, 0)
    return Waiting(n.risk or "", {t: max(0, k) for t, k in asked.items()}, progress_of(n).remaining)


def city_shortfall(session: Session, names: Names, waiting: list[Waiting] | list[Any],
                   buses_short: bool | None = None) -> Shortfall:
    """`waiting`: what waits (`Waiting`s, summed as the attention panel counts them), or the unmet
    needs themselves (then whether buses are short is read from their codes)."""
    if waiting and not isinstance(waiting[0], Waiting):
        needs: list[Any] = list(waiting)
        transfers = [n for n in needs if n.kind == "transfer"]
        buses_short = any(n.unmet_code in BUS_CODES for n in transfers)
        waiting = [waiting_of(n) for n in transfers]
    buses = list(names.buses.values())
    per_trip = max(1, int(max((b.seats * b.load_limit for b in buses), default=DEFAULT_PER_TRIP)))
    return shortfall(waiting, free_rooms(session, list(names.hotels.values())), per_trip, buses_short=bool(buses_short))


def summary(sf: Shortfall) -> dict:
    """The figures and the summary line: each shortfall with the other resource assumed available,
    said so when both are short."""
    both = sf.rooms_short > 0 and sf.trips_short > 0
    zh, en = [], []
    if sf.rooms_short:
        zh.append(f"{'若车辆充足，仍' if both else ''}缺房间 {sf.rooms_short} 间")
        en.append(f"rooms short by {sf.rooms_short}{' even with unlimited buses' if both else ''}")
    if sf.trips_short:
        zh.append(f"{'若房间充足，仍' if both else ''}约缺 {sf.trips_short} 车次")
        en.append(f"about {count_en(sf.trips_short, 'trip', 'trips')} short"
                  f"{' even with unlimited rooms' if both else ''}")
    if zh:
        zh.append(f"{sf.people} 人待安置，可用空房 {sf.rooms_free} 间")
        en.append(f"{count_en(sf.people, 'person', 'people')} waiting, "
                  f"{count_en(sf.rooms_free, 'free room', 'free rooms')} they can use")
    return {"people": sf.people, "rooms_needed": sf.rooms_needed, "rooms_free": sf.rooms_free,
            "rooms_short": sf.rooms_short, "rooms_short_by_type": sf.rooms_short_by_type,
            "trips_short": sf.trips_short, "per_trip": sf.per_trip,
            "text_zh": "；".join(zh), "text_en": "; ".join(en)}
