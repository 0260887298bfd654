"""The requests API's bodies are strict and bounded: a bool, a numeric string or a huge number is
refused where it used to be coerced or to fail in the database."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from baolei_common.pydantic_zh import translate
from baolei_requests.api.schemas import BusCreate, Decision, HotelCreate, NeedCreate, SiteCreate

TRANSFER = {"kind": "transfer", "site_id": "lianhua", "risk": "close_contact", "people": 4,
            "ready_at": "2030-01-14T09:00:00+08:00", "due_at": "2030-01-14T13:00:00+08:00"}
HOTEL = {"id": "H-1", "name": "会展北", "operator": "投控公司", "site_id": "hzb", "accepts": ["close_contact"],
         "rooms": {"standard": 40}}
BUS = {"id": "B-1", "operator": "巴士集团", "depot_id": "depot", "seats": 40,
       "shift_start": "2030-01-14T06:00:00+08:00", "shift_end": "2030-01-14T18:00:00+08:00"}


def refused(model, data: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        model(**data)
    return translate(info.value.errors()[0])


def test_a_good_transfer_passes_and_keeps_its_zone():
    need = NeedCreate(**TRANSFER)
    assert need.people == 4 and need.ready_at.utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize("change, field", [
    ({"people": True}, "people"), ({"people": "4"}, "people"), ({"people": 2**31}, "people"),
    ({"priority": True, "priority_reason": "x"}, "priority"), ({"due_at": 1893456000}, "due_at"),
    ({"due_at": "0001-01-01T00:00:00+08:00"}, "due_at"), ({"site_id": "a\x00b"}, "site_id"),
    ({"site_id": "x" * 65}, "site_id"), ({"rooms": {"standard": 2**31}}, "rooms.standard"),
    ({"note": "n" * 2001}, "note"),
])
def test_transfer_fields_are_strict_and_bounded(change, field):
    err = refused(NeedCreate, TRANSFER | change)
    assert err["field"] == field and err["reason_zh"] and err["reason_en"]


def test_resources_are_bounded_where_the_database_and_the_events_end():
    assert refused(HotelCreate, HOTEL | {"rooms": {"standard": 2**31}})["field"] == "rooms.standard"
    assert refused(HotelCreate, HOTEL | {"operator": "o" * 101})["field"] == "operator"
    assert refused(BusCreate, BUS | {"seats": True})["field"] == "seats"
    assert refused(BusCreate, BUS | {"load_limit": True})["field"] == "load_limit"
    assert BusCreate(**BUS | {"load_limit": 1}).load_limit == 1.0
    site = {"id": "s", "name": "n", "lat": 22.5, "lon": 114.0}
    assert refused(SiteCreate, site | {"street": "s" * 51})["field"] == "street"
    assert refused(Decision, {"reason": "r" * 181})["field"] == "reason"
