"""What the matcher's state is made of: needs, hotels, buses, stock and the holds of its
proposals, as plain dataclasses (the state, domain/state.py, holds them and derives capacity)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from baolei_common.rooms import Rooms


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    district: str
    lat: float
    lon: float

    @property
    def at(self) -> tuple[float, float]:
        return (self.lat, self.lon)


@dataclass
class Need:
    id: str
    kind: str  # transfer | supply
    site: Place
    priority: int
    due_at: datetime
    submitted_at: datetime
    risk: str = ""
    people: int = 0
    rooms: Rooms = field(default_factory=Rooms)
    ready_at: datetime | None = None
    lines: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False
    closed: bool = False  # everything it asked was delivered: never matched again, dropped with its last hold
    # What finished jobs delivered so far, and the rooms they took (a partial delivery leaves the rest open)
    delivered_people: int = 0
    delivered_lines: dict[str, int] = field(default_factory=dict)
    rooms_done: Rooms = field(default_factory=Rooms)
    # Resources a dispatcher declined for this need ("bus:<id>", "hotel:<id>", "warehouse:<id>")
    excluded: set[str] = field(default_factory=set)
    # An operator's faster alternative (domain/faster.py): lateness weight, the named bus, and the
    # other buses excluded for it (kept apart from declines, so a new request can lift them)
    time_weight: float = 1.0
    only_bus: str = ""
    narrowed: set[str] = field(default_factory=set)

    @property
    def open_people(self) -> int:
        return max(0, self.people - self.delivered_people)

    def open_lines(self) -> dict[str, int]:
        return {k: q - self.delivered_lines.get(k, 0) for k, q in self.lines.items()
                if q > self.delivered_lines.get(k, 0)}

    @property
    def is_remainder(self) -> bool:
        return self.delivered_people > 0 or any(self.delivered_lines.values())

    def remainder(self) -> Need:
        """The part still to match: open people with rooms that fit them, or the open lines."""
        if not self.is_remainder:
            return self
        if self.kind == "transfer":
            left = Rooms.of(max(0, k) for k in self.rooms - self.rooms_done)
            return replace(self, people=self.open_people, rooms=left.fitted_to(self.open_people))
        return replace(self, lines=self.open_lines())


@dataclass(frozen=True)
class Delivered:
    """What a finished job delivered (`AssignmentReleased.delivery`)."""
    people: int = 0
    quantities: dict[str, int] = field(default_factory=dict)


@dataclass
class Hotel:
    id: str
    name: str
    operator: str
    site: Place
    accepts: frozenset[str]
    usable: Rooms
    open_at: datetime | None
    open: bool = True


@dataclass
class Bus:
    id: str
    operator: str
    depot: Place
    seats: int
    load_limit: float
    shift_start: datetime
    shift_end: datetime
    turnaround_min: int
    in_service: bool = True
    plate: str = ""

    @property
    def capacity(self) -> int:
        return int(self.seats * self.load_limit + 1e-9)


@dataclass
class Stock:
    warehouse: Place
    operator: str
    sku: str
    available: int


@dataclass
class Stop:
    site: Place
    at: datetime
    load: list[tuple[str, int]]


@dataclass
class Trip:
    bus_id: str
    start_at: datetime
    stops: list[Stop]
    hotel_id: str
    hotel_site: Place
    arrive_at: datetime


@dataclass
class Pick:
    warehouse_id: str
    sku: str
    quantity: int
    operator: str = ""
    reflected: bool = False  # the inventory's published level already includes this hold


@dataclass
class Hold:
    """A proposal of the matcher while it is proposed or confirmed."""
    assignment_id: str
    need_id: str
    status: str = "proposed"
    hotel_id: str = ""
    rooms: Rooms = field(default_factory=Rooms)
    trips: list[Trip] = field(default_factory=list)
    picks: list[Pick] = field(default_factory=list)
    people: int = 0
