"""Generated cities for the doorstep matcher (先锋行动): compounds in zones, volunteers, vulnerable
households and their tasks, as scenario dicts (docs/volunteers-solve.md).

Families stress one thing each: `day` (an ordinary day), `sealing_burst` (tasks raised within the hour
after a district is sealed), `scarce_volunteers`, `scarce_health` (few health-checked volunteers for
much medicine), `many_sealed` (many 封控区 compounds), `tight_medicine` (medicine due within the hour
or two), `pairs_heavy` (a large 一助一 and 包楼 load). Used by bench/volunteer_bench.py and the tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

CITY_TZ = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=CITY_TZ)
DISTRICTS = ("福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "龙华区", "盐田区", "坪山区", "光明区", "大鹏新区")
DOORSTEP = ("送餐", "送药", "送检上门", "代购", "快递代取", "垃圾清运", "定期探访", "核酸", "心理疏导")
KIND_WEIGHTS = {"送餐": 20, "送药": 15, "代购": 10, "快递代取": 10, "垃圾清运": 10, "定期探访": 10, "送检上门": 5,
                "电话关怀": 12, "线上答疑": 5, "核酸": 2, "心理疏导": 1}
MINUTES = {"送餐": 10, "送药": 10, "送检上门": 15, "代购": 40, "快递代取": 15, "垃圾清运": 10, "定期探访": 30,
           "电话关怀": 15, "线上答疑": 20, "核酸": 60, "心理疏导": 45}
MARKS = {"独居老人": 30, "独居儿童": 5, "残障": 10, "病患": 20, "特困": 10, "居家隔离": 25}


@dataclass(frozen=True)
class Shape:
    """How a city is drawn; the families below change a few fields each."""

    communities: int = 60
    compounds_per_community: int = 6
    volunteers: int = 1500
    tasks: int = 3000
    zones: tuple[float, float, float] = (0.03, 0.10, 0.30)  # shares of 封控区, 管控区, 防范区 (the rest 常态)
    health_check: float = 0.6
    raised_within_min: float = 240.0   # tasks raised over the last N minutes
    medicine_deadline_min: tuple[float, float] = (60.0, 480.0)
    pairs_share: float = 0.2           # volunteers with 一助一 households
    pair_task_share: float = 0.0       # tasks drawn from paired households
    claims_share: float = 0.0          # tasks claimed by a volunteer (some of them against a rule)
    minutes: tuple[int, int] = (60, 240)
    window_h: tuple[float, float] = (4.0, 10.0)


FAMILIES: dict[str, Shape] = {
    "day": Shape(),
    # the whole city (670 communities, 50,000 volunteers) an hour after a sealing: 20,000 tasks
    "sealing_burst": Shape(communities=670, compounds_per_community=8, volunteers=50000, tasks=20000,
                           zones=(0.08, 0.25, 0.35), raised_within_min=60.0, pairs_share=0.1),
    # an ordinary full day at city scale (not in the default bench run: --full-day)
    "city_day": Shape(communities=670, compounds_per_community=8, volunteers=50000, tasks=100000),
    "scarce_volunteers": Shape(volunteers=500),
    "scarce_health": Shape(health_check=0.08),
    "many_sealed": Shape(zones=(0.20, 0.30, 0.30)),
    "tight_medicine": Shape(medicine_deadline_min=(20.0, 90.0)),
    "pairs_heavy": Shape(pairs_share=0.6, pair_task_share=0.4),
}


def family(name: str, scale: float = 1.0, **changes: Any) -> Shape:
    """A family's shape with its volunteers, tasks and communities multiplied by `scale`."""
    s = FAMILIES[name]
    s = replace(s, communities=max(2, round(s.communities * scale)), volunteers=max(5, round(s.volunteers * scale)),
                tasks=max(5, round(s.tasks * scale)))
    return replace(s, **changes)


