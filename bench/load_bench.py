"""Load benchmark over the real stack: open-loop POST /api/needs at 10, 30, 100 and 200 needs/s.

Why: the solver and stream benchmarks time the matcher alone, one need at a time. Under a surge
(a district sealed at night, every community raising transfers and staple orders at once) what
people feel is the whole path at a rate: is the need accepted (or told to retry, 503), how long
until it is proposed or found unmet on Kafka, and how long until the API shows it. And the
system must never hang: a request that waits 35 s is exactly what must not happen.

For each database (a fresh PostgreSQL database, a fresh SQLite file) this starts its own stack —
fresh topics under a prefix of their own, the requests, inventory and matcher services as
subprocesses on free ports, the demo city plus bench hotels, buses, communities and stock — then
sends needs at each level for `--duration` seconds from an asyncio client, open loop (requests go
out on schedule whatever the answers), and watches `<prefix>baolei.assignments.v1` for each need's
first outcome. The Kafka produce → consume round trip is measured on a scratch topic in the same
run. Everything it started is stopped (also on Ctrl-C or SIGTERM), its topics deleted and its
PostgreSQL databases dropped; every wait is bounded, so an overloaded stack is reported, not waited on.

Run:  .venv/bin/python -m bench.load_bench [--duration 60] [--levels 10,30,100,200]
                                           [--databases postgresql,sqlite] [--log-dir DIR]
                                           [--busy | --beside CMD]   (a CPU-heavy neighbour: busy machine)
Dev:  .venv/bin/python -m bench.load_bench --duration 5 --levels 10,30
Needs the broker (deploy/kafka.sh start) and, for PostgreSQL, BAOLEI_TEST_PG_URL or deploy/postgres.sh.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import random
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from google.protobuf.message import DecodeError

from baolei_common import topics
from baolei_common.procs import wait_ready
from bench.limits import MAX_QUANTITY, MAX_ROOMS, check, fail_if
from bench.loadgen_stats import (
    OUTCOME_WAIT_S,
    Attempt,
    LevelSummary,
    NeedRecord,
    percentile,
    render_table,
    retry_delay_s,
    summarize_level,
    targets,
)
from bench.rawhttp import RawClient

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "load.md"
TOKEN = "demo-operator"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CST = timezone(timedelta(hours=8))   # needs carry +08:00 times, as Shenzhen's clients send them
CLIENT_TIMEOUT_S = 35.0              # one attempt; a timeout is a failure, reported
RETRY_BUDGET_S = 60.0                # after its scheduled time a need is no longer retried on 503
STATUS_POLL_EVERY_S = 0.2  # resolution of the status lag (target 1 s); every poll is load on the service measured
STATUS_POLL_FOR_S = 30.0             # a sampled need's status is polled this long after its outcome
RTT_PROBE_EVERY_S = 0.2
LOOP_TICK_S = 0.05
SKUS = ("rice", "flour", "oil", "pork", "eggs", "milk")  # the demo's staples: 米面油、肉蛋奶 (meat is pork)
RISKS = (("close_contact", 0.6), ("secondary_contact", 0.3), ("inbound", 0.1))
VULNS = ("elderly_alone", "disabled", "pregnant", "children_alone", "medicine_needed")
ZONES = ("sealed", "controlled", "precaution")
DISTRICT_POINTS = [  # district, lat, lon: bench communities and hotels sit around these
    ("福田", 22.5430, 114.0550), ("罗湖", 22.5500, 114.1250), ("南山", 22.5300, 113.9350),
    ("宝安", 22.5750, 113.8800), ("龙岗", 22.6600, 114.1800), ("龙华", 22.6500, 114.0300),
]
RTT_TOPIC = "bench.rtt"
DEFAULT_LEVELS = [10.0, 30.0, 100.0, 200.0]


def say(msg: str) -> None:
    print(f"[load] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The stack: topics, databases, three services, the demo city and the bench's extra capacity.


@dataclass
class Stack:
    """One run's services. Use as a context manager: everything started is stopped on exit."""

    db: str                       # "postgresql" | "sqlite"
    bootstrap: str
    log_dir: Path
    pg_url: str | None = None
    prefix: str = field(default_factory=lambda: f"load{uuid.uuid4().hex[:8]}.")
    urls: dict[str, str] = field(default_factory=dict)
    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    pg_dbs: list[str] = field(default_factory=list)
    tmp: tempfile.TemporaryDirectory | None = None
    notes: list[str] = field(default_factory=list)

    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def topic(self, logical: str) -> str:
        return self.prefix + logical

    def _database_url(self, service: str) -> str:
        if self.db == "sqlite":
            if self.tmp is None:
                self.tmp = tempfile.TemporaryDirectory(prefix="baolei-load-")
            return f"sqlite:///{self.tmp.name}/{service}.db"
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        assert self.pg_url, "no PostgreSQL URL"
        name = f"load_{service}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        self.pg_dbs.append(name)
        return make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)

    def _start(self) -> None:
        from kafka.admin import KafkaAdminClient, NewTopic

        say(f"{self.db}: topics under prefix {self.prefix!r}")
        topics.ensure_topics(self.bootstrap, self.prefix)
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="baolei-load-bench")
        try:
            admin.create_topics([NewTopic(self.topic(RTT_TOPIC), num_partitions=1, replication_factor=1,
                                          topic_configs={"retention.ms": str(3600 * 1000)})])
        finally:
            admin.close()
        ports = {name: free_port() for name in ("requests", "inventory", "matcher")}
        self.urls = {name: f"http://127.0.0.1:{p}" for name, p in ports.items()}
        kafka_env = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "BAOLEI_KAFKA_TOPIC_PREFIX": self.prefix}
        run_id = uuid.uuid4().hex[:8]
        envs = {
            "requests": {"BAOLEI_REQUESTS_DATABASE_URL": self._database_url("requests"),
                         "BAOLEI_REQUESTS_HTTP_PORT": str(ports["requests"]),
                         "BAOLEI_REQUESTS_CONSUMER_GROUP": f"requests-load-{run_id}",
                         "BAOLEI_REQUESTS_INVENTORY_URL": self.urls["inventory"],
                         # two replicas of the requests service on PostgreSQL (one process cannot
                         # both take 100 needs/s and apply their outcomes: one GIL); one on SQLite
                         "BAOLEI_REQUESTS_WORKERS": (os.environ.get("BENCH_REQUESTS_WORKERS", "2")
                                                     if self.db == "postgresql" else "1")},
            "inventory": {"BAOLEI_INVENTORY_DATABASE_URL": self._database_url("inventory"),
                          "BAOLEI_INVENTORY_HTTP_PORT": str(ports["inventory"]),
                          "BAOLEI_INVENTORY_CONSUMER_GROUP": f"inventory-load-{run_id}"},
            "matcher": {"BAOLEI_MATCHER_APP_ID": f"matcher-load-{run_id}",
                        "BAOLEI_MATCHER_HTTP_PORT": str(ports["matcher"])},
        }
        for name in ("requests", "inventory", "matcher"):  # the order of `make run`
            log = self.log_dir / f"{self.db}-{name}.log"
            env = {**os.environ, **kafka_env, **envs[name], "PYTHONUNBUFFERED": "1"}
            say(f"{self.db}: starting {name} on {self.urls[name]} (log: {log})")
            # A session of its own: a Ctrl-C in the terminal reaches the bench, which stops them in order.
            p = subprocess.Popen([sys.executable, "-m", f"baolei_{name}"], env=env, cwd=ROOT,
                                 stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
            self.procs.append((name, p))
            wait_ready(f"{self.urls[name]}/readyz", p, log, timeout_s=120)

    def _drop_topics(self) -> None:
        """The run's topics (ours, the services' and the matcher's own) go with it."""
        from kafka.admin import KafkaAdminClient

        try:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="baolei-load-bench",
                                     request_timeout_ms=15000)
        except Exception as exc:  # noqa: BLE001 — the report matters more; say what is left behind
            say(f"{self.db}: topics under {self.prefix!r} left on the broker: {exc}")
            return
        try:
            mine = [t for t in admin.list_topics() if t.startswith(self.prefix)]
            if mine:
                admin.delete_topics(mine, timeout_ms=15000)
        except Exception as exc:  # noqa: BLE001
            say(f"{self.db}: topics under {self.prefix!r} left on the broker: {exc}")
        finally:
            admin.close()

    def exited(self) -> list[str]:
        return [f"{n} (exit {p.returncode})" for n, p in self.procs if p.poll() is not None]

    def log_tails(self, chars: int = 2000) -> str:
        out = []
        for name in ("requests", "inventory", "matcher"):
            log = self.log_dir / f"{self.db}-{name}.log"
            if log.exists():
                out.append(f"--- {log} (tail)\n{log.read_text(errors='replace')[-chars:]}")
        return "\n".join(out)

    def close(self) -> None:
        for _name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                say(f"{self.db}: {name} did not stop in 20 s; killed")
                p.kill()
                p.wait(timeout=10)
        self.procs.clear()
        self._drop_topics()
        if self.pg_dbs and self.pg_url:
            from sqlalchemy import create_engine, text

            admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as c:
                    for name in self.pg_dbs:
                        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                say(f"{self.db}: dropped {', '.join(self.pg_dbs)}")
            except Exception as exc:  # the report matters more; say what is left behind
                say(f"{self.db}: could not drop {self.pg_dbs}: {exc}")
            finally:
                admin.dispose()
            self.pg_dbs.clear()
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None


