"""The volunteers service (先锋行动) under a sealing burst, as a process on PostgreSQL and the real
broker: a generated city (bench/volunteer_world.py) written straight into the service's tables
(setup, not measured), then its tasks raised over HTTP by concurrent clients, as fast as they go.
Measured: each raise's latency (it returns before matching: 匹配中), and the time until every task
is answered by the matching loop (assigned, or unmet with a reason) against the issue's 300 s, with
the load average; the plan the service ends with is checked against the zone rule
(tools/check_volunteer_plan.py's rule). The service runs its matching loop in its own process
(baolei_volunteers.worker); the baseline, measured in the same run, is the same city's tasks solved
at once offline (default), or with --baseline in-process the same burst through a service whose loop
shares the API's process (as before issue 19's item 7 was done).

    python -m bench.volunteer_service_bench --scale 1 # the whole burst: 20,000 tasks, 50,000 volunteers (make bench)
    python -m bench.volunteer_service_bench # a quarter: 5,000 tasks, 12,500 volunteers
Needs BAOLEI_TEST_PG_URL (an admin URL: a scratch database is made and dropped) and
BAOLEI_KAFKA_BOOTSTRAP_SERVERS (topics under a fresh prefix, deleted at the end). Appends its
section to bench/results/volunteers.md with --write.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.volunteer_world import NOW, family, generate  # noqa: E402
from tools.check_volunteer_plan import zone_ok  # noqa: E402

OPERATOR = {"Authorization": "Bearer demo-operator"}
BURST_TARGET_S = 300.0
ANSWERED = ("proposed", "accepted", "unmet", "open", "started", "done", "confirmed")


def seed_city(database_url: str, world: dict[str, Any]) -> None:
    """Compounds, households and verified volunteers written in bulk (the service has migrated)."""
    from baolei_volunteers.adapters.orm import CompoundRow, HouseholdRow, VolunteerRow

    now = datetime.now(timezone.utc)
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(insert(CompoundRow), [{**c, "zone_since": now} for c in world["compounds"]])
        conn.execute(insert(HouseholdRow), [{
            "id": h["id"], "community": h["community"], "compound_id": h["compound_id"], "building": h["building"],
            "unit": h["unit"], "floor": int(h["floor"]), "room": "", "contact": "", "phone": "", "residents": 1,
            "vulnerability": h["vulnerability"], "needs": "", "last_visit_at": None} for h in world["households"]])
        conn.execute(insert(VolunteerRow), [{
            "id": v["id"], "name": v["name"], "phone": "", "community": v["community"],
            "compound_id": v["compound_id"], "party_member": v["party_member"], "skills": v["skills"],
            "health_check": v["health_check"], "nucleic_training": v["nucleic_training"],
            "counselling_cert": v["counselling_cert"], "minutes_per_day": v["minutes_left_today"], "mode": v["mode"],
            "buildings": v["buildings"], "pairs": v["pairs"], "status": "verified", "registered_by": "bench",
            "route": {}, "may_claim": []} for v in world["volunteers"]])
    engine.dispose()


def task_bodies(world: dict[str, Any]) -> list[dict[str, Any]]:
    """The world's tasks as raise requests; deadlines keep their distance from the world's clock."""
    shift = datetime.now(timezone.utc) - NOW.astimezone(timezone.utc) + timedelta(minutes=5)
    out = []
    for t in world["tasks"]:
        body: dict[str, Any] = {"id": f"B-{t['id']}", "household_id": t["household_id"], "kind": t["kind"],
                                "duration_min": t["duration_min"]}
        if t["remote"] and t["kind"] in ("定期探访", "心理疏导"):
            body["remote"] = True
        for k in ("deadline", "earliest"):
            if t.get(k):
                body[k] = (datetime.fromisoformat(t[k]) + shift).isoformat()
        out.append(body)
    return out


def statuses(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM tasks GROUP BY status")).all()
    engine.dispose()
    return {s: int(n) for s, n in rows}


def zone_breaches(database_url: str) -> tuple[int, int, list[str]]:
    """(assigned, unmet without a reason, breaches of the zone rule) over the service's tasks."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        compounds = {r.id: {"id": r.id, "zone": r.zone, "district": r.district}
                     for r in conn.execute(text("SELECT id, zone, district FROM compounds"))}
        homes = {r.id: r.compound_id for r in conn.execute(text("SELECT id, compound_id FROM volunteers"))}
        rows = conn.execute(text("SELECT t.id, t.status, t.volunteer_id, t.remote, t.reason_zh, t.fix_zh, "
                                 "h.compound_id FROM tasks t JOIN households h ON h.id = t.household_id")).all()
    engine.dispose()
    assigned, bare, breaches = 0, 0, []
    for r in rows:
        if r.status == "unmet" and not (r.reason_zh and r.fix_zh):
            bare += 1
        if r.volunteer_id and r.status in ("proposed", "accepted"):
            assigned += 1
            why = zone_ok(compounds[homes[r.volunteer_id]], compounds[r.compound_id], bool(r.remote))
            if why:
                breaches.append(f"{r.id}→{r.volunteer_id}: {why}")
    return assigned, bare, breaches


