"""The leader-only part of the Faust matcher: readiness, takeover, and the solve.

Each tick on the Faust leader folds the tables into a `MatcherState` (fold.py) when they changed,
and solves what is to match with the aiokafka matcher's own steps (domain/batch.py: groups,
scenario_for, decisions_from; solver in an executor; adapters/codec.py to encode). Proposals
published and not yet read back into a table are kept in flight and folded into every rebuild, so a
second tick never proposes them again. On becoming leader it first waits until its agents have read
the assignments topic up to its end offsets as of the takeover (what the last leader published)."""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from faust.types import TP

from baolei_matcher import solver as sv
from baolei_matcher.adapters import codec
from baolei_matcher.config import MatcherConfig
from baolei_matcher.domain.batch import decisions_from, groups, scenario_for, solve_budget
from bench.faust_matcher import fold

log = logging.getLogger(__name__)


class Leader:
    def __init__(self, app: Any, cfg: MatcherConfig, needs: Any, retired: Any, resources: dict[str, Any],
                 out: Any, sources: list[str], assignments: str) -> None:
        self.app, self.cfg = app, cfg
        self.needs, self.retired, self.resources, self.out = needs, retired, resources, out
        self.sources, self.assignments = sources, assignments
        self.started = time.monotonic()
        self.read: dict[tuple[str, int], int] = {}  # last offset folded, per source partition
        self.ready_target: dict[tuple[str, int], int] | None = None
        self.ready_after_s: float | None = None
        self.takeover: dict[tuple[str, int], int] | None = None
        self.active_since: float | None = None
        self.was_leader = False
        self.t_gain = 0.0
        self.in_flight: dict[str, bytes] = {}  # assignment id -> AssignmentEvent bytes, not read back yet
        self.told: dict[str, str] = {}  # need id -> unmet code published
        self.last: tuple[Any, int] | None = None
        self.proposed = self.solves = 0
        self.info: dict[str, Any] = {}

    def seen(self, topic: str, partition: int, offset: int) -> None:
        self.read[(topic, partition)] = offset

    async def _ends(self, names: list[str]) -> dict[tuple[str, int], int]:
        """End offsets of the partitions of `names` this worker reads actively."""
        tps = [tp for tp in self.app.consumer.assignment() if tp.topic in names]
        actives = self.app.assignor.assigned_actives()
        tps = [tp for tp in tps if tp in actives]
        ends = await self.app.consumer.highwaters(*tps) if tps else {}
        return {(tp.topic, tp.partition): int(end) for tp, end in ends.items()}

    def _reached(self, target: dict[tuple[str, int], int]) -> bool:
        for (topic, part), end in target.items():
            committed = self.app.consumer._committed_offset.get(TP(topic, part))
            done = max(self.read.get((topic, part), -1), (committed or 0) - 1)
            if end > 0 and done < end - 1:
                return False
        return True

    def recovered(self) -> bool:
        rec = self.app.tables.recovery
        return rec.completed.is_set() and not rec.in_recovery and not self.app.rebalancing

    async def check_ready(self) -> None:
        if not self.app.is_leader() and self.was_leader:
            self.was_leader, self.active_since = False, None  # lost it: the next gain waits again
            log.info("standby / 备用")
        if self.ready_after_s is not None or not self.recovered():
            return
        if self.ready_target is None:
            self.ready_target = await self._ends(self.sources)
            log.info("recovered at +%.1f s; catching up to %s", time.monotonic() - self.started, self.ready_target)
        if self._reached(self.ready_target):
            self.ready_after_s = round(time.monotonic() - self.started, 2)
            log.info("ready after %.2f s: %d needs in the table", self.ready_after_s, len(self.needs.data))

    def role(self) -> str:
        if not self.app.is_leader():
            return "standby"
        return "active" if self.active_since is not None else "taking_over"

    def status(self) -> dict[str, Any]:
        return {"ready": self.ready_after_s is not None and self.recovered(), "role": self.role(),
                "ready_after_s": self.ready_after_s, "active_since": self.active_since,
                "table_needs": len(self.needs.data), "retired_keys": len(self.retired.data),
                "in_flight": len(self.in_flight), "proposed": self.proposed, "solves": self.solves,
                "read": {f"{t.rsplit('.', 2)[-2]}{p}": o for (t, p), o in sorted(self.read.items())},
                "leader": self.app.is_leader(), "recovered": self.recovered(),
                "takeover": {f"{t.rsplit('.', 2)[-2]}{p}": e for (t, p), e in sorted((self.takeover or {}).items())},
                "committed": {f"{tp.topic.rsplit('.', 2)[-2]}{tp.partition}": o
                              for tp, o in self.app.consumer._committed_offset.items() if o is not None},
                **self.info}

    async def tick(self) -> None:
        if not self.recovered() or self.ready_after_s is None:
            return
        if not self.was_leader:
            self.was_leader, self.active_since = True, None
            self.takeover = await self._ends([self.assignments])
            self.t_gain = time.monotonic()
        if self.active_since is None:
            if self.takeover is None or not self._reached(self.takeover):
                return
            self.active_since = time.time()
            log.info("active / 主节点: caught up to the assignments' end offsets in %.0f ms",
                     (time.monotonic() - self.t_gain) * 1000)
            self.last = None
        await self._solve_if_changed()

    def _fingerprint(self) -> tuple[Any, int]:
        res = sum(hash(v) for t in self.resources.values() for v in t.data.values())
        needs = (len(self.needs.data), sum(len(v) for v in self.needs.data.values()), len(self.in_flight))
        return needs, res

    async def _solve_if_changed(self) -> None:
        fp = self._fingerprint()
        if fp == self.last:
            return
        woken = self.last is None or fp[1] != self.last[1]
        self.last = fp
        t0 = time.perf_counter()
        hotels, buses, stock = (list(t.data.values()) for t in self.resources.values())
        rt, read_back = fold.rebuild(self.cfg, hotels, buses, list(self.needs.data.values()), stock,
                                     list(self.retired.data.items()), self.in_flight)
        for aid in read_back:
            self.in_flight.pop(aid, None)
        st = rt.state
        for nid, code in self.told.items():
            if nid in st.needs:
                st.unmet.setdefault(nid, code)
        self.info["rebuild_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        self.info["state_needs"], self.info["state_holds"] = len(st.needs), len(st.holds)
        todo = st.batch(set(st.unmet) if woken else set())
        loop = asyncio.get_running_loop()
        for exclude, group in groups(todo):
            for i in range(0, len(group), self.cfg.max_solve_needs):
                chunk = [n for n in group[i:i + self.cfg.max_solve_needs] if st.still_open(n)]
                if not chunk:
                    continue
                now = datetime.now(timezone.utc)
                scenario = scenario_for(st, chunk, now.astimezone(ZoneInfo(self.cfg.planning_tz)), exclude)
                budget = solve_budget(len(chunk), self.cfg.solve_time_limit_s)
                result = await loop.run_in_executor(None, functools.partial(sv.solve, scenario, time_limit_s=budget))
                decisions = decisions_from(st, chunk, scenario, result)
                if not self.app.is_leader():
                    log.info("no longer the leader: %s not published", decisions.solve_id)
                    return
                await self._publish(rt, decisions, now)
        self.info["last_round_ms"] = round((time.perf_counter() - t0) * 1000, 1)

    async def _publish(self, rt: Any, decisions: Any, now: datetime) -> None:
        st = rt.state
        operators = {b.id: b.operator for b in st.buses.values()}
        sites = {h.id: h.site for h in st.hotels.values()}
        acks = []
        for p in decisions.proposals:
            ev = codec.proposed(p, solve_id=decisions.solve_id, hold_ttl_s=self.cfg.hold_ttl_s, now=now,
                                bus_operator=operators, kind=p.kind)
            value = ev.SerializeToString()
            st.add_hold(codec.hold(ev.proposed, sites))
            st.unmet.pop(p.need_id, None)
            self.in_flight[p.assignment_id] = value
            acks.append(await self.out.send(key=p.need_id.encode(), value=value))
        for u in decisions.unmet:
            if self.told.get(u.need_id) == u.code:
                continue
            self.told[u.need_id] = u.code
            st.unmet[u.need_id] = u.code
            value = codec.unmet(u, solve_id=decisions.solve_id).SerializeToString()
            acks.append(await self.out.send(key=u.need_id.encode(), value=value))
        await asyncio.gather(*acks)
        self.solves += 1
        self.proposed += len(decisions.proposals)
        log.info("solve %s: %d proposed, %d unmet", decisions.solve_id, len(decisions.proposals), len(decisions.unmet))
