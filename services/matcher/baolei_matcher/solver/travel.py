"""Travel model (contracts/solve.md) and the solver's clock.

Why: every time the solver writes must satisfy the checker exactly. The solver therefore reasons
in integer seconds after `now` and rounds every drive *up* to a whole second, so times written
as ISO strings are exact and no rounding can make a stop look earlier than the drive allows.
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

import numpy as np

from .model import Scenario

logger = logging.getLogger(__name__)

EARTH_R_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_R_KM * math.asin(math.sqrt(min(1.0, h)))


class Travel:
    """Road km and drive seconds between sites, cached; integer seconds relative to `now`."""

    def __init__(self, scenario: Scenario) -> None:
        self.now = scenario.now
        self.detour = scenario.travel.detour
        self.speed = scenario.travel.speed_kmh
        self.dwell_s = int(math.ceil(scenario.travel.dwell_min * 60 - 1e-9))
        self.sites = scenario.sites
        self._km: dict[tuple[str, str], float] = {}
        ids = list(scenario.sites)
        self.index = {sid: i for i, sid in enumerate(ids)}
        self.lat = np.radians(np.array([scenario.sites[s].lat for s in ids], dtype=float))
        self.lon = np.radians(np.array([scenario.sites[s].lon for s in ids], dtype=float))

    def km(self, a: str, b: str) -> float:
        if a == b:
            return 0.0
        key = (a, b) if a < b else (b, a)
        d = self._km.get(key)
        if d is None:
            sa, sb = self.sites[a], self.sites[b]
            d = haversine_km(sa.lat, sa.lon, sb.lat, sb.lon) * self.detour
            self._km[key] = d
        return d

    def drive_s(self, a: str, b: str) -> int:
        """Drive time in whole seconds, rounded up (plus a hair, so the checker never sees less)."""
        if a == b:
            return 0
        return int(math.ceil(self.km(a, b) / self.speed * 3600.0 + 1e-6))

    def km_from_many(self, site_idx: np.ndarray, b: str) -> np.ndarray:
        """Vectorised road km from many sites (by index) to one site."""
        j = self.index[b]
        la1, lo1 = self.lat[site_idx], self.lon[site_idx]
        la2, lo2 = self.lat[j], self.lon[j]
        h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
        km: np.ndarray = 2 * EARTH_R_KM * np.arcsin(np.sqrt(np.minimum(1.0, h))) * self.detour
        return km

    def sec(self, t: datetime | None, default: int = 0) -> int:
        """Seconds after `now`, rounded up so a bound expressed this way is never earlier."""
        if t is None:
            return default
        return int(math.ceil((t - self.now).total_seconds() - 1e-9))

    def sec_floor(self, t: datetime) -> int:
        """Seconds after `now`, rounded down: for deadlines (shift ends)."""
        return int(math.floor((t - self.now).total_seconds() + 1e-9))

    def at(self, s: int) -> datetime:
        return self.now + timedelta(seconds=int(s))
