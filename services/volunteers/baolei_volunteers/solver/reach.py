"""Who may go where, found fast: volunteers indexed by compound, community and a grid of cells.

The zone rule splits the city: a 管控区 compound's tasks go only to the volunteers living in it (an
independent problem per compound); 防范区 tasks to 防范区 volunteers of the district and 常态
volunteers within reach; 常态 tasks to 常态 volunteers within reach; remote tasks to anyone (the
household's community first, then its district). `refusal` is the one static check per pair.
"""

from __future__ import annotations

import math
from collections import defaultdict

from baolei_volunteers.domain.geo import km
from baolei_volunteers.domain.rules import refusal
from baolei_volunteers.domain.zones import Zone
from baolei_volunteers.solver.model import Household, Scenario, Task, Volunteer

Cell = tuple[int, int]


class Reach:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        travel = scenario.travel
        self.max_reach = max(travel.reach_foot_km, travel.reach_ebike_km, 0.1)
        self.cell_deg = self.max_reach / 100.0
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
        self._doorstep: dict[str, list[tuple[float, Volunteer]]] = {}
        self._remote: dict[str, list[tuple[float, Volunteer]]] = {}

    def cell(self, lat: float, lon: float) -> Cell:
        return int(math.floor(lat / self.cell_deg)), int(math.floor(lon / self.cell_deg))

    def _near(self, grids: list[dict[Cell, list[Volunteer]]], hh: Household) -> list[tuple[float, Volunteer]]:
        ci, cj = self.cell(hh.lat, hh.lon)
        ring_i = 1 + int(self.max_reach / (self.cell_deg * 110.5))
        ring_j = 1 + int(self.max_reach / (self.cell_deg * 111.3 * max(0.05, math.cos(math.radians(hh.lat)))))
        out: list[tuple[float, Volunteer]] = []
        travel = self.scenario.travel
        for grid in grids:
            for i in range(ci - ring_i, ci + ring_i + 1):
                for j in range(cj - ring_j, cj + ring_j + 1):
                    for v in grid.get((i, j), ()):
                        d = km(v.lat, v.lon, hh.lat, hh.lon)
                        if d <= travel.reach(v.mode):
                            out.append((d, v))
        return out

    def zone_candidates(self, task: Task) -> list[tuple[float, Volunteer]]:
        """(km from home, volunteer) allowed by the zone rule and reach, nearest first (skills not checked)."""
        hh = task.household
        if task.remote:
            found = self._remote.get(hh.community)
            if found is None:
                same = self.by_community.get(hh.community, [])
                ids = {v.id for v in same}
                others = [v for v in self.by_district.get(hh.compound.place.district, []) if v.id not in ids]
                found = [(0.0, v) for v in same] + [(1.0, v) for v in others]
                self._remote[hh.community] = found
            return found
        found = self._doorstep.get(hh.id)
        if found is not None:
            return found
        place = hh.compound.place
        if place.zone is Zone.SEALED:
            found = []
        elif place.zone is Zone.CONTROLLED:
            travel = self.scenario.travel
            found = []
            for v in self.by_compound.get(place.compound_id, []):
                d = km(v.lat, v.lon, hh.lat, hh.lon)
                if d <= travel.reach(v.mode):
                    found.append((d, v))
        else:
            grids = [self.normal_grid]
            if place.zone is Zone.PRECAUTION:
                grids.append(self.precaution_grid.get(place.district, {}))
            found = self._near(grids, hh)
        found.sort(key=lambda dv: (dv[0], dv[1].index))
        self._doorstep[hh.id] = found
        return found

    def refusal(self, vol: Volunteer, task: Task) -> str | None:
        hh = task.household
        return refusal(
            home=vol.home.place, target=hh.compound.place, remote=task.remote,
            distance_km=0.0 if task.remote else km(vol.lat, vol.lon, hh.lat, hh.lon),
            reach_km=self.scenario.travel.reach(vol.mode), kind=task.kind, credentials=vol.credentials,
            excluded=vol.id in task.excluded,
        )