@dataclass
class City:
    """Where the bench's needs come from and what capacity is there to meet them."""

    communities: list[str]
    counts: dict[str, int]


@dataclass(frozen=True)
class Capacity:
    """What the bench registers for a planned load, sized before anything starts."""

    hotels_per_district: int
    rooms_each: int
    buses_per_depot: int
    stock_per_line: int


def plan_capacity(planned_needs: int, transfer_share: float, depots: int, warehouses: int) -> Capacity:
    """Hotels with rooms for all the people the run will send (more hotels per district rather than
    one above the API's room limit), buses for about half of them per shift, stock twice over."""
    people = planned_needs * transfer_share * 4.5
    per_district = max(500, math.ceil(people * 1.2 / len(DISTRICT_POINTS)))
    hotels = math.ceil(per_district / MAX_ROOMS)
    supply_units = planned_needs * (1 - transfer_share) * 2 * 12  # lines × mean quantity, per SKU below
    return Capacity(hotels_per_district=hotels, rooms_each=math.ceil(per_district / hotels),
                    buses_per_depot=max(10, math.ceil(people / 2 / 200 / depots)),  # ~200 people per bus and shift
                    stock_per_line=max(5000, math.ceil(supply_units * 2 / warehouses)))


def check_setup(cap: Capacity) -> None:
    """Fails before anything starts when the planned city would break the API's limits."""
    problems: list[str] = []
    check(problems, "rooms of one kind in one bench hotel", cap.rooms_each, MAX_ROOMS,
          "lower --duration or the levels")
    check(problems, "buses per depot", cap.buses_per_depot, 999, "lower --duration or the levels (ids end in 3 digits)")
    check(problems, "stock received per warehouse and SKU", cap.stock_per_line, MAX_QUANTITY,
          "lower --duration or the levels")
    fail_if("load", problems)


