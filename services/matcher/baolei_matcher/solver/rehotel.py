"""Bus stage: letting the trip decide the hotel of a need nobody is carrying yet.

Why: the rooms stage picks each need's hotel alone (nearest with room), so neighbouring needs of
one risk category often get different hotels and cannot share a trip — with a tight fleet half
the seats ride empty and every extra trip costs a bus an hour or more. While the bus stage places
a need with no people aboard yet, it may move the need's rooms to another hotel that accepts its
risk and has the very rooms it asked for left over (no upgrade, nothing taken from another need),
so it can join a trip already going there or drive somewhere nearer. Fixed needs and needs kept
from a previous plan never move. Every move is journalled so a rejected search step undoes it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from baolei_common.rooms import Rooms

from . import rules
from .fleet import Request
from .model import Hotel, TransferNeed
from .plan import RoomAssignment
from .travel import Travel

logger = logging.getLogger(__name__)

NEAREST = 3  # nearest fitting hotels offered besides the one the rooms stage chose

Move = tuple[str, RoomAssignment, str, str, int]  # need, old rooms, old hotel, old site, old open_s


class HotelChooser:
    def __init__(self, hotels: list[Hotel], travel: Travel, residual: dict[str, Rooms],
                 room_of: dict[str, RoomAssignment], frozen: set[str]) -> None:
        self.hotels = hotels
        self.travel = travel
        self.residual = residual
        self.room_of = room_of
        self.frozen = frozen                 # need ids whose hotel must stay
        self.hotel_by_id = {h.id: h for h in hotels}
        self.site_idx = np.array([travel.index[h.site] for h in hotels], dtype=np.int64)
        self._near: dict[str, list[int]] = {}
        self.journal: list[Move] | None = None
        self.moves = 0

    def movable(self, req: Request) -> bool:
        return req.need.id not in self.frozen and req.remaining == req.need.people

    def _nearest(self, need: TransferNeed) -> list[int]:
        near = self._near.get(need.id)
        if near is None:
            idx = np.array([i for i, h in enumerate(self.hotels) if rules.hotel_accepts(h.accepts, need.risk)],
                           dtype=np.int64)
            if len(idx) == 0:
                near = []
            else:
                km = self.travel.km_from_many(self.site_idx[idx], need.site)
                near = [int(idx[k]) for k in np.argsort(km, kind="stable")[:4 * NEAREST]]
            self._near[need.id] = near
        return near

    def fits(self, need: TransferNeed, hotel: Hotel) -> bool:
        """The hotel has the very rooms asked left (a move never takes an upgrade)."""
        cap = self.residual.get(hotel.id)
        return cap is not None and rules.within(need.rooms, cap)

    def candidates(self, req: Request, extra: Callable[[], list[str]] | None = None) -> list[Hotel]:
        """Hotels the need could move to now: the nearest that fit exactly (and those named by
        `extra`, e.g. hotels of trips passing nearby), its own hotel not included."""
        out: list[Hotel] = []
        seen = {req.hotel}
        for hi in self._nearest(req.need):
            h = self.hotels[hi]
            if h.id not in seen and self.fits(req.need, h):
                out.append(h)
                seen.add(h.id)
                if len(out) >= NEAREST:
                    break
        return out

    def move(self, req: Request, hotel: Hotel, open_s: int) -> None:
        """Give the need `hotel`'s rooms (exactly the types asked) and release its old ones."""
        nid, need = req.need.id, req.need
        old = self.room_of[nid]
        if self.journal is not None:
            self.journal.append((nid, old, req.hotel, req.hotel_site, req.open_s))
        self.residual[old.hotel] = self.residual[old.hotel] + old.rooms
        self.residual[hotel.id] = self.residual[hotel.id] - need.rooms
        self.room_of[nid] = RoomAssignment(nid, hotel.id, need.rooms.standard, need.rooms.family,
                                           need.rooms.accessible)
        req.hotel, req.hotel_site, req.open_s = hotel.id, hotel.site, open_s
        self.moves += 1

    def undo(self, moves: list[Move], requests: dict[str, Request]) -> None:
        for nid, old, hid, hsite, open_s in reversed(moves):
            cur = self.room_of[nid]
            self.residual[cur.hotel] = self.residual[cur.hotel] + cur.rooms
            self.residual[old.hotel] = self.residual[old.hotel] - old.rooms
            self.room_of[nid] = old
            r = requests[nid]
            r.hotel, r.hotel_site, r.open_s = hid, hsite, open_s
