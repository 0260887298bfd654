"""Input model of the solver: plain dataclasses for a scenario/v1 document.

Why: the solver core must not care whether a scenario came from a JSON file (offline what-if
planning, benchmarks) or from the streaming matcher's in-memory state. Both build a `Scenario`;
`parse_scenario` is the JSON edge. Times are kept as timezone-aware datetimes here; the solver
turns them into integer seconds after `now` (see `travel.py`).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baolei_common.rooms import ROOM_TYPES, Rooms

from . import rules
from .plan import parse_plan

logger = logging.getLogger(__name__)

WEIGHT: dict[int, int] = {1: 1000, 2: 100, 3: 10, 4: 1}


class ScenarioError(ValueError):
    """The scenario is malformed; the message names the field."""


@dataclass(frozen=True)
class TravelModel:
    speed_kmh: float = 30.0
    detour: float = 1.3
    dwell_min: float = 10.0


@dataclass(frozen=True)
class Site:
    id: str
    lat: float
    lon: float
    name: str = ""
    district: str = ""
    zone: str = ""


@dataclass(frozen=True)
class Hotel:
    id: str
    site: str
    accepts: frozenset[str]
    rooms: Rooms
    open_at: datetime | None = None
    operator: str = ""
    name: str = ""


@dataclass(frozen=True)
class Bus:
    id: str
    depot: str
    seats: int
    load_limit: float
    shift_start: datetime
    shift_end: datetime
    turnaround_min: float = 0.0
    operator: str = ""

    @property
    def capacity(self) -> int:
        """People allowed aboard (rules.bus_capacity: floor(seats × load limit))."""
        return rules.bus_capacity(self.seats, self.load_limit)


@dataclass(frozen=True)
class StockItem:
    warehouse: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class TransferNeed:
    id: str
    site: str
    priority: int
    risk: str
    people: int
    rooms: Rooms
    ready_at: datetime
    due_at: datetime
    raised_at: datetime | None = None  # when it was raised; "longest waiting" tie-break
    # multiplies this need's waiting and late person-minutes in the cost (an operator's "faster
    # alternative" raises it); 1 for every need otherwise
    time_weight: float = 1.0

    @property
    def weight(self) -> int:
        return WEIGHT[self.priority]


@dataclass(frozen=True)
class SupplyLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class SupplyNeed:
    id: str
    site: str
    priority: int
    due_at: datetime
    lines: tuple[SupplyLine, ...]
    raised_at: datetime | None = None

    @property
    def weight(self) -> int:
        return WEIGHT[self.priority]


@dataclass
class Scenario:
    """Everything one solve sees. `fixed` is a plan fragment confirmed earlier (a `Plan`)."""

    now: datetime
    travel: TravelModel
    sites: dict[str, Site]
    hotels: list[Hotel]
    buses: list[Bus]
    stock: list[StockItem]
    transfers: list[TransferNeed]
    supplies: list[SupplyNeed]
    fixed: Any = None  # plan.Plan | None (kept loose to avoid an import cycle)
    extra: dict[str, Any] = field(default_factory=dict)

    def hotel(self, hotel_id: str) -> Hotel:
        return self._hotels_by_id()[hotel_id]

    def _hotels_by_id(self) -> dict[str, Hotel]:
        cache = self.extra.get("_hotels")
        if cache is None or len(cache) != len(self.hotels):
            cache = {h.id: h for h in self.hotels}
            self.extra["_hotels"] = cache
        return cache


def _ts(value: Any, where: str) -> datetime:
    try:
        t = datetime.fromisoformat(value)
    except (TypeError, ValueError) as e:
        raise ScenarioError(f"{where}: not an ISO 8601 time: {value!r}") from e
    if t.tzinfo is None:
        raise ScenarioError(f"{where}: time without an offset: {value!r}")
    return t


def _opt_ts(value: Any, where: str) -> datetime | None:
    return None if value in (None, "") else _ts(value, where)


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ScenarioError(f"{where}: not a non-negative integer: {value!r}")
    return value


def _number(value: Any, where: str, positive: bool) -> float:
    """A finite number, > 0 if `positive` else >= 0: speeds and weights are divided by or
    multiplied into costs, so 0, a negative value, inf or NaN would blow them up."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: not a number: {value!r}") from None
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise ScenarioError(f"{where}: must be a {'positive' if positive else 'non-negative'} number: {value!r}")
    return x


