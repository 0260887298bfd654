"""The claim board and the claim check, for the service: the same static rules as the matcher.

`claim_board(scenario, volunteer_id)` lists every task of the scenario the volunteer MAY take (zone
rule, reach, skill and paper, not declined), most vulnerable first, then deadlines, then the longest
waiting; the service shows only the open ones. `claim_refusal(scenario, volunteer_id, task_id)` says
why a claim is refused (None when allowed), in Chinese and English, for a 4xx that names the reason.
"""

from __future__ import annotations

from typing import Any

from baolei_volunteers.domain.geo import km
from baolei_volunteers.domain.rules import REFUSAL_TEXT
from baolei_volunteers.solver.greedy import priority
from baolei_volunteers.solver.model import ScenarioError, read_scenario
from baolei_volunteers.solver.reach import Reach


def claim_board(scenario: dict[str, Any], volunteer_id: str) -> list[dict[str, Any]]:
    sc = read_scenario(scenario)
    vol = sc.by_volunteer_id.get(volunteer_id)
    if vol is None:
        raise ScenarioError("volunteer_id", f"unknown volunteer {volunteer_id!r}")
    reach = Reach(sc)
    allowed = [t for t in sc.tasks if reach.refusal(vol, t) is None]
    return [{"task_id": t.id, "remote": t.remote,
             "km": 0.0 if t.remote else round(km(vol.lat, vol.lon, t.household.lat, t.household.lon), 2)}
            for t in sorted(allowed, key=priority)]


def claim_refusal(scenario: dict[str, Any], volunteer_id: str, task_id: str) -> dict[str, str] | None:
    sc = read_scenario(scenario)
    vol = sc.by_volunteer_id.get(volunteer_id)
    if vol is None:
        raise ScenarioError("volunteer_id", f"unknown volunteer {volunteer_id!r}")
    task = next((t for t in sc.tasks if t.id == task_id), None)
    if task is None:
        raise ScenarioError("task_id", f"unknown task {task_id!r}")
    code = Reach(sc).refusal(vol, task)
    if code is None:
        return None
    zh, en = REFUSAL_TEXT[code]
    return {"code": code, "reason_zh": zh, "reason_en": en}
