"""Matcher restart time with a month of history behind it: start -> /readyz ready, with and without a
snapshot of its state.

Why: a matcher that rebuilds its state from the beginning of the needs and assignments logs starts
slower every day of an outbreak, and a standby that must replace it is only as good as that start.
This writes a history of at least a million events on a fresh topic prefix — resources of a
generated city, then needs submitted, proposed, confirmed and done (some declined and proposed
again, some cancelled), a month of them, and a thousand needs still open at the end — then:
1. starts the real matcher with snapshots not loaded: it replays everything (timed), becomes active
   and writes a snapshot;
2. adds a day's tail of events after that snapshot;
3. starts it again, loading the snapshot: it replays only the tail (timed);
and checks both starts end with the same open needs and holds as the history says.

Run: python -m bench.restart_bench [--events 1000000] [--open 1000] [--tail 20000] [--out FILE]
(needs the broker; `make bench` starts it)
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from kafka.admin import KafkaAdminClient

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_common.events import meta, ts
from baolei_events.v1 import assignments_pb2, common_pb2, needs_pb2
from bench.stream_bench import City

RESULTS = Path(__file__).parent / "results" / "restart.md"


class Writer:
    """Batches per partition (aiokafka's batch API: ~10x the throughput of one send per message)."""

    def __init__(self, producer: AIOKafkaProducer, k: KafkaSettings, partitions: dict[str, int]) -> None:
        self.p, self.k = producer, k
        self.parts = partitions
        self.partitioner = DefaultPartitioner()
        self.batches: dict[tuple[str, int], object] = {}
        self.pending: list[asyncio.Future] = []
        self.count = 0

    async def send(self, logical: str, key: str, msg) -> None:
        topic = self.k.topic(logical)
        kb = key.encode()
        part = self.partitioner(kb, list(range(self.parts[logical])), list(range(self.parts[logical])))
        value = msg.SerializeToString()
        b = self.batches.get((topic, part))
        if b is None:
            b = self.batches[(topic, part)] = self.p.create_batch()
        if b.append(key=kb, value=value, timestamp=None) is None:  # full: send, start another
            await self._flush_one(topic, part)
            b = self.batches[(topic, part)] = self.p.create_batch()
            b.append(key=kb, value=value, timestamp=None)
        self.count += 1

    async def _flush_one(self, topic: str, part: int) -> None:
        b = self.batches.pop((topic, part))
        self.pending.append(await self.p.send_batch(b, topic, partition=part))
        if len(self.pending) > 64:
            await asyncio.gather(*self.pending)
            self.pending.clear()

    async def flush(self) -> None:
        for topic, part in list(self.batches):
            await self._flush_one(topic, part)
        await asyncio.gather(*self.pending)
        self.pending.clear()


class History:
    """What the history leaves open, to check the matcher's state against."""

    def __init__(self, city: City, seed: int) -> None:
        self.city = city
        self.rng = random.Random(seed)
        self.templates = city.doc["needs"]
        self.hotels = [h["id"] for h in city.doc["hotels"]]
        self.buses = [b["id"] for b in city.doc["buses"]]
        self.open_needs: set[str] = set()
        self.live_holds: set[str] = set()
        self.n = 0

    def _proposed(self, nid: str, template: dict, at: datetime) -> assignments_pb2.AssignmentEvent:
        aid = f"A-{uuid.uuid4().hex[:16]}"
        body = assignments_pb2.AssignmentProposed(assignment_id=aid, need_id=nid, solve_id="S-bench",
                                                  explanation_zh="基准历史", explanation_en="bench history",
                                                  hold_expires_at=ts(at + timedelta(minutes=15)))
        if template["kind"] == "transfer":
            body.kind = needs_pb2.NEED_KIND_TRANSFER
            hotel, bus = self.rng.choice(self.hotels), self.rng.choice(self.buses)
            body.room.CopyFrom(assignments_pb2.RoomGrant(hotel_id=hotel, hotel_operator="投控公司",
                                                         rooms=common_pb2.RoomCounts(**template["rooms"])))
            body.trips.append(assignments_pb2.Trip(
                bus_id=bus, bus_operator="巴士集团", start_at=ts(at), hotel_id=hotel,
                arrive_at=ts(at + timedelta(minutes=50)),
                stops=[assignments_pb2.TripStop(
                    site_id=template["site"], at=ts(at + timedelta(minutes=20)),
                    load=[assignments_pb2.TripLoad(need_id=nid, people=template["people"])])]))
        else:
            body.kind = needs_pb2.NEED_KIND_SUPPLY
            wh = self.city.doc["stock"][0]["warehouse"]
            body.picks.extend(assignments_pb2.SupplyPick(sku=x["sku"], warehouse_id=wh,
                                                         warehouse_operator="食品物资集团", quantity=x["quantity"])
                              for x in template["lines"])
        return assignments_pb2.AssignmentEvent(meta=meta(producer="matcher", occurred_at=at, correlation_id=nid),
                                               proposed=body)

    def _event(self, nid: str, at: datetime, **body) -> assignments_pb2.AssignmentEvent:
        return assignments_pb2.AssignmentEvent(meta=meta(producer="requests", occurred_at=at, correlation_id=nid),
                                               **body)

    async def need_life(self, w: Writer, at: datetime, *, stay_open: bool = False) -> None:
        """One need's events: submitted, then proposed / confirmed / done, with the odd decline or
        cancellation; `stay_open` leaves it open (held, or unmet)."""
        self.n += 1
        template = self.templates[self.n % len(self.templates)]
        nid = f"H{self.n:07d}"
        ev = self.city.need(template, nid)
        ev.meta.occurred_at.CopyFrom(ts(at))
        await w.send(topics.NEEDS, nid, ev)
        roll = self.rng.random()
        if roll < 0.03:  # cancelled before anything was proposed
            await w.send(topics.NEEDS, nid, needs_pb2.NeedEvent(
                meta=meta(producer="requests", occurred_at=at),
                cancelled=needs_pb2.NeedCancelled(need_id=nid, reason="bench")))
            return
        if stay_open and roll < 0.3:
            await w.send(topics.ASSIGNMENTS, nid, self._event(nid, at, unmet=assignments_pb2.NeedUnmet(
                need_id=nid, code="rooms_full", reason_zh="房间已满", reason_en="rooms full", solve_id="S-bench")))
            self.open_needs.add(nid)
            return
        prop = self._proposed(nid, template, at)
        await w.send(topics.ASSIGNMENTS, nid, prop)
        aid = prop.proposed.assignment_id
        if roll < 0.13:  # declined, proposed again
            await w.send(topics.ASSIGNMENTS, nid, self._event(nid, at, released=assignments_pb2.AssignmentReleased(
                assignment_id=aid, need_id=nid, reason="declined")))
            prop = self._proposed(nid, template, at + timedelta(minutes=5))
            await w.send(topics.ASSIGNMENTS, nid, prop)
            aid = prop.proposed.assignment_id
        confirmed = assignments_pb2.AssignmentConfirmed(assignment_id=aid, need_id=nid, organisation="巴士集团")
        if stay_open:
            self.open_needs.add(nid)
            self.live_holds.add(aid)
            if roll < 0.6:
                await w.send(topics.ASSIGNMENTS, nid, self._event(nid, at, confirmed=confirmed))
            return
        await w.send(topics.ASSIGNMENTS, nid, self._event(nid, at, confirmed=confirmed))
        done = assignments_pb2.AssignmentReleased(assignment_id=aid, need_id=nid, reason="done")
        await w.send(topics.ASSIGNMENTS, nid, self._event(nid, at + timedelta(hours=2), released=done))


async def write_history(bootstrap: str, k: KafkaSettings, hist: History, events: int, open_needs: int,
                        start: datetime, end: datetime) -> tuple[int, float]:
    parts = {t.name: t.partitions for t in topics.TOPICS}
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20, max_batch_size=512 * 1024,
                         max_request_size=4 * 1024 * 1024)
    await p.start()
    t0 = time.perf_counter()
    try:
        w = Writer(p, k, parts)
        if hist.n == 0:
            for logical, key, msg in hist.city.resources():
                await w.send(logical, key, msg)
        first = w.count
        closing = 0
        span = (end - start).total_seconds()
        while w.count - first < events:
            frac = (w.count - first) / events
            at = start + timedelta(seconds=span * frac)
            stay = open_needs > 0 and frac > 0.995 and closing < open_needs
            closing += stay
            await hist.need_life(w, at, stay_open=stay)
        while closing < open_needs:  # the needs still open at the end
            closing += 1
            await hist.need_life(w, end, stay_open=True)
        await w.flush()
        return w.count, time.perf_counter() - t0
    finally:
        await p.stop()


