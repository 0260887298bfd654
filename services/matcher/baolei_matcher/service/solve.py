"""One solve and the publishing of its decisions: the single place a solve's time and status are
known (`SolveReport`), for the log line and for whatever counts solves.

The residual world is read on the event loop (a consistent view, no copy of the state: a deep copy
of 1,000 holds took 250-400 ms here); only the solve runs in the executor. Decisions are published
only while this process holds the lease, and not at all once a lease is older than it can trust.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from baolei_common.citytime import city_time
from baolei_matcher import solver as sv
from baolei_matcher.domain.batch import cut_off, decisions_from, scenario_for, told_cut_off
from baolei_matcher.domain.entities import Need
from baolei_matcher.service.ports import Outlet
from baolei_matcher.service.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class SolveReport:
    """What one solve did. `go_on` is False when this process may not publish (any more): the
    round stops. `again`: needs cut off by the time limit, to be solved again at once."""

    solve_id: str
    status: str
    needs: int
    seconds: float  # the solve itself, in the executor
    budget_s: float
    read_ms: float
    queued: int
    proposed: int = 0
    unmet: int = 0
    published: bool = False
    failed_sends: int = 0
    again: set[str] = field(default_factory=set)

    @property
    def go_on(self) -> bool:
        return self.published and self.failed_sends == 0


def _lease_s(rt: Runtime) -> float:
    """A lease older than this is not trusted (the process may have been paused since)."""
    return min(2.0, rt.config.leader_session_timeout_ms / 3000)


async def solve_and_publish(rt: Runtime, outlet: Outlet, todo: list[Need], exclude: frozenset[str], part: int = 1,
                            queued: int = 0) -> SolveReport:
    """Solve one solve's needs and publish its proposals and unmet reasons."""
    loop = asyncio.get_running_loop()
    st = rt.state
    t_read = loop.time()
    now = datetime.now(timezone.utc)
    scenario = scenario_for(st, todo, city_time(now), exclude)
    read_ms = (loop.time() - t_read) * 1000
    t0 = loop.time()
    budget = rt.pacer.budget(todo, rt.config.solve_time_limit_s, queued)
    result = await loop.run_in_executor(None, functools.partial(sv.solve, scenario, time_limit_s=budget))
    decisions = decisions_from(st, todo, scenario, result)
    cut = cut_off(result, decisions)
    again = rt.pacer.after(todo, cut, budget, rt.config.solve_time_limit_s)
    seconds = loop.time() - t0
    rt.last_batch_ms = seconds * 1000
    report = SolveReport(decisions.solve_id, decisions.status, len(todo), seconds, budget, read_ms, queued,
                         again=again)
    if not rt.active or not await outlet.lease.lease():
        rt.retake_everything()  # not ours to publish (any more): the next active one takes them
        log.info("re-match %s not published: no longer the active matcher / 非主节点，不发布", decisions.solve_id)
        return report
    leased_at = time.monotonic()
    lease_s = _lease_s(rt)

    def still_ours() -> bool:
        return rt.active and time.monotonic() - leased_at <= lease_s

    rt.batches += 1
    operators = {b.id: b.operator for b in st.buses.values()}
    sites = {h.id: h.site for h in st.hotels.values()}
    sent: list[tuple[asyncio.Future[Any], tuple[str, str] | None]] = []
    try:
        for p in decisions.proposals:
            if not still_ours():
                # revoked meanwhile, or this process was paused since the lease: stop at once
                rt.retake_everything()
                break
            hold, record = outlet.encoder.proposal(p, solve_id=decisions.solve_id, now=now, bus_operators=operators,
                                                   hotel_sites=sites)
            st.add_hold(hold)  # in flight until read back from the topic
            st.unmet.pop(p.need_id, None)
            rt.in_flight.add(p.assignment_id)
            fut = await outlet.publisher.send(outlet.assignments_topic, key=p.need_id.encode(), value=record)
            sent.append((fut, None))
        of = {n.id: n for n in todo}
        for u in decisions.unmet:
            if not still_ours():
                break
            if u.need_id in cut and u.need_id not in again:
                u = told_cut_off(of[u.need_id])  # cut off MAX_CUTS times: say so, not a shortage
            if u.need_id in again or st.unmet.get(u.need_id) == u.code:
                continue  # cut off: solved again at once; or already told: tried again on the next change
            fut = await outlet.publisher.send(outlet.assignments_topic, key=u.need_id.encode(),
                                              value=outlet.encoder.unmet(u, solve_id=decisions.solve_id))
            sent.append((fut, (u.need_id, u.code)))
    except Exception:
        rt.resync = True
        raise
    results = await asyncio.gather(*(f for f, _ in sent), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    for r, (_, told) in zip(results, sent, strict=True):
        if told is not None and not isinstance(r, BaseException):
            st.unmet[told[0]] = told[1]
    if failed:
        rt.resync = True
        rt.dirty.set()
        log.warning("re-match %s: %d of %d messages not published (%s)", decisions.solve_id, len(failed),
                    len(sent), failed[0])
    report.proposed, report.unmet = len(decisions.proposals), len(decisions.unmet) - len(again)
    report.failed_sends, report.published = len(failed), rt.active
    log.info("re-match %s (%s) round %d part %d: %d needs, %d proposed, %d unmet in %.0f ms (budget %.0f ms, "
             "state read in %.0f ms, %d queued)%s%s",
             decisions.solve_id, decisions.status, rt.rounds, part, len(todo), report.proposed, report.unmet,
             rt.last_batch_ms, budget * 1000, read_ms, queued,
             f", {len(again)} cut off by the time limit: solved again" if again else "",
             f", without {sorted(exclude)}" if exclude else "")
    return report
