"""Hotel stays: who is staying where until when, who left isolation (one stay, part of one, or
everyone due today), who must stay longer, and the rooms in use and coming back per hotel over the
next hours (the command center's occupancy panel)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from baolei_common.errors import BASE, responses
from baolei_common.events import utcnow
from baolei_common.identity import Principal
from baolei_common.webauth import authorize, requires
from baolei_requests.adapters.codec import as_utc
from baolei_requests.adapters.models import Hotel
from baolei_requests.api import schemas_stays as schemas
from baolei_requests.api.deps import session
from baolei_requests.api.fields import Text200
from baolei_requests.api.presenters import occupancy
from baolei_requests.api.routes import ResourceId, _notify
from baolei_requests.domain.stays import StayRules
from baolei_requests.service import errors
from baolei_requests.service import stays as use_cases
from baolei_requests.service.sql_uow import SqlUnitOfWork

router = APIRouter(prefix="/api", responses=responses(*BASE))
StayId = Annotated[Text200, Path(description="入住记录编号 / stay id")]


def _rules(request: Request) -> StayRules:
    rules: StayRules = request.app.state.config.stay_rules()
    return rules


@router.get("/occupancy", summary="酒店入住与未来腾房 / hotel occupancy and rooms freeing per hour ahead")
def get_occupancy(request: Request, hours: Annotated[int, Query(ge=1, le=168)] = 72, s: Session = Depends(session),
                  p: Principal = Depends(requires("occupancy.read"))) -> dict:
    """Per hotel (an operator or viewer: every hotel; a hotel dispatcher: their own): rooms in use,
    held, being cleaned, free now; and per hour ahead [certain, expected] rooms coming back."""
    return occupancy.occupancy(s, p, utcnow(), hours, _rules(request))


@router.get("/hotels/{hotel_id}/stays", summary="在住人员 / the stays going on at a hotel, soonest end first",
            responses=responses(403, 404))
def hotel_stays(hotel_id: ResourceId, s: Session = Depends(session),
                p: Principal = Depends(requires("occupancy.read"))) -> list[dict]:
    hotel = s.get(Hotel, hotel_id)
    if hotel is None:
        raise errors.NotFound("hotel", hotel_id)
    authorize(p, "occupancy.read", hotel.operator, "hotel_id")
    return occupancy.stays_of(s, [hotel_id], utcnow())


@router.post("/hotels/{hotel_id}/departures", response_model=schemas.DeparturesRead,
             summary="解除隔离离开 / people left isolation (by stay, or everyone due today)",
             responses=responses(403, 404, 409))
def departures(hotel_id: ResourceId, body: schemas.DeparturesIn, request: Request, s: Session = Depends(session),
               p: Principal = Depends(requires("stay.record"))) -> schemas.DeparturesRead:
    now = utcnow()
    leaving = [use_cases.Leaving(x.stay_id, x.people) for x in body.leaving]
    due_by = occupancy.end_of_day(now) if body.due_today else None
    done = use_cases.depart(SqlUnitOfWork.over(s), p, hotel_id, leaving, due_by, now, _rules(request))
    _notify(request, hotel_id=hotel_id, organisations=[done.operator])
    return schemas.DeparturesRead(hotel_id=hotel_id, stays=done.stays, people=done.people, rooms_vacated=done.rooms,
                                  cleaning_until=as_utc(done.cleaning_until).isoformat() if done.cleaning_until
                                  else None)


@router.post("/stays/{stay_id}/extend", response_model=list[schemas.StayRead],
             summary="延长隔离 / someone must stay longer (all of a stay, or some of its people)",
             responses=responses(403, 404, 409))
def extend(stay_id: StayId, body: schemas.ExtendIn, request: Request, s: Session = Depends(session),
           p: Principal = Depends(requires("stay.record"))) -> list[schemas.StayRead]:
    changed = use_cases.extend(SqlUnitOfWork.over(s), p, stay_id, body.until, body.people, body.reason, utcnow(),
                               _rules(request))
    _notify(request, hotel_id=changed[0].hotel_id, organisations=[changed[0].operator])
    return [schemas.StayRead(id=x.id, hotel_id=x.hotel_id, people=x.people,
                             stay_until=as_utc(x.stay_until).isoformat()) for x in changed]