def _iso(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def _pick(rnd: random.Random, weights: dict[str, int]) -> str:
    return rnd.choices(list(weights), weights=list(weights.values()))[0]


def generate(shape: Shape, seed: int = 1) -> dict[str, Any]:
    """A scenario drawn from `shape`; the same seed gives the same city."""
    rnd = random.Random(seed)
    compounds: list[dict[str, Any]] = []
    for ci in range(shape.communities):
        district = DISTRICTS[ci % len(DISTRICTS)]
        # districts on a ring around the centre of the city, communities scattered within them
        d = ci % len(DISTRICTS)
        clat, clon = 22.55 + 0.08 * ((d % 5) - 2) / 2, 113.95 + 0.09 * (d // 5) + 0.02 * (d % 5)
        lat0, lon0 = clat + rnd.uniform(-0.03, 0.03), clon + rnd.uniform(-0.03, 0.03)
        for k in range(shape.compounds_per_community):
            r = rnd.random()
            sealed, controlled, precaution = shape.zones
            zone = ("封控区" if r < sealed else "管控区" if r < sealed + controlled
                    else "防范区" if r < sealed + controlled + precaution else "常态")
            compounds.append({
                "id": f"C{ci:03d}-{k}", "name": f"{district[:2]}{ci:03d}社区{k + 1}号小区", "district": district,
                "street": f"{district[:2]}街道{ci % 7}", "community": f"社区{ci:03d}", "zone": zone,
                "lat": round(lat0 + rnd.uniform(-0.006, 0.006), 6), "lon": round(lon0 + rnd.uniform(-0.006, 0.006), 6),
            })
    households: list[dict[str, Any]] = []

    def new_household(c: dict[str, Any]) -> dict[str, Any]:
        marks = [_pick(rnd, MARKS)]
        if rnd.random() < 0.15:
            marks.append(_pick(rnd, MARKS))
        h = {"id": f"H{len(households):06d}", "community": c["community"], "compound_id": c["id"],
             "building": str(rnd.randint(1, 12)), "unit": str(rnd.randint(1, 4)), "floor": str(rnd.randint(1, 30)),
             "lat": round(c["lat"] + rnd.uniform(-0.0015, 0.0015), 6),
             "lon": round(c["lon"] + rnd.uniform(-0.0015, 0.0015), 6), "vulnerability": sorted(set(marks))}
        households.append(h)
        return h

    volunteers: list[dict[str, Any]] = []
    paired: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (volunteer, household)
    for i in range(shape.volunteers):
        c = rnd.choice(compounds)
        skills = sorted({k for k in KIND_WEIGHTS if rnd.random() < 0.55} | {"电话关怀"})
        party = rnd.random() < 0.4
        start = rnd.choice([0, 0, 0, 30, 60, 120])
        v = {
            "id": f"V{i:05d}", "name": f"志愿者{i:05d}", "community": c["community"], "compound_id": c["id"],
            "party_member": party, "skills": skills, "health_check": rnd.random() < shape.health_check,
            "nucleic_training": rnd.random() < 0.1, "counselling_cert": rnd.random() < 0.05,
            "minutes_left_today": rnd.randint(*shape.minutes), "mode": "ebike" if rnd.random() < 0.3 else "foot",
            "available_from": _iso(start), "available_until": _iso(start + 60 * rnd.uniform(*shape.window_h)),
            "buildings": [f"{c['id']}/{rnd.randint(1, 12)}"] if party and rnd.random() < 0.5 else [], "pairs": [],
        }
        if rnd.random() < shape.pairs_share:
            for _ in range(rnd.randint(1, 3)):
                h = new_household(c)
                v["pairs"].append(h["id"])
                paired.append((v, h))
        volunteers.append(v)
    tasks: list[dict[str, Any]] = []
    for i in range(shape.tasks):
        if paired and rnd.random() < shape.pair_task_share:
            _, h = rnd.choice(paired)
        else:
            h = new_household(rnd.choice(compounds))
        kind = _pick(rnd, KIND_WEIGHTS)
        raised = -rnd.uniform(0, shape.raised_within_min)
        deadline = None
        if kind == "送药":
            deadline = _iso(rnd.uniform(*shape.medicine_deadline_min))
        elif kind in ("送餐", "送检上门") and rnd.random() < 0.5:
            deadline = _iso(rnd.uniform(120, 600))
        earliest = _iso(rnd.uniform(30, 240)) if kind == "定期探访" and rnd.random() < 0.5 else None
        t = {"id": f"T{i:06d}", "household_id": h["id"], "kind": kind,
             "remote": kind in ("电话关怀", "线上答疑") or (kind == "心理疏导" and rnd.random() < 0.5),
             "earliest": earliest, "deadline": deadline, "duration_min": max(5, MINUTES[kind] + rnd.randint(-5, 5)),
             "raised_at": _iso(raised), "claimed_by": None, "excluded": []}
        if rnd.random() < 0.02:
            t["excluded"] = [rnd.choice(volunteers)["id"]]
        if rnd.random() < shape.claims_share:
            t["claimed_by"] = rnd.choice(volunteers)["id"]  # often against a rule: the solver must release it
        tasks.append(t)
    return {"now": NOW.isoformat(), "compounds": compounds, "volunteers": volunteers, "households": households,
            "tasks": tasks}
