"""The plan as JSON-able dicts (docs/volunteers-solve.md): assignments in visit order, routes,
unmet tasks with cause, reason and fix, suggestions for the claim board, and metrics."""

from __future__ import annotations

from collections import Counter
from typing import Any

from baolei_volunteers.domain.reasons import CLAIM_RELEASED
from baolei_volunteers.domain.vulnerability import MOST_VULNERABLE_RANK
from baolei_volunteers.solver.explain import unmet as diagnose
from baolei_volunteers.solver.explain import why
from baolei_volunteers.solver.greedy import Matching
from baolei_volunteers.solver.model import Task

SUGGESTIONS_PER_VOLUNTEER = 20
# unmet for want of time only: counted in the wait of the most vulnerable (the others nobody may serve)
SERVABLE_CAUSES = ("no_hours", "deadline")
SUGGESTED_VOLUNTEERS_PER_TASK = 10


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))
    return s[k]


def horizon(m: Matching) -> float:
    """End of the volunteers' day: the wait of an unmet task is counted up to here."""
    ends = [v.t_until for v in m.scenario.volunteers]
    return max(ends) if ends else 24 * 60.0


def build_plan(m: Matching, stats: dict[str, Any]) -> dict[str, Any]:
    sc = m.scenario
    assignments: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    starts: dict[int, float] = {}
    for route in sorted(m.routes.values(), key=lambda r: r.vol.index):
        if not route.visits:
            continue
        vol = route.vol
        for seq, visit in enumerate(route.visits, start=1):
            task = visit.task
            tag = m.owner[task.index][1]
            zh, en = why(sc, vol, task, tag, seq, visit.leg, visit.start, visit.end)
            starts[task.index] = visit.start
            assignments.append({
                "task_id": task.id, "volunteer_id": vol.id, "seq": seq, "start": sc.iso(visit.start),
                "end": sc.iso(visit.end), "claimed": tag == "claim", "why_zh": zh, "why_en": en,
                "basis": tag, "travel_min": round(visit.leg, 2),
            })
        routes.append({"volunteer_id": vol.id, "mode": vol.mode, "stops": [t.id for t in route.tasks],
                       "travel_min": round(route.travel_min, 2), "busy_min": round(route.used, 2)})
    released = [
        {"task_id": t.id, "volunteer_id": vid, "cause": key, "reason_zh": CLAIM_RELEASED[key][0],
         "reason_en": CLAIM_RELEASED[key][1]}
        for t, vid, key in m.released
    ]
    unmet: list[dict[str, Any]] = []
    open_tasks: list[Task] = []
    for task in sc.tasks:
        if task.index in m.owner:
            continue
        u = diagnose(sc, m.reach, task)
        unmet.append({"task_id": task.id, "cause": u.cause, "reason_zh": u.reason_zh, "reason_en": u.reason_en,
                      "fix_zh": u.fix_zh, "fix_en": u.fix_en})
        if u.cause in SERVABLE_CAUSES:
            open_tasks.append(task)
    plan: dict[str, Any] = {
        "schema": "volunteer-plan/v1",
        "assignments": assignments, "routes": routes, "unmet": unmet,
        "released_claims": released,
        "suggestions": suggestions(m, open_tasks),
    }
    plan["metrics"] = metrics(m, starts, unmet, stats)
    return plan


def suggestions(m: Matching, open_tasks: list[Task]) -> list[dict[str, Any]]:
    """Open tasks each volunteer MAY claim: every static rule holds (zone, reach, skill, not declined)."""
    by_vol: dict[str, list[Task]] = {}
    for task in open_tasks:
        for vol in m.allowed(task, SUGGESTED_VOLUNTEERS_PER_TASK):
            if task.claimed_by == vol.id:
                continue  # their own claim was released for a rule: not offered back
            picked = by_vol.setdefault(vol.id, [])
            if len(picked) < SUGGESTIONS_PER_VOLUNTEER:
                picked.append(task)
    return [{"volunteer_id": vid, "task_ids": [t.id for t in ts]} for vid, ts in sorted(by_vol.items())]


def metrics(m: Matching, starts: dict[int, float], unmet: list[dict[str, Any]], stats: dict[str, Any]
            ) -> dict[str, Any]:
    sc = m.scenario
    end = horizon(m)
    structural = {u["task_id"] for u in unmet if u["cause"] not in SERVABLE_CAUSES}
    waits = [starts.get(t.index, end) - max(t.raised, t.earliest) for t in sc.tasks
             if t.rank == MOST_VULNERABLE_RANK and t.id not in structural]
    with_deadline = [t for t in sc.tasks if t.deadline is not None]
    busy = sum(r.used for r in m.routes.values())
    travel = sum(r.travel_min for r in m.routes.values())
    assigned = len(starts)
    p95 = percentile(waits, 0.95)
    return {
        "tasks": len(sc.tasks), "assigned": assigned, "unmet": len(unmet),
        "unmet_by_cause": dict(Counter(u["cause"] for u in unmet)),
        "claims_kept": sum(1 for _, tag in m.owner.values() if tag == "claim"),
        "claims_released": len(m.released),
        "pairs_kept": sum(1 for _, tag in m.owner.values() if tag in ("pair", "building")),
        "deadline_tasks": len(with_deadline),
        "deadline_met": sum(1 for t in with_deadline if t.index in starts),
        "most_vulnerable_tasks": len(waits),
        "p95_wait_most_vulnerable_min": None if p95 is None else round(p95, 1),
        "volunteer_minutes": round(busy, 1), "travel_minutes": round(travel, 1),
        "volunteer_hours_per_task": round(busy / 60.0 / assigned, 3) if assigned else None,
        "volunteers_used": sum(1 for r in m.routes.values() if r.visits),
        **stats,
    }
