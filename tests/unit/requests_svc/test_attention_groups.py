"""The attention panel's unmet groups: the city's shortfalls in their words, and capped lists."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from baolei_requests.adapters.models import Need, Site
from baolei_requests.api.presenters.attention import NEEDS_SHOWN, unmet_groups
from baolei_requests.api.presenters.labels import Names
from baolei_requests.api.presenters.shortfalls import summary
from baolei_requests.domain.shortfall import FreeRooms, Waiting, shortfall

NOW = datetime(2022, 1, 14, 12, 0, tzinfo=timezone.utc)
SITE = Site(id="c-lianhua", name="莲花北社区", district="福田", lat=22.56, lon=114.06)


def unmet(i: int, code: str, people: int = 2) -> Need:
    return Need(id=f"N-{i:05d}", kind="transfer", site_id=SITE.id, site=SITE, risk="close_contact", people=people,
                rooms={"standard": people}, lines=[], priority=1 + i % 3, status="unmet", unmet_code=code,
                unmet_reason_zh="原因", unmet_reason_en="reason", created_at=NOW - timedelta(seconds=i))


def names() -> Names:
    return Names(session=None, _buses={}, _hotels={}, _sites={})  # type: ignore[arg-type]


def test_with_both_short_the_room_and_bus_groups_say_what_stays_short_with_the_other_unlimited():
    needs = [unmet(i, "rooms_full") for i in range(30)] + [unmet(100 + i, "buses_fully_booked") for i in range(70)]
    sf = summary(shortfall([Waiting("close_contact", {"standard": 2}, 2)] * 100,
                           [FreeRooms(frozenset({"close_contact"}), {"standard": 150})], per_trip=20, buses_short=True))
    groups = {g["cause"]: g for g in unmet_groups(needs, names(), NOW, sf)}
    rooms, buses = groups["rooms"], groups["buses"]
    # counted per group this was 60 rooms (the 30 needs reported short of rooms); all 100 need rooms,
    # 200 in all, against 150 free
    assert rooms["shortfall"] == 50 and rooms["text_zh"].startswith("隔离房间不足：若车辆充足，仍缺 50 间")
    assert rooms["text_en"].startswith("Not enough isolation rooms: 50 short even with unlimited buses")
    assert buses["trips"] == 10 and "200 人待转运，若房间充足，仍约缺 10 车次" in buses["text_zh"]
    assert "about 10 trips short even with unlimited rooms" in buses["text_en"]
    # capped (the query orders them most urgent first): the total, and the query for the rest
    assert len(buses["needs"]) == NEEDS_SHOWN and buses["count"] == 70 and buses["more"] == 70 - NEEDS_SHOWN
    assert buses["rest_url"] == "/api/needs?status=unmet&unmet_code=buses_fully_booked"


def test_a_room_group_with_enough_free_rooms_does_not_claim_a_shortfall():
    needs = [unmet(1, "rooms_to_more_urgent")]
    sf = summary(shortfall([Waiting("close_contact", {"standard": 2}, 2)],
                           [FreeRooms(frozenset({"close_contact"}), {"standard": 9})], per_trip=20, buses_short=False))
    (g,) = unmet_groups(needs, names(), NOW, sf)
    assert g["shortfall"] == 0 and g["more"] == 0
    assert g["short_zh"] == "按类型与接收类别，可用空房 9 间已足够"
    assert g["short_en"] == "9 free rooms of the types and categories asked: enough"
