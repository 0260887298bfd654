"""The matcher's metrics: solve time and status per solve, the feed's lag, dead letters.

Why a module of its own: the matcher's runtime only calls `solved`, `failed`, `polled` and
`dead_letter`; what is measured and how it is named lives here, next to nothing else. The matcher
reads every partition without a consumer group, so its lag's `group` label is its feed's client
id (`<app_id>-feed`); the position is the offset its state covers (`Feed.next_offset`).
"""
from __future__ import annotations

from typing import Any

from baolei_common.metrics import Metrics, lag_by_topic
from baolei_matcher.service.solve import SolveReport

# seconds: a solve's budget is the configured time limit (a few seconds) at most
SOLVE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
ERROR = "error"  # a round that raised (the solver or the publish failed); retried on the next change


class MatcherMetrics:
    def __init__(self, metrics: Metrics, group: str) -> None:
        self.metrics = metrics
        self.group = group
        self.solve_seconds = metrics.histogram(
            "baolei_solve_duration_seconds", "每次求解的耗时（秒）/ seconds per solve (one micro-batch's "
            "solver run)", [], SOLVE_BUCKETS)
        self.solves = metrics.counter(
            "baolei_solves", "求解次数，按结果状态（optimal/feasible/infeasible/out_of_time/error）/ solves by "
            "status: optimal, feasible, infeasible, out_of_time, or error (the round raised)", ["status"])

    def solved(self, report: SolveReport) -> None:
        """The `on_solve` hook: each solve's time and status."""
        self.solve_seconds.observe(report.seconds)
        self.solves.labels(report.status).inc()

    def failed(self) -> None:
        self.solves.labels(ERROR).inc()

    def polled(self, feed: Any) -> None:
        """After a poll of the feed: highwater − the offset the state covers, per topic."""
        if feed.consumer is None:
            return
        positions = [(tp, feed.next_offset.get((tp.topic, tp.partition), 0)) for tp in feed.tps]
        self.metrics.set_lag(self.group, lag_by_topic(feed.consumer, positions))

    def dead_letter(self, topic: str, error: BaseException) -> None:
        self.metrics.dead_letter(topic, error)

