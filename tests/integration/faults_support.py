"""Helpers of the fault tests (test_faults.py): a private Kafka broker that may be killed, the three
services as real processes that may be killed and started again, a client stream of needs that
retries like a real site does, and the end-of-run checks across the three services and the log.

Why a private broker: killing the shared one on 19092 would break every other test running on this
machine. Why plain processes and SIGKILL: a crash gives no chance to flush, commit or leave a
group; that is the case the outbox, the at-least-once consumers, the reconciler and the matcher's
standby and snapshots exist for.
"""
from __future__ import annotations

import math
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = ROOT / "deploy" / "kafka.sh"
OP = {"Authorization": "Bearer demo-operator"}


def say(msg: str) -> None:
    """Progress on stderr with a wall-clock stamp (pytest shows it for a failing test)."""
    print(f"[faults {datetime.now(timezone.utc):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# --- the private broker ------------------------------------------------------------------------

class PrivateBroker:
    """A Kafka broker of this test only: its own port and data directory (deploy/kafka.sh)."""

    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.bootstrap = f"127.0.0.1:{port}"
        self._env = {**os.environ, "BAOLEI_KAFKA_PORT": str(port), "BAOLEI_KAFKA_DATA": str(data)}

    def _sh(self, cmd: str, timeout_s: float) -> None:
        r = subprocess.run([str(KAFKA_SH), cmd], env=self._env, capture_output=True, text=True, timeout=timeout_s)
        if r.returncode != 0:
            raise RuntimeError(f"kafka.sh {cmd} (port {self.port}) failed: {r.stderr[-2000:]}")

    def start(self) -> float:
        t0 = time.monotonic()
        self._sh("start", 150)
        return time.monotonic() - t0

    def pid(self) -> int | None:
        try:
            return int((self.data / "kafka.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill9(self) -> None:
        """A crash: SIGKILL to the JVM, nothing flushed, no controlled shutdown."""
        pid = self.pid()
        assert pid is not None, "private broker has no pid file"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            try:  # reap it if it is our child (it is not: kafka.sh started it with nohup)
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            if _zombie(pid):
                break
            time.sleep(0.1)

    def stop(self) -> None:
        try:
            self._sh("stop", 40)
        except Exception as exc:  # last resort: never leave a JVM behind
            say(f"private broker stop failed ({exc}); killing it")
            pid = self.pid()
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def broker_port() -> int:
    """A free port whose successor is free too (deploy/kafka.sh puts the controller on port + 1).

    Picked below the kernel's ephemeral range (ip_local_port_range, 32768+ here): a port taken from
    the ephemeral range can be handed to some client's outgoing connection before the broker binds
    it, and the services of a test keep dialling the broker while it is down (CI failed so once).
    """
    import random as _random
    import socket

    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    top = max(low - 2, 21000)
    for _ in range(200):
        port = _random.randrange(20000, top)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free pair of ports for a private broker")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


# --- services as processes ---------------------------------------------------------------------

class Service:
    """One service process (`python -m <module>`); started again with the same environment (same
    database, same consumer group, same port) after a crash. Every run appends to one log."""

    def __init__(self, name: str, module: str, env: dict[str, str], port: int, logs: Path) -> None:
        self.name, self.module, self.port = name, module, port
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.url = f"http://127.0.0.1:{port}"
        self.log = logs / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        with self.log.open("ab") as f:
            f.write(f"\n===== run {self.runs} at {datetime.now(timezone.utc).isoformat()} =====\n".encode())
        self.proc = subprocess.Popen([sys.executable, "-m", self.module], env=self.env, cwd=ROOT,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def readyz(self) -> dict[str, Any]:
        try:
            r = httpx.get(f"{self.url}/readyz", timeout=3)
            return {"http": r.status_code, **r.json()}
        except Exception as exc:
            return {"http": None, "error": f"{type(exc).__name__}: {exc}"}

    def wait_ready(self, timeout_s: float) -> float:
        """Seconds until /readyz says 200; fails with the readiness body and the log's tail."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")
            if self.ready():
                return time.monotonic() - t0
            time.sleep(0.25)
        raise AssertionError(f"{self.name} not ready within {timeout_s:.0f} s: {self.readyz()}\n{self.tail()}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        with self.log.open("ab") as f:
            f.write(f"\n===== killed -9 at {datetime.now(timezone.utc).isoformat()} =====\n".encode())

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


# --- the small city ----------------------------------------------------------------------------

COMMUNITIES = [  # id, name, district, zone, lat, lon
    ("c-lianhua-bei", "莲花北社区", "福田", "sealed", 22.5585, 114.0578),
    ("c-huaqiang-nan", "华强南社区", "福田", "controlled", 22.5375, 114.0870),
    ("c-dongmen", "东门社区", "罗湖", "controlled", 22.5470, 114.1200),
    ("c-yuehai", "粤海社区", "南山", "precaution", 22.5230, 113.9440),
    ("c-xixiang", "西乡社区", "宝安", "sealed", 22.5770, 113.8700),
]
HOTELS = [  # id, site, name, operator, lat, lon, accepts, rooms
    ("H-hzb", "h-hzb", "会展北", "投控公司", 22.5367, 114.0545, ["close_contact", "secondary_contact"],
     {"standard": 400, "family": 20, "accessible": 6}),
    ("H-nanshan", "h-nanshan", "南山区集中隔离酒店", "深业集团", 22.5330, 113.9300,
     ["close_contact", "secondary_contact"],
     {"standard": 300, "family": 20, "accessible": 6}),
]
BUSES = [(f"bus-{i:02d}", "巴士集团", "d-futian") for i in range(1, 7)] + \
        [(f"bus-{i:02d}", "西部公交", "d-baoan") for i in range(7, 11)]  # id, operator, depot
DEPOTS = [("d-futian", "巴士集团福田车场", 22.5401, 114.0300, "巴士集团"),
          ("d-baoan", "西部公交宝安车场", 22.5830, 113.8650, "西部公交")]
WAREHOUSES = [("fmg-futian", "食品物资集团福田配送中心", "福田", 22.5431, 114.0579),
              ("fmg-baoan", "食品物资集团宝安西乡仓", "宝安", 22.5786, 113.8660)]
SKUS = [("rice", "大米", "bag"), ("oil", "食用油", "bottle"), ("eggs", "鸡蛋", "tray")]
STOCK_PER_LINE = 500  # per warehouse and SKU: 3,000 units, less than the stream asks for
SEATS, LOAD_LIMIT, TURNAROUND_MIN = 45, 0.5, 30


def load_city(requests_url: str, inventory_url: str) -> dict[str, Any]:
    """Sites, hotels, buses through the requests API; warehouses, SKUs and stock through the
    inventory's. Returns what the checks need (rooms per hotel, buses, stock received)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)

    def ok(r: httpx.Response) -> None:
        assert r.status_code < 400, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"

    buses: dict[str, dict] = {}
    with httpx.Client(base_url=requests_url, headers=OP, timeout=30) as c:
        for cid, name, district, zone, lat, lon in COMMUNITIES:
            ok(c.put(f"/api/sites/{cid}", json={"id": cid, "name": name, "district": district, "zone": zone,
                                                "lat": lat, "lon": lon}))
        for hid, sid, name, op, lat, lon, accepts, rooms in HOTELS:
            ok(c.put(f"/api/sites/{sid}", json={"id": sid, "name": name, "lat": lat, "lon": lon, "organisation": op}))
            ok(c.put(f"/api/hotels/{hid}", json={"id": hid, "name": name, "operator": op, "site_id": sid,
                                                 "accepts": accepts, "rooms": rooms}))
        for did, name, lat, lon, op in DEPOTS:
            ok(c.put(f"/api/sites/{did}", json={"id": did, "name": name, "lat": lat, "lon": lon, "organisation": op}))
        for bid, op, depot in BUSES:
            body = {"id": bid, "operator": op, "plate": f"粤B·F{bid[-2:]}", "depot_id": depot, "seats": SEATS,
                    "load_limit": LOAD_LIMIT, "shift_start": (now - timedelta(hours=1)).isoformat(),
                    "shift_end": (now + timedelta(hours=11)).isoformat(), "turnaround_min": TURNAROUND_MIN}
            ok(c.put(f"/api/buses/{bid}", json=body))
            buses[bid] = body
    stock: dict[tuple[str, str], int] = {}
    with httpx.Client(base_url=inventory_url, headers=OP, timeout=30) as c:
        for sku, zh, unit in SKUS:
            ok(c.post("/api/skus", json={"id": sku, "name_zh": zh, "name_en": sku, "unit": unit, "staple": True}))
        for wid, name, district, lat, lon in WAREHOUSES:
            ok(c.post("/api/warehouses", json={"id": wid, "name": name, "organisation": "食品物资集团",
                                               "district": district, "lat": lat, "lon": lon}))
            for sku, _zh, _unit in SKUS:
                ok(c.post("/api/movements", json={"kind": "receipt", "warehouse_id": wid, "sku": sku,
                                                  "lot": f"{sku}-1", "quantity": STOCK_PER_LINE,
                                                  "expiry": (now + timedelta(days=200)).date().isoformat(),
                                                  "reason": "fault test opening stock"}))
                stock[(wid, sku)] = STOCK_PER_LINE
    return {"rooms": {h[0]: h[7] for h in HOTELS}, "buses": buses, "stock": stock}


# --- the stream of needs -----------------------------------------------------------------------

@dataclass
class Posted:
    """One need as the client saw it: every attempt under one Idempotency-Key."""
    key: str
    body: dict
    need_id: str | None = None
    final_status: int | None = None
    attempts: int = 0
    outcomes: Counter = field(default_factory=Counter)  # "201", "200", "503", "ConnectError", ...
    error: str = ""  # a non-retryable answer (a bug: 4xx or 500)
    first_at: float = 0.0
    done_at: float = 0.0


RETRYABLE_STATUS = {502, 503, 504}


class NeedStream:
    """Posts needs at `rate` per second from a schedule (open loop: a slow or dead service does not
    slow the schedule down, the needs wait in the queue as a site's clerk would), each under its
    own Idempotency-Key, retried on 503 (after Retry-After-Ms) and on connection errors and
    timeouts with the same key until it is accepted. A dispatcher thread accepts or declines some
    of the proposals meanwhile, so confirmations and releases flow through the faults too."""

    def __init__(self, requests_url: str, *, rate: float, workers: int = 8, seed: int = 7) -> None:
        self.url = requests_url
        self.rate = rate
        self.workers = workers
        self.rng = random.Random(seed)
        self.posted: dict[str, Posted] = {}
        self.twins: list[Posted] = []  # second, concurrent posts of the same need under the same key
        self.decisions: dict[str, str] = {}  # assignment id -> accept | decline (answered 200)
        self.decision_errors: Counter = Counter()
        self._todo: queue.Queue[Posted | None] = queue.Queue()
        self._stop = threading.Event()
        self._give_up_at = math.inf
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def _body(self, i: int) -> dict:
        now = datetime.now(timezone.utc)
        site = self.rng.choice(COMMUNITIES)[0]
        if i % 5 < 3:  # three transfers for two supply needs
            people = self.rng.choice((1, 1, 2, 2, 3))
            risk = self.rng.choice(("close_contact", "secondary_contact"))
            return {"kind": "transfer", "site_id": site, "risk": risk,
                    "people": people, "ready_at": now.isoformat(), "due_at": (now + timedelta(hours=4)).isoformat(),
                    "note": f"fault stream #{i}"}
        skus = self.rng.sample([s[0] for s in SKUS], self.rng.choice((1, 1, 2)))
        return {"kind": "supply", "site_id": site, "due_at": (now + timedelta(hours=6)).isoformat(),
                "lines": [{"sku": s, "quantity": self.rng.randint(5, 20)} for s in skus], "note": f"fault stream #{i}"}

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._schedule, name="schedule", daemon=True),
                         threading.Thread(target=self._dispatcher, name="dispatcher", daemon=True)]
        self._threads += [threading.Thread(target=self._worker, name=f"poster-{k}", daemon=True)
                          for k in range(self.workers)]
        for t in self._threads:
            t.start()

    def stop(self, *, drain_s: float = 120) -> None:
        """Stop scheduling; let every scheduled need be retried until accepted (at most `drain_s`)."""
        self._stop.set()
        self._give_up_at = time.monotonic() + drain_s
        for _ in range(self.workers):
            self._todo.put(None)
        for t in self._threads:
            t.join(timeout=drain_s + 30)
        alive = [t.name for t in self._threads if t.is_alive()]
        assert not alive, f"stream threads still running: {alive}"

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _schedule(self) -> None:
        i = 0
        t0 = time.monotonic()
        while not self._stop.is_set():
            i += 1
            p = Posted(key=f"fault-{i:05d}-{self.rng.randrange(16 ** 6):06x}", body=self._body(i))
            with self._lock:
                self.posted[p.key] = p
            self._todo.put(p)
            if i % 10 == 0:  # a client that double-submits: the same key twice, at the same time
                twin = Posted(key=p.key, body=p.body)
                self.twins.append(twin)
                self._todo.put(twin)
            wait = t0 + i / self.rate - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)

    def _worker(self) -> None:
        with httpx.Client(base_url=self.url, headers=OP, timeout=15) as c:
            while True:
                p = self._todo.get()
                if p is None:
                    return
                self._post(c, p)

    def _post(self, c: httpx.Client, p: Posted) -> None:
        p.first_at = time.monotonic()
        while time.monotonic() < self._give_up_at:
            p.attempts += 1
            try:
                r = c.post("/api/needs", json=p.body, headers={"Idempotency-Key": p.key})
            except httpx.HTTPError as exc:  # refused (service down), reset (killed mid-request), timeout
                p.outcomes[type(exc).__name__] += 1
                time.sleep(0.5)
                continue
            p.outcomes[str(r.status_code)] += 1
            if r.status_code in (200, 201):
                p.need_id, p.final_status, p.done_at = r.json()["id"], r.status_code, time.monotonic()
                return
            if r.status_code in RETRYABLE_STATUS:
                ms = r.headers.get("Retry-After-Ms") or str(1000 * int(r.headers.get("Retry-After", "1")))
                time.sleep(min(5.0, int(ms) / 1000))
                continue
            p.final_status, p.error = r.status_code, r.text[:500]
            return
        p.error = p.error or "gave up: not accepted before the drain deadline"

    def _dispatcher(self) -> None:
        """Accepts about a quarter and declines about a tenth of the proposals it sees, once each."""
        rng = random.Random(11)
        with httpx.Client(base_url=self.url, headers=OP, timeout=10) as c:
            while not self._stop.wait(1.5):
                try:
                    r = c.get("/api/assignments", params={"status": "proposed", "limit": 300})
                    if r.status_code != 200:
                        self.decision_errors[f"list {r.status_code}"] += 1
                        continue
                    for a in r.json():
                        if a["id"] in self.decisions or self._stop.is_set():
                            continue
                        x = rng.random()
                        if x < 0.25:
                            what, resp = "accept", c.post(f"/api/assignments/{a['id']}/accept")
                        elif x < 0.35:
                            what, resp = "decline", c.post(f"/api/assignments/{a['id']}/decline",
                                                           json={"reason": "fault test"})
                        else:
                            self.decisions[a["id"]] = "left"
                            continue
                        if resp.status_code == 200:
                            self.decisions[a["id"]] = what
                        else:
                            self.decision_errors[f"{what} {resp.status_code}"] += 1
                except httpx.HTTPError as exc:
                    self.decision_errors[type(exc).__name__] += 1

    def summary(self) -> dict[str, Any]:
        ps = list(self.posted.values())
        outcomes: Counter = Counter()
        for p in ps:
            outcomes.update(p.outcomes)
        lat = sorted(p.done_at - p.first_at for p in ps if p.need_id)
        return {"needs": len(ps), "accepted": sum(1 for p in ps if p.need_id),
                "retried": sum(1 for p in ps if p.attempts > 1), "attempt_outcomes": dict(outcomes),
                "replayed_200": sum(1 for p in ps + self.twins if p.final_status == 200),
                "twins": len(self.twins), "twin_outcomes": dict(sum((t.outcomes for t in self.twins), Counter())),
                "errors": sum(1 for p in ps if p.error),
                "accept_s_p50": lat[len(lat) // 2] if lat else None, "accept_s_max": lat[-1] if lat else None,
                "decisions": dict(Counter(self.decisions.values())), "decision_errors": dict(self.decision_errors)}


# --- reading what the services and the log say --------------------------------------------------

def read_topic(bootstrap: str, topic: str, timeout_s: float = 30) -> list[Any]:
    """Every record of a topic, from the beginning up to its end offsets as of now."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             request_timeout_ms=20000, api_version_auto_timeout_ms=20000)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        out: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise AssertionError(f"reading {topic}: not at the end offsets {ends} within {timeout_s} s")
            for recs in consumer.poll(timeout_ms=1000, max_records=5000).values():
                out.extend(r for r in recs if r.offset < ends[TopicPartition(r.topic, r.partition)])
        return out
    finally:
        consumer.close()


def group_lag(bootstrap: str, group: str, topic: str) -> int | None:
    """How far a consumer group's committed offsets are behind the topic's end (None: unknown)."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             request_timeout_ms=10000)
    try:
        committed = admin.list_consumer_group_offsets(group)
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(tps)
        lag = 0
        for tp in tps:
            meta = committed.get(tp)
            lag += ends[tp] - (meta.offset if meta is not None and meta.offset >= 0 else 0)
        return lag
    except Exception:
        return None
    finally:
        consumer.close()
        admin.close()


def requests_db(url: str) -> dict[str, Any]:
    """Needs, assignments and unsent outbox rows, straight from the requests service's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            needs = [dict(r._mapping) for r in c.execute(text(
                "SELECT id, kind, status, idempotency_key, people, rooms, lines, unmet_code FROM needs"))]
            assignments = [dict(r._mapping) for r in c.execute(text(
                "SELECT id, need_id, kind, status, room, trips, picks, people FROM assignments"))]
            unsent = c.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
    finally:
        engine.dispose()
    return {"needs": needs, "assignments": assignments, "unsent": unsent}


def inventory_holds(inventory_url: str) -> list[dict]:
    """Every hold the inventory has, page by page (`GET /api/holds` returns at most `limit`)."""
    out: list[dict] = []
    params: dict[str, Any] = {"limit": 5000}
    with httpx.Client(base_url=inventory_url, headers=OP, timeout=30) as c:
        while True:
            r = c.get("/api/holds", params=params)
            assert r.status_code == 200, r.text
            out.extend(r.json())
            nxt = r.headers.get("X-Next-Before-Id")
            if nxt is None:
                total = r.headers.get("X-Total-Count")
                assert total is None or int(total) == len(out), f"holds: {len(out)} read, {total} said"
                return out
            params["before_id"] = int(nxt)


def unsent_outbox(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar() or 0)
    finally:
        engine.dispose()


LIVE = ("proposed", "confirmed")


def assignments_log_view(records: list[Any]) -> tuple[dict[str, str], list[str]]:
    """Fold the assignments topic as every consumer does: proposed -> live, confirmed -> confirmed,
    released -> gone. Returns (assignment id -> proposed | confirmed, problems)."""
    from baolei_events.v1 import assignments_pb2

    state: dict[str, str] = {}
    released: set[str] = set()
    problems: list[str] = []
    for r in records:
        try:
            ev = assignments_pb2.AssignmentEvent.FromString(r.value or b"")
        except Exception:
            continue  # the poison this test sent on purpose (checked with the dead letters)
        which = ev.WhichOneof("event")
        if which == "proposed":
            aid = ev.proposed.assignment_id
            if aid in released:
                problems.append(f"proposal {aid} seen again after its release (offset {r.offset})")
            state.setdefault(aid, "proposed")
        elif which == "confirmed":
            if ev.confirmed.assignment_id in state:
                state[ev.confirmed.assignment_id] = "confirmed"
        elif which == "released":
            state.pop(ev.released.assignment_id, None)
            released.add(ev.released.assignment_id)
    return state, problems


def _ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def check_keys(db: dict[str, Any], stream: NeedStream) -> list[str]:
    """Every need a client was told about exists once, under its Idempotency-Key, with the id the
    client was given; no need exists that no client raised."""
    bad: list[str] = []
    by_key: dict[str, list[dict]] = defaultdict(list)
    for n in db["needs"]:
        by_key[n["idempotency_key"]].append(n)
    for p in stream.posted.values():
        if p.error:
            bad.append(f"key {p.key}: not accepted ({p.final_status}: {p.error}; attempts {dict(p.outcomes)})")
            continue
        rows = by_key.get(p.key, [])
        if len(rows) != 1:
            bad.append(f"key {p.key}: {len(rows)} needs in the database (answered {p.need_id})")
        elif rows[0]["id"] != p.need_id:
            bad.append(f"key {p.key}: answered {p.need_id}, stored {rows[0]['id']}")
    for t in stream.twins:
        first = stream.posted[t.key]
        if t.error or t.need_id != first.need_id:
            bad.append(f"key {t.key} posted twice: {first.need_id} ({first.final_status}) and {t.need_id} "
                       f"({t.final_status} {t.error}; attempts {dict(t.outcomes)})")
    strangers = [n["id"] for n in db["needs"] if n["idempotency_key"] not in stream.posted]
    if strangers:
        bad.append(f"needs no client raised: {strangers[:10]}")
    return bad


def check_outcomes(db: dict[str, Any]) -> list[str]:
    """Every need has exactly one live outcome: a proposal or confirmed assignment (for a transfer
    one at most; for supply no more than asked), or unmet with a reason; none is left submitted."""
    bad: list[str] = []
    live_of: dict[str, list[dict]] = defaultdict(list)
    for a in db["assignments"]:
        if a["status"] in LIVE:
            live_of[a["need_id"]].append(a)
        elif a["status"] != "released":
            bad.append(f"assignment {a['id']} is {a['status']!r}: only proposed, confirmed, released expected")
    for n in db["needs"]:
        live = live_of.get(n["id"], [])
        if n["status"] not in ("proposed", "confirmed", "unmet"):
            bad.append(f"need {n['id']} ({n['kind']}) is {n['status']!r}: no live outcome")
        elif n["status"] == "unmet" and (live or not n["unmet_code"]):
            bad.append(f"need {n['id']} unmet with {len(live)} live assignments, code {n['unmet_code']!r}")
        elif n["status"] != "unmet" and not live:
            bad.append(f"need {n['id']} is {n['status']} without a live assignment")
        if n["kind"] == "transfer":
            if len(live) > 1:
                bad.append(f"transfer need {n['id']}: {len(live)} live assignments {[a['id'] for a in live]}")
            if sum(a["people"] for a in live) > n["people"]:
                placed = sum(a["people"] for a in live)
                bad.append(f"transfer need {n['id']}: {placed} people placed, {n['people']} asked")
        else:
            asked = {x["sku"]: x["quantity"] for x in n["lines"]}
            got: Counter = Counter()
            for a in live:
                for k in a["picks"]:
                    got[k["sku"]] += k["quantity"]
            over = {s: (q, asked.get(s, 0)) for s, q in got.items() if q > asked.get(s, 0)}
            if over:
                bad.append(f"supply need {n['id']}: more given than asked {over} by {[a['id'] for a in live]}")
    return bad


def check_capacity(db: dict[str, Any], city: dict[str, Any]) -> list[str]:
    """No room or bus time booked twice by the live assignments."""
    bad: list[str] = []
    live = [a for a in db["assignments"] if a["status"] in LIVE]
    rooms: dict[str, Counter] = defaultdict(Counter)
    for a in live:
        if a["room"]:
            for t in ("standard", "family", "accessible"):
                rooms[a["room"]["hotel"]][t] += a["room"].get(t) or 0
    for hotel, used in rooms.items():
        for t, k in used.items():
            if k > city["rooms"].get(hotel, {}).get(t, 0):
                bad.append(f"hotel {hotel}: {k} {t} rooms held, {city['rooms'].get(hotel, {}).get(t, 0)} exist")
    # One trip may carry several needs: the same (bus, start, arrival, hotel) in their proposals.
    trips: dict[str, dict[tuple, int]] = defaultdict(dict)
    for a in live:
        for t in a["trips"] or []:
            key = (t["start_at"], t["arrive_at"], t["hotel"])
            aboard = sum(x["people"] for s in t["stops"] for x in s["load"] if x["need"] == a["need_id"])
            trips[t["bus"]][key] = trips[t["bus"]].get(key, 0) + aboard
    for bus, by_trip in trips.items():
        spec = city["buses"][bus]
        cap = math.floor(spec["seats"] * spec["load_limit"] + 1e-9)
        turnaround = timedelta(minutes=spec["turnaround_min"])
        prev: tuple | None = None
        for key in sorted(by_trip, key=lambda k: (_ts(k[0]), _ts(k[1]))):
            if by_trip[key] > cap:
                bad.append(f"bus {bus} trip {key}: {by_trip[key]} aboard, limit {cap}")
            if _ts(key[1]) > _ts(spec["shift_end"]) + timedelta(seconds=1):
                bad.append(f"bus {bus} trip {key}: arrives after the shift ends")
            if prev is not None and _ts(key[0]) < _ts(prev[1]) + turnaround - timedelta(seconds=1):
                bad.append(f"bus {bus}: trip {key} starts before trip {prev} is over (+{spec['turnaround_min']} min)")
            prev = key
    return bad


def check_stock(balances: list[dict], holds: list[dict], city: dict[str, Any]) -> list[str]:
    """No stock unit given twice: held ≤ on hand, issued + held ≤ received, levels = open holds."""
    bad: list[str] = []
    held: Counter = Counter()
    issued: Counter = Counter()
    for h in holds:
        key = (h["warehouse_id"], h["sku"])
        if h["status"] == "held":
            held[key] += h["quantity"]
        elif h["status"] == "issued":
            issued[key] += h["quantity"]
    for b in balances:
        key = (b["warehouse_id"], b["sku"])
        if b["available"] < 0 or b["held"] > b["on_hand"]:
            bad.append(f"stock {key}: on hand {b['on_hand']}, held {b['held']}, available {b['available']}")
        if b["held"] != held[key]:
            bad.append(f"stock {key}: level says {b['held']} held, open holds add up to {held[key]}")
        received = city["stock"].get(key, 0)
        if b["on_hand"] != received - issued[key]:
            bad.append(f"stock {key}: on hand {b['on_hand']}, received {received} - issued {issued[key]}")
        if issued[key] + held[key] > received:
            bad.append(f"stock {key}: issued {issued[key]} + held {held[key]} > received {received}")
    return bad


def check_agreement(db: dict[str, Any], log_view: dict[str, str], inv_holds: list[dict],
                    matchers: list[dict[str, Any]], city: dict[str, Any], balances: list[dict]) -> list[str]:
    """The live holds are the same in the requests database, the assignments log, every matcher and
    the inventory."""
    bad: list[str] = []
    db_live = {a["id"]: a["status"] for a in db["assignments"] if a["status"] in LIVE}
    if db_live != log_view:
        only_db = sorted(set(db_live) - set(log_view))
        only_log = sorted(set(log_view) - set(db_live))
        differ = sorted(k for k in set(db_live) & set(log_view) if db_live[k] != log_view[k])
        bad.append(f"requests db vs assignments log: only in db {only_db[:10]}, only in log {only_log[:10]}, "
                   f"status differs {[(k, db_live[k], log_view[k]) for k in differ[:10]]}")
    by_id = {a["id"]: a for a in db["assignments"]}
    supply_live = {aid: s for aid, s in db_live.items() if by_id[aid]["kind"] == "supply"}
    inv_open: dict[str, Counter] = defaultdict(Counter)
    inv_issued: dict[str, Counter] = defaultdict(Counter)
    for h in inv_holds:
        target = inv_open if h["status"] == "held" else inv_issued if h["status"] == "issued" else None
        if target is not None:
            target[h["assignment_id"]][(h["warehouse_id"], h["sku"])] += h["quantity"]
    want_open = {aid for aid, s in supply_live.items() if s == "proposed"}
    want_issued = {aid for aid, s in supply_live.items() if s == "confirmed"}
    if set(inv_open) != want_open:
        bad.append(f"inventory holds vs proposed supply assignments: only in inventory "
                   f"{sorted(set(inv_open) - want_open)[:10]}, missing {sorted(want_open - set(inv_open))[:10]}")
    if set(inv_issued) != want_issued:
        bad.append(f"inventory issues vs confirmed supply assignments: only in inventory "
                   f"{sorted(set(inv_issued) - want_issued)[:10]}, "
                   f"missing {sorted(want_issued - set(inv_issued))[:10]}")
    for aid in want_open | want_issued:
        picks: Counter = Counter()
        for k in by_id[aid]["picks"]:
            picks[(k["warehouse"], k["sku"])] += k["quantity"]
        got = inv_open.get(aid) or inv_issued.get(aid) or Counter()
        if got and got != picks:
            bad.append(f"assignment {aid}: picks {dict(picks)}, inventory {dict(got)}")
    # What the matchers believe: the number of holds, rooms and stock still free.
    rooms_used: dict[str, Counter] = defaultdict(Counter)
    for aid in db_live:
        a = by_id[aid]
        if a["room"]:
            for t in ("standard", "family", "accessible"):
                rooms_used[a["room"]["hotel"]][t] += a["room"].get(t) or 0
    available = {(b["warehouse_id"], b["sku"]): b["available"] for b in balances}
    for m in matchers:
        name, ready = m["name"], m["readyz"]
        if ready.get("holds") != len(db_live):
            bad.append(f"matcher {name} ({ready.get('role')}): {ready.get('holds')} holds, "
                       f"{len(db_live)} live assignments in the requests db")
        for r in m["rooms"]:
            want = {t: city["rooms"][r["hotel"]].get(t, 0) - rooms_used[r["hotel"]][t]
                    for t in ("standard", "family", "accessible")}
            free = {t: r["free"].get(t, 0) for t in want}
            if free != want:
                bad.append(f"matcher {name}: hotel {r['hotel']} free {free}, requests db says {want}")
        for s in m["stock"]:
            key = (s["warehouse"], s["sku"])
            if s["free"] != available.get(key) or s["available"] != available.get(key):
                bad.append(f"matcher {name}: stock {key} available {s['available']} free {s['free']}, "
                           f"inventory says available {available.get(key)}")
    return bad


def booking_stats(db: dict[str, Any]) -> dict[str, Any]:
    """What the capacity checks looked at (so a pass is seen not to be vacuous)."""
    live = [a for a in db["assignments"] if a["status"] in LIVE]
    trips = {(t["bus"], t["start_at"], t["arrive_at"]) for a in live for t in (a["trips"] or [])}
    rooms: Counter = Counter()
    for a in live:
        if a["room"]:
            rooms[a["room"]["hotel"]] += sum(a["room"].get(t) or 0 for t in ("standard", "family", "accessible"))
    return {"live_transfer": sum(1 for a in live if a["kind"] == "transfer"),
            "live_supply": sum(1 for a in live if a["kind"] == "supply"),
            "trips": len(trips), "buses_used": len({t[0] for t in trips}), "rooms_held": dict(rooms),
            "units_live": sum(k["quantity"] for a in live for k in (a["picks"] or []))}


# --- the whole stack -----------------------------------------------------------------------------

POISON_NEEDS = b"\xff\xfe fault test: not a protobuf \x00\x01"
POISON_ASSIGNMENTS = b"\x08\x96\x01fault test: garbage"


class Stack:
    """A private broker, fresh databases, the requests and inventory services and `n_matchers`
    matchers on one APP_ID (the first is the active one), and the small city loaded."""

    def __init__(self, tmp_path: Path, pg_databases, *, n_matchers: int = 2) -> None:
        import uuid

        self.tmp = tmp_path
        self.broker = PrivateBroker(tmp_path / "kafka", broker_port())
        self.prefix = f"f{uuid.uuid4().hex[:6]}."
        self.rq_db, self.inv_db = pg_databases(), pg_databases()
        self.rq_group, self.inv_group, self.app_id = f"rq-{self.prefix}", f"inv-{self.prefix}", f"matcher-{self.prefix}"
        logs = tmp_path / "logs"
        logs.mkdir(exist_ok=True)
        kafka = {"BAOLEI_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap, "BAOLEI_KAFKA_TOPIC_PREFIX": self.prefix}
        from tests.integration.conftest import free_port

        inv_port, rq_port = free_port(), free_port()
        self.inventory = Service("inventory", "baolei_inventory", {
            **kafka, "BAOLEI_INVENTORY_DATABASE_URL": self.inv_db, "BAOLEI_INVENTORY_HTTP_PORT": str(inv_port),
            "BAOLEI_INVENTORY_CONSUMER_GROUP": self.inv_group, "BAOLEI_INVENTORY_HOLD_TTL_S": "86400",
            "BAOLEI_INVENTORY_RECONCILE_INTERVAL_S": "20"}, inv_port, logs)
        self.requests = Service("requests", "baolei_requests", {
            **kafka, "BAOLEI_REQUESTS_DATABASE_URL": self.rq_db, "BAOLEI_REQUESTS_HTTP_PORT": str(rq_port),
            "BAOLEI_REQUESTS_CONSUMER_GROUP": self.rq_group,
            "BAOLEI_REQUESTS_INVENTORY_URL": self.inventory.url, "BAOLEI_REQUESTS_RECONCILE_INTERVAL_S": "20"},
            rq_port, logs)
        self.matchers: list[Service] = []
        for k in range(n_matchers):
            port = free_port()
            self.matchers.append(Service(f"matcher-{'abcdefgh'[k]}", "baolei_matcher", {
                **kafka, "BAOLEI_MATCHER_APP_ID": self.app_id, "BAOLEI_MATCHER_HTTP_PORT": str(port),
                "BAOLEI_MATCHER_BATCH_WINDOW_S": "0.2", "BAOLEI_MATCHER_HOLD_TTL_S": "86400",
                "BAOLEI_MATCHER_SNAPSHOT_INTERVAL_S": "5"}, port, logs))
        self.services = [self.requests, self.inventory, *self.matchers]
        self.city: dict[str, Any] = {}
        self.expected_dead_letters: Counter = Counter()

    def start(self) -> dict[str, float]:
        from baolei_common.topics import ensure_topics

        t0 = time.monotonic()
        took = {"broker": round(self.broker.start(), 1)}
        ensure_topics(self.broker.bootstrap, self.prefix)
        first = [self.requests, self.inventory, self.matchers[0]]
        for s in first:
            s.start()
        for s in first:
            s.wait_ready(90)
        for m in self.matchers[1:]:  # standbys join once the first one is active
            m.start()
            m.wait_ready(90)
        took["services"] = round(time.monotonic() - t0 - took["broker"], 1)
        self.city = load_city(self.requests.url, self.inventory.url)
        say(f"stack up in {time.monotonic() - t0:.0f} s on broker {self.broker.bootstrap}, prefix {self.prefix}")
        return took

    def close(self) -> None:
        for s in reversed(self.services):
            try:
                s.stop()
            except Exception as exc:
                say(f"stopping {s.name}: {exc}")
        self.broker.stop()

    def all_ready(self, timeout_s: float) -> dict[str, float]:
        """Seconds until each service's /readyz said 200 (all within `timeout_s`)."""
        t0 = time.monotonic()
        out = {}
        for s in self.services:
            s.wait_ready(max(1.0, timeout_s - (time.monotonic() - t0)))
            out[s.name] = round(time.monotonic() - t0, 1)
        return out

    def active_matcher(self) -> Service | None:
        live = [m for m in self.matchers if m.proc is not None and m.proc.poll() is None]
        act = [m for m in live if m.readyz().get("role") == "active"]
        return act[0] if len(act) == 1 else None

    def dead_letters(self) -> list[Any]:
        from baolei_events.v1 import deadletter_pb2

        return [deadletter_pb2.DeadLetter.FromString(r.value)
                for r in read_topic(self.broker.bootstrap, self.prefix + "baolei.deadletter.v1")]

    def send_poison(self, timeout_s: float = 30) -> None:
        """One undecodable message on the needs topic and one on the assignments topic; waits until
        every consumer has dead-lettered each once (the matcher: only the active one does)."""
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=self.broker.bootstrap, acks="all")
        producer.send(self.prefix + "baolei.needs.v1", key=b"poison", value=POISON_NEEDS)
        producer.send(self.prefix + "baolei.assignments.v1", key=b"poison", value=POISON_ASSIGNMENTS)
        producer.flush()
        producer.close()
        self.expected_dead_letters = Counter({
            (self.app_id, POISON_NEEDS): 1, (self.app_id, POISON_ASSIGNMENTS): 1,
            (self.rq_group, POISON_ASSIGNMENTS): 1, (self.inv_group, POISON_ASSIGNMENTS): 1})
        deadline = time.monotonic() + timeout_s
        while True:
            dls = self.dead_letters()
            if Counter((d.consumer, d.value) for d in dls) == self.expected_dead_letters:
                return
            seen = [(d.consumer, d.value, d.error) for d in dls]
            assert time.monotonic() < deadline, f"dead letters of the poison: {seen}"
            time.sleep(0.5)

    def check_dead_letters(self) -> list[str]:
        dls = self.dead_letters()
        got = Counter((d.consumer, d.value) for d in dls)
        if got == self.expected_dead_letters:
            return []
        return [f"dead letter {d.consumer} {d.source_topic}[{d.partition}]@{d.offset}: {d.error[:300]}"
                for d in dls if (d.consumer, d.value) not in self.expected_dead_letters
                or got[(d.consumer, d.value)] > 1] + \
               [f"dead letter missing: {k}" for k in self.expected_dead_letters if k not in got]

    def problems(self, stream: NeedStream | None = None) -> list[str]:
        """Everything that is not (yet) as it must be once the stack is quiet; empty when all agree."""
        problems: list[str] = []
        db = requests_db(self.rq_db)
        submitted = [n["id"] for n in db["needs"] if n["status"] == "submitted"]
        if submitted:
            problems.append(f"{len(submitted)} needs still submitted: {submitted[:10]}")
        if db["unsent"]:
            problems.append(f"requests outbox: {db['unsent']} events unsent")
        if (inv_unsent := unsent_outbox(self.inv_db)):
            problems.append(f"inventory outbox: {inv_unsent} events unsent")
        for group in (self.rq_group, self.inv_group):
            lag = group_lag(self.broker.bootstrap, group, self.prefix + "baolei.assignments.v1")
            if lag != 0:
                problems.append(f"consumer group {group}: lag {lag}")
        if problems:
            return problems
        log_view, log_problems = assignments_log_view(
            read_topic(self.broker.bootstrap, self.prefix + "baolei.assignments.v1"))
        holds = inventory_holds(self.inventory.url)
        balances = httpx.get(f"{self.inventory.url}/api/balances", headers=OP, timeout=30).json()
        seen = [{"name": m.name, "readyz": m.readyz(),
                 "rooms": httpx.get(f"{m.url}/state/rooms", timeout=10).json(),
                 "stock": httpx.get(f"{m.url}/state/stock", timeout=10).json()}
                for m in self.matchers if m.proc is not None and m.proc.poll() is None]
        return (log_problems + (check_keys(db, stream) if stream is not None else []) + check_outcomes(db)
                + check_capacity(db, self.city) + check_stock(balances, holds, self.city)
                + check_agreement(db, log_view, holds, seen, self.city, balances))

    def wait_quiet(self, timeout_s: float, stream: NeedStream | None = None) -> tuple[list[str], float]:
        """Polls `problems()` until it is empty or `timeout_s` passed; returns the last ones and the time."""
        t0 = time.monotonic()
        while True:
            found = self.problems(stream)
            if not found or time.monotonic() - t0 > timeout_s:
                return found, round(time.monotonic() - t0, 1)
            time.sleep(2.0)
