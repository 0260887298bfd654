"""Rooms over time at each hotel: who is in them until when, and which are being cleaned.

A transfer ends in a stay, not at the door. The requests service owns the stay's life, as it owns
the rest of the assignment's (`StayChanged` on the assignments topic): people arrive, leave
isolation (解除隔离) or must stay longer; a room given back is cleaned (终末消毒) until a known time
and is free after that. The matcher keeps, per hotel:
- the rooms still occupied (`MatcherState.rooms_taken`, from the done releases, less what left);
- the rooms being cleaned, each batch with the time it is free again (`cleaning`);
- each stay's expected end (`stays`), a forecast only: a room is proposed before it is given back
  only when its cleaning has a known end, never on an expected end of isolation.

Free rooms are therefore a function of time, never negative: free now, and free at each cleaning end
ahead (`steps`). Plain code, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from baolei_common.rooms import ROOM_TYPES, Rooms

MAX_STEPS = 6  # cleaning ends per hotel offered as separate times; later ones are merged into the last


@dataclass
class Stay:
    hotel_id: str
    rooms: Rooms
    people: int
    until: datetime | None
    cleaning_h: float = 0.0  # the turnaround after it ends, to forecast when its rooms are free


@dataclass(frozen=True)
class StayChange:
    """One `StayChanged` event, decoded."""
    stay_id: str
    hotel_id: str
    kind: str  # arrived, left, extended
    rooms_staying: Rooms
    people_staying: int
    stay_until: datetime | None
    rooms_vacated: Rooms = Rooms()
    cleaning_until: datetime | None = None
    cleaning_h: float = 0.0


def clamp(r: Rooms) -> Rooms:
    """Never fewer than no rooms of a type."""
    return Rooms.of(max(0, k) for k in r)


@dataclass
class Occupancy:
    stays: dict[str, Stay] = field(default_factory=dict)
    cleaning: dict[str, list[tuple[datetime, Rooms]]] = field(default_factory=dict)  # hotel -> (free at, rooms)

    def apply(self, c: StayChange) -> Rooms:
        """Fold one stay change in; returns the rooms it gave back (to take off the occupied)."""
        if c.rooms_staying.total() > 0 or c.people_staying > 0:
            self.stays[c.stay_id] = Stay(c.hotel_id, c.rooms_staying, c.people_staying, c.stay_until, c.cleaning_h)
        else:
            self.stays.pop(c.stay_id, None)
        vacated = clamp(c.rooms_vacated)
        if vacated.total() > 0 and c.cleaning_until is not None:
            # cleaning that ended before these people left is over (a replayed month stays small)
            left_at = c.cleaning_until - timedelta(hours=c.cleaning_h)
            batches = [(t, r) for t, r in self.cleaning.get(c.hotel_id, ()) if t > left_at]
            self.cleaning[c.hotel_id] = [*batches, (c.cleaning_until, vacated)]
        return vacated

    def prune(self, now: datetime) -> set[str]:
        """Forget cleaning that is over; returns the hotels whose rooms came back."""
        back = set()
        for hotel_id, batches in list(self.cleaning.items()):
            left = [(t, r) for t, r in batches if t > now]
            if len(left) != len(batches):
                back.add(hotel_id)
            if left:
                self.cleaning[hotel_id] = left
            else:
                del self.cleaning[hotel_id]
        return back

    def cleaning_at(self, hotel_id: str, at: datetime | None) -> Rooms:
        """Rooms of a hotel still being cleaned at `at` (None: every batch listed)."""
        out = Rooms()
        for t, r in self.cleaning.get(hotel_id, ()):
            if at is None or t > at:
                out = out + r
        return out

    def steps(self, hotel_id: str, now: datetime, horizon: timedelta) -> list[datetime]:
        """The times ahead (within `horizon`) at which cleaning ends at this hotel, at most
        MAX_STEPS: later ends are merged into the last step (it waits for the latest of them)."""
        ends = sorted({t for t, _ in self.cleaning.get(hotel_id, ()) if now < t <= now + horizon})
        if len(ends) > MAX_STEPS:
            ends = ends[:MAX_STEPS - 1] + [ends[-1]]
        return ends

    def next_free(self, hotel_ids: set[str], now: datetime) -> datetime | None:
        """When rooms are next given back at these hotels: a cleaning end, or a stay's expected
        end plus its cleaning turnaround (a forecast)."""
        times = [t for h in hotel_ids for t, _ in self.cleaning.get(h, ()) if t > now]
        times += [max(now, s.until) + timedelta(hours=s.cleaning_h) for s in self.stays.values()
                  if s.hotel_id in hotel_ids and s.until is not None]
        return min(times, default=None)

    def freeing(self, hotel_id: str, now: datetime, until: datetime) -> list[tuple[datetime, Rooms]]:
        """Rooms coming back at this hotel by `until`: cleaning ends, then expected ends of stays
        (plus cleaning), in time order."""
        out = [(t, r) for t, r in self.cleaning.get(hotel_id, ()) if now < t <= until]
        for s in self.stays.values():
            if s.hotel_id == hotel_id and s.until is not None:
                t = max(now, s.until) + timedelta(hours=s.cleaning_h)
                if t <= until:
                    out.append((t, s.rooms))
        return sorted(out, key=lambda x: x[0])


def free_over_time(base: Rooms, cleaning: list[Rooms]) -> list[Rooms]:
    """Free rooms now and at each step: `base` (usable less occupied less held) less what is still
    being cleaned at each time, never below zero. Non-decreasing by construction of the steps."""
    return [clamp(base - c) for c in cleaning]


def increments(levels: list[Rooms]) -> list[Rooms]:
    """What each level adds to the one before (per type, never negative); the first is itself."""
    out, prev = [], Rooms()
    for lv in levels:
        out.append(Rooms.of(max(0, lv.get(t) - prev.get(t)) for t in ROOM_TYPES))
        prev = Rooms.of(max(lv.get(t), prev.get(t)) for t in ROOM_TYPES)
    return out
