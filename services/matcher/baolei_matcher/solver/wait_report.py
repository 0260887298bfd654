"""Time to isolation in the solve report: what the plan makes people wait, beside the bound.

Why: goal 3 ("be quick and on time") is only visible if every solve says how long the people it
carries wait from `ready_at` to their arrival at the hotel, and how far that is from what no plan
could beat (`wait_bound`). The figures mean what `tools/check_plan.py` means by them: person-minutes
summed over the plan's trips (fixed ones included), per load, never negative.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from .model import Scenario
from .plan import Plan
from .wait_bound import TIME_LIMIT_S, wait_bound

logger = logging.getLogger(__name__)


def waiting(scenario: Scenario, plan: Plan) -> tuple[float, float, dict[str, int]]:
    """(wait person-minutes, late person-minutes, people carried per need) over the plan's trips,
    counting only loads of transfer needs the scenario knows (as the checker does)."""
    needs = {n.id: n for n in scenario.transfers}
    wait = late = 0.0
    carried: dict[str, int] = defaultdict(int)
    for t in plan.trips:
        for s in t.stops:
            for ld in s.load:
                n = needs.get(ld.need)
                if n is None:
                    continue
                carried[ld.need] += ld.people
                wait += max(0.0, (t.arrive_at - n.ready_at).total_seconds() / 60.0) * ld.people
                late += max(0.0, (t.arrive_at - n.due_at).total_seconds() / 60.0) * ld.people
    return wait, late, dict(carried)


def wait_report(scenario: Scenario, plan: Plan, *, time_limit_s: float = TIME_LIMIT_S) -> dict[str, Any]:
    """The solve report's time-to-isolation fields (see `SolveResult.to_dict` → `solver`)."""
    wait, late, carried = waiting(scenario, plan)
    people = sum(carried.values())
    bound = wait_bound(scenario, carried, scenario.fixed, time_limit_s=time_limit_s)
    mean = wait / people if people else None
    bmean = bound.mean_min
    gap = None if mean is None or not bmean else mean / bmean - 1.0
    return {"wait_person_minutes": round(wait, 1), "people_carried": people,
            "mean_wait_min": None if mean is None else round(mean, 2),
            "late_person_minutes": round(late, 1),
            "wait_bound_mean_min": None if bmean is None or bound.kind == "none" else round(bmean, 2),
            "wait_gap": None if gap is None or bound.kind == "none" else round(gap, 4),
            "wait_bound_kind": bound.kind, "wait_bound_seconds": round(bound.seconds, 3)}


def describe(w: dict[str, Any]) -> str:
    """One line for the CLI: "等候 / waiting: …" from a `wait_report` dict."""
    if not w.get("people_carried"):
        return "等候 / waiting: 无人乘车 / nobody carried"
    bound = w.get("wait_bound_mean_min")
    gap = w.get("wait_gap")
    tail = (f"下界 / bound {bound:.1f} min ({w.get('wait_bound_kind')}), 差距 / gap {100 * gap:.1f} %"
            if bound is not None and gap is not None else "下界 / bound –")
    return (f"等候 / waiting: {w['people_carried']} 人 / people carried, 平均 / mean {w['mean_wait_min']:.1f} min "
            f"ready → hotel ({w['wait_person_minutes']:g} person-min, 逾期 / late {w['late_person_minutes']:g}); "
            f"{tail}")
