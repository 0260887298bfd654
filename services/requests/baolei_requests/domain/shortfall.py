"""How short the city is of rooms and of bus trips, each with the other assumed available.

Why: the attention panel used to count a room shortfall from the needs the matcher had said were
short of rooms only. With buses short too, most waiting needs are reported short of buses (the bus
stage is where they stop), so the panel said rooms were short by 32 while 11,816 people waited for
1,055 free rooms. An operator deciding whether to open a hotel or call for buses needs each
resource's shortfall on its own: rooms short by R if buses were unlimited — every waiting person's
rooms against the free rooms of the types and at the hotels (risk categories) they can use — and
trips short by T if rooms were unlimited — every waiting person to move against the seats of a trip.

Rooms follow the matching rules: all rooms of a need at one hotel that accepts its risk; a standard
request may be served by any type, family and accessible requests only by their own. The room
count is a max-flow bound over types and risk categories (needs are not split across hotels here,
so the true shortfall can only be larger): family and accessible demand first, as standard rooms
cannot serve them. Plain code, no I/O.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

ROOM_TYPES = ("standard", "family", "accessible")


@dataclass(frozen=True)
class Waiting:
    """An unmet transfer: its risk category, rooms still to find by type, people still to move."""
    risk: str
    rooms: dict[str, int]
    people: int


@dataclass(frozen=True)
class FreeRooms:
    """A hotel's free rooms by type and the risk categories it accepts."""
    accepts: frozenset[str]
    free: dict[str, int]


@dataclass
class Shortfall:
    people: int = 0  # people waiting (unmet transfers, not on a live job)
    rooms_needed: int = 0
    rooms_free: int = 0  # free rooms of the types and at hotels the waiting people can use
    rooms_short: int = 0  # R: short if buses were unlimited
    rooms_short_by_type: dict[str, int] = field(default_factory=dict)
    trips_short: int = 0  # T: short if rooms were unlimited (0 when no bus shortage was reported)
    per_trip: int = 0


def _serves(want: str, have: str) -> bool:
    return want == have or want == "standard"


def _max_flow(cap: dict[str, dict[str, int]], source: str, sink: str) -> int:
    """Edmonds-Karp on a small graph given as capacities (changed in place to residuals)."""
    total = 0
    while True:
        parent: dict[str, str] = {source: source}
        queue = [source]
        while queue and sink not in parent:
            u = queue.pop(0)
            for v, c in cap[u].items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            return total
        push, v = math.inf, sink
        while v != source:
            push = min(push, cap[parent[v]][v])
            v = parent[v]
        v = sink
        while v != source:
            u = parent[v]
            cap[u][v] -= int(push)
            cap[v][u] = cap[v].get(u, 0) + int(push)
            v = u
        total += int(push)


def rooms_short(waiting: Iterable[Waiting], hotels: Iterable[FreeRooms]) -> tuple[int, dict[str, int], int, int]:
    """(rooms short in all, short by requested type, rooms needed, free rooms usable by them)."""
    demand: dict[tuple[str, str], int] = defaultdict(int)
    for w in waiting:
        for t in ROOM_TYPES:
            if w.rooms.get(t, 0) > 0:
                demand[(w.risk, t)] += w.rooms[t]
    supply: dict[tuple[frozenset[str], str], int] = defaultdict(int)
    for h in hotels:
        for t in ROOM_TYPES:
            if h.free.get(t, 0) > 0:
                supply[(h.accepts, t)] += h.free[t]
    cap: dict[str, dict[str, int]] = defaultdict(dict)
    usable: set[tuple[frozenset[str], str]] = set()
    for (risk, want), k in demand.items():
        for (accepts, have), free in supply.items():
            if risk in accepts and _serves(want, have):
                cap[f"d:{risk}:{want}"][f"s:{sorted(accepts)}:{have}"] = k
                cap[f"s:{sorted(accepts)}:{have}"]["sink"] = free
                usable.add((accepts, have))
    cap["sink"] = cap.get("sink", {})
    # family and accessible demand first: standard rooms cannot serve it, so it must not lose its
    # rooms to standard requests (flow pushed from the source is never taken back)
    for want in ("family", "accessible", "standard"):
        for (risk, t), k in demand.items():
            if t == want:
                cap["source"][f"d:{risk}:{t}"] = k
        _max_flow(cap, "source", "sink")
    placed: dict[str, int] = defaultdict(int)
    for (risk, t), k in demand.items():
        placed[t] += k - cap["source"][f"d:{risk}:{t}"]
    needed = sum(demand.values())
    by_type = {t: sum(k for (_, tt), k in demand.items() if tt == t) for t in ROOM_TYPES}
    short_by_type = {t: by_type[t] - placed[t] for t in ROOM_TYPES if by_type[t] - placed[t] > 0}
    free = sum(supply[u] for u in usable)
    return needed - sum(placed.values()), short_by_type, needed, free


def shortfall(waiting: list[Waiting], hotels: list[FreeRooms], per_trip: int, buses_short: bool) -> Shortfall:
    """Both shortfalls. `per_trip`: people one trip carries (seats x load limit); `buses_short`:
    whether the matcher reported needs it could not move (else T is 0: no bus shortage is known)."""
    short, by_type, needed, free = rooms_short(waiting, hotels)
    people = sum(w.people for w in waiting)
    trips = math.ceil(people / max(1, per_trip)) if buses_short and people else 0
    return Shortfall(people=people, rooms_needed=needed, rooms_free=free, rooms_short=short,
                     rooms_short_by_type=by_type, trips_short=trips, per_trip=per_trip)
