"""A hotel stay after a transfer: when it is expected to end, what leaving gives back, and the rooms
coming back over the next hours.

Why: a transfer that is done used to leave its rooms taken for good, so a month of an outbreak
counted hotels fuller and fuller (the restart bench's month: −265,822 free rooms city-wide). People
stay a set number of days by risk category (`RequestsConfig.stay_days`); the hotel records who
left (解除隔离) and who must stay longer; a room given back is cleaned (终末消毒) for a set number of
hours and is free after that.

Who leaves which room is not known to the system: the rooms still taken after some people left are
the occupancy rule's (`Rooms.kept_after`): one-person rooms are given back while the others still
hold everyone, family rooms only when the last person leaves, so a room is never counted free while
someone may be in it. Plain code, no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from baolei_common.rooms import Rooms

DEFAULT_STAY_DAYS: dict[str, float] = {"close_contact": 7.0, "secondary_contact": 7.0, "inbound": 7.0}
DEFAULT_CLEANING_HOURS = 4.0


@dataclass(frozen=True)
class StayRules:
    """Days of isolation by risk category, and the cleaning turnaround of a room given back."""
    days: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_STAY_DAYS))
    cleaning_hours: float = DEFAULT_CLEANING_HOURS

    def ends(self, arrived_at: datetime, risk: str) -> datetime:
        """The expected end of isolation of people of this risk who arrived at `arrived_at`."""
        days = self.days.get(risk, max(self.days.values(), default=DEFAULT_STAY_DAYS["close_contact"]))
        return arrived_at + timedelta(days=days)

    def clean_until(self, left_at: datetime) -> datetime:
        return left_at + timedelta(hours=self.cleaning_hours)


def leave(rooms: Rooms, people: int, leaving: int) -> tuple[Rooms, Rooms]:
    """(rooms still taken, rooms given back) when `leaving` of the `people` in `rooms` leave."""
    if not 0 < leaving <= people:
        raise ValueError(f"leaving must be between 1 and {people}")
    staying = Rooms() if leaving == people else rooms.kept_after(people - leaving)
    return staying, rooms - staying


def split(rooms: Rooms, people: int, extended: int) -> tuple[Rooms, Rooms]:
    """(rooms of the `extended` who stay longer, rooms of the others) for a stay of `people` in
    `rooms`: the longer stay keeps what the occupancy rule says `extended` people hold, the rest
    stays with the others (a family room shared by both is counted once, with the longer stay)."""
    if not 0 < extended < people:
        raise ValueError(f"extended must be between 1 and {people - 1}")
    longer = rooms.kept_after(extended)
    return longer, rooms - longer


@dataclass(frozen=True)
class Freeing:
    at: datetime
    rooms: int
    certain: bool  # a cleaning end (people left); else a stay's expected end plus the cleaning


def hourly(now: datetime, hours: int, freeing: Iterable[Freeing]) -> list[tuple[int, int]]:
    """Rooms coming back in each of the next `hours` hours from `now`: (certain, expected) per hour;
    anything already due (an overdue stay) counts in the first hour."""
    out = [[0, 0] for _ in range(hours)]
    for f in freeing:
        k = max(0, int((f.at - now).total_seconds() // 3600))
        if k < hours:
            out[k][0 if f.certain else 1] += f.rooms
    return [(a, b) for a, b in out]
