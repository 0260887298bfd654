"""The travel model of the solve contract: haversine × detour at a fixed speed, dwell per stop."""
from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Travel:
    speed_kmh: float = 30.0
    detour: float = 1.3
    dwell_min: float = 10.0

    def km(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * EARTH_KM * math.asin(math.sqrt(h)) * self.detour

    def minutes(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        return self.km(a, b) / self.speed_kmh * 60.0
