#!/usr/bin/env python3
"""Check a doorstep plan against its scenario (docs/volunteers-solve.md) and print its metrics as JSON.

Usage: check_volunteer_plan.py SCENARIO.json PLAN.json
Exit status: 0 every hard rule holds, 1 a hard rule is broken (each violation printed), 2 malformed files.
Standard library only (and tools/check_plan.py for times), and written apart from the solver: it
reads the rules from the contract, not from the solver's code, so that a bug in one is caught by the other.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

try:  # the time reading of the transfer plan checker (contracts/solve.md): same ISO rules
    from tools.check_plan import Malformed, minutes, ts
except ImportError:  # run as a script: tools/ is the first path entry
    from check_plan import Malformed, minutes, ts

EPS_MIN = 0.02
REMOTE_ALWAYS = {"电话关怀", "线上答疑"}
REMOTE_WHEN_FLAGGED = {"定期探访", "心理疏导"}
PAPER = {"送药": "health_check", "送检上门": "health_check", "核酸": "nucleic_training", "心理疏导": "counselling_cert"}
# the enum names the solver also reads (baolei_volunteers.domain), upper or lower case
ZONE_NAMES = {n: zh for zh, names in {"封控区": "sealed", "管控区": "controlled", "防范区": "precaution",
                                      "常态": "normal"}.items() for n in (names, names.upper())}
KIND_NAMES = {n: zh for zh, names in {
    "送餐": "meal", "送药": "medicine", "送检上门": "sample", "代购": "shopping", "快递代取": "parcel",
    "垃圾清运": "rubbish", "定期探访": "visit", "电话关怀": "call", "线上答疑": "online", "核酸": "nucleic",
    "心理疏导": "counselling"}.items() for n in (names, names.upper())}
RANK = {"独居老人": 0, "独居儿童": 0, "残障": 1, "病患": 1, "特困": 2, "居家隔离": 3}


def mins(a: datetime, b: datetime) -> float:
    return minutes(a, b)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def household_rank(marks: list[str]) -> int:
    ranks = sorted(RANK.get(m, 4) for m in marks)
    if not ranks:
        return 4
    if len(ranks) > 1 and ranks[1] < 4 and ranks[0] > 0:
        return ranks[0] - 1
    return ranks[0]


def zone_ok(home: dict[str, Any], target: dict[str, Any], remote: bool) -> str | None:
    """The zone rule of §二.1 as the contract states it; a violation text or None."""
    if remote:
        return None
    hz, tz = home["zone"], target["zone"]
    if tz == "封控区":
        return f"a doorstep inside the 封控区 compound {target['id']}"
    if hz == "封控区":
        return f"a 封控区 volunteer (home {home['id']}) sent to a door"
    if hz == "管控区":
        return None if target["id"] == home["id"] else f"a 管控区 volunteer (home {home['id']}) sent outside it"
    if tz == "管控区":
        return f"a {hz} volunteer sent into the 管控区 compound {target['id']}"
    if hz == "防范区" and (tz != "防范区" or target.get("district") != home.get("district")):
        return f"a 防范区 volunteer (home {home['id']}) sent outside the 防范区 of their district"
    if hz not in ("常态", "防范区"):
        return f"unknown zone {hz!r}"
    return None


class Checker:
    def __init__(self, sc: dict[str, Any], plan: dict[str, Any]) -> None:
        self.sc, self.plan = sc, plan
        self.errors: list[str] = []
        self.now = ts(sc["now"], "now")
        tr = sc.get("travel") or {}
        reach = tr.get("reach_km") or {}
        self.speed = {"foot": float(tr.get("foot_kmh", 4.5)), "ebike": float(tr.get("ebike_kmh", 15.0))}
        self.detour = float(tr.get("detour", 1.3))
        self.reach = {"foot": float(reach.get("foot", 1.5)), "ebike": float(reach.get("ebike", 5.0))}
        self.compounds = {c["id"]: {**c, "zone": ZONE_NAMES.get(c["zone"], c["zone"])} for c in sc.get("compounds", [])}
        self.vols = {v["id"]: {**v, "skills": [KIND_NAMES.get(k, k) for k in v.get("skills", [])]}
                     for v in sc.get("volunteers", [])}
        self.hhs = {h["id"]: h for h in sc.get("households", [])}
        self.tasks = {t["id"]: {**t, "kind": KIND_NAMES.get(t["kind"], t["kind"])} for t in sc.get("tasks", [])}

    def fail(self, text: str) -> None:
        self.errors.append(text)

    def remote(self, t: dict[str, Any]) -> bool:
        return t["kind"] in REMOTE_ALWAYS or (bool(t.get("remote")) and t["kind"] in REMOTE_WHEN_FLAGGED)

    def where(self, h: dict[str, Any]) -> tuple[float, float]:
        c = self.compounds[h["compound_id"]]
        return float(h.get("lat", c["lat"])), float(h.get("lon", c["lon"]))

    def static(self, vid: str, tid: str, what: str) -> None:
        """Rules 1, 2, 3 and 6 for one volunteer × task."""
        v, t = self.vols.get(vid), self.tasks.get(tid)
        if v is None or t is None:
            self.fail(f"{what}: unknown volunteer {vid!r} or task {tid!r}")
            return
        h = self.hhs[t["household_id"]]
        home, target = self.compounds[v["compound_id"]], self.compounds[h["compound_id"]]
        remote = self.remote(t)
        bad = zone_ok(home, target, remote)
        if bad:
            self.fail(f"{what} {tid} -> {vid}: zone rule: {bad}")
        if not remote:
            d = great_circle_km(home["lat"], home["lon"], *self.where(h))
            mode = "ebike" if v.get("mode") == "ebike" else "foot"
            if d > self.reach[mode] + 1e-9:
                self.fail(f"{what} {tid} -> {vid}: {d:.2f} km from home, beyond the {self.reach[mode]} km reach")
        if t["kind"] not in v.get("skills", []):
            self.fail(f"{what} {tid} -> {vid}: the volunteer does not offer {t['kind']}")
        paper = PAPER.get(t["kind"])
        if paper and not v.get(paper):
            self.fail(f"{what} {tid} -> {vid}: {t['kind']} needs {paper}")
        if vid in t.get("excluded", []):
            self.fail(f"{what} {tid} -> {vid}: the volunteer declined it")

    def run(self) -> dict[str, Any]:
        plan = self.plan
        assigned: dict[str, dict[str, Any]] = {}
        for a in plan.get("assignments", []):
            tid = a["task_id"]
            if tid in assigned:
                self.fail(f"task {tid} assigned twice")
            assigned[tid] = a
            self.static(a["volunteer_id"], tid, "assignment")
            for key in ("why_zh", "why_en"):
                if not a.get(key):
                    self.fail(f"assignment {tid}: no {key}")
        unmet = {u["task_id"]: u for u in plan.get("unmet", [])}
        for tid, u in unmet.items():
            if tid in assigned:
                self.fail(f"task {tid} both assigned and unmet")
            for key in ("cause", "reason_zh", "reason_en", "fix_zh", "fix_en"):
                if not u.get(key):
                    self.fail(f"unmet {tid}: no {key}")
            t = self.tasks.get(tid)
            if t is not None and not self.remote(t):
                target = self.compounds[self.hhs[t["household_id"]]["compound_id"]]
                if target["zone"] == "封控区" and u.get("cause") != "zone_sealed_no_one":
                    self.fail(f"unmet {tid}: a doorstep in a 封控区 must have cause zone_sealed_no_one")
        for tid in self.tasks:
            if tid not in assigned and tid not in unmet:
                self.fail(f"task {tid} neither assigned nor unmet")
        for tid in set(assigned) | set(unmet):
            if tid not in self.tasks:
                self.fail(f"plan names an unknown task {tid}")
        released = {(r["task_id"], r["volunteer_id"]) for r in plan.get("released_claims", [])}
        for tid, t in self.tasks.items():
            c = t.get("claimed_by")
            if not c:
                continue
            a = assigned.get(tid)
            kept = a is not None and a["volunteer_id"] == c and a.get("claimed")
            if not kept and (tid, c) not in released:
                self.fail(f"claim of {tid} by {c} neither kept nor released with a reason")
        for a in assigned.values():
            if a.get("claimed") and self.tasks.get(a["task_id"], {}).get("claimed_by") != a["volunteer_id"]:
                self.fail(f"assignment {a['task_id']} marked claimed but not claimed by {a['volunteer_id']}")
        days = self.check_days(assigned)
        for s in plan.get("suggestions", []):
            for tid in s.get("task_ids", []):
                if tid in assigned:
                    self.fail(f"suggestion {tid} to {s['volunteer_id']}: the task is already assigned")
                if (tid, s["volunteer_id"]) in released:
                    self.fail(f"suggestion {tid} to {s['volunteer_id']}: their claim was released")
                self.static(s["volunteer_id"], tid, "suggestion")
        return self.metrics(assigned, unmet, days)

    def check_days(self, assigned: dict[str, dict[str, Any]]) -> dict[str, float]:
        """Rule 5 for every volunteer's day; returns busy minutes (travel + service) by volunteer."""
        by_vol: dict[str, list[dict[str, Any]]] = {}
        for a in assigned.values():
            by_vol.setdefault(a["volunteer_id"], []).append(a)
        busy: dict[str, float] = {}
        for vid, stops in by_vol.items():
            v = self.vols.get(vid)
            if v is None:
                continue
            stops.sort(key=lambda a: a["seq"])
            if [a["seq"] for a in stops] != list(range(1, len(stops) + 1)):
                self.fail(f"volunteer {vid}: seq is not 1..{len(stops)}")
            home = self.compounds[v["compound_id"]]
            lat, lon = home["lat"], home["lon"]
            mode = "ebike" if v.get("mode") == "ebike" else "foot"
            t_free = max(0.0, mins(self.now, ts(v["available_from"], "available_from"))) \
                if v.get("available_from") else 0.0
            until = mins(self.now, ts(v["available_until"], "available_until")) if v.get("available_until") else 1440.0
            used = 0.0
            for a in stops:
                t = self.tasks.get(a["task_id"])
                if t is None:
                    continue
                tid = t["id"]
                if self.remote(t):
                    leg = 0.0
                else:
                    h = self.hhs[t["household_id"]]
                    hl = self.where(h)
                    leg = great_circle_km(lat, lon, *hl) * self.detour / self.speed[mode] * 60.0
                    lat, lon = hl
                start = mins(self.now, ts(a["start"], f"{tid}.start"))
                end = mins(self.now, ts(a["end"], f"{tid}.end"))
                earliest = mins(self.now, ts(t["earliest"], "earliest")) if t.get("earliest") else 0.0
                if start < t_free + leg - EPS_MIN:
                    self.fail(f"{vid} stop {a['seq']} ({tid}) starts at {start:.2f}, before it can get there "
                              f"({t_free + leg:.2f} min after now)")
                if start < earliest - EPS_MIN:
                    self.fail(f"{vid} stop {a['seq']} ({tid}) starts before its earliest time")
                if abs(end - start - float(t["duration_min"])) > EPS_MIN:
                    self.fail(f"{vid} stop {a['seq']} ({tid}) lasts {end - start:.2f} min, not {t['duration_min']}")
                if t.get("deadline") and end > mins(self.now, ts(t["deadline"], "deadline")) + EPS_MIN:
                    self.fail(f"{vid} stop {a['seq']} ({tid}) ends after its deadline")
                if end > until + EPS_MIN:
                    self.fail(f"{vid} stop {a['seq']} ({tid}) ends after the volunteer's available_until")
                used += leg + float(t["duration_min"])
                t_free = end
            if used > float(v.get("minutes_left_today", 0)) + EPS_MIN:
                self.fail(f"{vid}: {used:.1f} busy minutes over minutes_left_today {v.get('minutes_left_today')}")
            busy[vid] = used
        return busy

    def metrics(self, assigned: dict[str, dict[str, Any]], unmet: dict[str, dict[str, Any]], busy: dict[str, float]
                ) -> dict[str, Any]:
        ends = [mins(self.now, ts(v["available_until"], "available_until")) if v.get("available_until") else 1440.0
                for v in self.vols.values()]
        horizon = max(ends) if ends else 1440.0
        waits = []
        for tid, t in self.tasks.items():
            if household_rank(self.hhs[t["household_id"]].get("vulnerability", [])) != 0:
                continue
            if tid in unmet and unmet[tid].get("cause") not in ("no_hours", "deadline"):
                continue  # nobody may serve it (sealed, out of reach, no skill, declined, past): not a wait
            raised = mins(self.now, ts(t["raised_at"], "raised_at")) if t.get("raised_at") else 0.0
            if t.get("earliest"):  # a visit booked for later waits from its time, not from when it was booked
                raised = max(raised, mins(self.now, ts(t["earliest"], "earliest")))
            start = mins(self.now, ts(assigned[tid]["start"], "start")) if tid in assigned else horizon
            waits.append(start - raised)
        waits.sort()
        p95 = waits[min(len(waits) - 1, int(round(0.95 * (len(waits) - 1))))] if waits else None
        deadline = [tid for tid, t in self.tasks.items() if t.get("deadline")]
        causes: dict[str, int] = {}
        for u in unmet.values():
            causes[u.get("cause", "?")] = causes.get(u.get("cause", "?"), 0) + 1
        total_busy = sum(busy.values())
        return {
            "feasible": not self.errors, "violations": len(self.errors),
            "zone_violations": sum(1 for e in self.errors if "zone rule" in e or "封控区 must" in e),
            "tasks": len(self.tasks), "assigned": len(assigned), "unmet": len(unmet), "unmet_by_cause": causes,
            "deadline_tasks": len(deadline), "deadline_met": sum(1 for tid in deadline if tid in assigned),
            "p95_wait_most_vulnerable_min": None if p95 is None else round(p95, 1),
            "volunteer_hours_per_task": round(total_busy / 60.0 / len(assigned), 3) if assigned else None,
            "volunteer_minutes": round(total_busy, 1),
        }


def check(scenario: dict[str, Any], plan: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """(violations, metrics) of `plan` against `scenario`; Malformed for unreadable input."""
    try:
        checker = Checker(scenario, plan)
        found = checker.run()
    except (KeyError, TypeError) as exc:
        raise Malformed(f"missing or wrong field: {exc!r}") from None
    return checker.errors, found


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        scenario, plan = (json.loads(Path(p).read_text(encoding="utf-8")) for p in argv[1:3])
        errors, found = check(scenario, plan)
    except (OSError, json.JSONDecodeError, Malformed) as exc:
        print(f"malformed: {exc}", file=sys.stderr)
        return 2
    for e in errors[:200]:
        print(f"VIOLATION: {e}", file=sys.stderr)
    print(json.dumps(found, ensure_ascii=False, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
