"""A volunteer's day: stops in visit order, each started as early as the walk (or ride) allows.

The day starts at the volunteer's home compound at `available_from` (or now). A doorstep stop is
reached from the previous doorstep (or home); a remote stop (a call) is done where the volunteer is.
A stop starts no earlier than the task's `earliest`, ends by its deadline and by `available_until`;
travel plus service stays within `minutes_left_today`. The return home is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from baolei_volunteers.domain.geo import Travel, km
from baolei_volunteers.solver.model import Task, Volunteer

EPS = 1e-6
# minutes of cost per minute of delay of a task's start, by household rank (0 = most vulnerable)
WAIT_WEIGHT = {0: 1.0, 1: 0.6, 2: 0.3, 3: 0.15, 4: 0.05}  # for the frail a minute's wait weighs a minute's walk


def delay_weight(rank: int) -> float:
    return WAIT_WEIGHT.get(rank, 0.05)


@dataclass(frozen=True, slots=True)
class Visit:
    task: Task
    leg: float    # travel minutes to get there
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class State:
    """Where and when the volunteer is after a prefix of the day, and the minutes used so far."""

    t: float
    lat: float
    lon: float
    used: float
    travel: float


def schedule_from(state: State, tasks: list[Task], vol: Volunteer, travel: Travel) -> list[Visit] | None:
    """The visits of `tasks` in order after `state`, or None when a rule of time breaks."""
    t, lat, lon, used = state.t, state.lat, state.lon, state.used
    out: list[Visit] = []
    for task in tasks:
        if task.remote:
            leg = 0.0
        else:
            hh = task.household
            leg = travel.minutes(vol.mode, km(lat, lon, hh.lat, hh.lon))
            lat, lon = hh.lat, hh.lon
        start = max(t + leg, task.earliest)
        end = start + task.duration
        used += leg + task.duration
        if end > vol.t_until + EPS or used > vol.minutes + EPS:
            return None
        if task.deadline is not None and end > task.deadline + EPS:
            return None
        out.append(Visit(task, leg, start, end))
        t = end
    return out


class Route:
    """One volunteer's visits, kept feasible; `best_insertion` tries every position."""

    __slots__ = ("vol", "travel", "visits", "states")

    def __init__(self, vol: Volunteer, travel: Travel) -> None:
        self.vol = vol
        self.travel = travel
        self.visits: list[Visit] = []
        self.states: list[State] = [State(max(0.0, vol.t_from), vol.lat, vol.lon, 0.0, 0.0)]

    @property
    def used(self) -> float:
        return self.states[-1].used

    @property
    def travel_min(self) -> float:
        return self.states[-1].travel

    @property
    def tasks(self) -> list[Task]:
        return [v.task for v in self.visits]

    def _set(self, visits: list[Visit], upto: int) -> None:
        self.visits = self.visits[:upto] + visits
        del self.states[upto + 1:]
        st = self.states[upto]
        lat, lon, used, trv = st.lat, st.lon, st.used, st.travel
        for v in visits:
            if not v.task.remote:
                lat, lon = v.task.household.lat, v.task.household.lon
            used += v.leg + v.task.duration
            trv += v.leg
            self.states.append(State(v.end, lat, lon, used, trv))

    def set_order(self, tasks: list[Task]) -> bool:
        """Replace the day by `tasks` in this order when feasible."""
        visits = schedule_from(self.states[0], tasks, self.vol, self.travel)
        if visits is None:
            return False
        self._set(visits, 0)
        return True

    def best_insertion(self, task: Task, wait_weight: float) -> tuple[float, int, list[Visit]] | None:
        """(cost, position, visits from there) of the cheapest feasible insertion, or None.

        The cost is the added travel minutes plus `wait_weight` × the task's start (earlier is better)
        plus the delay it causes to the later stops, weighed by their households' rank.
        """
        vol = self.vol
        if self.used + task.duration > vol.minutes + EPS:
            return None
        base_travel = self.travel_min
        best: tuple[float, int, list[Visit]] | None = None
        n = len(self.visits)
        for pos in range(n, -1, -1):
            st = self.states[pos]
            if task.deadline is not None and st.t + task.duration > task.deadline + EPS:
                continue
            rest = [task] + [v.task for v in self.visits[pos:]]
            visits = schedule_from(st, rest, vol, self.travel)
            if visits is None:
                continue
            added = st.travel + sum(v.leg for v in visits) - base_travel
            pushed = sum(delay_weight(nv.task.rank) * (nv.start - ov.start)
                         for nv, ov in zip(visits[1:], self.visits[pos:], strict=True))
            cost = added + wait_weight * visits[0].start + pushed
            if best is None or cost < best[0]:
                best = (cost, pos, visits)
        return best

    def insert(self, pos: int, visits: list[Visit]) -> None:
        self._set(visits, pos)
