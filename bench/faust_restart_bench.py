"""The Faust matcher's restart with a month of history, on the same history as
`bench.restart_bench` (its `History` and `write_history`), and today's matcher measured on the same
topics in the same run.

Why: issue 21 point 5 asks whether Faust tables (changelog recovery) restart as fast as the
aiokafka matcher's snapshot. Steps:
1. a history of `--events` events on a fresh topic prefix (as restart_bench);
2. a Faust matcher worker with a fresh app id folds it all into its tables (timed to /readyz 200:
   this is also when it writes its changelogs), then stops cleanly (SIGTERM: offsets committed);
3. `--tail` events after it; a second start of the same app id: its tables are recovered from the
   changelogs and the tail is read (timed: the figure to compare with the snapshot start);
4. unless `--no-today`, `bench.restart_bench.measure` on the same topics (full replay, snapshot).
All topics of the run (the history's and the changelogs) are deleted at the end.

Run: python -m bench.faust_restart_bench [--events 1000000] [--open 1000] [--tail 20000]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from baolei_common import topics
from baolei_common.config import KafkaSettings
from bench.restart_bench import History, delete_topics, measure, start_until_ready, stop, write_history
from bench.stream_bench import City
from tests.integration.conftest import free_port


def start_faust(k: KafkaSettings, app_id: str, log: Path,
                timeout_s: float) -> tuple[float, dict, subprocess.Popen, int]:
    """Start one Faust matcher worker; seconds from start to /readyz 200, its status, the process."""
    port = free_port()
    env = {**os.environ, "BAOLEI_KAFKA_BOOTSTRAP_SERVERS": k.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": k.topic_prefix,
           "FAUST_MATCHER_APP_ID": app_id, "FAUST_MATCHER_WEB_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    return start_until_ready("bench.faust_matcher", env, port, log, timeout_s)


def settled(port: int, timeout_s: float = 60) -> dict:
    """The status once the leader has folded the tables into a state (state_needs appears)."""
    deadline = time.monotonic() + timeout_s
    s: dict = {}
    while time.monotonic() < deadline:
        s = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()
        if "state_needs" in s:
            return s
        time.sleep(0.5)
    return s


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=1000)
    ap.add_argument("--tail", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800, help="longest wait for the first (full) Faust start")
    ap.add_argument("--no-today", action="store_true", help="skip today's matcher on the same history")
    ap.add_argument("--log-dir", type=Path)
    args = ap.parse_args(argv)
    bootstrap = os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    prefix = f"fb{uuid.uuid4().hex[:6]}."
    k = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=prefix)
    topics.ensure_topics(bootstrap, prefix)
    hist = History(City("large", args.seed), args.seed)
    now = datetime.now(timezone.utc)
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, load {load()}", flush=True)
    written, gen_s = asyncio.run(write_history(bootstrap, k, hist, args.events, args.open, now - timedelta(days=30),
                                               now - timedelta(hours=1)))
    print(f"history: {written:,} events on {prefix}* in {gen_s:.1f} s; open at the end: {len(hist.open_needs)} needs, "
          f"{len(hist.live_holds)} holds", flush=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            logs = args.log_dir or Path(tmp)
            logs.mkdir(parents=True, exist_ok=True)
            app_id = f"{prefix}faust"
            full_s, _, proc, port = start_faust(k, app_id, logs / "faust-full.log", args.timeout)
            full = settled(port)
            print(f"faust, first start (folds the whole history, writes the changelogs): ready in {full_s:.1f} s, "
                  f"load {load()}; {full}", flush=True)
            stop(proc)
            tail, _ = asyncio.run(write_history(bootstrap, k, hist, args.tail, 0, now - timedelta(hours=1), now))
            time.sleep(5)
            rec_s, _, proc, port = start_faust(k, app_id, logs / "faust-recover.log", 600)
            rec = settled(port)
            print(f"faust, restart (tables from the changelogs + {tail:,} events): ready in {rec_s:.1f} s, "
                  f"load {load()}; {rec}", flush=True)
            stop(proc)
            if not args.no_today:
                today = argparse.Namespace(tail=args.tail, log_dir=logs, open=args.open,
                                           out=logs / "today.md")
                measure(today, k, hist, f"restart-{uuid.uuid4().hex[:6]}", written, gen_s, now)
                print(f"load {load()}", flush=True)
    finally:
        delete_topics(bootstrap, prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