def load_city(stack: Stack, planned_needs: int, transfer_share: float, rng: random.Random) -> City:
    """The demo city as `make run` loads it, plus capacity sized to the planned load: hotels with
    rooms for all the people the run will send, buses for about half of them per shift (so late in a
    long run some transfers are unmet for want of buses, and the matcher's unmet path is exercised
    too), stock for every supply need several times over, and 40 more communities so the needs come from
    50 sites."""
    from baolei_dev.demo_inventory import FMG, WAREHOUSES
    from baolei_dev.demo_inventory import load_demo as load_stock
    from baolei_dev.demo_requests import COMMUNITIES, DEPOTS, load_demo

    cap = plan_capacity(planned_needs, transfer_share, len(DEPOTS), len(WAREHOUSES))
    check_setup(cap)
    load_stock(stack.urls["inventory"], TOKEN)
    counts = load_demo(stack.urls["requests"], TOKEN, with_needs=False)
    now = datetime.now(CST).replace(microsecond=0)
    extra_sites: list[str] = []
    with httpx.Client(base_url=stack.urls["requests"], headers=AUTH, timeout=30) as c:
        def put(path: str, body: dict) -> None:
            r = c.put(path, json=body)
            if r.status_code >= 400:
                raise RuntimeError(f"PUT {path}: {r.status_code} {r.text}")

        for i in range(40):
            district, lat, lon = DISTRICT_POINTS[i % len(DISTRICT_POINTS)]
            sid = f"c-load-{i + 1:02d}"
            put(f"/api/sites/{sid}", {"id": sid, "name": f"{district}压测社区{i + 1}", "district": district,
                                     "street": f"{district}压测街道", "zone": ZONES[i % 3],
                                     "lat": round(lat + rng.uniform(-0.03, 0.03), 5),
                                     "lon": round(lon + rng.uniform(-0.03, 0.03), 5),
                                     "organisation": f"{district}压测街道"})
            extra_sites.append(sid)
        n_hotels = 0
        for i, (district, lat, lon) in enumerate(DISTRICT_POINTS):
            for k in range(cap.hotels_per_district):
                n_hotels += 1
                sid, hid = f"h-load-{i + 1}-{k + 1}", f"H-load-{i + 1}-{k + 1}"
                name = f"{district}压测隔离酒店{k + 1}"
                put(f"/api/sites/{sid}", {"id": sid, "name": name, "district": district,
                                         "lat": lat + 0.01 + 0.002 * k, "lon": lon + 0.01, "organisation": "投控公司"})
                put(f"/api/hotels/{hid}", {"id": hid, "name": name, "operator": "投控公司",
                                          "site_id": sid, "accepts": [r for r, _ in RISKS],
                                          "rooms": {"standard": cap.rooms_each, "family": 50, "accessible": 20}})
        counts["hotels"] += n_hotels
        buses_per_depot = cap.buses_per_depot
        for did, _name, _district, _lat, _lon, op, _n, plate in DEPOTS:
            for i in range(1, buses_per_depot + 1):
                bid = f"load-{did.removeprefix('d-')}-{i:03d}"
                put(f"/api/buses/{bid}", {
                    "id": bid, "operator": op, "plate": f"{plate}L{i:03d}", "depot_id": did, "seats": 45,
                    "load_limit": 0.5, "shift_start": (now - timedelta(hours=1)).isoformat(),
                    "shift_end": (now + timedelta(hours=11)).isoformat(), "turnaround_min": 30})
        counts["buses"] += buses_per_depot * len(DEPOTS)
    per_level = cap.stock_per_line
    with httpx.Client(base_url=stack.urls["inventory"], headers=AUTH, timeout=30) as c:
        for wid, *_ in WAREHOUSES:
            for sku in SKUS:
                r = c.post("/api/movements", json={"kind": "receipt", "warehouse_id": wid, "sku": sku,
                                                   "lot": f"{sku}-load", "quantity": per_level,
                                                   "expiry": (now + timedelta(days=30)).date().isoformat(),
                                                   "reason": f"压测备货 / bench stock ({FMG})"})
                if r.status_code >= 400:
                    raise RuntimeError(f"POST /api/movements: {r.status_code} {r.text}")
    city_counts = {"communities": len(COMMUNITIES) + len(extra_sites), "hotels": counts["hotels"],
                   "bench hotel rooms": (cap.rooms_each + 70) * n_hotels,
                   "buses": counts["buses"], "bench stock per SKU and warehouse": per_level}
    return City([c[0] for c in COMMUNITIES] + extra_sites, city_counts)


