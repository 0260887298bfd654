"""The registry of sites, hotels and buses: a dispatcher keeps their own organisation's, an operator
any; every change is audited and hotels and buses are told to the matcher through the outbox. Each
use case commits its unit of work."""
from __future__ import annotations

from typing import Any, TypeVar

from baolei_common import policy, topics
from baolei_common.identity import Principal
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Bus, Hotel, Site
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, NotFound
from baolei_requests.service.unit_of_work import UnitOfWork

Row = TypeVar("Row", Site, Hotel, Bus)


def _upsert(uow: UnitOfWork, model: type[Row], kind: str, data: dict[str, Any], owner: str | None,
            actor: Principal, audited: tuple[str, ...], record: bool = True) -> Row:
    """Insert or update one registry row; a dispatcher may change only their organisation's
    (policy action `<kind>.manage`). Returns the row."""
    row = uow.get(model, data["id"])
    if row is not None and owner:
        policy.require(actor, f"{kind}.manage", getattr(row, owner), "id")
    before = None if row is None else {f: getattr(row, f) for f in audited}
    if row is None:
        row = model(**data)
        uow.add(row)
    else:
        for k, v in data.items():
            setattr(row, k, v)
    uow.flush()
    uow.refresh(row)
    if record:  # a state change (停运, rooms closed) is audited once, with its reason
        after = {f: getattr(row, f) for f in audited}
        audit(uow, actor, f"{kind}.upsert", f"{kind}:{row.id}", before, after)
    return row


def _require_site(uow: UnitOfWork, site_id: str) -> Site:
    site = uow.get(Site, site_id)
    if site is None:
        raise NotFound("site", site_id)
    return site


def stage_hotel(uow: UnitOfWork, actor: Principal, data: dict[str, Any], record: bool = True) -> Hotel:
    """Insert or change a hotel and stage its rooms for the matcher (no commit)."""
    _require_site(uow, data["site_id"])
    hotel = _upsert(uow, Hotel, "hotel", data, "operator", actor, ("rooms", "out_of_use", "state"), record)
    uow.add_event(topics.HOTELS, hotel.id, codec.hotel_rooms(hotel, actor.user))
    return hotel


def stage_bus(uow: UnitOfWork, actor: Principal, data: dict[str, Any], record: bool = True) -> Bus:
    """Insert or change a bus and stage its state for the matcher (no commit)."""
    _require_site(uow, data["depot_id"])
    bus = _upsert(uow, Bus, "bus", data, "operator", actor, ("state", "seats"), record)
    uow.add_event(topics.BUSES, bus.id, codec.bus_status(bus, actor.user))
    return bus


def put_site(uow: UnitOfWork, actor: Principal, data: dict[str, Any]) -> None:
    with uow:
        _upsert(uow, Site, "site", data, None, actor, ("name", "zone"))
        uow.commit()


def put_hotel(uow: UnitOfWork, actor: Principal, data: dict[str, Any]) -> None:
    with uow:
        stage_hotel(uow, actor, data)
        uow.commit()


def put_bus(uow: UnitOfWork, actor: Principal, data: dict[str, Any]) -> None:
    with uow:
        stage_bus(uow, actor, data)
        uow.commit()


def set_bus_state(uow: UnitOfWork, actor: Principal, bus_id: str, state: str, reason: str) -> str:
    """A bus out of service or back, with the reason audited; returns its operator."""
    with uow:
        bus = uow.get(Bus, bus_id)
        if bus is None:
            raise NotFound("bus", bus_id)
        policy.require(actor, "bus.manage", bus.operator, "bus_id")
        before = bus.state
        stage_bus(uow, actor, {"id": bus.id, "state": state, "depot_id": bus.depot_id}, record=False)
        audit(uow, actor, "bus.state", f"bus:{bus.id}", {"state": before}, {"state": state, "reason": reason})
        uow.commit()
        return bus.operator


def set_hotel_state(uow: UnitOfWork, actor: Principal, hotel_id: str, state: str, out_of_use: dict[str, int],
                    reason: str) -> str:
    """A hotel opened or closed, rooms out of use (closed, being cleaned); returns its operator."""
    with uow:
        hotel = uow.get(Hotel, hotel_id)
        if hotel is None:
            raise NotFound("hotel", hotel_id)
        policy.require(actor, "hotel.manage", hotel.operator, "hotel_id")
        for k, v in out_of_use.items():
            if v > hotel.rooms.get(k, 0):
                raise Conflict(f"out_of_use.{k}: {v} exceeds the hotel's {hotel.rooms.get(k, 0)} rooms",
                               f"停用房间数 {v} 超过该酒店的 {hotel.rooms.get(k, 0)} 间", f"out_of_use.{k}")
        before = {"state": hotel.state, "out_of_use": dict(hotel.out_of_use or {})}
        stage_hotel(uow, actor, {"id": hotel.id, "state": state, "out_of_use": out_of_use, "site_id": hotel.site_id},
               record=False)
        audit(uow, actor, "hotel.state", f"hotel:{hotel.id}", before,
              {"state": state, "out_of_use": out_of_use, "reason": reason})
        uow.commit()
        return hotel.operator
