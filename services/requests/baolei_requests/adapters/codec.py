"""Protobuf mapping at the edge: database rows to events, assignment events to plain dicts."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import overload

from baolei_common.events import from_ts, meta, ts
from baolei_events.v1 import assignments_pb2, common_pb2, needs_pb2, resources_pb2
from baolei_requests.adapters.models import Bus, Hotel, Need, Site, Stay

PRODUCER = "requests"
ZONES = {"sealed": common_pb2.ZONE_SEALED, "controlled": common_pb2.ZONE_CONTROLLED,
         "precaution": common_pb2.ZONE_PRECAUTION}
RISKS = {"close_contact": needs_pb2.RISK_CLOSE_CONTACT, "secondary_contact": needs_pb2.RISK_SECONDARY_CONTACT,
         "inbound": needs_pb2.RISK_INBOUND}
RISK_NAMES = {v: k for k, v in RISKS.items()}
KINDS = {"transfer": needs_pb2.NEED_KIND_TRANSFER, "supply": needs_pb2.NEED_KIND_SUPPLY}
KIND_NAMES = {v: k for k, v in KINDS.items()}
RESOURCE_KINDS = {"bus": assignments_pb2.RESOURCE_KIND_BUS, "hotel": assignments_pb2.RESOURCE_KIND_HOTEL,
                  "warehouse": assignments_pb2.RESOURCE_KIND_WAREHOUSE}


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...


def as_utc(value: datetime | None) -> datetime | None:
    """An instant in UTC. SQLite returns naive datetimes, and everything stored is UTC; an aware
    one (a new need's times as sent, +08:00) is converted, so POST and GET render it alike."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def site_pb(site: Site) -> common_pb2.Site:
    return common_pb2.Site(id=site.id, name=site.name, district=site.district,
                           zone=ZONES.get(site.zone, common_pb2.ZONE_UNSPECIFIED), lat=site.lat, lon=site.lon)


def rooms_pb(rooms: dict) -> common_pb2.RoomCounts:
    return common_pb2.RoomCounts(standard=rooms.get("standard", 0), family=rooms.get("family", 0),
                                 accessible=rooms.get("accessible", 0))


def need_submitted(need: Need, actor: str) -> needs_pb2.NeedEvent:
    body = needs_pb2.NeedSubmitted(
        need_id=need.id, kind=KINDS[need.kind], site=site_pb(need.site), priority=need.priority,
        due_at=ts(as_utc(need.due_at)), organisation=need.organisation, note=need.note,
    )
    if need.kind == "transfer":
        body.risk = RISKS[need.risk or ""]
        body.people = need.people
        body.rooms.CopyFrom(rooms_pb(need.rooms))
        body.ready_at.CopyFrom(ts(as_utc(need.ready_at)))
    else:
        body.lines.extend(needs_pb2.SupplyLine(sku=ln["sku"], quantity=ln["quantity"]) for ln in need.lines)
    return needs_pb2.NeedEvent(meta=meta(producer=PRODUCER, correlation_id=need.id, actor=actor,
                                         occurred_at=as_utc(need.created_at)), submitted=body)


def need_cancelled(need: Need, reason: str, actor: str) -> needs_pb2.NeedEvent:
    return needs_pb2.NeedEvent(meta=meta(producer=PRODUCER, correlation_id=need.id, actor=actor),
                               cancelled=needs_pb2.NeedCancelled(need_id=need.id, reason=reason))


def hotel_rooms(hotel: Hotel, actor: str = "") -> resources_pb2.HotelRooms:
    total = hotel.rooms
    out = hotel.out_of_use or {}
    usable = {k: max(0, total.get(k, 0) - out.get(k, 0)) for k in ("standard", "family", "accessible")}
    return resources_pb2.HotelRooms(
        meta=meta(producer=PRODUCER, correlation_id=hotel.id, actor=actor), hotel_id=hotel.id,
        operator=hotel.operator, site=site_pb(hotel.site), accepts=[RISKS[a] for a in hotel.accepts],
        total=rooms_pb(total), free=rooms_pb(usable), cleaning=rooms_pb(out), open_at=ts(as_utc(hotel.open_at)),
        state=resources_pb2.HOTEL_STATE_OPEN if hotel.state == "open" else resources_pb2.HOTEL_STATE_CLOSED,
        name=hotel.name,
    )


def stay_changed(stay: Stay, kind: str, *, vacated: dict[str, int] | None = None, left: int = 0,
                 cleaning_until: datetime | None = None, cleaning_hours: float = 0.0,
                 actor: str = "") -> assignments_pb2.AssignmentEvent:
    """A stay as it now stands (`kind`: arrived, left, extended) and the rooms it gave back."""
    body = assignments_pb2.StayChanged(
        assignment_id=stay.id, need_id=stay.need_id, hotel_id=stay.hotel_id, kind=kind,
        rooms_staying=rooms_pb(stay.rooms or {}), people_staying=stay.people,
        stay_until=ts(as_utc(stay.stay_until)), rooms_vacated=rooms_pb(vacated or {}), people_left=left,
        cleaning_hours=cleaning_hours)
    if cleaning_until is not None:
        body.cleaning_until.CopyFrom(ts(as_utc(cleaning_until)))
    return assignments_pb2.AssignmentEvent(meta=meta(producer=PRODUCER, correlation_id=stay.need_id, actor=actor),
                                           stay=body)


def bus_status(bus: Bus, actor: str = "") -> resources_pb2.BusStatus:
    return resources_pb2.BusStatus(
        meta=meta(producer=PRODUCER, correlation_id=bus.id, actor=actor), bus_id=bus.id, operator=bus.operator,
        depot=site_pb(bus.depot), seats=bus.seats, load_limit=bus.load_limit,
        shift_start=ts(as_utc(bus.shift_start)), shift_end=ts(as_utc(bus.shift_end)),
        turnaround_min=bus.turnaround_min, plate=bus.plate,
        state=(resources_pb2.BUS_STATE_IN_SERVICE if bus.state == "in_service"
               else resources_pb2.BUS_STATE_OUT_OF_SERVICE),
    )


def _iso(value) -> str | None:
    d = from_ts(value)
    return d.isoformat() if d else None


def proposal_dict(p: assignments_pb2.AssignmentProposed) -> dict:
    """The parts of a proposal the service stores and shows."""
    room = None
    if p.HasField("room") and p.room.hotel_id:
        room = {"hotel": p.room.hotel_id, "operator": p.room.hotel_operator, "standard": p.room.rooms.standard,
                "family": p.room.rooms.family, "accessible": p.room.rooms.accessible}
    trips = [{"bus": t.bus_id, "operator": t.bus_operator, "start_at": _iso(t.start_at), "hotel": t.hotel_id,
              "arrive_at": _iso(t.arrive_at),
              "stops": [{"site": s.site_id, "at": _iso(s.at),
                         "load": [{"need": ld.need_id, "people": ld.people} for ld in s.load]} for s in t.stops]}
             for t in p.trips]
    picks = [{"sku": k.sku, "warehouse": k.warehouse_id, "operator": k.warehouse_operator, "quantity": k.quantity}
             for k in p.picks]
    orgs = sorted({x for x in ([room["operator"]] if room else []) + [t["operator"] for t in trips]
                   + [k["operator"] for k in picks] if x})
    people = sum(ld["people"] for t in trips for s in t["stops"] for ld in s["load"] if ld["need"] == p.need_id)
    return {"room": room, "trips": trips, "picks": picks, "organisations": orgs, "people": people,
            "hold_expires_at": from_ts(p.hold_expires_at), "wait_minutes": p.wait_minutes,
            "late_minutes": p.late_minutes, "late_cause": p.late_cause}