def need_body(rng: random.Random, city: City, transfer_share: float) -> dict:
    """One need as a community's client would send it: 70/30 transfer/supply by default, +08:00 times."""
    now = datetime.now(CST)
    body: dict = {"site_id": rng.choice(city.communities), "note": "压测 / load bench"}
    if rng.random() < 0.1:
        body["vulnerabilities"] = [rng.choice(VULNS)]
    if rng.random() < transfer_share:
        ready = now + timedelta(minutes=rng.uniform(0, 120))
        body.update(kind="transfer", risk=rng.choices([r for r, _ in RISKS], [w for _, w in RISKS])[0],
                    people=rng.randint(1, 8), ready_at=ready.isoformat(timespec="seconds"),
                    due_at=(ready + timedelta(hours=rng.uniform(4, 8))).isoformat(timespec="seconds"))
    else:
        lines = rng.sample(SKUS, rng.randint(1, 3))
        body.update(kind="supply", lines=[{"sku": s, "quantity": rng.randint(1, 20)} for s in lines],
                    due_at=(now + timedelta(hours=rng.uniform(4, 12))).isoformat(timespec="seconds"))
    return body


# ---------------------------------------------------------------------------------------------
# The load itself.


class Watcher:
    """The bench's Kafka side: first outcomes per need id, and the produce → consume probe."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.first: dict[str, tuple[str, float]] = {}   # need id -> (proposed|unmet, arrival)
        self.on_outcome: dict[str, asyncio.Future[None]] = {}
        self.rtt_sent: dict[int, float] = {}
        self.rtt: list[float] = []
        self.loop_lag: list[float] = []
        self._seq = 0
        self.consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, group_id=None, enable_auto_commit=False,
                                         auto_offset_reset="earliest", client_id="baolei-load-bench")
        self.producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", linger_ms=0,
                                         client_id="baolei-load-bench")
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        from baolei_events.v1 import assignments_pb2  # noqa: F401 (fail early if the protos are missing)

        await self.consumer.start()
        await self.producer.start()
        spec = next(t for t in topics.TOPICS if t.name == topics.ASSIGNMENTS)
        self.consumer.assign([TopicPartition(self.stack.topic(topics.ASSIGNMENTS), p) for p in range(spec.partitions)]
                             + [TopicPartition(self.stack.topic(RTT_TOPIC), 0)])
        self._tasks = [asyncio.create_task(self._consume(), name="consume"),
                       asyncio.create_task(self._probe(), name="rtt-probe"),
                       asyncio.create_task(self._loop_ticker(), name="loop-lag")]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.producer.stop(), 10)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.consumer.stop(), 10)

    async def _consume(self) -> None:
        from baolei_events.v1 import assignments_pb2

        rtt_topic = self.stack.topic(RTT_TOPIC)
        while True:
            batches = await self.consumer.getmany(timeout_ms=200, max_records=2000)
            now = time.perf_counter()
            for tp, msgs in batches.items():
                for m in msgs:
                    if tp.topic == rtt_topic:
                        sent = self.rtt_sent.pop(int(m.value), None)
                        if sent is not None:
                            self.rtt.append(now - sent)
                        continue
                    try:
                        ev = assignments_pb2.AssignmentEvent.FromString(m.value)
                    except DecodeError:  # not ours to judge: the services dead-letter it
                        continue
                    which = ev.WhichOneof("event")
                    if which not in ("proposed", "unmet"):
                        continue
                    nid = getattr(ev, which).need_id
                    if nid and nid not in self.first:
                        self.first[nid] = (which, now)
                        fut = self.on_outcome.pop(nid, None)
                        if fut is not None and not fut.done():
                            fut.set_result(None)

    async def _probe(self) -> None:
        topic = self.stack.topic(RTT_TOPIC)
        while True:
            self._seq += 1
            self.rtt_sent[self._seq] = time.perf_counter()
            with contextlib.suppress(Exception):
                await self.producer.send(topic, value=str(self._seq).encode())
            await asyncio.sleep(RTT_PROBE_EVERY_S)

    async def _loop_ticker(self) -> None:
        """Every arrival time the bench records is late by as much as its own loop is: measure it."""
        while True:
            t = time.perf_counter()
            await asyncio.sleep(LOOP_TICK_S)
            self.loop_lag.append(max(0.0, time.perf_counter() - t - LOOP_TICK_S))

    def take_rtt(self) -> list[float]:
        out, self.rtt = self.rtt, []
        return out

    def take_loop_lag(self) -> list[float]:
        out, self.loop_lag = self.loop_lag, []
        return out

    def wait_outcome(self, need_id: str) -> asyncio.Future[None]:
        fut = asyncio.get_running_loop().create_future()
        if need_id in self.first:
            fut.set_result(None)
        else:
            self.on_outcome[need_id] = fut
        return fut


@dataclass
class Level:
    rate: float
    duration_s: float
    records: list[NeedRecord] = field(default_factory=list)
    pollers: list[asyncio.Task] = field(default_factory=list)


async def send_need(rec: NeedRecord, body: dict, client: RawClient, level: Level, watcher: Watcher,
                    polls: RawClient) -> None:
    """POST one need; retry a 503 after the delay it asks for, with the same Idempotency-Key."""
    key = f"load-{uuid.uuid4()}"
    deadline = rec.scheduled + RETRY_BUDGET_S
    while True:
        started = time.perf_counter()
        status: int | None = None
        error, delay = "", 0.0
        wire: list[float] = []

        async def trace(_event: str, _info: dict, wire: list[float] = wire) -> None:
            if not wire:  # the first step on a connection: the pool gave us one
                wire.append(time.perf_counter())

        try:
            async with asyncio.timeout(CLIENT_TIMEOUT_S):
                r = await client.post("/api/needs", json=body, headers={"Idempotency-Key": key},
                                      extensions={"trace": trace})
            status = r.status_code
            if status in (200, 201):
                rec.need_id = r.json()["id"]
            elif status == 503:
                try:
                    payload = r.json()
                except ValueError:
                    payload = None
                delay = retry_delay_s(r.headers, payload)
        except (TimeoutError, httpx.TimeoutException):
            error = "timeout"
        except (httpx.HTTPError, OSError, ValueError, KeyError) as exc:
            error = type(exc).__name__
        rec.attempts.append(Attempt(started, time.perf_counter(), status, error, wire[0] if wire else None))
        if rec.need_id is not None:
            if rec.sampled:
                level.pollers.append(asyncio.create_task(poll_status(rec, watcher, polls)))
            return
        if status != 503:
            return
        if time.perf_counter() + delay > deadline:
            rec.gave_up = True
            return
        await asyncio.sleep(delay)


async def poll_status(rec: NeedRecord, watcher: Watcher, polls: RawClient) -> None:
    """For a sampled need: once its first outcome is on Kafka, GET it every 200 ms until its status
    is no longer "submitted" (bounded)."""
    assert rec.need_id
    try:
        await asyncio.wait_for(watcher.wait_outcome(rec.need_id), OUTCOME_WAIT_S + RETRY_BUDGET_S + CLIENT_TIMEOUT_S)
    except TimeoutError:
        watcher.on_outcome.pop(rec.need_id, None)
        return
    arrived = watcher.first[rec.need_id][1]
    tick = arrived
    while time.perf_counter() < arrived + STATUS_POLL_FOR_S:
        rec.status_polls += 1
        with contextlib.suppress(httpx.HTTPError, ValueError, TimeoutError):
            t = time.perf_counter()
            async with asyncio.timeout(5):
                r = await polls.get(f"/api/needs/{rec.need_id}")
            rec.poll_latencies.append(time.perf_counter() - t)
            if r.status_code == 200 and r.json().get("status") != "submitted":
                rec.status_at = time.perf_counter()
                return
        tick += STATUS_POLL_EVERY_S
        now = time.perf_counter()
        while tick < now:  # a slow answer skips the ticks it overran
            tick += STATUS_POLL_EVERY_S
        await asyncio.sleep(tick - now)


async def run_level(rate: float, duration_s: float, city: City, stack: Stack, watcher: Watcher,
                    client: RawClient, polls: RawClient, rng: random.Random,
                    transfer_share: float, sample_every: int) -> LevelSummary:
    level = Level(rate, duration_s)
    n = max(1, round(rate * duration_s))
    tasks: list[asyncio.Task] = []
    watcher.take_rtt()
    watcher.take_loop_lag()
    backlog: list[float] = []
    sampler = asyncio.create_task(sample_backlog(polls, backlog))
    t0 = time.perf_counter() + 0.2
    for i in range(n):
        sched = t0 + i / rate
        wait = sched - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        body = need_body(rng, city, transfer_share)
        rec = NeedRecord(index=i, kind=body["kind"], scheduled=sched, sampled=i % sample_every == 0)
        level.records.append(rec)
        tasks.append(asyncio.create_task(send_need(rec, body, client, level, watcher, polls)))
    say(f"  {rate:g}/s: {n} needs scheduled over {duration_s:g} s; waiting for the answers")
    _done, pending = await asyncio.wait(tasks, timeout=RETRY_BUDGET_S + CLIENT_TIMEOUT_S + 10)
    for t in pending:  # cannot happen with bounded attempts; never hang on it anyway
        t.cancel()
    end = time.perf_counter()
    accepted = [r for r in level.records if r.need_id]
    say(f"  {rate:g}/s: {len(accepted)}/{n} accepted; waiting up to {OUTCOME_WAIT_S:g} s for their outcomes")
    while time.perf_counter() < end + OUTCOME_WAIT_S and any(r.need_id not in watcher.first for r in accepted):
        await asyncio.sleep(0.2)
    closed = time.perf_counter()
    for r in accepted:  # the snapshot: outcomes after the wait do not count
        got = watcher.first.get(r.need_id or "")
        if got is not None and got[1] <= closed:
            r.outcome, r.outcome_at = got
    if level.pollers:
        await asyncio.wait(level.pollers, timeout=STATUS_POLL_FOR_S + 10)
        for t in level.pollers:
            t.cancel()
    for r in accepted:  # a status seen only for an outcome that came after the snapshot is not a lag
        if r.outcome_at is None:
            r.status_at = None
    sampler.cancel()
    dead = stack.exited()
    if dead:
        note = f"at {rate:g}/s: service(s) exited: {', '.join(dead)}"
        say(f"  {note}")
        stack.notes.append(note)
    s = summarize_level(rate, duration_s, level.records, watcher.take_rtt(), watcher.take_loop_lag())
    last_sched = t0 + (n - 1) / rate
    outcomes = [r.outcome_at for r in accepted if r.outcome_at is not None]
    s.drain_s = max(0.0, max(outcomes) - last_sched) if outcomes else None
    s.backlog_max_s = max(backlog) if backlog else None
    s.load_avg = load_average()
    return s


def load_average() -> str:
    """The machine's load average (1/5/15 min): the machine is shared, every figure needs it beside."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return ""


