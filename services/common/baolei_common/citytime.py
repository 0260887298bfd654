"""The city's time zone, in one place: Shenzhen, UTC+8 all year (China has no summer time).

Instants are stored and sent in UTC; they are shown, parsed without an offset (a sheet's "21:40"),
and cut into days in city time. Everything that needs the zone imports it from here.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

CITY_TZ_NAME = "Asia/Shanghai"
CITY_TZ = timezone(timedelta(hours=8), CITY_TZ_NAME)


def city_time(t: datetime) -> datetime:
    """`t` on the city's clock (a naive `t` is taken as UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(CITY_TZ)


def as_city(t: datetime) -> datetime:
    """A time read without an offset (a spreadsheet cell, a form) is city time; one with an offset
    keeps it."""
    return t.replace(tzinfo=CITY_TZ) if t.tzinfo is None else t


def sheet_time(value: str) -> datetime:
    """A time as Chinese offices write it in a sheet: "2026-12-07 22:00", "2026/12/07 22:00" (Excel's
    export), ISO with "T" or an offset ("+08:00"); without an offset it is city time. ValueError if not."""
    return as_city(datetime.fromisoformat(value.strip().replace("/", "-")))


def hhmm(t: datetime) -> str:
    """"21:40": the time of day on the city's clock."""
    return city_time(t).strftime("%H:%M")