def _time_weight(value: Any, where: str) -> float:
    return 1.0 if value is None else _number(value, f"{where}.time_weight", positive=True)


def _rooms(spec: Mapping[str, Any] | None, where: str) -> Rooms:
    spec = spec or {}
    return Rooms(*(_int(spec.get(t, 0), f"{where}.{t}") for t in ROOM_TYPES))


def parse_scenario(doc: Mapping[str, Any]) -> Scenario:
    """Build a `Scenario` from a scenario/v1 JSON document; raises `ScenarioError`."""
    now = _ts(doc.get("now"), "now")
    tr = doc.get("travel") or {}
    travel = TravelModel(_number(tr.get("speed_kmh", 30), "travel.speed_kmh", positive=True),
                         _number(tr.get("detour", 1.3), "travel.detour", positive=True),
                         _number(tr.get("dwell_min", 10), "travel.dwell_min", positive=False))
    sites: dict[str, Site] = {}
    for i, s in enumerate(doc.get("sites") or []):
        try:
            sites[s["id"]] = Site(s["id"], float(s["lat"]), float(s["lon"]), s.get("name", ""),
                                  s.get("district", ""), s.get("zone", ""))
        except (KeyError, TypeError, ValueError) as e:
            raise ScenarioError(f"sites[{i}]: needs id, lat, lon ({e})") from e

    def site(ref: Any, where: str) -> str:
        if ref not in sites:
            raise ScenarioError(f"{where}: unknown site {ref!r}")
        return str(ref)

    hotels = [Hotel(h["id"], site(h.get("site"), f"hotel {h['id']}"), frozenset(h.get("accepts") or []),
                    _rooms(h.get("rooms"), f"hotel {h['id']}.rooms"),
                    _opt_ts(h.get("open_at"), f"hotel {h['id']}.open_at"), h.get("operator", ""),
                    h.get("name", ""))
              for h in doc.get("hotels") or []]
    buses = [Bus(b["id"], site(b.get("depot"), f"bus {b['id']}"), _int(b.get("seats"), f"bus {b['id']}.seats"),
                 float(b.get("load_limit", 1.0)), _ts(b.get("shift_start"), f"bus {b['id']}.shift_start"),
                 _ts(b.get("shift_end"), f"bus {b['id']}.shift_end"), float(b.get("turnaround_min", 0)),
                 b.get("operator", ""))
             for b in doc.get("buses") or []]
    stock = [StockItem(site(s.get("warehouse"), f"stock[{i}]"), str(s.get("sku")),
                       _int(s.get("quantity"), f"stock[{i}].quantity"))
             for i, s in enumerate(doc.get("stock") or [])]
    transfers: list[TransferNeed] = []
    supplies: list[SupplyNeed] = []
    for n in doc.get("needs") or []:
        nid = n.get("id")
        where = f"need {nid}"
        if n.get("priority") not in WEIGHT:
            raise ScenarioError(f"{where}: priority must be 1..4")
        if n.get("kind") == "transfer":
            transfers.append(TransferNeed(
                nid, site(n.get("site"), where), n["priority"], str(n.get("risk")),
                _int(n.get("people"), f"{where}.people"), _rooms(n.get("rooms"), f"{where}.rooms"),
                _ts(n.get("ready_at"), f"{where}.ready_at"), _ts(n.get("due_at"), f"{where}.due_at"),
                _opt_ts(n.get("raised_at"), f"{where}.raised_at"),
                _time_weight(n.get("time_weight"), where)))
        elif n.get("kind") == "supply":
            lines = tuple(SupplyLine(str(ln.get("sku")), _int(ln.get("quantity"), f"{where}.lines[{j}]"))
                          for j, ln in enumerate(n.get("lines") or []))
            supplies.append(SupplyNeed(nid, site(n.get("site"), where), n["priority"],
                                       _ts(n.get("due_at"), f"{where}.due_at"), lines,
                                       _opt_ts(n.get("raised_at"), f"{where}.raised_at")))
        else:
            raise ScenarioError(f"{where}: kind must be transfer or supply")
    fixed = parse_plan(doc["fixed"]) if doc.get("fixed") else None
    logger.debug("parsed scenario: %d transfers, %d supplies, %d hotels, %d buses",
                 len(transfers), len(supplies), len(hotels), len(buses))
    return Scenario(now, travel, sites, hotels, buses, stock, transfers, supplies, fixed)
