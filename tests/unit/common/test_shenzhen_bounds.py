"""Coordinates outside Shenzhen are refused where sites, hotels, depots and warehouses are registered:
a 422 naming the field in Chinese and English. The accepted area is the console's district outlines
plus a small margin (and the 深汕特别合作区); every demo place lies inside it."""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from baolei_common.fields import SHENZHEN_BOUNDS, outside_shenzhen
from baolei_common.pydantic_zh import translate
from baolei_inventory.api.schemas import WarehouseCreate
from baolei_requests.api.schemas import SiteCreate

ROOT = Path(__file__).resolve().parents[3]
GEO = ROOT / "services/requests/baolei_requests/console/vendor/shenzhen.geo.json"
SITE = {"id": "s", "name": "莲花北社区", "lat": 22.5585, "lon": 114.0578}
WAREHOUSE = {"id": "w", "name": "福田仓", "organisation": "食品物资集团", "district": "福田",
             "lat": 22.5431, "lon": 114.0579}


def outline_extent() -> tuple[float, float, float, float]:
    """The vendored outlines' extent, computed by the vendoring tool's own `extent`."""
    spec = importlib.util.spec_from_file_location("vendor_console", ROOT / "tools" / "vendor_console.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.extent(json.loads(GEO.read_text(encoding="utf-8")))


def errors(model, data: dict) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as info:
        model(**data)
    return [translate(e) for e in info.value.errors()]


def test_the_main_box_is_the_outlines_plus_a_small_margin():
    lon0, lon1, lat0, lat1 = outline_extent()
    box = SHENZHEN_BOUNDS[0]
    margins = (lon0 - box.lon[0], box.lon[1] - lon1, lat0 - box.lat[0], box.lat[1] - lat1)
    assert all(0 < m <= 0.05 for m in margins), margins  # covers the outlines, by at most ≈5 km


@pytest.mark.parametrize("model, body", [(SiteCreate, SITE), (WarehouseCreate, WAREHOUSE)])
@pytest.mark.parametrize("lat, lon, field, words", [
    (39.9042, 116.4074, "lat", "纬度"),          # Beijing: both wrong, each named
    (114.0578, 22.5585, "lat", "填反"),          # lat and lon swapped
    (22.5585, 113.2644, "lon", "经度"),          # Guangzhou's longitude
    (23.0, 114.0, "lat", "纬度应在 22.38–22.88"),  # north of 龙华, inside the boxes' union
    (22.55, 114.80, "lon", "经度"),              # the sea between 大鹏 and 深汕
    (math.nan, 114.0, "lat", "纬度"),
])
def test_outside_shenzhen_is_refused_naming_the_field(model, body, lat, lon, field, words):
    errs = errors(model, body | {"lat": lat, "lon": lon})
    assert errs[0]["field"] == field, errs
    assert "深圳" in errs[0]["reason_zh"] and words in errs[0]["reason_zh"], errs
    assert "Shenzhen" in errs[0]["reason_en"], errs


@pytest.mark.parametrize("model, body", [(SiteCreate, SITE), (WarehouseCreate, WAREHOUSE)])
@pytest.mark.parametrize("lat, lon", [
    (22.6510, 114.5420),   # 坝光国际酒店 (大鹏, the far east)
    (22.4000, 113.7600),   # the outlines' south-west corner
    (22.8600, 114.6200),   # north-east corner
    (22.8300, 115.0500),   # 深汕特别合作区
])
def test_shenzhen_is_accepted_to_its_edges(model, body, lat, lon):
    m = model(**body | {"lat": lat, "lon": lon})
    assert (m.lat, m.lon) == (lat, lon)


def test_a_bool_or_a_string_is_not_a_coordinate():
    assert errors(SiteCreate, SITE | {"lat": "22.5"})[0]["field"] == "lat"
    assert errors(SiteCreate, SITE | {"lon": True})[0]["field"] == "lon"


def test_every_demo_place_is_in_shenzhen():
    from baolei_dev.demo_inventory import WAREHOUSES
    from baolei_dev.demo_requests import COMMUNITIES, DEPOTS, HOTELS
    from baolei_matcher.solver.generator_data import DISTRICTS
    places = ([(c[0], c[5], c[6]) for c in COMMUNITIES] + [(h[1], h[5], h[6]) for h in HOTELS]
              + [(d[0], d[3], d[4]) for d in DEPOTS] + [(w[0], w[3], w[4]) for w in WAREHOUSES]
              + [(d, v[0], v[1]) for d, v in DISTRICTS.items()])
    assert len(places) == 10 + 5 + 3 + 6 + 11
    assert [(p, outside_shenzhen(lat, lon)) for p, lat, lon in places if outside_shenzhen(lat, lon)] == []


def test_the_openapi_schema_documents_the_range():
    lat = SiteCreate.model_json_schema()["properties"]["lat"]
    assert lat["minimum"] == min(a.lat[0] for a in SHENZHEN_BOUNDS)
    assert lat["maximum"] == max(a.lat[1] for a in SHENZHEN_BOUNDS)
    lon = WarehouseCreate.model_json_schema()["properties"]["lon"]
    assert (lon["minimum"], lon["maximum"]) == (113.73, 115.32)
