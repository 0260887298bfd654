"""A sealing burst on the volunteers service as a real process on PostgreSQL and the real broker: a
generated city (a tenth of bench/volunteer_world.py's sealing_burst) written into the service's
tables, then 2,000 tasks raised by one task sheet and a few by hand. Each raise answers before any
solve (匹配中, matching pending); the background matching loop then answers every task (assigned,
or unmet with a reason and a fix), and no assignment breaks the zone rule
(tools/check_volunteer_plan.py's `zone_ok`)."""
from __future__ import annotations

import csv
import io

import httpx
import pytest

from bench.volunteer_service_bench import ANSWERED, seed_city, statuses, task_bodies, zone_breaches
from bench.volunteer_world import family, generate
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration
OP = {"Authorization": "Bearer demo-operator"}


def test_a_burst_of_2000_tasks_is_answered_by_the_matching_loop_within_the_zone_rule(volunteers, pg_database):
    base = volunteers["url"]
    world = generate(family("sealing_burst", 0.1), seed=11)
    seed_city(pg_database, world)
    bodies = task_bodies(world)
    sheet, by_hand = bodies[:2000], bodies[2000:2010]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["住户编号", "任务类型", "截止时间", "时长分钟"])
    for b in sheet:
        w.writerow([b["household_id"], b["kind"], b.get("deadline", ""), b["duration_min"]])
    r = httpx.post(f"{base}/api/tasks/import", headers=OP, timeout=120,
                   files={"file": ("burst.csv", out.getvalue().encode(), "text/csv")})
    assert r.status_code == 201, r.text[:2000]
    assert r.json()["applied"] == 2000 and r.json()["matching"] == "pending"
    for b in by_hand:  # a raise answers at once: the task waits for the loop as 匹配中
        r = httpx.post(f"{base}/api/tasks", headers=OP, json=b, timeout=30)
        assert r.status_code == 201, r.text
        assert (r.json()["status"], r.json()["status_zh"], r.json()["volunteer_id"]) == ("matching", "匹配中", None)
    n = len(sheet) + len(by_hand)

    def answered():
        st = statuses(pg_database)
        return st if sum(st.get(s, 0) for s in ANSWERED) == n and not st.get("matching") else None
    final = poll(answered, timeout_s=420, every_s=1.0)
    assert sum(final.values()) == n
    assigned, bare, breaches = zone_breaches(pg_database)
    assert assigned > 0 and final.get("proposed", 0) == assigned
    assert bare == 0, "every unmet task says why and what to do"
    assert breaches == [], breaches[:10]
    assert final.get("unmet", 0) + assigned + final.get("open", 0) == n
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    assert "baolei_doorstep_match_rounds_total" in metrics
