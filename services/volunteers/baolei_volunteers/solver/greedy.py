"""The construction: claims kept, then pairs, then the most vulnerable and longest waiting first.

1. A claimed task stays with its claimant when every rule holds (zone, reach, skill, decline, time);
   otherwise the claim is released with its reason and the task joins the pool.
2. A household's 一助一 volunteer, then its 包楼 volunteer, gets its tasks first when the rules allow.
3. Every other task, most vulnerable first (then deadlines, then longest waiting), goes to the
   volunteer allowed to take it whose day grows least (added travel, an earlier start for the frail,
   a small premium for someone from another community).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from baolei_volunteers.solver.itinerary import Route, Visit, delay_weight
from baolei_volunteers.solver.model import Scenario, Task, Volunteer
from baolei_volunteers.solver.reach import Reach

OTHER_COMMUNITY_MIN = 5.0
NEAREST = 40   # candidates looked at per task (nearest first)
ENOUGH = 6     # feasible insertions compared per task


def priority(task: Task) -> tuple[int, int, float, int]:
    """Most vulnerable first; within a rank a task with a deadline first; then the longest waiting."""
    return (task.rank, 0 if task.deadline is not None else 1, task.raised, task.index)


@dataclass(slots=True)
class Matching:
    scenario: Scenario
    reach: Reach
    routes: dict[int, Route] = field(default_factory=dict)
    owner: dict[int, tuple[Volunteer, str]] = field(default_factory=dict)
    released: list[tuple[Task, str, str]] = field(default_factory=list)  # task, claimant id, cause key

    def route(self, vol: Volunteer) -> Route:
        found = self.routes.get(vol.index)
        if found is None:
            found = Route(vol, self.scenario.travel)
            self.routes[vol.index] = found
        return found

    def try_assign(self, task: Task, vols: list[Volunteer], tag: str) -> bool:
        """Give `task` to the cheapest feasible volunteer of `vols` (all already allowed)."""
        best: tuple[float, Volunteer, int, list[Visit]] | None = None
        feasible = 0
        weight = delay_weight(task.rank)
        for vol in vols:
            found = self.route(vol).best_insertion(task, weight)
            if found is None:
                continue
            cost = found[0] + (OTHER_COMMUNITY_MIN if vol.community != task.household.community else 0.0)
            if best is None or cost < best[0]:
                best = (cost, vol, found[1], found[2])
            feasible += 1
            if feasible >= ENOUGH:
                break
        if best is None:
            return False
        _, vol, pos, visits = best
        self.route(vol).insert(pos, visits)
        self.owner[task.index] = (vol, tag)
        return True

    def allowed(self, task: Task, limit: int | None = NEAREST) -> list[Volunteer]:
        out: list[Volunteer] = []
        for _, vol in self.reach.zone_candidates(task, offering=True):
            if self.reach.refusal(vol, task) is None:
                out.append(vol)
                if limit is not None and len(out) >= limit:
                    break
        return out


def keep_claims(m: Matching, tasks: list[Task]) -> None:
    for task in sorted((t for t in tasks if t.claimed_by is not None), key=priority):
        vol = m.scenario.by_volunteer_id.get(task.claimed_by or "")
        if vol is None:
            m.released.append((task, task.claimed_by or "", "unknown"))
            continue
        why = m.reach.refusal(vol, task)
        if why is not None:
            key = {"excluded": "excluded", "no_skill": "skill", "no_certificate": "skill"}.get(why, "zone")
            m.released.append((task, vol.id, key))
            continue
        if not m.try_assign(task, [vol], "claim"):
            m.released.append((task, vol.id, "time"))


def serve_pairs(m: Matching, tasks: list[Task]) -> None:
    by_household: dict[str, list[Volunteer]] = defaultdict(list)
    by_building: dict[str, list[Volunteer]] = defaultdict(list)
    for vol in m.scenario.volunteers:
        for hid in vol.pairs:
            by_household[hid].append(vol)
        for b in vol.buildings:
            by_building[b].append(vol)
    for task in sorted(tasks, key=priority):
        if task.index in m.owner:
            continue
        hh = task.household
        for tag, vols in (("pair", by_household.get(hh.id, [])), ("building", by_building.get(hh.building_key, []))):
            ok = [v for v in vols if m.reach.refusal(v, task) is None and not _released_by(m, task, v)]
            if ok and m.try_assign(task, ok, tag):
                break


def serve_rest(m: Matching, tasks: list[Task], limit: int | None = NEAREST) -> None:
    for task in sorted(tasks, key=priority):
        if task.index in m.owner:
            continue
        vols = [v for v in m.allowed(task, limit) if not _released_by(m, task, v)]
        if vols:
            m.try_assign(task, vols, "remote" if task.remote else "near")


def _released_by(m: Matching, task: Task, vol: Volunteer) -> bool:
    return task.claimed_by == vol.id and task.index not in m.owner
