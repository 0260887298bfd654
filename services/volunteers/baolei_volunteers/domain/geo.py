"""Distances and travel minutes on foot or by e-bike (great-circle km × detour / speed)."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_KM = 6371.0088


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Travel:
    """The travel model of a scenario's optional `travel` object; every field has a default."""

    foot_kmh: float = 4.5
    ebike_kmh: float = 15.0
    detour: float = 1.3
    reach_foot_km: float = 1.5   # farthest straight-line km from home a volunteer on foot is sent
    reach_ebike_km: float = 5.0  # the same by e-bike

    def speed(self, mode: str) -> float:
        return self.ebike_kmh if mode == "ebike" else self.foot_kmh

    def reach(self, mode: str) -> float:
        return self.reach_ebike_km if mode == "ebike" else self.reach_foot_km

    def minutes(self, mode: str, distance_km: float) -> float:
        return distance_km * self.detour / self.speed(mode) * 60.0

    @staticmethod
    def from_dict(raw: dict[str, object] | None) -> Travel:
        raw = raw or {}
        reach = raw.get("reach_km")
        reach_d = reach if isinstance(reach, dict) else {}

        def num(value: object, default: float) -> float:
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default

        base = Travel()
        return Travel(
            foot_kmh=num(raw.get("foot_kmh"), base.foot_kmh),
            ebike_kmh=num(raw.get("ebike_kmh"), base.ebike_kmh),
            detour=num(raw.get("detour"), base.detour),
            reach_foot_km=num(reach_d.get("foot"), base.reach_foot_km),
            reach_ebike_km=num(reach_d.get("ebike"), base.reach_ebike_km),
        )
