"""What the events folded since the last batch may have freed or added, and the needs they
touched: collected by the state as it folds events, read by wakeups.py to choose which needs found
unmet are worth solving again."""
from __future__ import annotations

from dataclasses import dataclass, field

from baolei_common.rooms import ROOM_TYPES
from baolei_matcher.domain.entities import Hold


@dataclass
class Changes:
    """What the events folded since the last batch may have freed or added, and the needs they touched."""
    everything: bool = False  # a fresh process, a takeover, a failed solve: take every unmet need again
    rooms: dict[str, set[str]] = field(default_factory=dict)  # hotel id -> room types with more free rooms
    buses: set[str] = field(default_factory=set)  # buses with more free time (added, in service, shift, released)
    stock: set[tuple[str, str]] = field(default_factory=set)  # (warehouse id, sku) with more free stock
    needs: set[str] = field(default_factory=set)  # needs edited, declined or released

    def any(self) -> bool:
        return self.everything or bool(self.rooms or self.buses or self.stock or self.needs)

    def add_rooms(self, hotel_id: str, types: set[str] | frozenset[str]) -> None:
        if types:
            self.rooms.setdefault(hotel_id, set()).update(types)

    def freed_by(self, hold: Hold) -> None:
        """A hold ends without its job (declined, expired, cancelled, never published): its rooms,
        its buses' time and its picks are free again, and its need is touched."""
        self.needs.add(hold.need_id)
        if hold.hotel_id:
            self.add_rooms(hold.hotel_id, {t for t in ROOM_TYPES if hold.rooms.get(t) > 0})
        self.buses.update(t.bus_id for t in hold.trips)
        self.stock.update((p.warehouse_id, p.sku) for p in hold.picks)