async def sample_backlog(polls: RawClient, out: list[float]) -> None:
    """The requests service's matching backlog (/readyz), once a second, until cancelled."""
    while True:
        with contextlib.suppress(httpx.HTTPError, ValueError, TimeoutError, OSError):
            async with asyncio.timeout(3):
                r = await polls.get("/readyz")
            value = r.json().get("matching_backlog_s")
            if value is not None:
                out.append(float(value))
        await asyncio.sleep(1.0)


async def run_database(stack: Stack, city: City, args: argparse.Namespace) -> tuple[list[LevelSummary], dict]:
    rng = random.Random(args.seed)
    watcher = Watcher(stack)
    summaries: list[LevelSummary] = []
    idle: dict = {}
    # the generator's own HTTP client is a minimal one (bench/rawhttp.py): httpx cost it ~0.6 core
    async with RawClient(stack.urls["requests"], headers=AUTH, max_connections=args.connections) as client, \
            RawClient(stack.urls["requests"], headers=AUTH, max_connections=20) as polls:
        await watcher.start()
        try:
            await asyncio.sleep(3)  # the probe alone: the broker's round trip at rest
            rest = watcher.take_rtt()
            idle = {"p50": percentile(rest, 50), "p95": percentile(rest, 95), "n": len(rest)}
            for i, rate in enumerate(args.levels):
                if i:
                    await asyncio.sleep(args.pause)
                say(f"{stack.db}: level {rate:g} needs/s for {args.duration:g} s")
                s = await run_level(rate, args.duration, city, stack, watcher, client, polls, rng,
                                    args.transfer_share, args.sample_every)
                summaries.append(s)
                say(f"  {rate:g}/s: accepted {s.accepted}/{s.sent}, 503s {s.status_503}, timeouts {s.timeouts}, "
                    f"outcome p95 {fmt_s(s.outcome['p95'])}, status lag p95 {fmt_s(s.status_lag['p95'])}, "
                    f"no outcome {s.no_outcome}")
        finally:
            await watcher.stop()
    return summaries, idle


