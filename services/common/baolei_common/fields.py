"""Input types shared by both APIs: bounded text without control characters, strict bounded
integers, instants that must carry their zone.

Why: lax validation turned `people: true` into 1 and "5" into 5; an integer past 2^31 passed the
API and failed in the database or in a protobuf int32 (a 500); a NUL character passed pydantic
and PostgreSQL refused it (a 500). With these every such input is a 422 naming the field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

INT32_MAX = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def one_line(value: str | None) -> str | None:
    """No control characters at all (ids, names, codes)."""
    if value is not None and _CONTROL.search(value):
        raise PydanticCustomError("string_control", "must not contain control characters")
    return value


def multi_line(value: str | None) -> str | None:
    """Tabs and line breaks allowed (notes, reasons), no other control characters."""
    if value is not None and _CONTROL_MULTILINE.search(value):
        raise PydanticCustomError("string_control", "must not contain control characters")
    return value


EARLIEST, LATEST = 1970, 2200  # a time outside these years is a typo, and UTC conversion may overflow


def _sensible_year(value: datetime) -> datetime:
    if not EARLIEST <= value.year <= LATEST:
        raise PydanticCustomError("datetime_range", "must be between the years {earliest} and {latest}",
                                  {"earliest": EARLIEST, "latest": LATEST})
    return value


def _text_only(value: Any) -> Any:
    """An instant comes as ISO 8601 text (JSON) or a datetime, never as a bare number or a bool."""
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time with a zone")


# documented for clients (and schemathesis); enforced by one_line / multi_line with a clearer reason
ONE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f]*$"
MULTI_LINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


def _documented(min_length: int, max_length: int, pattern: str) -> WithJsonSchema:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": pattern}
    if min_length:
        schema["minLength"] = min_length
    return WithJsonSchema(schema)


# identifiers: what ids of sites, needs, buses, warehouses, SKUs … look like
Id = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(one_line),
               _documented(1, 64, ONE_LINE_PATTERN)]
# an instant with its zone (+08:00 or Z); stored in UTC
Instant = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_sensible_year)]


def text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> Any:
    """Bounded text: `name: text(200, min_length=1)` as an annotation."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length),
                     AfterValidator(multi_line if multiline else one_line),
                     _documented(min_length, max_length, MULTI_LINE_PATTERN if multiline else ONE_LINE_PATTERN)]


def count(*, ge: int = 0, le: int = INT32_MAX, default: Any = ..., description: str | None = None) -> Any:
    """A strict, bounded integer field (a bool, a string or a float is refused)."""
    return Field(default, strict=True, ge=ge, le=le, description=description)


Name = text(200, min_length=1)
Label = text(200)
Code = text(50, min_length=1)
Reason = text(300, multiline=True)
Note = text(2000, multiline=True)


# Where a site, hotel, depot or warehouse may be registered: Shenzhen. Why: one mistyped coordinate
# (lat and lon swapped, a site in Beijing) squashed the console's city map into a corner and gave the
# matcher travel times of hours. The main box is the extent of the district outlines the console ships
# (console/vendor/shenzhen.geo.json: lon 113.7519–114.6289, lat 22.3965–22.8623) plus about 2 km; the
# second is the 深汕特别合作区 (Shenzhen-Shanwei zone, part of Shenzhen, ≈115.0°E, not in the outlines).
@dataclass(frozen=True)
class Area:
    name_zh: str
    name_en: str
    lon: tuple[float, float]
    lat: tuple[float, float]

    def holds(self, lat: float, lon: float) -> bool:
        return self.lat[0] <= lat <= self.lat[1] and self.lon[0] <= lon <= self.lon[1]


SHENZHEN_BOUNDS: tuple[Area, ...] = (
    Area("深圳市十区", "Shenzhen's ten districts", lon=(113.73, 114.65), lat=(22.38, 22.88)),
    Area("深汕特别合作区", "Shenzhen-Shanwei zone", lon=(114.88, 115.32), lat=(22.68, 23.08)),
)
_LAT = (min(a.lat[0] for a in SHENZHEN_BOUNDS), max(a.lat[1] for a in SHENZHEN_BOUNDS))
_LON = (min(a.lon[0] for a in SHENZHEN_BOUNDS), max(a.lon[1] for a in SHENZHEN_BOUNDS))


def _within(axis: str, axis_zh: str, lo: float, hi: float, other: tuple[float, float]) -> Any:
    def check(value: float) -> float:
        if not lo <= value <= hi:  # NaN fails too
            swapped = other[0] <= value <= other[1]
            raise PydanticCustomError("outside_shenzhen", "{axis} must be within Shenzhen ({lo} to {hi}){hint}",
                                      {"axis": axis, "axis_zh": axis_zh, "lo": lo, "hi": hi,
                                       "hint": "; latitude and longitude swapped?" if swapped else "",
                                       "hint_zh": "（经纬度是否填反了？）" if swapped else ""})
        return value
    return check


# a coordinate in Shenzhen (WGS-84 degrees); with both, call `outside_shenzhen(lat, lon)` in a model
# validator: the boxes together are not a rectangle
Latitude = Annotated[float, Field(strict=True, json_schema_extra={"minimum": _LAT[0], "maximum": _LAT[1]}),
                     AfterValidator(_within("latitude", "纬度", *_LAT, _LON))]
Longitude = Annotated[float, Field(strict=True, json_schema_extra={"minimum": _LON[0], "maximum": _LON[1]}),
                      AfterValidator(_within("longitude", "经度", *_LON, _LAT))]


def outside_shenzhen(lat: float, lon: float) -> str | None:
    """None if (lat, lon) is in Shenzhen, else an own-check message naming the field at fault
    ("lat: 中文 / English", as `pydantic_zh.translate` reads it)."""
    if any(a.holds(lat, lon) for a in SHENZHEN_BOUNDS):
        return None
    near = [a for a in SHENZHEN_BOUNDS if a.lon[0] <= lon <= a.lon[1]]
    field, area = ("lat", near[0]) if near else ("lon", SHENZHEN_BOUNDS[0])
    lo, hi = area.lat if field == "lat" else area.lon
    zh_axis, en_axis = ("纬度", "latitude") if field == "lat" else ("经度", "longitude")
    return (f"{field}: 坐标 ({lat}, {lon}) 不在深圳市范围内：在{area.name_zh}，{zh_axis}应在 {lo}–{hi} 之间"
            f" / ({lat}, {lon}) is outside Shenzhen: in {area.name_en} the {en_axis} must be {lo} to {hi}")