def time_start(k: KafkaSettings, app_id: str, load: bool, log: Path,
               timeout_s: float = 600) -> tuple[float, dict, subprocess.Popen, int]:
    with socket.socket() as sock:  # a free port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "BAOLEI_KAFKA_BOOTSTRAP_SERVERS": k.bootstrap_servers,
           "BAOLEI_KAFKA_TOPIC_PREFIX": k.topic_prefix,
           "BAOLEI_MATCHER_APP_ID": app_id, "BAOLEI_MATCHER_HTTP_PORT": str(port),
           "BAOLEI_MATCHER_SNAPSHOT_LOAD": "true" if load else "false", "PYTHONUNBUFFERED": "1"}
    return start_until_ready("baolei_matcher", env, port, log, timeout_s)


def start_until_ready(module: str, env: dict[str, str], port: int, log: Path,
                      timeout_s: float) -> tuple[float, dict, subprocess.Popen, int]:
    """Start `python -m <module>`; seconds from start to its /readyz 200, that status, the process, the port."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{module} exited; see {log}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if r.status_code == 200:
                return time.perf_counter() - t0, r.json(), proc, port
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{module} not ready in {timeout_s} s; see {log}")


def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic of a run's prefix (a million events is ~400 MB of the shared broker's disk)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.delete_topics([t for t in admin.list_topics() if t.startswith(prefix)])
    finally:
        admin.close()


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_snapshot(port: int, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        s = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()
        if s.get("snapshot", {}).get("written"):
            return s
        time.sleep(0.5)
    raise RuntimeError("no snapshot written")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=1000)
    ap.add_argument("--tail", type=int, default=20_000, help="events written after the snapshot")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log-dir", type=Path)
    ap.add_argument("--out", type=Path, default=RESULTS, help="where the table goes (default bench/results/restart.md)")
    ap.add_argument("--keep", action="store_true", help="keep the history's topics (default: deleted at the end)")
    args = ap.parse_args(argv)
    bootstrap = os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    k = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"rb{uuid.uuid4().hex[:6]}.")
    topics.ensure_topics(bootstrap, k.topic_prefix)
    city = City("large", args.seed)
    hist = History(city, args.seed)
    now = datetime.now(timezone.utc)
    written, gen_s = asyncio.run(write_history(bootstrap, k, hist, args.events, args.open, now - timedelta(days=30),
                                               now - timedelta(hours=1)))
    print(f"history: {written:,} events on {k.topic_prefix}* in {gen_s:.1f} s ({written / gen_s:,.0f}/s); "
          f"open at the end: {len(hist.open_needs)} needs, {len(hist.live_holds)} holds", flush=True)
    app_id = f"restart-{uuid.uuid4().hex[:6]}"
    try:
        return measure(args, k, hist, app_id, written, gen_s, now)
    finally:
        if not args.keep:
            delete_topics(bootstrap, k.topic_prefix)


def measure(args: argparse.Namespace, k: KafkaSettings, hist: History, app_id: str, written: int, gen_s: float,
            now: datetime) -> int:
    bootstrap = k.bootstrap_servers
    with tempfile.TemporaryDirectory() as tmp:
        logs = args.log_dir or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        full_s, full, proc, port = time_start(k, app_id, False, logs / "matcher-full.log")
        print(f"full replay: ready in {full_s:.1f} s ({full['replay']}); needs {full['needs']}, holds {full['holds']}",
              flush=True)
        snap = wait_snapshot(port)["snapshot"]
        stop(proc)
        # check against the history before any tail: the re-match after ready may add proposals of its
        # own, so only needs are compared exactly here
        ok_full = full["needs"] == len(hist.open_needs) and full["holds"] == len(hist.live_holds)
        tail, tail_s = asyncio.run(write_history(bootstrap, k, hist, args.tail, 0, now - timedelta(hours=1), now))
        print(f"tail after the snapshot: {tail:,} events", flush=True)
        snap_s, fast, proc, port = time_start(k, app_id, True, logs / "matcher-snapshot.log")
        stop(proc)
    print(f"from the snapshot: ready in {snap_s:.1f} s ({fast['replay']}); "
          f"needs {fast['needs']}, holds {fast['holds']}")
    ratio = full_s / snap_s
    lines = [
        f"Matcher restart with a month of history (`python -m bench.restart_bench`, {datetime.now():%Y-%m-%d %H:%M}, "
        f"2 cores shared): {written:,} events (a generated large city's resources; needs submitted, proposed, "
        f"confirmed, done; 10 % declined and proposed again, 3 % cancelled; {args.open} needs open at the end), "
        f"written in {gen_s:.0f} s. Time from process start to `/readyz` 200 (active, caught up).",
        "",
        "| start | events replayed | ready s | open needs | holds |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| full replay (snapshots not loaded) | {full['replay']['events']:,} | {full_s:.1f} | "
        f"{full['needs']} | {full['holds']} |",
        f"| from the snapshot (+ {tail:,} events after it) | {fast['replay']['events']:,} | {snap_s:.1f} | "
        f"{fast['needs']} | {fast['holds']} |",
        f"| ratio full / snapshot | | {ratio:.1f}x | | |",
        "",
        f"Snapshot: {snap.get('written_bytes', 0):,} bytes (zlib JSON) for {snap.get('written_needs')} needs and "
        f"{snap.get('written_holds')} holds, written in {snap.get('written_ms')} ms. Full replay state matches the "
        f"history (open needs {len(hist.open_needs)}, holds {len(hist.live_holds)}): {'yes' if ok_full else 'NO'}.",
    ]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0 if ok_full else 1


if __name__ == "__main__":
    sys.exit(main())