def raise_all(base: str, bodies: list[dict[str, Any]], clients: int,
              raised_at: dict[str, float] | None = None) -> list[tuple[float, int, str]]:
    """Each body POSTed by one of `clients` threads: (seconds, status code, task status); the
    monotonic time of each 201 in `raised_at` (by task id) when given."""
    def one(body: dict[str, Any], c: httpx.Client) -> tuple[float, int, str]:
        began = time.perf_counter()
        for attempt in range(3):  # a reset connection is tried again; the task id makes a repeat a 409
            try:
                r = c.post("/api/tasks", json=body)
                break
            except httpx.TransportError:
                if attempt == 2:
                    raise
        code = 201 if r.status_code == 409 and attempt else r.status_code
        if raised_at is not None and code == 201:
            raised_at[body["id"]] = time.monotonic()
        return time.perf_counter() - began, code, (r.json().get("status", "") if r.status_code == 201 else "")

    pool = [httpx.Client(base_url=base, headers=OPERATOR, timeout=60) for _ in range(clients)]
    try:
        with ThreadPoolExecutor(clients) as ex:
            return list(ex.map(lambda ib: one(ib[1], pool[ib[0] % clients]), enumerate(bodies)))
    finally:
        for c in pool:
            c.close()


def wait_answered(database_url: str, n: int, timeout_s: float) -> tuple[float | None, dict[str, int]]:
    began = time.monotonic()
    while True:
        st = statuses(database_url)
        if sum(st.get(s, 0) for s in ANSWERED) >= n and not st.get("matching"):
            return time.monotonic() - began, st
        if time.monotonic() - began > timeout_s:
            return None, st
        time.sleep(0.5)


class AnswerWatch:
    """Polls the service's tasks once a second and keeps when each was first seen answered (not
    匹配中): with the raise times, each task's wait from its raise to its answer (±1 s)."""

    def __init__(self, database_url: str) -> None:
        self.seen: dict[str, float] = {}
        self._engine = create_engine(database_url)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._engine.connect() as conn:
                ids = conn.execute(text("SELECT id FROM tasks WHERE status <> 'matching'")).scalars().all()
            now = time.monotonic()
            for i in ids:
                self.seen.setdefault(i, now)
            self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._engine.dispose()


def drop_topics(bootstrap: str, prefix: str) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine, timeout_ms=15000)
    except Exception as exc:  # noqa: BLE001
        print(f"topics under {prefix!r} left on the broker: {exc}")
    finally:
        admin.close()


