"""The solve round: which needs are solved together, in what order, and how often.

One round takes the needs to match (domain/batch.py `groups`: those a dispatcher declined a
resource for are solved after the others, in a world without what they declined), in solves of at
most the pacer's size, first answers and oldest first. Each solve's proposals hold their resources
before the next solve reads the residual world (service/solve.py); a need cut off by the time
limit goes back to the queue at once. Needs arriving meanwhile join the queue (in their place by
age), so a burst is one round and every solve knows whether a backlog waits.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from baolei_matcher.domain import lanes, wakeups
from baolei_matcher.domain.batch import groups
from baolei_matcher.domain.entities import Need
from baolei_matcher.service.ports import Outlet
from baolei_matcher.service.runtime import Runtime
from baolei_matcher.service.solve import SolveReport, solve_and_publish


async def rematch_round(rt: Runtime, outlet: Outlet,
                        on_solve: Callable[[SolveReport], None] | None = None) -> list[SolveReport]:
    """One round; returns a report per solve (also given to `on_solve` as each one ends). Stops
    early when this process may not publish (any more)."""
    st, pacer = rt.state, rt.pacer
    rt.rounds += 1
    part = 0
    reports: list[SolveReport] = []
    pending: dict[frozenset[str], dict[str, Need]] = {}

    def refill() -> None:
        rt.dirty.clear()
        wake = wakeups.woken(st, st.take_changes(), datetime.now(timezone.utc))
        for exclude, needs in groups(st.batch(wake)):
            pending.setdefault(exclude, {}).update((n.id, n) for n in needs)

    refill()
    try:
        while pending:
            exclude = lanes.next_group(pending, st.unmet)
            group = pending[exclude]
            chunk, _ = pacer.take(pacer.order(group.values(), st.unmet))
            chunk = lanes.one_lane(chunk, st.unmet, pacer.cuts)  # answers alone; woken needs in small solves
            for n in chunk:
                del group[n.id]
            if not group:
                del pending[exclude]
            rt.backlog = sum(len(g) for g in pending.values())
            chunk = [n for n in chunk if st.still_open(n)]
            if chunk:
                part += 1
                rt.solved_needs += len(chunk)
                rt.retried_needs += sum(1 for n in chunk if n.id in st.unmet)
                # only answers waiting make a solve take the whole limit; woken needs do not
                report = await solve_and_publish(rt, outlet, chunk, exclude, part,
                                                 lanes.answers_waiting(pending, st.unmet))
                reports.append(report)
                if on_solve is not None:
                    on_solve(report)
                if not report.go_on:
                    return reports
                for n in chunk:
                    if n.id in report.again:
                        pending.setdefault(exclude, {})[n.id] = n
            if rt.dirty.is_set():
                refill()
    finally:
        rt.backlog = 0
    return reports
