"""Intake validation names the field and the reason; priority follows zone and vulnerability."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from baolei_requests.api.schemas import NeedCreate
from baolei_requests.domain.needs import derive_priority

BASE = {"kind": "transfer", "site_id": "s1", "due_at": "2022-01-14T12:00:00+08:00",
        "ready_at": "2022-01-14T08:00:00+08:00", "risk": "close_contact", "people": 4}


def test_priority_defaults():
    assert derive_priority("sealed", []).value == 1
    assert derive_priority("controlled", []).value == 2
    assert derive_priority("precaution", []).value == 3
    assert derive_priority("other", []).value == 4
    p = derive_priority("precaution", ["elderly_alone"])
    assert p.value == 1 and "独居老人" in p.reason_zh


def test_transfer_defaults_rooms_to_standard():
    need = NeedCreate(**BASE)
    assert need.rooms.standard == 4


@pytest.mark.parametrize("patch,field", [
    ({"people": 0}, "people"),
    ({"risk": "unknown"}, "risk"),
    ({"rooms": {"standard": 1}}, "rooms"),
    ({"due_at": "2022-01-14T07:00:00+08:00"}, "due_at"),
    ({"due_at": "2022-01-14T12:00:00"}, "due_at"),
    ({"priority": 1}, "priority_reason"),
])
def test_invalid_transfer_names_the_field(patch, field):
    with pytest.raises(ValidationError) as e:
        NeedCreate(**{**BASE, **patch})
    text = str(e.value)
    assert field in text


def test_supply_needs_lines_each_sku_once():
    base = {"kind": "supply", "site_id": "s1", "due_at": "2022-01-14T12:00:00+08:00"}
    with pytest.raises(ValidationError, match="lines"):
        NeedCreate(**base)
    with pytest.raises(ValidationError, match="each sku at most once"):
        NeedCreate(**base, lines=[{"sku": "rice", "quantity": 1}, {"sku": "rice", "quantity": 2}])
    assert NeedCreate(**base, lines=[{"sku": "rice", "quantity": 10}]).lines[0].quantity == 10
