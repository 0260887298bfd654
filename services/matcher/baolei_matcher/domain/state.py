"""What the matcher knows: open needs, rooms, buses, stock, and the holds of its own proposals.

Free capacity is derived, never stored: a hotel's usable rooms minus the rooms of active
(proposed or confirmed) assignments; a bus's position and next free time from its trips; a
warehouse's available stock as the inventory published it, minus picks of proposals whose hold the
inventory has not reflected yet.

Finished needs leave the state, so it (and its snapshot) stays the size of what is open, not of the
outbreak's history: a need cancelled, or one whose jobs delivered everything it asked, is closed to
matching and dropped with its last hold. A done hold's lasting effects are folded into two small
aggregates that keep the derived capacity exactly as if the hold were still there: the rooms it
took (per hotel) and where its bus is left (per bus).

A partial delivery (released `done` with a `Delivery` of fewer people or units than planned) leaves
the need open: what was delivered is counted, the rooms nobody moved into are given back, and the
remainder is matched again at once, with the need's priority and original waiting time. A decline
names the resources turned down; the need keeps them as exclusions and is never offered them again.

Rooms people moved into stay taken until the hotel records that they left (a `StayChanged` from
the requests service, domain/occupancy.py): then they are cleaned until a known time and free
after it. Free rooms are never negative (a hotel may shrink under its guests: it is then full, not
"minus"), and are counted over time: free now and at each cleaning end ahead (`rooms_steps`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from baolei_common.rooms import ROOM_TYPES, Rooms
from baolei_matcher.domain.changes import Changes
from baolei_matcher.domain.entities import Bus, Delivered, Hold, Hotel, Need, Place, Stock
from baolei_matcher.domain.occupancy import Occupancy, StayChange, clamp, free_over_time, increments
from baolei_matcher.solver.reasons import OUT_OF_TIME


class MatcherState:
    def __init__(self) -> None:
        self.needs: dict[str, Need] = {}
        self.hotels: dict[str, Hotel] = {}
        self.buses: dict[str, Bus] = {}
        self.stock: dict[tuple[str, str], Stock] = {}
        self.holds: dict[str, Hold] = {}
        self._holds_of: dict[str, set[str]] = {}  # need id -> its hold ids (an index of `holds`)
        # (warehouse id, sku) -> ids of holds picking there: a stock event touches only these, not
        # every hold (a scan of all holds per stock event took a third of the matcher's CPU at 100 needs/s)
        self._picks_at: dict[tuple[str, str], set[str]] = {}
        self.unmet: dict[str, str] = {}  # need id -> last reason code published
        # What done holds leave behind: rooms still taken per hotel, and each bus's last trip end
        # (where it is and when it is free, turnaround included).
        self.rooms_taken: dict[str, Rooms] = {}
        self.bus_after: dict[str, tuple[Place, datetime]] = {}
        # Stays and rooms being cleaned: rooms_taken less what left, and when it is free again
        self.occupancy = Occupancy()
        # What may have freed or added capacity since the last batch (a hotel or bus update, a
        # release, more free stock) and the needs touched: needs found unmet are tried again only
        # when it could change their answer (domain/wakeups.py).
        self.changes = Changes(everything=True)

    @property
    def resources_changed(self) -> bool:
        return self.changes.any()

    @resources_changed.setter
    def resources_changed(self, value: bool) -> None:
        """True: take every need found unmet again (a fresh process, a takeover, a failed solve)."""
        if value:
            self.changes.everything = True
        else:
            self.changes = Changes()

    # --- applying events -------------------------------------------------------------------
    def upsert_need(self, need: Need) -> None:
        old = self.needs.get(need.id)
        if old is not None:  # an event sent twice must not reopen a cancelled or closed need
            need.cancelled, need.closed = old.cancelled, old.closed
            need.delivered_people, need.delivered_lines = old.delivered_people, old.delivered_lines
            need.rooms_done, need.excluded = old.rooms_done, old.excluded
            need.time_weight, need.only_bus, need.narrowed = old.time_weight, old.only_bus, old.narrowed
            if _edited(old, need):
                self.changes.needs.add(need.id)
        self.needs[need.id] = need

    def exclude(self, need_id: str, resources: Iterable[str]) -> None:
        """A dispatcher declined these resources for this need: never offer them to it again."""
        n = self.needs.get(need_id)
        if n is not None:
            n.excluded.update(resources)
            self.changes.needs.add(need_id)

    def cancel_need(self, need_id: str) -> None:
        if need_id in self.needs:
            self.needs[need_id].cancelled = True
            self.changes.needs.add(need_id)  # its holds free their resources when they are released
            self._drop_if_finished(need_id)

    def _drop_if_finished(self, need_id: str) -> None:
        """A cancelled or closed need leaves the state once no hold of it is left."""
        n = self.needs.get(need_id)
        if n is None or not (n.cancelled or n.closed):
            return
        if self._holds_of.get(need_id):
            return
        del self.needs[need_id]
        self.unmet.pop(need_id, None)

    def upsert_stock(self, item: Stock, cause: str, assignment_id: str = "") -> None:
        """A level from the inventory. `assignment_id` (StockChanged.assignment_id) names the hold
        this level reflects; events written before that field carry it only in `cause` text."""
        key = (item.warehouse.id, item.sku)
        before = self._free_of(key)
        self.stock[key] = item
        for aid in self._picks_at.get(key, ()):
            hold = self.holds[aid]
            if aid == assignment_id or (not assignment_id and aid in cause):
                for p in hold.picks:
                    if (p.warehouse_id, p.sku) == key:
                        p.reflected = True
        if self._free_of(key) > before:  # a hold the inventory took is no change; a receipt is
            self.changes.stock.add(key)

    def _free_of(self, key: tuple[str, str]) -> int:
        s = self.stock.get(key)
        if s is None:
            return 0
        held = 0
        for aid in self._picks_at.get(key, ()):
            h = self.holds[aid]
            if h.status == "proposed":
                held += sum(p.quantity for p in h.picks if not p.reflected and (p.warehouse_id, p.sku) == key)
        return s.available - held

    def add_hold(self, hold: Hold) -> None:
        old = self.holds.get(hold.assignment_id)
        if old is not None:
            self._unindex(old)
        self.holds[hold.assignment_id] = hold
        self._index(hold)

    def _index(self, hold: Hold) -> None:
        self._holds_of.setdefault(hold.need_id, set()).add(hold.assignment_id)
        for p in hold.picks:
            self._picks_at.setdefault((p.warehouse_id, p.sku), set()).add(hold.assignment_id)

    def _unindex(self, hold: Hold) -> None:
        ids = self._holds_of.get(hold.need_id)
        if ids is not None:
            ids.discard(hold.assignment_id)
            if not ids:
                del self._holds_of[hold.need_id]
        for p in hold.picks:
            at = self._picks_at.get((p.warehouse_id, p.sku))
            if at is not None:
                at.discard(hold.assignment_id)
                if not at:
                    del self._picks_at[(p.warehouse_id, p.sku)]

    def drop_hold(self, assignment_id: str) -> Hold | None:
        """Forget a hold that never reached the log (its proposal could not be published)."""
        hold = self.holds.pop(assignment_id, None)
        if hold is not None:
            self._unindex(hold)
            self.changes.freed_by(hold)
        return hold

    def reindex(self) -> None:
        """Rebuild the indexes of `holds` (after the holds were loaded from a snapshot)."""
        self._holds_of = {}
        self._picks_at = {}
        for h in self.holds.values():
            self._index(h)

    def confirm(self, assignment_id: str) -> None:
        if assignment_id in self.holds:
            self.holds[assignment_id].status = "confirmed"

    def release(self, assignment_id: str, reason: str = "", delivered: Delivered | None = None) -> None:
        """A hold ends. Declined, expired, cancelled: its resources are free again. Done: the job
        is finished; the rooms people moved into stay taken and the bus is where the trip left it,
        the stock was issued (the inventory's published level says so). With `delivered` (what
        arrived), the need stays open for whatever is left and is matched again at once; without
        it (an event from before partial deliveries were counted) the need is closed."""
        hold = self.holds.pop(assignment_id, None)
        if hold is None:
            return
        self._unindex(hold)
        need = self.needs.get(hold.need_id)
        if is_done(reason):
            kept = hold.rooms
            if delivered is not None and hold.hotel_id:
                kept = hold.rooms.kept_after(delivered.people)
            self._retire(hold, kept)
            # rooms nobody moved into are free again
            self.changes.add_rooms(hold.hotel_id, {t for t in ROOM_TYPES if kept.get(t) < hold.rooms.get(t)})
            if need is not None:
                if delivered is None:
                    need.closed = True
                else:
                    self._count_delivery(need, delivered, kept)
        else:
            self.changes.freed_by(hold)
        self._drop_if_finished(hold.need_id)

    def _count_delivery(self, need: Need, delivered: Delivered, kept: Rooms) -> None:
        need.delivered_people += delivered.people
        for sku, q in delivered.quantities.items():
            need.delivered_lines[sku] = need.delivered_lines.get(sku, 0) + q
        need.rooms_done = need.rooms_done + kept
        if (need.open_people if need.kind == "transfer" else bool(need.open_lines())):
            self.unmet.pop(need.id, None)  # the remainder is new work: matched now, not parked as unmet
            self.changes.needs.add(need.id)
        else:
            need.closed = True

    def _retire(self, hold: Hold, rooms: Rooms) -> None:
        if hold.hotel_id and any(rooms):
            self.rooms_taken[hold.hotel_id] = self.rooms_taken.get(hold.hotel_id, Rooms()) + rooms
        for trip in hold.trips:
            bus = self.buses.get(trip.bus_id)
            free_at = trip.arrive_at + timedelta(minutes=bus.turnaround_min if bus else 0)
            last = self.bus_after.get(trip.bus_id)
            if last is None or free_at > last[1]:
                hotel = self.hotels.get(trip.hotel_id)
                self.bus_after[trip.bus_id] = (hotel.site if hotel else trip.hotel_site, free_at)

    def stay_changed(self, c: StayChange) -> None:
        """People arrived, left or stay longer (the requests service's `StayChanged`): rooms given
        back leave the occupied count (never below zero) and are cleaned until their time; they may
        be proposed from then on, so the needs waiting for rooms there are woken now."""
        vacated = self.occupancy.apply(c)
        if vacated.total() > 0:
            self.rooms_taken[c.hotel_id] = clamp(self.rooms_taken.get(c.hotel_id, Rooms()) - vacated)
            if not any(self.rooms_taken[c.hotel_id]):
                del self.rooms_taken[c.hotel_id]
            self.changes.add_rooms(c.hotel_id, {t for t in ROOM_TYPES if vacated.get(t) > 0})

    # --- derived capacity ------------------------------------------------------------------
    def _base_free(self) -> dict[str, Rooms]:
        """Per hotel, usable less occupied less held, before cleaning (may be negative here)."""
        free = {h.id: h.usable for h in self.hotels.values()}
        for hotel_id, taken in self.rooms_taken.items():
            if hotel_id in free:
                free[hotel_id] = free[hotel_id] - taken
        for hold in self.holds.values():
            if hold.hotel_id in free:
                free[hold.hotel_id] = free[hold.hotel_id] - hold.rooms
        return free

    def rooms_free(self, at: datetime | None = None) -> dict[str, Rooms]:
        """Per hotel, its usable rooms less those occupied, held or being cleaned at `at` (None:
        every cleaning batch still listed); never negative: a hotel with more taken than usable
        (it shrank under its guests) is full."""
        return {hid: clamp(base - self.occupancy.cleaning_at(hid, at)) for hid, base in self._base_free().items()}

    def rooms_over(self) -> dict[str, Rooms]:
        """Hotels with more rooms taken than usable, by how many (the operator's to sort out)."""
        return {hid: clamp(Rooms() - base) for hid, base in self._base_free().items() if any(k < 0 for k in base)}

    def rooms_steps(self, now: datetime, horizon: timedelta) -> dict[str, list[tuple[datetime | None, Rooms]]]:
        """Per hotel, the rooms that may be given from when: free now (None), then the rooms each
        cleaning end within `horizon` adds. Summed up to any time, never more than free then."""
        self.occupancy.prune(now)
        out: dict[str, list[tuple[datetime | None, Rooms]]] = {}
        for hid, base in self._base_free().items():
            times: list[datetime | None] = [None, *self.occupancy.steps(hid, now, horizon)]
            levels = free_over_time(base, [self.occupancy.cleaning_at(hid, t or now) for t in times])
            out[hid] = [(t, r) for t, r in zip(times, increments(levels), strict=True) if t is None or any(r)]
        return out

    def stock_free(self) -> dict[tuple[str, str], int]:
        free = {k: s.available for k, s in self.stock.items()}
        for hold in self.holds.values():
            if hold.status != "proposed":
                continue
            for p in hold.picks:
                if not p.reflected and (p.warehouse_id, p.sku) in free:
                    free[(p.warehouse_id, p.sku)] -= p.quantity
        return free

    def bus_positions(self) -> dict[str, tuple[Place, datetime]]:
        """Where each bus is free next, and from when (turnaround included)."""
        out: dict[str, tuple[Place, datetime]] = {b.id: (b.depot, b.shift_start) for b in self.buses.values()}
        for bus_id, (where, free_at) in self.bus_after.items():
            if bus_id in out and free_at > out[bus_id][1]:
                out[bus_id] = (where, free_at)
        for hold in self.holds.values():
            for trip in hold.trips:
                bus = self.buses.get(trip.bus_id)
                if bus is None:
                    continue
                free_at = trip.arrive_at + timedelta(minutes=bus.turnaround_min)
                if free_at > out[bus.id][1]:
                    # the hotel as known now: a proposal may have been read before its hotel
                    hotel = self.hotels.get(trip.hotel_id)
                    out[bus.id] = (hotel.site if hotel else trip.hotel_site, free_at)
        return out

    def served(self, need: Need) -> tuple[int, dict[str, int]]:
        people = 0
        qty: dict[str, int] = {}
        for hold in self.holds.values():
            if hold.need_id == need.id:
                people += hold.people
                for p in hold.picks:
                    qty[p.sku] = qty.get(p.sku, 0) + p.quantity
        return people, qty

    def to_match(self) -> list[Need]:
        """Open needs still wanting something, most urgent first, then first come: those with no
        active proposal, and the rest of a supply need whose proposals fell short (tried again
        when stock changes). A transfer with a proposal waits for its dispatchers' answer."""
        held: dict[str, list[Hold]] = {}
        for h in self.holds.values():
            held.setdefault(h.need_id, []).append(h)
        out = []
        for n in self.needs.values():
            if n.cancelled or n.closed:
                continue
            if n.id not in held:
                rest_of = n.remainder()
                if rest_of.people > 0 or rest_of.lines:
                    out.append(rest_of)
            elif n.kind == "supply":
                got: dict[str, int] = {}
                for h in held[n.id]:
                    for p in h.picks:
                        got[p.sku] = got.get(p.sku, 0) + p.quantity
                rest = {k: q - got.get(k, 0) for k, q in n.open_lines().items() if q > got.get(k, 0)}
                if rest:
                    out.append(replace(n, lines=rest))
        return sorted(out, key=lambda n: (n.priority, n.submitted_at))

    def still_open(self, need: Need) -> bool:
        """Is this need (taken for a solve a moment ago) still to match? Not if it was cancelled,
        finished, or, for a transfer, proposed meanwhile: a round of many solves takes seconds."""
        n = self.needs.get(need.id)
        if n is None or n.cancelled or n.closed:
            return False
        return need.kind != "transfer" or not self._holds_of.get(need.id)

    def take_changes(self) -> Changes:
        """The changes folded since the last call, and a fresh collector for the next ones."""
        changes, self.changes = self.changes, Changes()
        return changes

    def batch(self, wake: set[str]) -> list[Need]:
        """What the next re-match takes: `to_match()`, less the needs already found unmet that
        nothing since could give another answer (they would only be found unmet again, and a
        city's backlog of them must not slow every new need down). `wake` names the unmet needs
        to take again (`wakeups.woken`; `wakeups.next_batch` works it out from the changes folded
        since the last batch). A need cut off by the time limit is not a finding: it is always
        taken again."""
        todo = self.to_match()
        return [n for n in todo if self.unmet.get(n.id, OUT_OF_TIME) == OUT_OF_TIME or n.id in wake]


def _edited(old: Need, new: Need) -> bool:
    """Did a need's own fields change (an operator's edit), as far as matching is concerned?"""
    return ((old.site, old.priority, old.due_at, old.risk, old.people, old.rooms, old.ready_at, old.lines)
            != (new.site, new.priority, new.due_at, new.risk, new.people, new.rooms, new.ready_at, new.lines))


def is_done(reason: str) -> bool:
    """`AssignmentReleased.reason` of a finished job: "done", or "done: <note>"."""
    return reason == "done" or reason.startswith("done:")
