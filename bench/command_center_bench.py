"""The command center at 20,000 open needs, through the real service: GET /api/attention and the
command center's first row in Chromium.

Why: with 11,500 open needs the command center took 7.0 s to its first row and /api/attention 8.6 s
for 2.3 MB (issue 18). This fills a fresh PostgreSQL database with bench/attention_bench.py's city
(`--needs` open needs, `--holds` of them holds), starts the requests service on it (uvicorn, as
`make run` does), then measures over HTTP `--runs` times: /api/attention (size, time) and the
request the first row waits for (GET /api/needs/page?status=open&limit=100); then, with
`--browser`, signs in as the operator in headless Chromium `--runs` times at 1440 and at 390 px
(tests/e2e/seeded_flow.mjs --first-rows) and prints the time from the click to the first row, as
Playwright sees it and as the page itself times it (the click event to the first frame with the row:
Playwright's own round trips grow with the machine's load). As a baseline of the machine's speed in
the same run it times a plain `SELECT count(*)` over the needs, and prints each figure's ratio to it
with the load average (the machine is shared: absolute times move with the load).

Run: BAOLEI_TEST_PG_URL=postgresql+psycopg://... python -m bench.command_center_bench [--needs 20000]
     [--holds 3000] [--runs 5] [--browser]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from baolei_common import topics
from bench.attention_bench import fill

ROOT = Path(__file__).resolve().parents[1]
OP = {"Authorization": "Bearer demo-operator"}


def _port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(client: httpx.Client, path: str, runs: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(path, headers=OP)
        times.append(time.perf_counter() - t0)
        r.raise_for_status()
        size = len(r.content)
    return times, size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--needs", type=int, default=20_000)
    ap.add_argument("--holds", type=int, default=3_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--browser", action="store_true", help="also the first row in Chromium (needs node)")
    args = ap.parse_args(argv)
    admin_url = os.environ.get("BAOLEI_TEST_PG_URL")
    if not admin_url:
        print("set BAOLEI_TEST_PG_URL to a PostgreSQL server the bench may create a database on")
        return 2
    name = f"bench_cc_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    port, proc = _port(), None
    prefix = f"bench-cc-{uuid.uuid4().hex[:6]}."
    topics.ensure_topics(os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"), prefix)
    try:
        env = {**os.environ, "BAOLEI_REQUESTS_DATABASE_URL": url, "BAOLEI_REQUESTS_HTTP_PORT": str(port),
               "BAOLEI_KAFKA_TOPIC_PREFIX": prefix,
               "BAOLEI_REQUESTS_CONSUMER_GROUP": f"bench-cc-{uuid.uuid4().hex[:6]}",
               "BAOLEI_REQUESTS_INVENTORY_URL": "http://127.0.0.1:9", "PYTHONUNBUFFERED": "1"}
        log = Path(tempfile.mkdtemp()) / "requests.log"
        proc = subprocess.Popen([sys.executable, "-m", "baolei_requests"], env=env, cwd=ROOT,
                                stdout=log.open("wb"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    print(log.read_text()[-2000:])
                    return 1
                time.sleep(0.5)
            engine = create_engine(url)
            with Session(engine) as s:
                fill(s, args.needs, args.holds)
            base_times = []
            with engine.connect() as c:
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    c.execute(text("SELECT count(*) FROM needs WHERE status IN ('unmet', 'proposed')")).scalar()
                    base_times.append(time.perf_counter() - t0)
            engine.dispose()
            _timed(client, "/api/attention", 1)  # first use: statements compiled, names read
            att, att_size = _timed(client, "/api/attention", args.runs)
            page, page_size = _timed(client, "/api/needs/page?status=open&limit=100", args.runs)
        baseline = statistics.median(base_times)
        load = os.getloadavg()
        print(f"command center at {args.needs} open needs ({args.holds} holds, {args.needs - args.holds} unmet), "
              f"PostgreSQL, {time.strftime('%Y-%m-%d %H:%M')}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
              f"on {os.cpu_count()} cores")
        print("| what | median | max | size | ratio to baseline |")
        print("| --- | ---: | ---: | ---: | ---: |")
        print(f"| baseline: SELECT count(*) of the open needs | {baseline * 1000:.0f} ms "
              f"| {max(base_times) * 1000:.0f} ms | | 1 |")
        for label, ts, size in (("GET /api/attention", att, att_size),
                                ("GET /api/needs/page (the first 100 rows)", page, page_size)):
            print(f"| {label} | {statistics.median(ts) * 1000:.0f} ms | {max(ts) * 1000:.0f} ms | {size / 1e3:.0f} kB "
                  f"| {statistics.median(ts) / baseline:.0f} |")
        if args.browser:
            # `--runs` sign-ins at each width, each in a fresh browser context (no cache, a new session)
            run = subprocess.run(["node", "seeded_flow.mjs", base, "--first-rows", str(args.runs)],
                                 cwd=ROOT / "tests" / "e2e", capture_output=True, text=True, timeout=900)
            firsts = [json.loads(x) for x in run.stdout.splitlines() if x.startswith('{"step":"first row"')]
            for size, px in (("desktop", 1440), ("phone", 390)):
                for key, what in (("ms", "sign-in click to the first row, as Playwright sees it"),
                                  ("in_page_ms", "the same timed in the page: click event to the first frame "
                                                 "with the row")):
                    ms = [f[key] for f in firsts if f["size"] == size and key in f]
                    if ms:
                        print(f"| first row in Chromium at {px} px ({what}; {len(ms)} runs) "
                              f"| {statistics.median(ms):.0f} ms | {max(ms)} ms | | "
                              f"{statistics.median(ms) / 1000 / baseline:.0f} |")
            if run.returncode:
                print(run.stdout[-2000:], run.stderr[-2000:])
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