def start_service(database_url: str, port: int, prefix: str, in_process: bool = False) -> subprocess.Popen[bytes]:
    """The service as its own process on fresh topics under `prefix` (the hotline consumer off); its
    matching loop in a process of its own, or in the service's process with `in_process`."""
    from baolei_common import topics

    topics.ensure_topics(os.environ["BAOLEI_KAFKA_BOOTSTRAP_SERVERS"], prefix)
    env = {**os.environ, "BAOLEI_VOLUNTEERS_DATABASE_URL": database_url, "BAOLEI_VOLUNTEERS_HTTP_PORT": str(port),
           "BAOLEI_KAFKA_TOPIC_PREFIX": prefix, "BAOLEI_VOLUNTEERS_START_CONSUMER": "false",
           "BAOLEI_VOLUNTEERS_CONSUMER_GROUP": f"bvs-{uuid.uuid4().hex[:6]}",
           "BAOLEI_VOLUNTEERS_MATCH_PROCESS": "false" if in_process else "true"}
    log = open(ROOT / "var" / f"volunteer_service_bench_{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "baolei_volunteers"], env=env, stdout=log, stderr=log, cwd=ROOT)
    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"the volunteers service did not become ready (see var/volunteer_service_bench_{port}.log)")


def scratch_db(admin_url: str) -> tuple[str, Any]:
    name = f"bvs_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def through_service(world: dict[str, Any], bodies: list[dict[str, Any]], admin: str, args: argparse.Namespace,
                    in_process: bool) -> dict[str, Any]:
    """One burst through a fresh service on a scratch database: raise, wait, check; the figures."""
    url, drop = scratch_db(admin)
    prefix = f"bvs{uuid.uuid4().hex[:6]}."
    proc = None
    try:
        proc = start_service(url, args.port, prefix, in_process)
        seed_city(url, world)
        load0 = os.getloadavg()
        raised_at: dict[str, float] = {}
        watch = AnswerWatch(url)
        began = time.monotonic()
        try:
            answers = raise_all(f"http://127.0.0.1:{args.port}", bodies, args.clients, raised_at)
            raised_s = time.monotonic() - began
            waited, st = wait_answered(url, len(bodies), args.timeout)
            time.sleep(1.5)  # the watch's last look
        finally:
            watch.stop()
        waits = sorted(watch.seen[i] - t for i, t in raised_at.items() if i in watch.seen)
        total = None if waited is None else raised_s + waited
        load1 = os.getloadavg()
        assigned, bare, breaches = zone_breaches(url)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        drop()
        drop_topics(os.environ["BAOLEI_KAFKA_BOOTSTRAP_SERVERS"], prefix)
    return {"answers": answers, "waits": waits, "raised_s": raised_s, "waited": waited, "total": total, "st": st,
            "assigned": assigned, "bare": bare, "breaches": breaches, "load": (load0[0], load1[0])}


def report(r: dict[str, Any], n: int, clients: int, mode: str) -> list[str]:
    answers = r["answers"]
    lat = sorted(a[0] for a in answers)
    p95 = lat[int(0.95 * (len(lat) - 1))]
    codes = {c: sum(1 for a in answers if a[1] == c) for c in {a[1] for a in answers}}
    pending = sum(1 for a in answers if a[2] == "matching")
    total, waited = r["total"], r["waited"]
    return [
        f"[{mode}] tasks raised: {n} over HTTP by {clients} clients in {r['raised_s']:.1f} s "
        f"(codes {codes}); {pending} answered 匹配中 (matching pending)",
        f"[{mode}] raise latency: median {statistics.median(lat) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {lat[-1] * 1000:.0f} ms",
        (f"[{mode}] all answered: NOT within the timeout" if total is None else
         f"[{mode}] all answered (assigned or unmet with a reason) {total:.1f} s after the first raise "
         f"({waited:.1f} s after the last); target {BURST_TARGET_S:.0f} s: "
         f"{'met' if total <= BURST_TARGET_S else 'MISSED'}"),
        (f"[{mode}] each task from its raise to its answer: median {statistics.median(r['waits']):.1f} s, "
         f"p95 {r['waits'][int(0.95 * (len(r['waits']) - 1))]:.1f} s, max {r['waits'][-1]:.1f} s (±1 s)"
         if r["waits"] else f"[{mode}] no task seen answered"),
        f"[{mode}] end state: {dict(sorted(r['st'].items()))}; assigned {r['assigned']}, unmet without a reason "
        f"{r['bare']}, zone-rule breaches {len(r['breaches'])}; load average before {r['load'][0]:.2f}, "
        f"after {r['load'][1]:.2f} ({os.cpu_count()} cores)",
    ]


