"""Output model of the solver: a plan/v1 document as dataclasses, with its JSON edge.

Why: the streaming matcher keeps the previous plan in memory and hands it back as `previous`;
the offline CLI writes it as JSON. Entries parsed from a `fixed` fragment keep their original
JSON (`raw`) so they are written back byte-for-byte equal, as the checker demands.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baolei_common.rooms import Rooms

logger = logging.getLogger(__name__)


@dataclass
class RoomAssignment:
    need: str
    hotel: str
    standard: int = 0
    family: int = 0
    accessible: int = 0
    raw: dict[str, Any] | None = None

    @property
    def rooms(self) -> Rooms:
        return Rooms(self.standard, self.family, self.accessible)

    def to_dict(self) -> dict[str, Any]:
        if self.raw is not None:
            return self.raw
        return {"need": self.need, "hotel": self.hotel, "standard": self.standard,
                "family": self.family, "accessible": self.accessible}


@dataclass
class Load:
    need: str
    people: int


@dataclass
class Stop:
    site: str
    at: datetime
    load: list[Load] = field(default_factory=list)


@dataclass
class Trip:
    bus: str
    start_at: datetime
    stops: list[Stop]
    hotel: str
    arrive_at: datetime
    raw: dict[str, Any] | None = None

    def people(self) -> int:
        return sum(ld.people for s in self.stops for ld in s.load)

    def to_dict(self) -> dict[str, Any]:
        if self.raw is not None:
            return self.raw
        return {"bus": self.bus, "start_at": self.start_at.isoformat(), "hotel": self.hotel,
                "arrive_at": self.arrive_at.isoformat(),
                "stops": [{"site": s.site, "at": s.at.isoformat(),
                           "load": [{"need": ld.need, "people": ld.people} for ld in s.load]}
                          for s in self.stops]}


@dataclass
class SupplyAssignment:
    need: str
    sku: str
    warehouse: str
    quantity: int
    raw: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.raw is not None:
            return self.raw
        return {"need": self.need, "sku": self.sku, "warehouse": self.warehouse, "quantity": self.quantity}


@dataclass
class Unmet:
    """Why (part of) a need is not served, for an operator: Simplified Chinese and English."""

    need: str
    zh: str
    en: str
    code: str = ""
    sku: str | None = None
    people: int = 0
    quantity: int = 0

    @property
    def reason(self) -> str:
        return f"{self.zh} / {self.en}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"need": self.need, "reason": self.reason, "reason_zh": self.zh,
                               "reason_en": self.en, "code": self.code}
        if self.sku is not None:
            out["sku"] = self.sku
            out["quantity"] = self.quantity
        if self.people:
            out["people"] = self.people
        return out


@dataclass
class Plan:
    rooms: list[RoomAssignment] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    supply: list[SupplyAssignment] = field(default_factory=list)
    unmet: list[Unmet] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": "plan/v1",
                "rooms": [r.to_dict() for r in self.rooms],
                "trips": [t.to_dict() for t in self.trips],
                "supply": [s.to_dict() for s in self.supply],
                "unmet": [u.to_dict() for u in self.unmet]}


def _ts(value: Any) -> datetime:
    return datetime.fromisoformat(value)


def parse_plan(doc: Mapping[str, Any], keep_raw: bool = True) -> Plan:
    """Parse a plan/v1 document (or a `fixed` fragment). `keep_raw` keeps the JSON of each entry."""
    def raw(x: Mapping[str, Any]) -> dict[str, Any] | None:
        return dict(x) if keep_raw else None

    rooms = [RoomAssignment(r["need"], r["hotel"], int(r.get("standard", 0)), int(r.get("family", 0)),
                            int(r.get("accessible", 0)), raw(r)) for r in doc.get("rooms") or []]
    trips = [Trip(t["bus"], _ts(t["start_at"]),
                  [Stop(s["site"], _ts(s["at"]), [Load(ld["need"], int(ld["people"])) for ld in s.get("load") or []])
                   for s in t.get("stops") or []],
                  t["hotel"], _ts(t["arrive_at"]), raw(t)) for t in doc.get("trips") or []]
    supply = [SupplyAssignment(s["need"], s["sku"], s["warehouse"], int(s["quantity"]), raw(s))
              for s in doc.get("supply") or []]
    unmet = []
    for u in doc.get("unmet") or []:
        reason = str(u.get("reason", ""))
        zh, _, en = reason.partition(" / ")
        unmet.append(Unmet(u["need"], u.get("reason_zh", zh), u.get("reason_en", en), u.get("code", "")))
    return Plan(rooms, trips, supply, unmet)
