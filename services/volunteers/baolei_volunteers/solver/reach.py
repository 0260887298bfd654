"""Who may go where, found fast: volunteers indexed by compound, community and a grid of small cells.

The zone rule splits the city: a 管控区 compound's tasks go only to the volunteers living in it (an
independent problem per compound); 防范区 tasks to 防范区 volunteers of the district and 常态
volunteers within reach; 常态 tasks to 常态 volunteers within reach; remote tasks to anyone (the
household's community first, then its district). Candidates come ring by ring around the household,
so the nearest are found without measuring the whole city. `refusal` is the one static check per pair.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

from baolei_volunteers.domain.geo import km
from baolei_volunteers.domain.rules import refusal
from baolei_volunteers.domain.tasks import TaskKind
from baolei_volunteers.domain.zones import Zone
from baolei_volunteers.solver.model import Household, Scenario, Task, Volunteer

Cell = tuple[int, int]
CELL_KM = 0.5


class Reach:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        travel = scenario.travel
        self.max_reach = max(travel.reach_foot_km, travel.reach_ebike_km, 0.1)
        self.cell_deg = CELL_KM / 111.0
        self.by_compound: dict[str, list[Volunteer]] = defaultdict(list)
        self.by_community: dict[str, list[Volunteer]] = defaultdict(list)
        self.by_district: dict[str, list[Volunteer]] = defaultdict(list)
        self.normal_grid: dict[Cell, list[Volunteer]] = defaultdict(list)
        self.precaution_grid: dict[str, dict[Cell, list[Volunteer]]] = defaultdict(lambda: defaultdict(list))
        for v in scenario.volunteers:
            self.by_compound[v.home.id].append(v)
            self.by_community[v.community].append(v)
            self.by_district[v.home.place.district].append(v)
            cell = self.cell(v.lat, v.lon)
            if v.home.place.zone is Zone.NORMAL:
                self.normal_grid[cell].append(v)
            elif v.home.place.zone is Zone.PRECAUTION:
                self.precaution_grid[v.home.place.district][cell].append(v)
        self._remote: dict[str, list[tuple[float, Volunteer]]] = {}

    def cell(self, lat: float, lon: float) -> Cell:
        return int(math.floor(lat / self.cell_deg)), int(math.floor(lon / self.cell_deg))

    def _rings(self, grids: list[dict[Cell, list[Volunteer]]], hh: Household, kind: TaskKind | None
               ) -> Iterator[tuple[float, Volunteer]]:
        """Volunteers of `grids` within their reach of `hh` (offering `kind` when given), ring of cells by
        ring, nearest first in a ring."""
        ci, cj = self.cell(hh.lat, hh.lon)
        stretch = 1.0 / max(0.05, math.cos(math.radians(hh.lat)))  # a degree of longitude is shorter
        rings = 1 + int(self.max_reach / CELL_KM * stretch)
        travel = self.scenario.travel
        for r in range(rings + 1):
            ring: list[tuple[float, Volunteer]] = []
            for i in range(ci - r, ci + r + 1):
                edge = i in (ci - r, ci + r)
                for j in range(cj - r, cj + r + 1) if edge else (cj - r, cj + r):
                    for grid in grids:
                        for v in grid.get((i, j), ()):
                            if kind is not None and kind not in v.credentials.skills:
                                continue
                            d = km(v.home.lat, v.home.lon, hh.lat, hh.lon)
                            if d <= travel.reach(v.mode):
                                ring.append((d, v))
            ring.sort(key=lambda dv: (dv[0], dv[1].index))
            yield from ring

    def zone_candidates(self, task: Task, offering: bool = False) -> Iterator[tuple[float, Volunteer]]:
        """(km from home, volunteer) allowed by the zone rule and reach, nearest first; only those offering
        the task's kind when `offering` (papers and declines are not checked here)."""
        hh = task.household
        if task.remote:
            found = self._remote.get(hh.community)
            if found is None:
                same = self.by_community.get(hh.community, [])
                ids = {v.id for v in same}
                others = [v for v in self.by_district.get(hh.compound.place.district, []) if v.id not in ids]
                found = [(0.0, v) for v in same] + [(1.0, v) for v in others]
                self._remote[hh.community] = found
            return iter(found)
        place = hh.compound.place
        if place.zone is Zone.SEALED:
            return iter(())
        if place.zone is Zone.CONTROLLED:
            travel = self.scenario.travel
            inside = [(km(v.lat, v.lon, hh.lat, hh.lon), v) for v in self.by_compound.get(place.compound_id, [])]
            return iter(sorted(((d, v) for d, v in inside if d <= travel.reach(v.mode)),
                               key=lambda dv: (dv[0], dv[1].index)))
        grids = [self.normal_grid]
        if place.zone is Zone.PRECAUTION:
            grids.append(self.precaution_grid.get(place.district, {}))
        return self._rings(grids, hh, task.kind if offering else None)

    def refusal(self, vol: Volunteer, task: Task) -> str | None:
        hh = task.household
        return refusal(
            home=vol.home.place, target=hh.compound.place, remote=task.remote,
            distance_km=0.0 if task.remote else km(vol.lat, vol.lon, hh.lat, hh.lon),
            reach_km=self.scenario.travel.reach(vol.mode), kind=task.kind, credentials=vol.credentials,
            excluded=vol.id in task.excluded,
        )