def offline(world: dict[str, Any], limit: float) -> list[str]:
    """The baseline: the same city's tasks solved at once by the solver in this process (no HTTP, no DB)."""
    from baolei_volunteers.solver import solve

    load0 = os.getloadavg()[0]
    began = time.perf_counter()
    plan = solve(world, time_limit_s=limit)
    wall = time.perf_counter() - began
    answered = len(plan.get("assignments", [])) + len(plan.get("unmet", []))
    return [f"[baseline: offline solve] the same {len(world['tasks'])} tasks solved at once in one process "
            f"(time limit {limit:.0f} s): {wall:.1f} s, {answered} answered; load average before {load0:.2f}, "
            f"after {os.getloadavg()[0]:.2f}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.25,
                    help="share of the sealing_burst city (0.25: 5,000 tasks; 1.0: 20,000, as `make bench` runs)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent raising clients")
    ap.add_argument("--timeout", type=float, default=360.0, help="longest wait for every task to be answered (s)")
    ap.add_argument("--port", type=int, default=18404)
    ap.add_argument("--baseline", choices=("offline", "in-process", "none"), default="offline",
                    help="measured in the same run: the whole burst solved offline at once (default), or the "
                         "same burst through the service with its matching loop in the service's own process")
    ap.add_argument("--limit", type=float, default=15.0, help="the offline baseline's solve time limit (s)")
    ap.add_argument("--write", action="store_true", help="append the result to bench/results/volunteers.md")
    args = ap.parse_args(argv)
    admin = os.environ.get("BAOLEI_TEST_PG_URL")
    if not admin:
        raise SystemExit("set BAOLEI_TEST_PG_URL (postgresql+psycopg://user:pw@host/db)")
    world = generate(family("sealing_burst", args.scale), seed=7)
    bodies = task_bodies(world)
    head = (f"city: {len(world['compounds'])} compounds, {len(world['volunteers'])} volunteers, "
            f"{len(world['households'])} households; {len(bodies)} tasks")
    print(head, flush=True)
    r = through_service(world, bodies, admin, args, in_process=False)
    lines = [head, *report(r, len(bodies), args.clients, "matching process")]
    print("\n".join(lines[1:]), flush=True)
    more: list[str] = []
    if args.baseline == "in-process":
        b = through_service(world, bodies, admin, args, in_process=True)
        more += report(b, len(bodies), args.clients, "baseline: matching in the service's process")
        if b["total"] is not None and r["total"] is not None:
            more.append(f"ratio: the matching process answers all in {r['total'] / b['total']:.2f}× the time of "
                        "the in-process baseline")
    elif args.baseline == "offline":
        more += offline(world, args.limit)
    if more:
        print("\n".join(more), flush=True)
    lines += more
    if args.write:
        out = ROOT / "bench" / "results" / "volunteers.md"
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        with out.open("a", encoding="utf-8") as f:
            f.write(f"\n## The service under a sealing burst (bench/volunteer_service_bench.py --scale {args.scale} "
                    f"--baseline {args.baseline}, {stamp})\n\n" + "\n".join(f"- {x}" for x in lines) + "\n")
    ok = r["total"] is not None and not r["breaches"] and not r["bare"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
