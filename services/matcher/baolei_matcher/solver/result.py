"""The solver's result: an explicit status, the plan, and objective and bound per stage.

Why: the streaming matcher and the benchmark must be able to tell a proven optimum from a plan
that is merely valid, and from one cut short by the time limit, without parsing logs.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .plan import Plan

logger = logging.getLogger(__name__)


class Status(str, Enum):
    OPTIMAL = "optimal"          # every stage proved its objective optimal
    FEASIBLE = "feasible"        # a valid plan; some stage not proven optimal
    INFEASIBLE = "infeasible"    # the input itself breaks a hard rule (e.g. `fixed` over capacity)
    OUT_OF_TIME = "out_of_time"  # the time limit cut a stage short; the plan is valid but heuristic


@dataclass
class StageReport:
    """One stage (rooms, buses, supply). `objective`/`bound` are in the stage's primary unit:
    weighted unserved people (rooms, buses) or weighted unserved quantity (supply); lower is better,
    and `bound` is a proven lower bound where the stage can prove one."""

    name: str
    status: Status
    objective: float
    bound: float | None = None
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    def gap(self) -> float | None:
        if self.bound is None:
            return None
        if self.objective <= 0:
            return 0.0
        return (self.objective - self.bound) / max(self.objective, 1e-9)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "objective": self.objective, "bound": self.bound,
                "seconds": round(self.seconds, 3), **self.detail}


@dataclass
class SolveResult:
    status: Status
    plan: Plan
    stages: dict[str, StageReport] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)  # need id -> "中文 / English"
    seconds: float = 0.0
    message: str = ""
    # which plan each part is: "search", "greedy" (the baseline was better on the goals in their
    # order, so it is returned as the floor) or "mixed" (transfers from one, supply from the other)
    floor: str = "search"
    # time to isolation (`wait_report.wait_report`): wait person-minutes, people carried, their mean
    # wait, the proven lower bound on that mean and the gap to it
    waiting: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The plan/v1 document plus the solver's report (extra fields are allowed)."""
        doc = self.plan.to_dict()
        doc["solver"] = {"status": self.status.value, "seconds": round(self.seconds, 3),
                         "message": self.message, "floor": self.floor,
                         "stages": {k: v.to_dict() for k, v in self.stages.items()}, **self.waiting}
        doc["explanations"] = self.explanations
        return doc


def combine(statuses: list[Status]) -> Status:
    if Status.INFEASIBLE in statuses:
        return Status.INFEASIBLE
    if Status.OUT_OF_TIME in statuses:
        return Status.OUT_OF_TIME
    if all(s == Status.OPTIMAL for s in statuses):
        return Status.OPTIMAL
    return Status.FEASIBLE
