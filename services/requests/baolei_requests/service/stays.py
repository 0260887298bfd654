"""Hotel stays, one more part of the assignment's life this service owns: a stay begins when the
hotel confirms who arrived, ends when the hotel (or an operator) records that people left isolation
(解除隔离), and is moved on when someone must stay longer. Every change is audited and told to the
matcher as a `StayChanged` through the outbox: it frees the rooms given back once their cleaning
(终末消毒) is over (domain/stays.py has the rules)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from baolei_common import policy, topics
from baolei_common.identity import Principal
from baolei_common.rooms import Rooms
from baolei_requests.adapters import codec
from baolei_requests.adapters.models import Assignment, Departure, Hotel, Stay
from baolei_requests.domain.stays import StayRules, leave, split
from baolei_requests.service.audit import audit
from baolei_requests.service.errors import Conflict, Invalid, NotFound
from baolei_requests.service.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Leaving:
    stay_id: str
    people: int | None = None  # None: everyone still there


@dataclass
class Departed:
    """What one recording of departures did."""
    hotel_id: str
    operator: str
    stays: int = 0
    people: int = 0
    rooms: int = 0
    cleaning_until: datetime | None = None


def _stage(uow: UnitOfWork, stay: Stay, kind: str, actor: str, rules: StayRules, vacated: Rooms | None = None,
           left: int = 0, cleaning_until: datetime | None = None) -> None:
    uow.add_event(topics.ASSIGNMENTS, stay.need_id, codec.stay_changed(
        stay, kind, vacated=(vacated or Rooms()).as_dict(), left=left, cleaning_until=cleaning_until,
        cleaning_hours=rules.cleaning_hours, actor=actor))


def _view(stay: Stay) -> dict:
    return {"people": stay.people, "rooms": dict(stay.rooms), "stay_until": codec.as_utc(stay.stay_until).isoformat(),
            "status": stay.status}


def begin(uow: UnitOfWork, actor: Principal, a: Assignment, arrived: int, now: datetime, rules: StayRules) -> Stay:
    """The hotel confirmed `arrived` people of transfer `a`: their stay begins, in the rooms the
    matcher keeps taken for them (the same occupancy rule), until the end their risk sets."""
    room = a.room or {}
    rooms = Rooms.from_mapping(room).kept_after(arrived)
    stay = Stay(id=a.id, assignment_id=a.id, need_id=a.need_id, hotel_id=room.get("hotel", ""),
                operator=room.get("operator", ""), risk=a.need.risk or "", people=arrived, rooms=rooms.as_dict(),
                arrived_at=now, stay_until=rules.ends(now, a.need.risk or ""), status="staying")
    uow.add(stay)
    audit(uow, actor, "stay.begin", f"stay:{stay.id}", None, _view(stay))
    _stage(uow, stay, "arrived", actor.user, rules)
    return stay


def _hotel(uow: UnitOfWork, actor: Principal, hotel_id: str) -> Hotel:
    hotel = uow.get(Hotel, hotel_id)
    if hotel is None:
        raise NotFound("hotel", hotel_id)
    policy.require(actor, "stay.record", hotel.operator, "hotel_id")
    return hotel


def depart(uow: UnitOfWork, actor: Principal, hotel_id: str, leaving: list[Leaving], due_by: datetime | None,
           now: datetime, rules: StayRules) -> Departed:
    """People left isolation at a hotel: the stays named in `leaving` (all or some of their people),
    or, with `due_by`, everyone whose stay was due to end by then (the bulk "everyone due today
    left"). Their rooms are cleaned until `now` + the turnaround, then free."""
    with uow:
        hotel = _hotel(uow, actor, hotel_id)
        if due_by is not None:
            leaving = [Leaving(s.id) for s in uow.stays.due(hotel_id, due_by)]
        out = Departed(hotel_id, hotel.operator)
        for i, item in enumerate(leaving):
            stay = uow.stays.get(item.stay_id, lock=True)
            if stay is None or stay.hotel_id != hotel_id:
                raise Invalid(f"leaving.{i}.stay_id", f"该酒店没有此入住记录：{item.stay_id}",
                              f"no stay {item.stay_id} at this hotel")
            if stay.status != "staying":
                raise Conflict(f"stay {stay.id} has ended", f"入住记录 {stay.id} 已结束", f"leaving.{i}.stay_id")
            people = stay.people if item.people is None else item.people
            if not 0 < people <= stay.people:
                raise Invalid(f"leaving.{i}.people", f"离开人数须在 1 到 {stay.people} 之间",
                              f"people leaving must be between 1 and {stay.people}")
            vacated = _leave(uow, actor, stay, people, now, rules)
            out.stays, out.people, out.rooms = out.stays + 1, out.people + people, out.rooms + vacated.total()
            out.cleaning_until = rules.clean_until(now)
        uow.commit()
    return out


def _leave(uow: UnitOfWork, actor: Principal, stay: Stay, people: int, now: datetime, rules: StayRules) -> Rooms:
    before = _view(stay)
    staying, vacated = leave(Rooms.from_mapping(stay.rooms), stay.people, people)
    until = rules.clean_until(now)
    stay.people, stay.rooms = stay.people - people, staying.as_dict()
    if stay.people == 0:
        stay.status, stay.ended_at = "ended", now
    uow.add(Departure(stay_id=stay.id, hotel_id=stay.hotel_id, people=people, rooms=vacated.as_dict(), left_at=now,
                      cleaning_until=until, recorded_by=actor.user))
    audit(uow, actor, "stay.left", f"stay:{stay.id}", before,
          {**_view(stay), "left": people, "rooms_vacated": vacated.as_dict(), "cleaning_until": until.isoformat()})
    _stage(uow, stay, "left", actor.user, rules, vacated, people, until)
    return vacated


def extend(uow: UnitOfWork, actor: Principal, stay_id: str, until: datetime, people: int | None, reason: str,
           now: datetime, rules: StayRules) -> list[Stay]:
    """Someone must stay longer (a positive test, a later contact): the stay, or `people` of it,
    is now expected to end at `until`. Some of a stay: it is split, the longer part keeping the
    rooms the occupancy rule says they hold. Returns the stays changed."""
    with uow:
        stay = uow.stays.get(stay_id, lock=True)
        if stay is None:
            raise NotFound("stay", stay_id)
        _hotel(uow, actor, stay.hotel_id)
        if stay.status != "staying":
            raise Conflict(f"stay {stay.id} has ended", f"入住记录 {stay.id} 已结束", "stay_id")
        if until <= now:
            raise Invalid("until", "延长后的解除隔离时间须晚于现在", "the new end of isolation must be in the future")
        if people is not None and not 0 < people <= stay.people:
            raise Invalid("people", f"延长人数须在 1 到 {stay.people} 之间",
                          f"people staying longer must be between 1 and {stay.people}")
        before = _view(stay)
        changed = [stay]
        if people is None or people == stay.people:
            stay.stay_until = until
        else:
            longer, rest = split(Rooms.from_mapping(stay.rooms), stay.people, people)
            part = Stay(id=f"{stay.id}~{uow.stays.count_of(stay.assignment_id)}", assignment_id=stay.assignment_id,
                        need_id=stay.need_id, hotel_id=stay.hotel_id, operator=stay.operator, risk=stay.risk,
                        people=people, rooms=longer.as_dict(), arrived_at=stay.arrived_at, stay_until=until,
                        status="staying")
            stay.people, stay.rooms = stay.people - people, rest.as_dict()
            uow.add(part)
            changed.append(part)
        audit(uow, actor, "stay.extend", f"stay:{stay.id}", before,
              {"stays": {s.id: _view(s) for s in changed}, "reason": reason})
        for s in changed:
            _stage(uow, s, "extended", actor.user, rules)
        uow.commit()
    return changed
