"""Metrics computed at scrape time from the database, cached for a few seconds.

Why at scrape time: a gauge such as "proposals awaiting an answer" is a count the database already
knows; keeping it up to date on every write would touch every use case, and would be wrong on a
replica that did not make the write. Why cached: Prometheus, a second Prometheus and a curious
operator may all scrape; one bounded query per `ttl_s` is the cost whatever the scrape rate. A query
that fails (the database is down) yields no sample for that family, and the scrape still answers.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)

# the outbox depth is counted up to this many rows: beyond it the number is "at least" this
OUTBOX_COUNT_CAP = 100_000


class Family:
    """A gauge family's name, help and labels; `read()` gives {label values: value}."""

    def __init__(self, name: str, doc: str, labels: Sequence[str] = ()) -> None:
        self.name, self.doc, self.labels = name, doc, list(labels)

    def empty(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.name, self.doc, labels=self.labels)


class CachedCollector:
    """Runs `read()` at most once per `ttl_s` (under a lock: concurrent scrapes share one query)
    and serves the gauges from the cache between. `read()` returns, per family name, a mapping of
    label-value tuples to a value."""

    def __init__(self, families: Sequence[Family], read: Callable[[], dict[str, dict[tuple[str, ...], float]]],
                 ttl_s: float = 5.0) -> None:
        self._families = list(families)
        self._read = read
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._values: dict[str, dict[tuple[str, ...], float]] = {}

    def describe(self) -> Iterator[Metric]:
        return iter([f.empty() for f in self._families])

    def values(self) -> dict[str, dict[tuple[str, ...], float]]:
        with self._lock:
            if time.monotonic() - self._at >= self._ttl_s:
                try:
                    self._values = self._read()
                except Exception as exc:  # noqa: BLE001 — the scrape answers; the gap says the rest
                    log.warning("metrics query failed (%s: %s)", type(exc).__name__, str(exc)[:200])
                    self._values = {}
                self._at = time.monotonic()
            return self._values

    def collect(self) -> Iterator[Metric]:
        values = self.values()
        for f in self._families:
            if f.name not in values:
                continue
            g = f.empty()
            for labels, v in sorted(values[f.name].items()):
                g.add_metric(list(labels), v)
            yield g


def outbox_collector(sessions: sessionmaker, model: Any, ttl_s: float = 5.0) -> CachedCollector:
    """`baolei_outbox_depth` and `baolei_outbox_oldest_unsent_age_seconds`.

    Cost per `ttl_s`: two queries on `sent_at IS NULL`, which the index on `sent_at` serves (btree
    indexes hold NULLs): a count of at most OUTBOX_COUNT_CAP index entries (LIMIT in a subquery)
    and the smallest id among them (the same scan the relay makes every 0.2 s)."""
    depth = Family("baolei_outbox_depth", "发件箱中未发出的事件数（上限 100000）/ outbox rows not yet "
                                          "published (counted up to 100,000)")
    oldest = Family("baolei_outbox_oldest_unsent_age_seconds", "最早未发出事件的等待秒数（无则为 0）/ age "
                                                                "of the oldest unpublished outbox row, 0 when none")

    def read() -> dict[str, dict[tuple[str, ...], float]]:
        unsent = model.sent_at.is_(None)
        with sessions() as s:
            n = s.execute(select(func.count()).select_from(
                select(model.id).where(unsent).limit(OUTBOX_COUNT_CAP).subquery())).scalar_one()
            first = s.execute(select(model.created_at).where(unsent).order_by(model.id).limit(1)).scalar()
        age = 0.0
        if first is not None:
            at = first if first.tzinfo else first.replace(tzinfo=timezone.utc)
            age = max(0.0, (datetime.now(timezone.utc) - at).total_seconds())
        return {depth.name: {(): float(n)}, oldest.name: {(): age}}

    return CachedCollector([depth, oldest], read, ttl_s)
