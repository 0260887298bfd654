"""The mini-program's way (深圳先锋, §二.4), kept as the bench's baseline: volunteers claim nearby open
tasks in the order they arrive, one at a time in turns, the nearest first, with no priority for the
frail or the waiting; still within the zone rule, reach, skills and hours, so its plans pass the checker.
"""

from __future__ import annotations

import random
import time
from typing import Any

from baolei_volunteers.domain.geo import km
from baolei_volunteers.solver.greedy import NEAREST, Matching, keep_claims
from baolei_volunteers.solver.itinerary import schedule_from
from baolei_volunteers.solver.model import Task, read_scenario
from baolei_volunteers.solver.plan import build_plan
from baolei_volunteers.solver.reach import Reach


def first_come(scenario: dict[str, Any], *, seed: int = 0) -> dict[str, Any]:
    began = time.monotonic()
    sc = read_scenario(scenario)
    m = Matching(sc, Reach(sc))
    keep_claims(m, sc.tasks)  # the mini-program keeps claims too (the released ones go back on the board)
    board: dict[int, list[Task]] = {}  # volunteer index -> tasks they may take, nearest to home first
    for task in sc.tasks:
        if task.index in m.owner:
            continue
        for vol in m.allowed(task, NEAREST):
            if task.claimed_by == vol.id:
                continue
            board.setdefault(vol.index, []).append(task)
    for vidx, ts in board.items():
        v = sc.volunteers[vidx]
        ts.sort(key=lambda t: 0.0 if t.remote else km(v.lat, v.lon, t.household.lat, t.household.lon))
    rnd = random.Random(seed)
    arrival = sorted(board, key=lambda i: (sc.volunteers[i].t_from, rnd.random()))
    active = list(arrival)
    while active:
        still: list[int] = []
        for vidx in active:
            vol = sc.volunteers[vidx]
            route = m.route(vol)
            for task in board[vidx]:
                if task.index in m.owner:
                    continue
                visits = schedule_from(route.states[-1], [task], vol, sc.travel)
                if visits is not None:
                    route.insert(len(route.visits), visits)
                    m.owner[task.index] = (vol, "first_come")
                    still.append(vidx)
                    break
        active = still
    plan = build_plan(m, {"construct_s": round(time.monotonic() - began, 3), "status": "feasible"})
    plan["metrics"]["solve_s"] = round(time.monotonic() - began, 3)
    return plan
