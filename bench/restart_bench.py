"""Matcher restart time with a month of history behind it: start -> /readyz ready, with and without a
snapshot of its state.

Why: a matcher that rebuilds its state from the beginning of the needs and assignments logs starts
slower every day of an outbreak, and a standby that must replace it is only as good as that start.
This writes a history of at least a million events on a fresh topic prefix — resources of a
generated city, then needs submitted, proposed, confirmed and done (some declined and proposed
again, some cancelled), a month of them, and a thousand needs still open at the end — with hotel
stays: each transfer's people stay STAY_DAYS at a hotel that accepts their risk and has room (a need
no hotel has room for is cancelled), 5 % stay longer, everyone leaves when due and the room is
cleaned for CLEANING_H hours (StayChanged events, as the requests service writes them) — then:
1. starts the real matcher with snapshots not loaded: it replays everything (timed), becomes active
   and writes a snapshot;
2. adds a day's tail of events after that snapshot;
3. starts it again, loading the snapshot: it replays only the tail (timed);
and checks both starts end with the same open needs and holds as the history says, and that every
hotel's occupied rooms in the matcher (`/state/rooms`) are the history's arrivals less its
departures, with no free count below zero.

Run: python -m bench.restart_bench [--events 1000000] [--open 1000] [--tail 20000] [--out FILE]
(needs the broker; `make bench` starts it)
"""
from __future__ import annotations

