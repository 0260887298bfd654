"""The volunteers' matching loop in its own process (baolei_volunteers.worker), on PostgreSQL and the
real broker: a burst of a few hundred tasks raised over HTTP is all answered by the child process, not
the service's; the child is killed with SIGKILL mid-burst, the service starts a new one, and that one
answers every task — those the killed one had taken off the dirty list too (its `resume`). Nothing
accepted is lost, no task is held by two volunteers, no assignment breaks the zone rule."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from baolei_volunteers.adapters.uow import LEADER_LOCK
from bench.volunteer_service_bench import ANSWERED, raise_all, seed_city, statuses, task_bodies, zone_breaches
from bench.volunteer_world import family, generate
from tests.integration.conftest import poll

pytestmark = pytest.mark.integration


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def matching_child(service_pid: int) -> int | None:
    for c in children(service_pid):
        try:
            if b"baolei_volunteers.worker" in Path(f"/proc/{c}/cmdline").read_bytes():
                return c
        except FileNotFoundError:
            continue
    return None


def leader_pids(database_url: str) -> list[int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [int(p) for (p,) in conn.execute(text(
                "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
                {"k": LEADER_LOCK})]
    finally:
        engine.dispose()


def test_a_burst_is_answered_by_the_matching_process_and_a_kill_9_mid_burst_loses_nothing(volunteers, pg_database):
    base, service = volunteers["url"], volunteers["proc"]
    world = generate(family("sealing_burst", 0.02), seed=5)
    seed_city(pg_database, world)
    bodies = task_bodies(world)
    n = len(bodies)
    assert n >= 300
    first = poll(lambda: matching_child(service.pid), timeout_s=30)
    assert poll(lambda: len(leader_pids(pg_database)) == 1, timeout_s=30)  # the child holds the matching lease

    half = raise_all(base, bodies[: n // 2], clients=4)
    assert all(code == 201 for _, code, _ in half)
    before_kill = statuses(pg_database)
    os.kill(first, signal.SIGKILL)
    assert before_kill.get("matching", 0) > 0, "the kill must come while tasks wait for matching"

    second = poll(lambda: (c if (c := matching_child(service.pid)) not in (None, first) else None), timeout_s=60)
    rest = raise_all(base, bodies[n // 2:], clients=4)
    assert all(code == 201 for _, code, _ in rest)

    def answered():
        st = statuses(pg_database)
        return st if sum(st.get(s, 0) for s in ANSWERED) == n and not st.get("matching") else None
    final = poll(answered, timeout_s=300, every_s=1.0)
    assert sum(final.values()) == n, "every task accepted is in the store, and answered"
    assert matching_child(service.pid) == second, "the new process did the rest; the service kept running"
    assert service.poll() is None
    assigned, bare, breaches = zone_breaches(pg_database)
    assert assigned > 0 and bare == 0
    assert breaches == [], breaches[:10]

    engine = create_engine(pg_database)
    try:
        with engine.connect() as conn:
            owner = {r.id: r.volunteer_id for r in conn.execute(text("SELECT id, volunteer_id FROM tasks"))}
            routes = conn.execute(text("SELECT id, route FROM volunteers WHERE route::text <> '{}'")).all()
            raised = int(conn.execute(text("SELECT count(*) FROM tasks")).scalar() or 0)
    finally:
        engine.dispose()
    assert raised == n
    seen: dict[str, str] = {}
    for vid, route in routes:
        for stop in route.get("stops", []):
            assert stop not in seen, f"task {stop} on the routes of {seen.get(stop)} and {vid}"
            seen[stop] = vid
            assert owner[stop] == vid, f"task {stop} on {vid}'s route but held by {owner[stop]}"
    assert len(leader_pids(pg_database)) == 1
