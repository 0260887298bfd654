"""What each caller may see (issue 19 §6): a volunteer sees a household's address and needs only
for tasks they hold or may claim, nothing of another community; a community worker sees their own
community; the command center and viewers see everything. Phone numbers leave the service masked.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from baolei_common import policy
from baolei_common.citytime import city_time
from baolei_common.identity import Principal
from baolei_volunteers.adapters.orm import CompoundRow, HouseholdRow, TaskRow, VolunteerRow
from baolei_volunteers.domain.reasons import CAUSE_NAMES
from baolei_volunteers.service.board import board as claim_board
from baolei_volunteers.service.errors import NotFound
from baolei_volunteers.service.ports import LIVE_STATUSES as LIVE
from baolei_volunteers.service.texts import STATUS_NAMES, mask_phone, reach_text

MINE = ("proposed", "accepted", "started", "done", "confirmed")
RECENT_DAYS = 2  # a community's register: tasks under way, and those raised or finished this recently
TASKS_SHOWN = 500  # at most this many tasks in one answer (newest first; `tasks_total` counts them all)


def address(h: HouseholdRow, c: CompoundRow | None) -> dict[str, Any]:
    name = c.name if c else h.compound_id
    zh = f"{name} {h.building}栋{h.unit}单元{h.floor}楼{h.room or ''}"
    return {"compound_id": h.compound_id, "compound": name, "zone": c.zone if c else "", "building": h.building,
            "unit": h.unit, "floor": h.floor, "room": h.room, "text": zh.strip()}


def household_view(h: HouseholdRow, c: CompoundRow | None) -> dict[str, Any]:
    return {"id": h.id, "community": h.community, "address": address(h, c), "contact": h.contact,
            "phone": mask_phone(h.phone), "residents": h.residents, "vulnerability": list(h.vulnerability),
            "needs": h.needs, "last_visit_at": h.last_visit_at}


def task_view(t: TaskRow, h: HouseholdRow | None, c: CompoundRow | None) -> dict[str, Any]:
    zh, en = STATUS_NAMES.get(t.status, (t.status, t.status))
    return {
        "id": t.id, "kind": t.kind, "remote": t.remote, "status": t.status, "status_zh": zh, "status_en": en,
        "household": None if h is None else household_view(h, c), "deadline": t.deadline,
        "earliest": t.earliest, "duration_min": t.duration_min, "every_days": t.every_days, "note": t.note,
        "source": t.source, "raised_at": t.raised_at, "volunteer_id": t.volunteer_id, "claimed": t.claimed,
        "hold_until": t.hold_until, "seq": t.seq, "start": t.plan_start, "end": t.plan_end,
        "why_zh": t.why_zh, "why_en": t.why_en, "cause": t.cause, "reason_zh": t.reason_zh,
        "reason_en": t.reason_en, "fix_zh": t.fix_zh, "fix_en": t.fix_en, "done_note": t.done_note,
        "done_at": t.done_at, "items": list(t.items or []), "stock": dict(t.stock or {}),
        "on_time": None if t.done_at is None or t.deadline is None else t.done_at <= t.deadline}


def volunteer_view(v: VolunteerRow, c: CompoundRow | None) -> dict[str, Any]:
    return {"id": v.id, "name": v.name, "phone": mask_phone(v.phone), "community": v.community,
            "compound_id": v.compound_id, "compound": c.name if c else v.compound_id, "zone": c.zone if c else "",
            "party_member": v.party_member, "skills": list(v.skills), "health_check": v.health_check,
            "nucleic_training": v.nucleic_training, "counselling_cert": v.counselling_cert,
            "minutes_per_day": v.minutes_per_day, "mode": v.mode, "buildings": list(v.buildings),
            "pairs": list(v.pairs), "status": v.status}


class Views:
    def __init__(self, uow_factory: Any, *, visit_gap_days: int) -> None:
        self._uow = uow_factory
        self._gap = timedelta(days=visit_gap_days)

    def me(self, actor: Principal) -> dict[str, Any]:
        """A volunteer's day: their tasks in visit order with the route, and their claim board."""
        if actor.role != policy.VOLUNTEER:
            raise NotFound("Authorization", "此页面仅供志愿者使用", "this page is for volunteers")
        with self._uow() as uow:
            v = uow.volunteer(actor.user)
            if v is None:
                raise NotFound("Authorization", "尚未登记为志愿者", "not registered as a volunteer")
            compounds = {c.id: c for c in uow.compounds()}  # the board looks across district lines by distance
            mine = uow.held_by([v.id], MINE)
            board = claim_board(uow, v, compounds)
            homes = {h.id: h for h in uow.households_by_id(t.household_id for t in (*mine, *board))}

            def show(t: TaskRow) -> dict[str, Any]:
                h = homes.get(t.household_id)
                return task_view(t, h, compounds.get(h.compound_id) if h else None)

            mine.sort(key=lambda t: (t.status in ("done", "confirmed"), t.seq, t.plan_start or t.raised_at))
            home = compounds.get(v.compound_id)
            zh, en = reach_text(home.zone, home.name, home.district) if home else ("", "")
            return {"volunteer": volunteer_view(v, home), "reach_zh": zh, "reach_en": en,
                    "route": dict(v.route or {}), "tasks": [show(t) for t in mine],
                    "board": [show(t) for t in board]}

    def shown_ids(self, actor: Principal) -> tuple[set[str], set[str]]:
        """(ids of the tasks a volunteer holds, ids on their claim board): what their page shows."""
        with self._uow() as uow:
            v = uow.volunteer(actor.user)
            if v is None:
                return set(), set()
            held = {t.id for t in uow.held_by([v.id], MINE)}
            return held, {t.id for t in claim_board(uow, v, {c.id: c for c in uow.compounds()})}

    def community(self, actor: Principal, community: str | None, now: datetime | None = None) -> dict[str, Any]:
        """A community's households, tasks and volunteers (a worker: their own; the command center: the
        one it names, with the list of communities to choose from — never the whole city at once).
        Tasks: those still under way and those raised or finished in the last `RECENT_DAYS`, newest
        first, at most `TASKS_SHOWN` (`tasks_total` says how many there are)."""
        communities: list[str] | None = None
        if actor.role == policy.SITE:
            community = actor.organisation
        elif actor.role not in (policy.OPERATOR, policy.VIEWER):
            raise policy.Denied("Authorization", "无权查看社区台账", "you may not read a community's registers")
        since = (now or datetime.now(timezone.utc)) - timedelta(days=RECENT_DAYS)
        with self._uow() as uow:
            if actor.role != policy.SITE:
                communities = uow.community_names()
                if community is None or community not in communities:
                    return {"community": None, "communities": communities, "compounds": [], "households": [],
                            "volunteers": [], "tasks": [], "tasks_total": 0, "tasks_shown": TASKS_SHOWN}
            assert community is not None
            compounds = uow.compounds(community)
            where = {c.id: c for c in compounds}
            households = uow.households(community)
            homes = {h.id: h for h in households}
            tasks, total = uow.community_tasks(community, live=(*LIVE, "wish", "done"), since=since,
                                               limit=TASKS_SHOWN)
            volunteers = uow.volunteers(community)
            for cid in {h.compound_id for h in households} | {v.compound_id for v in volunteers}:
                if cid not in where and (c := uow.compound(cid)) is not None:
                    where[cid] = c
            return {
                "community": community, "communities": communities,
                "compounds": [{"id": c.id, "name": c.name, "district": c.district, "street": c.street,
                               "community": c.community, "zone": c.zone, "zone_since": c.zone_since}
                              for c in compounds],
                "households": [household_view(h, where.get(h.compound_id)) for h in households],
                "volunteers": [volunteer_view(v, where.get(v.compound_id)) for v in volunteers],
                "tasks": [task_view(t, homes.get(t.household_id),
                                    where.get(homes[t.household_id].compound_id) if t.household_id in homes else None)
                          for t in tasks],
                "tasks_total": total, "tasks_shown": TASKS_SHOWN,
            }

    def coverage(self, now: datetime) -> dict[str, Any]:
        """By district: vulnerable households without a visit in N days, medicine past its deadline
        (open now, or delivered late in the last day), tasks open and unmet by cause (named in both
        languages). Grouped in the database: its cost follows the districts, not the households."""
        since = now - timedelta(days=1)
        with self._uow() as uow:
            counts = uow.coverage_counts(visit_cutoff=now - self._gap, since=since, now=now)
        rows: dict[str, dict[str, Any]] = {}

        def row(d: str) -> dict[str, Any]:
            return rows.setdefault(d, {"district": d, "vulnerable": 0, "not_visited": 0, "overdue_medicine": 0,
                                       "open": 0, "unmet": 0, "unmet_by_cause": {}, "unmet_causes": [],
                                       "done_on_time": 0, "sealed_compounds": 0, "controlled_compounds": 0})
        for district, zone, n in counts["zones"]:
            r = row(district)
            r["sealed_compounds"] += n if zone == "封控区" else 0
            r["controlled_compounds"] += n if zone == "管控区" else 0
        for district, vulnerable, not_visited in counts["households"]:
            r = row(district)
            r["vulnerable"] += int(vulnerable)
            r["not_visited"] += int(not_visited or 0)
        for district, status, cause, n, medicine_late, on_time in counts["tasks"]:
            r = row(district)
            r["overdue_medicine"] += int(medicine_late or 0)
            r["done_on_time"] += int(on_time or 0)
            if status in ("matching", "open", "proposed"):
                r["open"] += int(n)
            if status == "unmet":
                r["unmet"] += int(n)
                r["unmet_by_cause"][cause] = r["unmet_by_cause"].get(cause, 0) + int(n)
        for r in rows.values():
            r["unmet_causes"] = [{"cause": c, "n": n, "zh": CAUSE_NAMES.get(c, (c, c))[0],
                                  "en": CAUSE_NAMES.get(c, (c, c))[1]}
                                 for c, n in sorted(r["unmet_by_cause"].items(), key=lambda kv: -kv[1])]
        return {"at": city_time(now), "visit_gap_days": self._gap.days, "since": city_time(since),
                "districts": sorted(rows.values(), key=lambda r: r["district"])}
