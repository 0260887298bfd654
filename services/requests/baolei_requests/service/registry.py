"""The registry of sites, hotels and buses: a dispatcher keeps their own organisation's, an operator
any; every change is audited and hotels and buses are told to the matcher through the outbox."""
from __future__ import annotations

from sqlalchemy.orm import Session

from baolei_common import policy, topics
from baolei_common.identity import Principal
from baolei_common.outbox import add_event
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Bus, Hotel, Outbox, Site
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import NotFound


def _upsert(session: Session, model: type, kind: str, data: dict, owner: str | None, actor: Principal,
            audited: tuple[str, ...], record: bool = True):
    """Insert or update one registry row; a dispatcher may change only their organisation's
    (policy action `<kind>.manage`). Returns the row."""
    row = session.get(model, data["id"])
    if row is not None and owner:
        policy.require(actor, f"{kind}.manage", getattr(row, owner), "id")
    before = None if row is None else {f: getattr(row, f) for f in audited}
    if row is None:
        row = model(**data)
        session.add(row)
    else:
        for k, v in data.items():
            setattr(row, k, v)
    session.flush()
    session.refresh(row)
    if record:  # a state change (停运, rooms closed) is audited once, by its route, with its reason
        after = {f: getattr(row, f) for f in audited}
        audit(session, actor, f"{kind}.upsert", f"{kind}:{row.id}", before, after)
    return row


def upsert_site(session: Session, actor: Principal, data: dict) -> Site:
    return _upsert(session, Site, "site", data, None, actor, ("name", "zone"))


def require_site(session: Session, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("site", site_id)
    return site


def upsert_hotel(session: Session, actor: Principal, data: dict, record: bool = True) -> Hotel:
    require_site(session, data["site_id"])
    hotel = _upsert(session, Hotel, "hotel", data, "operator", actor, ("rooms", "out_of_use", "state"), record)
    add_event(session, Outbox, topics.HOTELS, hotel.id, codec.hotel_rooms(hotel, actor.user))
    return hotel


def upsert_bus(session: Session, actor: Principal, data: dict, record: bool = True) -> Bus:
    require_site(session, data["depot_id"])
    bus = _upsert(session, Bus, "bus", data, "operator", actor, ("state", "seats"), record)
    add_event(session, Outbox, topics.BUSES, bus.id, codec.bus_status(bus, actor.user))
    return bus
