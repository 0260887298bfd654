"""Rooms of a previous proposal whose need no bus carries in the re-solve.

Why: `solve` releases the rooms of needs nobody can carry, so that needs still without rooms may
take them. A previous plan may hold rooms for a need no bus carried (the greedy floor keeps them:
the need waits for a bus with its rooms held). Re-solving with that plan as `previous` kept the
rooms, found no bus again, released them and never offered them back: the need lost the room it
had been proposed, while nothing else changed (the property test
`test_resolving_with_previous_keeps_rules` caught it). Re-matching must not churn, so a previous
proposal is withdrawn only when its rooms go to a need a bus then carries; otherwise it stands as
it was (same hotel, same rooms).
"""
from __future__ import annotations

from baolei_common.rooms import Rooms

from . import rules
from .plan import RoomAssignment


def restore_previous_rooms(withdrawn: dict[str, RoomAssignment], room_of: dict[str, RoomAssignment],
                           residual: dict[str, Rooms]) -> list[str]:
    """Give each withdrawn previous assignment back if its need still has no room and its hotel
    still has those rooms free; `room_of` and `residual` are updated in place. Returns the needs
    restored, in the order of `withdrawn`."""
    restored = []
    for nid, r in withdrawn.items():
        cap = residual.get(r.hotel)
        got = r.rooms
        if nid in room_of or cap is None or not rules.within(got, cap):
            continue
        room_of[nid] = r
        residual[r.hotel] = cap - got
        restored.append(nid)
    return restored
