"""The volunteers service's metrics: tasks by status, unmet tasks by cause (bounded labels: the
task statuses and the solver's causes), matching rounds and their solve time, the outbox."""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from baolei_common.metrics import Metrics, watch_gate
from baolei_common.scrape import CachedCollector, Family, outbox_collector
from baolei_volunteers.adapters.orm import OutboxRow, TaskRow

SOLVE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def task_collector(sessions: Any, ttl_s: float = 5.0) -> CachedCollector:
    """One grouped count of the tasks table per `ttl_s` (index on status, community)."""
    by_status = Family("baolei_doorstep_tasks", "上门任务数，按状态 / doorstep tasks by status", ["status"])
    by_cause = Family("baolei_doorstep_unmet", "暂无人可接的上门任务，按原因 / unmet doorstep tasks by cause",
                      ["cause"])

    def read() -> dict[str, dict[tuple[str, ...], float]]:
        with sessions() as s:
            rows = s.execute(select(TaskRow.status, TaskRow.cause, func.count()).group_by(TaskRow.status,
                                                                                        TaskRow.cause)).all()
        status: Counter[str] = Counter()
        cause: Counter[str] = Counter()
        for st, ca, n in rows:
            status[st] += n
            if st == "unmet":
                cause[ca or "unknown"] += n
        return {by_status.name: {(k,): float(v) for k, v in status.items()},
                by_cause.name: {(k,): float(v) for k, v in cause.items()}}

    return CachedCollector([by_status, by_cause], read, ttl_s)


def install(app: Any, metrics: Metrics, gate: Any, container: Any) -> None:
    metrics.mount(app)
    watch_gate(metrics, gate)
    metrics.add(outbox_collector(container.background.sessions, OutboxRow))
    metrics.add(task_collector(container.background.sessions))
    rounds = metrics.counter("baolei_doorstep_match_rounds", "上门任务匹配轮次 / doorstep matching rounds")
    solve = metrics.histogram("baolei_doorstep_solve_seconds", "一轮匹配求解耗时（秒）/ seconds of one doorstep solve",
                              [], SOLVE_BUCKETS)
    changes = metrics.counter("baolei_doorstep_plan_changes", "匹配结果引起的任务变化，按类型 / task changes made "
                              "by matching, by kind (proposed, unmet, released)", ["change"])

    def observe(seconds: float, counts: dict[str, int]) -> None:
        rounds.inc()
        solve.observe(seconds)
        for k in ("proposed", "unmet", "released"):
            if counts.get(k):
                changes.labels(k).inc(counts[k])

    container.matcher.observers.append(observe)