import argparse
import asyncio
import heapq
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
STAY_DAYS, EXTEND_DAYS, CLEANING_H = 7, 3, 4
TYPES = ("standard", "family", "accessible")


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
        # hotel stays: rooms left per hotel (held, occupied or cleaning taken off), who is where
        self.accepts = {h["id"]: set(h["accepts"]) for h in city.doc["hotels"]}
        self.free = {h["id"]: {t: h["rooms"].get(t, 0) for t in TYPES} for h in city.doc["hotels"]}
        self.occupied = {h["id"]: {t: 0 for t in TYPES} for h in city.doc["hotels"]}
        self.pending: list[tuple[datetime, int, str, tuple]] = []  # (when, seq, what, data): left, extend, cleaned
        self.seq = 0
        self.stays = {"arrived": 0, "left": 0, "extended": 0, "no_room": 0}

    def _pick_hotel(self, template: dict) -> str | None:
        """A hotel that accepts the need's risk and has its rooms free; they are taken off at once."""
        want = template["rooms"]
        ids = [h for h in self.hotels if template["risk"] in self.accepts[h]]
        for hid in self.rng.sample(ids, min(20, len(ids))):
            if all(self.free[hid][t] >= want.get(t, 0) for t in TYPES):
                for t in TYPES:
                    self.free[hid][t] -= want.get(t, 0)
                return hid
        return None

    def _later(self, at: datetime, what: str, data: tuple) -> None:
        self.seq += 1
        heapq.heappush(self.pending, (at, self.seq, what, data))

    def _stay(self, at: datetime, aid: str, nid: str, hotel: str, kind: str, rooms: dict, people: int,
              until: datetime | None, vacated: dict | None = None) -> assignments_pb2.AssignmentEvent:
        body = assignments_pb2.StayChanged(
            assignment_id=aid, need_id=nid, hotel_id=hotel, kind=kind, rooms_staying=common_pb2.RoomCounts(**rooms),
            people_staying=people, rooms_vacated=common_pb2.RoomCounts(**(vacated or {})), cleaning_hours=CLEANING_H)
        if until is not None:
            body.stay_until.CopyFrom(ts(until))
        if vacated:
            body.cleaning_until.CopyFrom(ts(at + timedelta(hours=CLEANING_H)))
        return self._event(nid, at, stay=body)

    async def due(self, w: Writer, now: datetime) -> None:
        """What happened by `now` at the hotels: extensions, departures, rooms cleaned."""
        while self.pending and self.pending[0][0] <= now:
            at, _, what, (aid, nid, hotel, rooms, people) = heapq.heappop(self.pending)
            if what == "extend":
                until = at + timedelta(days=1 + EXTEND_DAYS)
                await w.send(topics.ASSIGNMENTS, nid, self._stay(at, aid, nid, hotel, "extended", rooms, people, until))
                self._later(until, "left", (aid, nid, hotel, rooms, people))
                self.stays["extended"] += 1
            elif what == "left":
                ev = self._stay(at, aid, nid, hotel, "left", {t: 0 for t in TYPES}, 0, None, rooms)
                ev.stay.people_left = people
                await w.send(topics.ASSIGNMENTS, nid, ev)
                for t in TYPES:
                    self.occupied[hotel][t] -= rooms.get(t, 0)
                self._later(at + timedelta(hours=CLEANING_H), "cleaned", (aid, nid, hotel, rooms, people))
                self.stays["left"] += 1
            else:  # cleaned: the history's own count of rooms it may give again
                for t in TYPES:
                    self.free[hotel][t] += rooms.get(t, 0)

    def _proposed(self, nid: str, template: dict, at: datetime, hotel: str = "") -> assignments_pb2.AssignmentEvent:
        aid = f"A-{uuid.uuid4().hex[:16]}"
        body = assignments_pb2.AssignmentProposed(assignment_id=aid, need_id=nid, solve_id="S-bench",
                                                  explanation_zh="基准历史", explanation_en="bench history",
                                                  hold_expires_at=ts(at + timedelta(minutes=15)))
        if template["kind"] == "transfer":
            body.kind = needs_pb2.NEED_KIND_TRANSFER
            bus = self.rng.choice(self.buses)
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
        hotel = self._pick_hotel(template) if template["kind"] == "transfer" and not (stay_open and roll < 0.3) else ""
        if hotel is None:  # no hotel with room for it: cancelled (home isolation), as an operator would
            self.stays["no_room"] += 1
            await w.send(topics.NEEDS, nid, needs_pb2.NeedEvent(
                meta=meta(producer="requests", occurred_at=at),
                cancelled=needs_pb2.NeedCancelled(need_id=nid, reason="bench: no hotel room")))
            return
        if stay_open and roll < 0.3:
            await w.send(topics.ASSIGNMENTS, nid, self._event(nid, at, unmet=assignments_pb2.NeedUnmet(
                need_id=nid, code="rooms_full", reason_zh="房间已满", reason_en="rooms full", solve_id="S-bench")))
            self.open_needs.add(nid)
            return
        prop = self._proposed(nid, template, at, hotel)
        await w.send(topics.ASSIGNMENTS, nid, prop)
        aid = prop.proposed.assignment_id
        if roll < 0.13:  # declined, proposed again
            await w.send(topics.ASSIGNMENTS, nid, self._event(nid, at, released=assignments_pb2.AssignmentReleased(
                assignment_id=aid, need_id=nid, reason="declined")))
            prop = self._proposed(nid, template, at + timedelta(minutes=5), hotel)
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
        arrived = at + timedelta(hours=2)
        await w.send(topics.ASSIGNMENTS, nid, self._event(nid, arrived, released=done))
        if hotel:  # the stay: until it ends (5 % stay longer), then the room is cleaned
            rooms, people, until = dict(template["rooms"]), template["people"], arrived + timedelta(days=STAY_DAYS)
            await w.send(topics.ASSIGNMENTS, nid, self._stay(arrived, aid, nid, hotel, "arrived", rooms, people, until))
            for t in TYPES:
                self.occupied[hotel][t] += rooms.get(t, 0)
            self.stays["arrived"] += 1
            extend = self.rng.random() < 0.05
            self._later(until - timedelta(days=1) if extend else until, "extend" if extend else "left",
                        (aid, nid, hotel, rooms, people))


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
            await hist.due(w, at)
            await hist.need_life(w, at, stay_open=stay)
        while closing < open_needs:  # the needs still open at the end
            closing += 1
            await hist.need_life(w, end, stay_open=True)
        await hist.due(w, end)
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
        rooms_full = rooms_check(port, hist)
        snap = wait_snapshot(port)["snapshot"]
        stop(proc)
        # check against the history before any tail: the re-match after ready may add proposals of its
        # own, so only needs are compared exactly here
        ok_full = full["needs"] == len(hist.open_needs) and full["holds"] == len(hist.live_holds)
        tail, tail_s = asyncio.run(write_history(bootstrap, k, hist, args.tail, 0, now - timedelta(hours=1), now))
        print(f"tail after the snapshot: {tail:,} events", flush=True)
        snap_s, fast, proc, port = time_start(k, app_id, True, logs / "matcher-snapshot.log")
        rooms_fast = rooms_check(port, hist)
        stop(proc)
    print(f"from the snapshot: ready in {snap_s:.1f} s ({fast['replay']}); "
          f"needs {fast['needs']}, holds {fast['holds']}")
    ratio = full_s / snap_s
    print(f"rooms after the full replay: {rooms_full}; from the snapshot: {rooms_fast}; stays {hist.stays}")
    lines = [
        f"Matcher restart with a month of history (`python -m bench.restart_bench`, {datetime.now():%Y-%m-%d %H:%M}, "
        f"2 cores shared, load average {os.getloadavg()[0]:.1f} at the end): {written:,} events (a generated "
        f"large city's resources; needs submitted, proposed, confirmed, done, their people staying at hotels and "
        f"leaving; 10 % declined and proposed again, 3 % cancelled; {args.open} needs open at the end), "
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
        "",
        f"Hotel stays in the history: {hist.stays['arrived']:,} arrivals, {hist.stays['left']:,} departures "
        f"({hist.stays['extended']:,} after staying longer), {hist.stays['no_room']:,} transfer needs cancelled for "
        f"want of a room; {STAY_DAYS} days each, {CLEANING_H} h of cleaning. City rooms in the matcher "
        f"(`/state/rooms`, {len(hist.occupied)} hotels):",
        "",
        "| start | occupied | being cleaned | free now | hotels with free < 0 | every hotel's occupied "
        "= arrivals - departures |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(f"| {name} | {r['occupied']:,} | {r['cleaning']:,} | {r['free']:,} | {r['negative']} | "
          f"{'yes' if r['exact'] else 'NO: ' + ', '.join(r['wrong'][:5])} |"
          for name, r in (("full replay", rooms_full), ("from the snapshot", rooms_fast))),
    ]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0 if ok_full and rooms_full["exact"] and rooms_fast["exact"] else 1


def rooms_check(port: int, hist: History) -> dict:
    """The matcher's rooms per hotel against the history's arrivals less departures."""
    rows = httpx.get(f"http://127.0.0.1:{port}/state/rooms", timeout=30).json()
    wrong = [r["hotel"] for r in rows if r["occupied"] != hist.occupied.get(r["hotel"], {})]
    total = {k: sum(sum(r[k].values()) for r in rows) for k in ("occupied", "cleaning", "free")}
    return {**total, "negative": sum(1 for r in rows if any(v < 0 for v in r["free"].values())),
            "exact": not wrong and len(rows) == len(hist.occupied), "wrong": wrong}


if __name__ == "__main__":
    sys.exit(main())
