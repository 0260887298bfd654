"""Which needs found unmet are worth solving again after an event: a wake-up, not a re-try storm.

Why: a need found unmet used to be solved again whenever anything freed or added capacity — any
release, any hotel or bus update, any receipt of stock. After a 10,000-row import that left ~9,500
needs unmet, every such event sent all of them back to the solver, and a hotel's decline waited
145 s behind them. A need's answer can only change when something it could use changes: rooms of a
type it can take at a hotel that accepts its risk, a bus's time, stock of one of its SKUs, or the
need itself (edited, declined, released). `Changes` collects those effects as events are folded;
`woken` says, from the state and the effects, which unmet needs to take again. It is pure: no
clock, no I/O.

Reasons about time (`out_of_time`: cut off by the time limit) are not findings and keep their own
retry (`MatcherState.batch` takes them always).
"""
from __future__ import annotations

from datetime import datetime

from baolei_common.rooms import ROOM_TYPES
from baolei_matcher.domain.changes import Changes
from baolei_matcher.domain.entities import Bus, Hotel, Need
from baolei_matcher.domain.state import MatcherState

ALL_ROOM_TYPES = frozenset({"standard", "family", "accessible"})
# Unmet reasons that only more rooms can change: a bus freed or added does not wake these.
ROOM_ONLY_CODES = frozenset({"no_hotel_for_risk", "rooms_full", "standard_rooms_full", "family_rooms_full",
                             "accessible_rooms_full", "rooms_to_more_urgent"})


def hotel_gain(old: Hotel | None, new: Hotel) -> set[str]:
    """Room types a hotel update may have made available: all of them for a new hotel, one that
    opened, opens earlier, takes another risk category or moved; otherwise the types whose usable
    count grew."""
    if not new.open:
        return set()
    if (old is None or not old.open or new.accepts - old.accepts or new.site != old.site
            or (new.open_at is not None and (old.open_at is None or new.open_at < old.open_at))):
        return set(ALL_ROOM_TYPES)
    return {t for t in ROOM_TYPES if new.usable.get(t) > old.usable.get(t)}


def bus_gain(old: Bus | None, new: Bus) -> bool:
    """Does a bus update give the fleet more time or seats: a new bus, back in service, a longer
    shift, more seats or a looser load limit, a shorter turnaround, another depot."""
    if not new.in_service or new.capacity <= 0:
        return False
    return (old is None or not old.in_service or new.shift_end > old.shift_end or new.shift_start < old.shift_start
            or new.capacity > old.capacity or new.turnaround_min < old.turnaround_min or new.depot != old.depot)


def can_use(need: Need, room_type: str) -> bool:
    """Room types may be upgraded, never downgraded: a standard request takes any type; family and
    accessible requests need exactly theirs."""
    return need.rooms.get(room_type) > 0 or need.rooms.standard > 0


def _rooms_help(need: Need, rooms: dict[str, set[str]], hotels: dict[str, Hotel]) -> bool:
    for hotel_id, types in rooms.items():
        h = hotels.get(hotel_id)
        if h is None or not h.open or need.risk not in h.accepts or f"hotel:{hotel_id}" in need.excluded:
            continue
        if any(can_use(need, t) for t in types):
            return True
    return False


def _buses_help(need: Need, code: str, buses: set[str], fleet: dict[str, Bus], now: datetime | None) -> bool:
    if code in ROOM_ONLY_CODES:
        return False
    for bus_id in buses:
        b = fleet.get(bus_id)
        if b is None or not b.in_service or b.capacity <= 0 or f"bus:{bus_id}" in need.excluded:
            continue
        if now is not None and b.shift_end <= now:
            continue
        return True
    return False


def _stock_helps(need: Need, stock: set[tuple[str, str]]) -> bool:
    skus = need.open_lines()
    return any(sku in skus and f"warehouse:{wh}" not in need.excluded for wh, sku in stock)


def woken(state: MatcherState, changes: Changes, now: datetime | None = None) -> set[str]:
    """The needs found unmet (`state.unmet`) that `changes` could give another answer: every one
    when `changes.everything`; otherwise those touched themselves, transfers that could use the
    rooms (a hotel taking their risk, a type they can take, not declined) or, unless only rooms
    can help them, a bus in service (not declined, shift not over at `now`), and supply needs with
    more stock of one of their SKUs (at a warehouse not declined)."""
    if changes.everything:
        return set(state.unmet)
    if not changes.any():
        return set()
    out = {nid for nid in changes.needs if nid in state.unmet}
    for nid, code in state.unmet.items():
        need = state.needs.get(nid)
        if need is None or nid in out:
            continue
        if need.kind == "transfer":
            if ((changes.rooms and _rooms_help(need, changes.rooms, state.hotels))
                    or (changes.buses and _buses_help(need, code, changes.buses, state.buses, now))):
                out.add(nid)
        elif changes.stock and _stock_helps(need, changes.stock):
            out.add(nid)
    return out


def next_batch(state: MatcherState, now: datetime | None = None) -> list[Need]:
    """What the next re-match takes, the unmet needs to wake worked out from the changes folded
    since the last batch (which this takes)."""
    return state.batch(woken(state, state.take_changes(), now))