def fmt_s(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} s"


# ---------------------------------------------------------------------------------------------
# Report.


def code_note() -> str:
    """Which code ran: the commit, and whether services/ had changes not committed yet."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "services", "proto"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "code: unknown commit"
    return f"code: {head or 'unknown commit'}" + (" with uncommitted changes to services/" if dirty else "")


def machine_note() -> str:
    cpus = os.cpu_count() or 0
    return (f"{platform.node()} ({cpus} cores, Python {platform.python_version()}); everything on this one "
            f"machine — broker, PostgreSQL, the three services and the load generator share the {cpus} cores")


def report(results: list[DbResult], args: argparse.Namespace, command: str) -> str:
    lines = ["# Load benchmark (requests → matcher → API, over the real broker)", "",
             f"`{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine_note()}; {code_note()}.", "",
             *([f"**Short run** ({args.duration:g} s per level, levels {', '.join(f'{r:g}' for r in args.levels)}): "
                "a development check, not the benchmark's figures.", ""]
               if args.duration < 60 or args.levels != DEFAULT_LEVELS else []),
             *([f"**Busy machine:** `{args.beside}` ran beside the stack during every level (a CPU-heavy "
                "neighbour, as on a city's shared server); compare with a quiet run by the load average of "
                "each level.", ""] if args.beside else []),
             f"Open loop: each level sends needs on schedule for {args.duration:g} s whatever the answers "
             f"({args.transfer_share:.0%} transfers of 1–8 people, the rest supply orders of 1–3 staples; "
             f"50 communities; +08:00 times), over at most {args.connections} connections, each with an "
             f"Idempotency-Key; a 503 is retried after its Retry-After(-Ms) with the same key for up to "
             f"{RETRY_BUDGET_S:g} s; client time limit {CLIENT_TIMEOUT_S:g} s per attempt (a timeout is a "
             f"failure). First outcome = the first `proposed` or `unmet` AssignmentEvent of the need on "
             f"`<prefix>baolei.assignments.v1`, as read by the bench's own consumer; submit = the need's first "
             f"send. Status lag: every {args.sample_every}th need, if accepted, is polled (GET every 200 ms) from "
             f"its outcome's arrival (or its HTTP answer, if that came later) until its status leaves "
             f"`submitted`. Levels run one after the other "
             f"on the same stack (needs of earlier levels stay held); the matcher runs with its defaults "
             f"(batch window 0.5 s). Ratios (×) are against the first level of the same run.", ""]
    for r in results:
        lines += [f"## {r.db}", ""]
        if r.counts:
            lines += [f"City: {', '.join(f'{k} {v}' for k, v in r.counts.items())}. Kafka produce → consume at "
                      f"rest: p50 {_ms(r.idle.get('p50'))} ms, p95 {_ms(r.idle.get('p95'))} ms "
                      f"({r.idle.get('n', 0)} probes).", ""]
        if r.error:
            lines += [f"**The run failed:** {r.error}", ""]
        lines += [f"Note: {n}" for n in r.notes] + ([""] if r.notes else [])
        if r.summaries:
            lines += [render_table(r.summaries), "Targets:", ""]
            lines += [t.line() for t in targets(r.summaries)]
            lines.append("")
    return "\n".join(lines)


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x * 1000:.0f}"


@dataclass
class DbResult:
    db: str
    summaries: list[LevelSummary] = field(default_factory=list)
    idle: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    error: str = ""
    notes: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per level (default 60)")
    ap.add_argument("--levels", default=",".join(f"{r:g}" for r in DEFAULT_LEVELS),
                    help="needs/s, comma-separated; the first is the baseline")
    ap.add_argument("--databases", default="postgresql,sqlite", help="postgresql, sqlite or both")
    ap.add_argument("--connections", type=int, default=100, help="connection limit of the load client")
    ap.add_argument("--transfer-share", type=float, default=0.7)
    ap.add_argument("--sample-every", type=int, default=20, help="poll the status of 1 in N accepted needs")
    ap.add_argument("--pause", type=float, default=5.0, help="seconds between levels")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--busy", action="store_true",
                    help="busy machine: run the solver (bench.busy) beside the stack while the levels run")
    ap.add_argument("--beside", help="busy machine: this shell command beside the stack instead (e.g. a report job)")
    ap.add_argument("--log-dir", type=Path, help="keep the services' logs here (default: a temporary directory)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="markdown report (default bench/results/load.md)")
    args = ap.parse_args(argv)
    args.levels = [float(x) for x in args.levels.split(",") if x.strip()]
    if args.busy and not args.beside:
        args.beside = BUSY_COMMAND
    if args.beside and args.results == RESULTS:
        args.results = RESULTS.with_name("load-busy.md")  # the quiet run's table stays
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if not args.levels or any(r <= 0 for r in args.levels):
        ap.error("--levels: positive rates")
    if set(args.databases) - {"postgresql", "sqlite"}:
        ap.error("--databases: postgresql and/or sqlite")
    return args


def pg_url() -> str:
    url = os.environ.get("BAOLEI_TEST_PG_URL")
    if url:
        return url
    out = subprocess.run([str(ROOT / "deploy" / "postgres.sh")], capture_output=True, text=True, timeout=120,
                         check=False)
    if out.returncode != 0 or not out.stdout.strip():
        raise SystemExit(f"no PostgreSQL: set BAOLEI_TEST_PG_URL or fix deploy/postgres.sh:\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """A SIGTERM stops the bench like Ctrl-C: through the `finally`s that stop the services."""
    def raise_interrupt(*_args) -> None:
        raise KeyboardInterrupt
    old = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = ".venv/bin/python -m bench.load_bench" + ("" if argv is None and len(sys.argv) == 1 else
                                                        " " + shlex.join(argv if argv is not None else sys.argv[1:]))
    bootstrap = os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    planned = round(sum(args.levels) * args.duration)
    from baolei_dev.demo_inventory import WAREHOUSES
    from baolei_dev.demo_requests import DEPOTS

    check_setup(plan_capacity(planned, args.transfer_share, len(DEPOTS), len(WAREHOUSES)))  # before anything starts
    results: list[DbResult] = []
    try:
        with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="baolei-load-logs-") as tmp:
            log_dir = args.log_dir or Path(tmp)
            log_dir.mkdir(parents=True, exist_ok=True)
            for db in args.databases:
                results.append(run_one(db, bootstrap, log_dir, planned, args))
    except KeyboardInterrupt:
        say("interrupted: everything the bench started is stopped; no report written")
        return 130
    text = report(results, args, command)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text)
    say(f"wrote {args.results}")
    return 1 if any(r.error for r in results) else 0


BUSY_COMMAND = f"{shlex.quote(sys.executable)} -m bench.busy"


@contextlib.contextmanager
def beside(command: str | None, log: Path) -> Iterator[None]:
    """Runs `command` (a CPU-heavy neighbour: busy mode) beside the stack while the levels run;
    stopped, with everything it started, on the way out."""
    if not command:
        yield
        return
    say(f"beside the stack: {command} (log: {log})")
    p = subprocess.Popen(command, shell=True, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)


def run_one(db: str, bootstrap: str, log_dir: Path, planned: int, args: argparse.Namespace) -> DbResult:
    """One database's stack, levels and table; a failure is reported, not raised (the other
    database still runs). Everything started is stopped before this returns."""
    res = DbResult(db)
    stack = Stack(db, bootstrap, log_dir, pg_url=pg_url() if db == "postgresql" else None)
    try:
        with stack:
            say(f"{db}: loading the demo city and the bench's capacity for {planned} needs")
            city = load_city(stack, planned, args.transfer_share, random.Random(args.seed))
            res.counts = city.counts
            say(f"{db}: {city.counts}")
            with beside(args.beside, log_dir / f"{db}-beside.log"):
                res.summaries, res.idle = asyncio.run(run_database(stack, city, args))
            if stack.notes:
                say(f"{db}: {'; '.join(stack.notes)}\n{stack.log_tails()}")
    except Exception as exc:
        res.error = f"{type(exc).__name__}: {str(exc)[:1500]}"
        say(f"{db}: FAILED: {res.error}\n{stack.log_tails()}")
    res.notes = stack.notes
    print(f"\n## {db}\n\n{render_table(res.summaries)}", flush=True)
    for t in targets(res.summaries):
        print(t.line(), flush=True)
    print(flush=True)
    return res


if __name__ == "__main__":
    sys.exit(main())
