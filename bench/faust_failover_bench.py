"""The Faust matcher's failover, measured as `tests/integration/test_matcher_failover.py` measures
today's matcher: two workers of one app id (tables with a standby replica), `kill -9` of the
active one, new needs raised at once; time until the survivor is active, and until it has proposed
for those needs; every need proposed twice counted from the assignments log.

Run: python -m bench.faust_failover_bench [--rounds 3]  (needs the broker; deletes its topics)
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from baolei_common import topics
from baolei_common.config import KafkaSettings
from bench.restart_bench import delete_topics
from tests.integration.conftest import free_port, poll
from tests.integration.test_matcher_failover import City


def status(port: int) -> dict:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return {}


class Worker:
    def __init__(self, k: KafkaSettings, app_id: str, log: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "BAOLEI_KAFKA_BOOTSTRAP_SERVERS": k.bootstrap_servers,
               "BAOLEI_KAFKA_TOPIC_PREFIX": k.topic_prefix, "FAUST_MATCHER_APP_ID": app_id,
               "FAUST_MATCHER_WEB_PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.faust_matcher"], env=env, stdout=log.open("ab"),
                                     stderr=subprocess.STDOUT)

    def role(self) -> str | None:
        s = status(self.port)
        return s.get("role") if s.get("ready") else None


def one_round(k: KafkaSettings, app_id: str, logs: Path, city: City, workers: list[Worker], r: int) -> None:
    """kill -9 the active worker, raise needs at once, time the takeover; the victim comes back as
    a standby for the next round."""
    time.sleep(5)  # the group settled after the last join
    roles = [w.role() for w in workers]
    active = roles.index("active")
    before = [city.need() for _ in range(3)]
    poll(lambda: city.answered(before), timeout_s=60)
    victim, survivor = workers[active], workers[1 - active]
    victim.proc.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    during = [city.need() for _ in range(5)]  # raised while nobody is active
    try:
        poll(lambda: survivor.role() == "active", timeout_s=60, every_s=0.1)
    except AssertionError:
        print(f"survivor not active: {status(survivor.port)}")
        raise
    took_over = time.monotonic() - killed
    try:
        poll(lambda: city.answered(during), timeout_s=60, every_s=0.1)
    except AssertionError:
        print(f"not answered: {[n for n in during if n not in city.proposals]}; survivor: {status(survivor.port)}")
        raise
    proposed = time.monotonic() - killed
    after = [city.need() for _ in range(3)]
    poll(lambda: city.answered(after), timeout_s=60)
    time.sleep(3)
    city.read()
    twice = {n: a for n, a in city.proposals.items() if len(a) > 1}
    print(f"round {r}: roles before {roles}; survivor active {took_over:.1f} s after kill -9, its proposals for "
          f"the needs raised meanwhile {proposed:.1f} s after; needs proposed so far {len(city.proposals)}, "
          f"twice: {len(twice)} {twice or ''}; load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}",
          flush=True)
    victim.proc.wait()
    back = workers[active] = Worker(k, app_id, logs / f"w{active}.log")  # back as a standby
    poll(lambda: back.role() is not None, timeout_s=120)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--log-dir", type=Path, default=Path("/tmp/faust-failover"))
    ap.add_argument("--global-tables", action="store_true", help="GlobalTables (every worker holds every partition)")
    args = ap.parse_args(argv)
    args.log_dir.mkdir(parents=True, exist_ok=True)
    bootstrap = os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    if args.global_tables:
        os.environ["FAUST_MATCHER_GLOBAL_TABLES"] = "1"
    prefix = f"ff{uuid.uuid4().hex[:6]}."
    k = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=prefix)
    topics.ensure_topics(bootstrap, prefix)
    app_id = f"{prefix}faust"
    city = City(k)
    city.resources(buses=20)
    workers = [Worker(k, app_id, args.log_dir / "w0.log")]
    try:
        poll(lambda: workers[0].role() == "active", timeout_s=90)
        workers.append(Worker(k, app_id, args.log_dir / "w1.log"))  # joins as the standby
        poll(lambda: workers[1].role() == "standby", timeout_s=90)
        for r in range(args.rounds):
            one_round(k, app_id, args.log_dir, city, workers, r + 1)
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.terminate()
                try:
                    w.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    w.proc.kill()
        delete_topics(bootstrap, prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
