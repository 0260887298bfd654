"""Goal 3 in the rooms stage: what placing a need at a hotel costs in time to isolation.

Why: the rooms stage chose among hotels by road km, so a hotel slightly nearer but opening hours
later, or a far one when a near one had room, cost people time the bus stage could not win back.
The hotel fixes the least time a need can take to reach isolation: one dwell at the pickup and the
direct drive, or the wait until the hotel opens if that is later (the bus can be there at
`ready_at` at best). Its cost is `rules.time_cost` of that, per person, times the need's
`time_weight`: the same unit the bus stage minimises, so the two stages pull the same way.
`HotelTimes` reads the needs' and hotels' times once, so the min-cost flows (hundreds of thousands
of arcs at city scale) pay a few float operations per arc, not datetime arithmetic.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .model import Hotel, TransferNeed, TravelModel
from .rules import time_cost

UNKNOWN_KM = 1e4  # a pair without a known distance: as good as never chosen


def to_hotel_minutes(need: TransferNeed, hotel: Hotel, km: float, travel: TravelModel) -> float:
    """The least minutes from `ready_at` to arrival at `hotel`: dwell + drive, or opening."""
    arrive = travel.dwell_min + km / travel.speed_kmh * 60.0
    if hotel.open_at is not None:
        arrive = max(arrive, (hotel.open_at - need.ready_at).total_seconds() / 60.0)
    return arrive


def to_hotel_cost(need: TransferNeed, hotel: Hotel, km: float | None, travel: TravelModel) -> float:
    """Time cost (person-minutes, lateness counted extra, weighted) of the least time to `hotel`."""
    return HotelTimes([need], [hotel], travel).cost(need.id, 0, km)


class HotelTimes:
    """`to_hotel_cost` for many pairs: times read once, as minutes after the earliest one seen."""

    def __init__(self, needs: Iterable[TransferNeed], hotels: list[Hotel], travel: TravelModel) -> None:
        needs = list(needs)
        stamps = [n.ready_at for n in needs] + [h.open_at for h in hotels if h.open_at is not None]
        t0: datetime | None = min(stamps) if stamps else None

        def minutes(t: datetime) -> float:
            assert t0 is not None
            return (t - t0).total_seconds() / 60.0
        # need id -> (ready, due, people, time weight); hotel index -> opening (None: open)
        self.need = {n.id: (minutes(n.ready_at), minutes(n.due_at), n.people, n.time_weight) for n in needs}
        self.open = [None if h.open_at is None else minutes(h.open_at) for h in hotels]
        self.dwell, self.per_km = travel.dwell_min, 60.0 / travel.speed_kmh

    def cost(self, need_id: str, hotel: int, km: float | None) -> float:
        ready, due, people, weight = self.need[need_id]
        arrive = self.dwell + (UNKNOWN_KM if km is None else km) * self.per_km
        opens = self.open[hotel]
        if opens is not None and opens - ready > arrive:
            arrive = opens - ready
        late = arrive - (due - ready)
        return weight * time_cost(people * arrive, people * late if late > 0 else 0.0)

    def flow_cost(self, need_id: str, hotel: int, km: float | None) -> int:
        """`cost` as an integer arc cost for the min-cost flows (tenths of a person-minute)."""
        return int(round(10.0 * self.cost(need_id, hotel, km)))
