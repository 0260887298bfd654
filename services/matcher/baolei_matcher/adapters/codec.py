"""Protobuf <-> matcher domain. Round-trip tested in tests/unit/matcher."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from google.protobuf.timestamp_pb2 import Timestamp

from baolei_common.events import from_ts, meta, ts
from baolei_common.rooms import Rooms
from baolei_events.v1 import assignments_pb2, common_pb2, needs_pb2, resources_pb2, stock_pb2
from baolei_matcher.domain.decisions import Proposal, Unmet
from baolei_matcher.domain.entities import Bus, Delivered, Hold, Hotel, Need, Pick, Place, Stock, Stop, Trip
from baolei_matcher.domain.faster import Faster
from baolei_matcher.domain.occupancy import StayChange

PRODUCER = "matcher"
RISK = {needs_pb2.RISK_CLOSE_CONTACT: "close_contact", needs_pb2.RISK_SECONDARY_CONTACT: "secondary_contact",
        needs_pb2.RISK_INBOUND: "inbound"}
KIND = {needs_pb2.NEED_KIND_TRANSFER: "transfer", needs_pb2.NEED_KIND_SUPPLY: "supply"}
KIND_PB = {v: k for k, v in KIND.items()}
RESOURCE = {assignments_pb2.RESOURCE_KIND_BUS: "bus", assignments_pb2.RESOURCE_KIND_HOTEL: "hotel",
            assignments_pb2.RESOURCE_KIND_WAREHOUSE: "warehouse"}


class Sites(Protocol):
    """Hotel sites by id: a dict, or a view of the state."""

    def get(self, hotel_id: str, default: Place, /) -> Place: ...


def at(value: Timestamp, what: str) -> datetime:
    """A timestamp the matcher cannot do without: an unset one makes the message unusable (it is
    dead-lettered with this cause) rather than a None deep inside the solver."""
    t = from_ts(value)
    if t is None:
        raise ValueError(f"{what} not set")
    return t


def place(s: common_pb2.Site) -> Place:
    return Place(s.id, s.name, s.district, s.lat, s.lon)


def rooms(r: common_pb2.RoomCounts) -> Rooms:
    return Rooms(r.standard, r.family, r.accessible)


def need(ev: needs_pb2.NeedEvent) -> Need:
    s = ev.submitted
    return Need(id=s.need_id, kind=KIND[s.kind], site=place(s.site), priority=s.priority, due_at=at(s.due_at, "due_at"),
                submitted_at=at(ev.meta.occurred_at, "occurred_at"), risk=RISK.get(s.risk, ""), people=s.people,
                rooms=rooms(s.rooms), ready_at=from_ts(s.ready_at), lines={ln.sku: ln.quantity for ln in s.lines})


def hotel(h: resources_pb2.HotelRooms) -> Hotel:
    return Hotel(id=h.hotel_id, name=h.name or h.hotel_id, operator=h.operator, site=place(h.site),
                 accepts=frozenset(RISK[a] for a in h.accepts if a in RISK), usable=rooms(h.free),
                 open_at=from_ts(h.open_at), open=h.state == resources_pb2.HOTEL_STATE_OPEN)


def bus(b: resources_pb2.BusStatus) -> Bus:
    return Bus(id=b.bus_id, operator=b.operator, depot=place(b.depot), seats=b.seats, load_limit=b.load_limit,
               shift_start=at(b.shift_start, "shift_start"), shift_end=at(b.shift_end, "shift_end"),
               turnaround_min=b.turnaround_min,
               in_service=b.state == resources_pb2.BUS_STATE_IN_SERVICE, plate=b.plate)


def stock(s: stock_pb2.StockChanged) -> Stock:
    return Stock(warehouse=place(s.warehouse), operator=s.warehouse_operator, sku=s.sku, available=s.available)


def _site_pb(p: Place) -> common_pb2.Site:
    return common_pb2.Site(id=p.id, name=p.name, district=p.district, lat=p.lat, lon=p.lon)


def trip_pb(t: Trip, operator: str) -> assignments_pb2.Trip:
    return assignments_pb2.Trip(
        bus_id=t.bus_id, bus_operator=operator, start_at=ts(t.start_at), hotel_id=t.hotel_id,
        arrive_at=ts(t.arrive_at),
        stops=[assignments_pb2.TripStop(site_id=s.site.id, at=ts(s.at),
                                        load=[assignments_pb2.TripLoad(need_id=n, people=p) for n, p in s.load])
               for s in t.stops])


def proposed(p: Proposal, *, solve_id: str, hold_ttl_s: int, now: datetime, bus_operator: dict[str, str],
             kind: str) -> assignments_pb2.AssignmentEvent:
    body = assignments_pb2.AssignmentProposed(
        assignment_id=p.assignment_id, need_id=p.need_id, kind=KIND_PB[kind], solve_id=solve_id,
        explanation_zh=p.explanation_zh, explanation_en=p.explanation_en,
        hold_expires_at=ts(now + timedelta(seconds=hold_ttl_s)), people_unserved=p.people_unserved,
        wait_minutes=p.wait_minutes, late_minutes=p.late_minutes, late_cause=p.late_cause,
        trips=[trip_pb(t, bus_operator.get(t.bus_id, "")) for t in p.trips],
        picks=[assignments_pb2.SupplyPick(sku=k.sku, warehouse_id=k.warehouse_id, warehouse_operator=k.operator,
                                          quantity=k.quantity) for k in p.picks],
        quantity_unserved=[needs_pb2.SupplyLine(sku=s, quantity=q) for s, q in p.quantity_unserved.items()])
    if p.hotel_id:
        body.room.CopyFrom(assignments_pb2.RoomGrant(hotel_id=p.hotel_id, hotel_operator=p.hotel_operator,
                                                     rooms=common_pb2.RoomCounts(**p.rooms.as_dict())))
    return assignments_pb2.AssignmentEvent(
        meta=meta(producer=PRODUCER, correlation_id=p.need_id, actor="matcher"), proposed=body)


def unmet(u: Unmet, *, solve_id: str) -> assignments_pb2.AssignmentEvent:
    return assignments_pb2.AssignmentEvent(
        meta=meta(producer=PRODUCER, correlation_id=u.need_id, actor="matcher"),
        unmet=assignments_pb2.NeedUnmet(need_id=u.need_id, code=u.code, reason_zh=u.reason_zh,
                                        reason_en=u.reason_en, solve_id=solve_id))


def hold(p: assignments_pb2.AssignmentProposed, hotel_sites: Sites) -> Hold:
    """The resources a proposal on the topic holds (whoever proposed it)."""
    trips = []
    for t in p.trips:
        site = hotel_sites.get(t.hotel_id, Place(t.hotel_id, t.hotel_id, "", 0.0, 0.0))
        stops = [Stop(Place(s.site_id, s.site_id, "", 0.0, 0.0), at(s.at, "stop at"),
                      [(ln.need_id, ln.people) for ln in s.load]) for s in t.stops]
        trips.append(Trip(t.bus_id, at(t.start_at, "start_at"), stops, t.hotel_id, site, at(t.arrive_at, "arrive_at")))
    people = sum(ln.people for t in p.trips for s in t.stops for ln in s.load if ln.need_id == p.need_id)
    return Hold(assignment_id=p.assignment_id, need_id=p.need_id, hotel_id=p.room.hotel_id,
                rooms=rooms(p.room.rooms), trips=trips, people=people,
                picks=[Pick(k.warehouse_id, k.sku, k.quantity, k.warehouse_operator) for k in p.picks])


def delivered(r: assignments_pb2.AssignmentReleased) -> Delivered | None:
    """What a `done` release says was delivered; None for an event written without it."""
    if not r.HasField("delivery"):
        return None
    return Delivered(people=r.delivery.people, quantities={q.sku: q.quantity for q in r.delivery.quantities})


def stay(c: assignments_pb2.StayChanged) -> StayChange:
    """A stay as it now stands, and the rooms it gave back (cleaned until `cleaning_until`)."""
    if not c.hotel_id or not c.assignment_id:
        raise ValueError("StayChanged without hotel_id or assignment_id")
    return StayChange(stay_id=c.assignment_id, hotel_id=c.hotel_id, kind=c.kind, rooms_staying=rooms(c.rooms_staying),
                      people_staying=c.people_staying, stay_until=from_ts(c.stay_until),
                      rooms_vacated=rooms(c.rooms_vacated), cleaning_until=from_ts(c.cleaning_until),
                      cleaning_h=c.cleaning_hours)


def declined(r: assignments_pb2.AssignmentReleased) -> list[str]:
    """The resources a decline turned down, as "bus:<id>", "hotel:<id>", "warehouse:<id>"."""
    return [f"{RESOURCE[x.kind]}:{x.id}" for x in r.declined if x.kind in RESOURCE and x.id]


def faster(r: assignments_pb2.AssignmentReleased) -> Faster:
    """The faster alternative an operator asked for with this release."""
    return Faster(need_id=r.need_id, time_weight=r.faster.time_weight or 1.0, bus_id=r.faster.bus_id)


class AssignmentRecords:
    """The solve's decisions as assignments-topic records (service/ports.py `Encoder`); every
    proposal holds its resources for `hold_ttl_s`, the matcher's one hold deadline."""

    def __init__(self, hold_ttl_s: int) -> None:
        self.hold_ttl_s = hold_ttl_s

    def proposal(self, p: Proposal, *, solve_id: str, now: datetime, bus_operators: dict[str, str],
                 hotel_sites: dict[str, Place]) -> tuple[Hold, bytes]:
        ev = proposed(p, solve_id=solve_id, hold_ttl_s=self.hold_ttl_s, now=now, bus_operator=bus_operators,
                      kind=p.kind)
        return hold(ev.proposed, hotel_sites), ev.SerializeToString()

    def unmet(self, u: Unmet, *, solve_id: str) -> bytes:
        return unmet(u, solve_id=solve_id).SerializeToString()
