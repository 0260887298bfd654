"""Matching on every change: the open tasks, the verified volunteers and the compounds' zones as
the solver's scenario (`baolei_volunteers.solver.solve`, docs/volunteers-solve.md), and its plan
applied to the tasks in the caller's unit of work.

Accepted and claimed tasks go in as `claimed_by` (the solver keeps a claim unless it breaks a rule);
proposals are re-planned; a task a plan no longer gives its volunteer is released with the reason.
Each change of a task is one event on `baolei.doorstep-tasks.v1`.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from baolei_common.citytime import city_time
from baolei_volunteers.adapters.orm import CompoundRow, HouseholdRow, TaskRow
from baolei_volunteers.domain.geo import Travel, km
from baolei_volunteers.service.ports import OPEN_STATUSES, Event, UnitOfWork

log = logging.getLogger(__name__)
Solve = Callable[..., dict[str, Any]]
HELD = ("proposed", "accepted")


def iso(t: datetime | None) -> str | None:
    return None if t is None else city_time(t).isoformat()


def parse(t: str) -> datetime:
    return datetime.fromisoformat(t)


def task_event(t: TaskRow, what: str, body: dict[str, Any] | None = None, actor: str = "matcher") -> Event:
    return Event("task", t.id, {"task_id": t.id, "household_id": t.household_id, "community": t.community,
                                "kind": t.kind, "status": t.status, "volunteer_id": t.volunteer_id or "",
                                "event": what, "body": body or {}, "actor": actor})


def minutes_used(tasks: list[TaskRow], now: datetime) -> dict[str, int]:
    """Minutes each volunteer already gave today (done today, or under way)."""
    today = city_time(now).date()
    used: dict[str, int] = {}
    for t in tasks:
        today_done = t.done_at is not None and city_time(t.done_at).date() == today
        if t.volunteer_id and (t.status == "started" or today_done):
            used[t.volunteer_id] = used.get(t.volunteer_id, 0) + t.duration_min
    return used


def scenario(now: datetime, compounds: list[CompoundRow], volunteers: list[Any],
             households: dict[str, HouseholdRow], tasks: list[TaskRow], used: dict[str, int]) -> dict[str, Any]:
    """The solver's input (the contract's field names)."""
    where = {c.id: c for c in compounds}
    until = city_time(now) + timedelta(hours=24)  # the day's minutes bound the work, not the clock
    wanted = [t for t in tasks if t.household_id in households and households[t.household_id].compound_id in where]
    homes = {t.household_id for t in wanted}
    return {
        "now": iso(now),
        "compounds": [{"id": c.id, "name": c.name, "district": c.district, "street": c.street,
                       "community": c.community, "zone": c.zone, "lat": c.lat, "lon": c.lon} for c in compounds],
        "volunteers": [{
            "id": v.id, "name": v.name, "community": v.community, "compound_id": v.compound_id,
            "party_member": v.party_member, "skills": list(v.skills), "health_check": v.health_check,
            "nucleic_training": v.nucleic_training, "counselling_cert": v.counselling_cert,
            "minutes_left_today": max(0, v.minutes_per_day - used.get(v.id, 0)), "mode": v.mode,
            "available_from": iso(now), "available_until": until.isoformat(),
            "buildings": list(v.buildings), "pairs": list(v.pairs)}
            for v in volunteers if v.status == "verified" and v.compound_id in where],
        "households": [{
            "id": h.id, "community": h.community, "compound_id": h.compound_id, "building": h.building,
            "unit": h.unit, "floor": h.floor, "lat": where[h.compound_id].lat, "lon": where[h.compound_id].lon,
            "vulnerability": list(h.vulnerability)} for hid in sorted(homes) if (h := households[hid])],
        "tasks": [{
            "id": t.id, "household_id": t.household_id, "kind": t.kind, "remote": t.remote,
            "earliest": iso(t.earliest), "deadline": iso(t.deadline), "duration_min": t.duration_min,
            "raised_at": iso(t.raised_at), "claimed_by": t.volunteer_id if t.status == "accepted" else None,
            "excluded": list(t.excluded)} for t in wanted],
    }


LOOSE_ZONES = ("防范区", "常态")


def task_area(t: TaskRow, c: CompoundRow) -> str:
    """The area a task is planned in. The zone rule makes areas independent: a remote task is taken
    by its community's volunteers; a doorstep task in a 管控区 compound only by those living there
    (none in a 封控区); one in a 防范区 or 常态 compound by volunteers of its district."""
    return task_area_of(bool(t.remote), t.community, c)


def task_area_of(remote: bool, community: str, c: CompoundRow) -> str:
    if remote:
        return f"community:{community}"
    return f"district:{c.district}" if c.zone in LOOSE_ZONES else f"compound:{c.id}"


def near_loose(compounds: list[CompoundRow], district_tasks: set[str], reach_km: float) -> set[str]:
    """The 防范区/常态 compounds from which a volunteer may reach one of `district_tasks`' compounds:
    same district, within `reach_km` (the farthest any volunteer is sent) as the crow flies."""
    where = {c.id: c for c in compounds}
    cell = reach_km / 111.0
    grid: dict[tuple[int, int], list[CompoundRow]] = {}
    for c in compounds:
        if c.zone in LOOSE_ZONES:
            grid.setdefault((int(c.lat // cell), int(c.lon // cell)), []).append(c)
    found: set[str] = set()
    for cid in district_tasks:
        t = where[cid]
        ci, cj = int(t.lat // cell), int(t.lon // cell)
        span = 1 + int(1.0 / max(0.05, math.cos(math.radians(t.lat))))  # a degree of longitude is shorter
        for i in range(ci - 1, ci + 2):
            for j in range(cj - span, cj + span + 1):
                for c in grid.get((i, j), ()):
                    if c.district == t.district and c.id not in found and km(c.lat, c.lon, t.lat, t.lon) <= reach_km:
                        found.add(c.id)
    return found


def round_volunteers(uow: UnitOfWork, areas: list[str], holders: list[str], compounds: list[CompoundRow],
                     district_tasks: set[str]) -> list[Any]:
    """The volunteers a round's areas may use, and no others (the zone rule makes areas independent):
    for a 管控区/封控区 compound those living in it; for a district's doorstep tasks those living in its
    防范区 and 常态 compounds within reach of them (`district_tasks`: the tasks' compounds); for a
    community's remote tasks its own volunteers; plus whoever holds one of the round's tasks, so a
    claim is weighed against its holder. A round over a few areas no longer loads (and re-routes)
    every volunteer of their districts."""
    kinds: dict[str, set[str]] = {"compound": set(), "district": set(), "community": set()}
    for a in areas:
        kind, _, name = a.partition(":")
        kinds.setdefault(kind, set()).add(name)
    reach = max(Travel().reach_foot_km, Travel().reach_ebike_km)
    homes = kinds["compound"] | near_loose(compounds, district_tasks, reach)
    return uow.volunteers_for(sorted(homes), [], sorted(kinds["community"]), holders)


def compound_areas(c: CompoundRow) -> list[str]:
    """Every area a change at this compound (its zone, a volunteer living there) may touch."""
    return [f"compound:{c.id}", f"district:{c.district}", f"community:{c.community}"]


class Matcher:
    """Matching off the request path. A write marks the areas it touched dirty (`mark`, in the
    writer's unit of work) and returns; the matching loop (`round`, one replica at a time) takes up
    to `batch_areas` dirty areas (at most one district), solves their open tasks with the volunteers
    those areas may use (with an interactive time limit, outside any transaction) and applies the plan
    to the tasks that did not change meanwhile (those changed mark their area again)."""

    def __init__(self, solve: Solve, *, time_limit_s: float, hold_ttl_s: float, batch_areas: int = 64,
                 batch_tasks: int = 6000) -> None:
        self._solve = solve
        self._limit = time_limit_s
        self._ttl = timedelta(seconds=hold_ttl_s)
        self.batch_areas = batch_areas
        self.batch_tasks = batch_tasks
        self.last_metrics: dict[str, Any] = {}
        self.observers: list[Callable[[float, dict[str, int]], None]] = []  # (solve seconds, counts)

    @staticmethod
    def mark_tasks(uow: UnitOfWork, tasks: list[TaskRow]) -> None:
        areas = set()
        for t in tasks:
            h = uow.household(t.household_id)
            c = None if h is None else uow.compound(h.compound_id)
            if c is not None:
                areas.add(task_area(t, c))
        uow.mark_dirty(areas)

    @staticmethod
    def mark_compound(uow: UnitOfWork, c: CompoundRow) -> None:
        uow.mark_dirty(compound_areas(c))

    @staticmethod
    def resume(uow_factory: Callable[[], UnitOfWork]) -> int:
        """Mark the area of every task still 匹配中 dirty: a new leader's first step, so the areas a
        killed process had taken (and not answered) are planned again. Returns the areas marked."""
        with uow_factory() as uow:
            areas = {task_area_of(remote, community, c) for remote, community, c in uow.pending_places()}
            uow.mark_dirty(areas)
            uow.commit()
        return len(areas)

    def round(self, uow_factory: Callable[[], UnitOfWork], now: datetime) -> dict[str, int] | None:
        """One matching round; None when nothing was dirty."""
        with uow_factory() as uow:
            areas = uow.take_dirty(self.batch_areas)
            districts = [a for a in areas if a.startswith("district:")]
            if len(districts) > 1:  # one district a round: its volunteers are thousands, the others wait
                areas = [a for a in areas if a not in districts[1:]]
                uow.mark_dirty(districts[1:])
            uow.commit()
        if not areas:
            return None
        try:
            return self._round(uow_factory, areas, now)
        except BaseException:
            with uow_factory() as uow:  # nothing marked is lost: the areas wait for the next round
                uow.mark_dirty(areas)
                uow.commit()
            raise

    def _round(self, uow_factory: Callable[[], UnitOfWork], areas: list[str], now: datetime) -> dict[str, int]:
        reading = time.perf_counter()
        with uow_factory() as uow:
            compounds = uow.compounds()
            where = {c.id: c for c in compounds}
            tasks = uow.area_tasks(areas, OPEN_STATUSES)
            deferred: set[str] = set()
            if len(tasks) > self.batch_tasks:  # the batch cap: unplanned first, the newest wait for the next round
                tasks.sort(key=lambda t: (t.status != "matching", t.raised_at, t.id))
                late = [t for t in tasks[self.batch_tasks:] if t.status == "matching"]
                homes = {h.id: h for h in uow.households_by_id({t.household_id for t in late})}
                for t in late:
                    h = homes.get(t.household_id)
                    if h is not None and h.compound_id in where:
                        deferred.add(task_area(t, where[h.compound_id]))
                tasks = tasks[:self.batch_tasks]
            holders = sorted({t.volunteer_id for t in tasks if t.volunteer_id})
            home_of = {h.id: h.compound_id for h in uow.households_by_id({t.household_id for t in tasks})}
            district_tasks = {cid for t in tasks if not t.remote and (cid := home_of.get(t.household_id, "")) in where
                              and where[cid].zone in LOOSE_ZONES}
            volunteers = round_volunteers(uow, areas, holders, compounds, district_tasks)
            ids = {t.id for t in tasks}
            # what the round's volunteers hold elsewhere goes in as a claim: their hours and routes stay whole
            pinned = [t for t in uow.held_by([v.id for v in volunteers], ("proposed", "accepted")) if t.id not in ids]
            used = minutes_used(uow.held_by([v.id for v in volunteers], ("started", "done", "confirmed")), now)
            wanted = {t.household_id for t in tasks} | {t.household_id for t in pinned}
            households = {h.id: h for h in uow.households_by_id(wanted)}
            snap = {t.id: _snapshot(t) for t in tasks}
            scen = scenario(now, compounds, volunteers, households, [*tasks, *pinned], used)
            known = {v["id"] for v in scen["volunteers"]}
            planned = [v for v in volunteers if v.id in known]  # plain rows: they outlive the session
            holder = {t.id: t.volunteer_id for t in pinned}  # plain values: the rows expire with this session
            for s in scen["tasks"]:
                if s["id"] in holder:
                    s["claimed_by"] = holder[s["id"]]
        began = time.perf_counter()
        plan = self._solve(scen, time_limit_s=self._limit)  # outside any transaction: writes never wait on it
        seconds = time.perf_counter() - began
        applying = time.perf_counter()
        with uow_factory() as uow:
            uow.lock_matching()  # one plan applied at a time, across replicas
            fresh = uow.tasks_by_id(sorted(ids), lock=True)
            same = [t for t in fresh if _snapshot(t) == snap.get(t.id)]
            moved = {t.id for t in fresh} - {t.id for t in same}
            dropped = {c["task_id"] for c in plan.get("released_claims", [])} & set(holder)
            if moved or deferred or dropped:
                again = set(deferred)
                for t in [*fresh, *uow.tasks_by_id(dropped)]:
                    if t.id in moved or t.id in dropped:
                        h = uow.household(t.household_id)
                        c = None if h is None else uow.compound(h.compound_id)
                        if c is not None:
                            again.add(task_area(t, c))
                uow.mark_dirty(again)
            counts = self.apply(uow, plan, same, planned, now)
            uow.commit()
        self.last_metrics = dict(plan.get("metrics") or {})
        counts = {**counts, "areas": len(areas), "tasks": len(tasks), "changed_meanwhile": len(moved)}
        log.info("round: %d areas, %d tasks (+%d pinned), %d volunteers; read %.2f s, solve %.2f s, apply %.2f s; %s",
                 len(areas), len(tasks), len(pinned), len(scen["volunteers"]), began - reading, seconds,
                 time.perf_counter() - applying, counts)
        for observe in self.observers:
            observe(seconds, counts)
        return counts

    def apply(self, uow: UnitOfWork, plan: dict[str, Any], tasks: list[TaskRow], volunteers: list[Any],
              now: datetime) -> dict[str, int]:
        """The plan on the tasks (each change one event) and on the volunteers' routes and boards
        (`volunteers`: the round's rows as read; only those that changed are written, in one batch)."""
        given = {a["task_id"]: a for a in plan.get("assignments", [])}
        why_released = {c["task_id"]: (c.get("reason_zh", ""), c.get("reason_en", ""))
                              for c in plan.get("released_claims", [])}
        unmet = {u["task_id"]: u for u in plan.get("unmet", [])}
        counts = {"proposed": 0, "kept": 0, "unmet": 0, "released": 0, "open": 0}
        for t in tasks:
            a, u = given.get(t.id), unmet.get(t.id)
            if a is not None:
                self._assign(uow, t, a, now, counts, why_released.get(t.id))
            elif u is not None:
                self._unmet(uow, t, u, counts)
            else:
                if t.status in HELD:
                    self._release(uow, t, "rule", "方案已调整，此任务重新开放认领",
                                  "the plan changed; the task is open again")
                if t.status != "open":
                    t.status = "open"
                    _clear_unmet(t)
                    uow.emit(task_event(t, "released", {"reason": "open", "reason_zh": "待认领",
                                                         "reason_en": "open to claim"}))
                counts["open"] += 1
        routes = {r["volunteer_id"]: r for r in plan.get("routes", [])}
        claims = {s["volunteer_id"]: list(s.get("task_ids", [])) for s in plan.get("suggestions", [])}
        changes = []
        for v in volunteers:  # written only where changed: a round's volunteers are mostly untouched
            r = routes.get(v.id)
            route = {} if r is None else {"mode": r.get("mode", v.mode), "stops": list(r.get("stops", [])),
                                          "travel_min": float(r.get("travel_min", 0.0))}
            may = claims.get(v.id, [])
            if dict(v.route or {}) != route or list(v.may_claim or []) != may:
                changes.append({"id": v.id, "route": route, "may_claim": may})
        uow.set_volunteer_plans(changes)
        return counts

    def _assign(self, uow: UnitOfWork, t: TaskRow, a: dict[str, Any], now: datetime, counts: dict[str, int],
                why: tuple[str, str] | None) -> None:
        t.seq, t.plan_start, t.plan_end = int(a.get("seq", 0)), parse(a["start"]), parse(a["end"])
        t.why_zh, t.why_en = a.get("why_zh", ""), a.get("why_en", "")
        if t.status in HELD and t.volunteer_id == a["volunteer_id"]:
            counts["kept"] += 1
            return
        if t.status in HELD:
            zh, en = why or ("方案调整：改派给更合适的志愿者", "the plan moved it to a better-placed volunteer")
            self._release(uow, t, "rule", zh, en)
        t.status, t.volunteer_id, t.claimed = "proposed", a["volunteer_id"], False
        t.hold_until = now + self._ttl
        _clear_unmet(t)
        uow.emit(task_event(t, "proposed", {"seq": t.seq, "start": t.plan_start, "end": t.plan_end,
                                            "hold_until": t.hold_until, "why_zh": t.why_zh, "why_en": t.why_en}))
        counts["proposed"] += 1

    def _unmet(self, uow: UnitOfWork, t: TaskRow, u: dict[str, Any], counts: dict[str, int]) -> None:
        counts["unmet"] += 1
        if t.status in HELD:
            self._release(uow, t, "rule", u.get("reason_zh", ""), u.get("reason_en", ""))
            counts["released"] += 1
        fields = {k: u.get(k, "") for k in ("cause", "reason_zh", "reason_en", "fix_zh", "fix_en")}
        changed = t.status != "unmet" or t.cause != fields["cause"]
        t.status, t.volunteer_id, t.claimed, t.seq = "unmet", None, False, 0
        t.plan_start = t.plan_end = None
        for k, v in fields.items():
            setattr(t, k, v)
        if changed:
            uow.emit(task_event(t, "unmet", fields))

    def _release(self, uow: UnitOfWork, t: TaskRow, reason: str, zh: str, en: str) -> None:
        was = t.volunteer_id or ""
        t.status, t.volunteer_id, t.claimed, t.hold_until = "open", None, False, None
        ev = task_event(t, "released", {"reason": reason, "reason_zh": zh, "reason_en": en})
        uow.emit(Event(ev.kind, ev.key, {**ev.data, "volunteer_id": was}))


def _snapshot(t: TaskRow) -> tuple[Any, ...]:
    """What a write may change under a round: the round applies its plan only where it still holds."""
    return (t.status, t.volunteer_id, tuple(t.excluded or ()), t.claimed)


def _clear_unmet(t: TaskRow) -> None:
    t.cause = t.reason_zh = t.reason_en = t.fix_zh = t.fix_en = ""
