"""Answers behind a backlog: declines handled with 10,000 unmet needs open, through the real matcher.

Why: after a 10,000-row import the matcher re-solved ~9,500 unmet needs on every event, and a
hotel's decline waited 145 s before it was handled. This starts the real matcher process on fresh
topics over the real broker in a world short of rooms and buses for close contacts (2 hotels of
40 rooms, 12 buses), with `--backlog` close-contact needs open and already found unmet (their
needs and unmet reasons are on the topics before the matcher starts, as a previous matcher left
them; a fresh process takes every one of them again once, so the first probes meet that wake-up
wave). Then, one probe at a time: a secondary-contact need (3 hotels take those) is raised, its
proposal is declined by the hotel, and the time from the decline on Kafka to the matcher's next
outcome for that need (a new proposal or an unmet reason) is what is measured; the new proposal
is then accepted and finished. The time from raising a probe to its first proposal is reported
too. The baseline, in the same run, is the same probes in the same world with no backlog.

An accept (AssignmentConfirmed) changes nothing the matcher publishes, so its handling is not
timed here; it is folded on the event loop like the decline, which this times end to end.

Run: python -m bench.backlog_bench [--backlog 10000] [--probes 30]
     (needs the broker at BAOLEI_KAFKA_BOOTSTRAP_SERVERS, default 127.0.0.1:19092; ~2-3 min)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kafka import KafkaProducer

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_common.procs import wait_ready
from baolei_common.topics import ensure_topics
from bench.backlog_world import CC, SC, Outcomes, World, confirmed, found_unmet, released
from bench.burst_bench import finish, q

RESULTS = Path(__file__).parent / "results" / "backlog.md"
def readyz(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
        return json.loads(r.read())


@dataclass
class Run:
    backlog: int
    decline_s: list[tuple[float, bool]] = field(default_factory=list)  # (seconds, during the wake-up wave)
    first_s: list[float] = field(default_factory=list)  # raise -> first proposal of a probe
    probes_unmet: int = 0
    declines_unanswered: int = 0
    status_after_wave: dict = field(default_factory=dict)
    status_end: dict = field(default_factory=dict)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


def run_case(bootstrap: str, backlog: int, probes: int, log: Path, seed: int = 1, kafka: KafkaSettings | None = None,
             port: int | None = None, env: dict[str, str] | None = None, world: World | None = None,
             decline_backlog: bool = False) -> Run:
    """Fresh topics, the world and the backlog on them, a matcher; then `probes` declines, one at a
    time: of a probe need's proposal, or (`decline_backlog`) of a backlog need's proposal, which
    frees bus time and rooms that many needs found unmet can use (a wake-up behind every decline)."""
    own = kafka is None
    k = kafka or KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"backlog{uuid.uuid4().hex[:8]}.")
    if own:
        ensure_topics(bootstrap, k.topic_prefix)
    world = world or World(seed)
    prod = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, batch_size=256 * 1024)
    out = Outcomes(bootstrap, k.topic(topics.ASSIGNMENTS))
    proc: subprocess.Popen | None = None
    port = port or 18000 + (os.getpid() + backlog) % 1000
    result = Run(backlog)

    def send(logical: str, key: str, msg) -> None:
        prod.send(k.topic(logical), key=key.encode(), value=msg.SerializeToString())

    try:
        for h in world.hotels():
            send(topics.HOTELS, h.hotel_id, h)
        for b in world.buses():
            send(topics.BUSES, b.bus_id, b)
        for i in range(backlog):
            nid = f"K{i:05d}"
            send(topics.NEEDS, nid, world.need(nid, risk=CC, people=1 + i % 4, priority=2 + i % 3,
                                               age_s=3600 - i * 0.3))
        prod.flush()
        for i in range(backlog):
            send(topics.ASSIGNMENTS, f"K{i:05d}", found_unmet(f"K{i:05d}"))
        prod.flush()
        menv = {**os.environ, "BAOLEI_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "BAOLEI_KAFKA_TOPIC_PREFIX": k.topic_prefix,
                "BAOLEI_MATCHER_APP_ID": f"backlog-{uuid.uuid4().hex[:6]}", "BAOLEI_MATCHER_HTTP_PORT": str(port),
                "BAOLEI_MATCHER_SNAPSHOT_WRITE": "false", "PYTHONUNBUFFERED": "1", **(env or {})}
        proc = subprocess.Popen([sys.executable, "-m", "baolei_matcher"], env=menv, stdout=log.open("wb"),
                                stderr=subprocess.STDOUT)
        wait_ready(f"http://127.0.0.1:{port}/readyz", proc, log, timeout_s=120)
        out.start()
        time.sleep(1.0)  # the reader is assigned its partition before the first probe
        result.load = os.getloadavg()
        declined: set[str] = set()
        for i in range(probes):
            if proc.poll() is not None:
                raise RuntimeError(f"the matcher exited ({proc.returncode}); see {log}")
            if decline_backlog:
                decline_one(out, declined, port, send, prod, result)
                if i == probes // 2:
                    result.status_after_wave = readyz(port)
                continue
            nid = f"P{i:03d}"
            t0 = time.perf_counter()
            send(topics.NEEDS, nid, world.need(nid, risk=SC, people=2, priority=1))
            prod.flush()
            first = out.after(nid, 0, 30)
            if first is None or first.kind != "proposed":
                result.probes_unmet += 1
                continue
            result.first_s.append(first.at - t0)
            wave = readyz(port).get("backlog", 0) > 0
            t1 = time.perf_counter()
            send(topics.ASSIGNMENTS, nid, released(first.assignment_id, nid, "declined: 酒店已满 / bench", first.hotel))
            prod.flush()
            again = out.after(nid, 1, 30)
            if again is None:
                result.declines_unanswered += 1
                continue
            result.decline_s.append((again.at - t1, wave))
            if again.kind == "proposed":
                send(topics.ASSIGNMENTS, nid, confirmed(again.assignment_id, nid))
                send(topics.ASSIGNMENTS, nid, released(again.assignment_id, nid, "done"))
                prod.flush()
            if i == probes // 2:
                result.status_after_wave = readyz(port)
            time.sleep(0.3)
        result.status_end = readyz(port)
        return result
    finally:
        finish(out, prod, proc, bootstrap, k.topic_prefix if own else None)


def decline_one(out: Outcomes, declined: set[str], port: int, send, prod: KafkaProducer, result: Run) -> None:
    """Decline the live proposal of one backlog need (waiting up to 30 s for one) and time the
    matcher's next outcome for it."""
    deadline, pick = time.perf_counter() + 30, None
    while pick is None and time.perf_counter() < deadline:
        with out.lock:
            pick = next(((nid, len(got), got[-1]) for nid, got in out.of.items()
                         if nid.startswith("K") and nid not in declined and got[-1].kind == "proposed"), None)
        if pick is None:
            time.sleep(0.05)
    if pick is None:
        result.probes_unmet += 1
        return
    nid, index, prop = pick
    declined.add(nid)
    wave = readyz(port).get("backlog", 0) > 0
    t1 = time.perf_counter()
    send(topics.ASSIGNMENTS, nid, released(prop.assignment_id, nid, "declined: 酒店已满 / bench", prop.hotel))
    prod.flush()
    again = out.after(nid, index, 30)
    if again is None:
        result.declines_unanswered += 1
    else:
        result.decline_s.append((again.at - t1, wave))
    time.sleep(0.3)


def row(label: str, xs: list[float]) -> str:
    return f"| {label} | {len(xs)} | {q(xs, 50):.2f} | {q(xs, 95):.2f} | {max(xs, default=float('nan')):.2f} |"


def report(base: Run, full: Run, args: argparse.Namespace) -> str:
    dec = [x for x, _ in full.decline_s]
    wave = [x for x, w in full.decline_s if w]
    calm = [x for x, w in full.decline_s if not w]
    s1, s2 = full.status_after_wave, full.status_end
    p95 = q(dec, 95)
    verdict = "met" if p95 <= 2.0 else "missed"
    return "\n".join([
        f"Declines behind a backlog (`python -m bench.backlog_bench --backlog {args.backlog} --probes {args.probes} "
        f"--cc-rooms {args.cc_rooms} --buses {args.buses}{' --decline-backlog' if args.decline_backlog else ''}`, "
        f"{datetime.now():%Y-%m-%d %H:%M} UTC, 2 cores shared with other work — load average at the start of the "
        f"backlog run {full.load[0]:.1f}): the real matcher process over the real broker, matcher defaults (batch "
        f"window 0.5 s, solve limit 2 s). World: 2 hotels of {args.cc_rooms} rooms take close contacts, 3 hotels of "
        f"200 rooms take secondary contacts, {args.buses} buses. Backlog: {args.backlog} close-contact needs open and "
        f"found unmet before "
        f"the matcher starts (a fresh process takes them all again once: the wake-up wave). Each probe: a "
        f"secondary-contact need raised, its proposal declined by the hotel; time from the decline on Kafka to the "
        f"matcher's next outcome for it on Kafka."
        + (" With the backlog the declines are of backlog needs' proposals instead (`--decline-backlog`): each "
           "frees bus time and rooms that the needs found unmet can use, so every decline wakes many of them."
           if args.decline_backlog else ""), "",
        "| case | declines | p50 s | p95 s | max s |", "| --- | ---: | ---: | ---: | ---: |",
        row("baseline: no backlog", [x for x, _ in base.decline_s]),
        row(f"{args.backlog} unmet needs open", dec),
        row("… of which during the wake-up wave", wave),
        row("… of which after it", calm), "",
        f"**Target (≤ 2 s p95 with {args.backlog} unmet needs open): {verdict}** (p95 {p95:.2f} s).", "",
        "Probe raised → its first proposal (a new need behind the backlog): "
        f"baseline p50 {q(base.first_s, 50):.2f} / p95 {q(base.first_s, 95):.2f} / max "
        f"{max(base.first_s, default=float('nan')):.2f} s; with the backlog p50 {q(full.first_s, 50):.2f} / p95 "
        f"{q(full.first_s, 95):.2f} / max {max(full.first_s, default=float('nan')):.2f} s. Probes without a "
        f"proposal: baseline {base.probes_unmet}, backlog {full.probes_unmet}; declines without a next outcome in "
        f"30 s: {base.declines_unanswered}, {full.declines_unanswered}.", "",
        f"Needs taken into solves (`/readyz` `solved_needs`, of which found unmet before and woken: "
        f"`retried_needs`), backlog run: {s1.get('solved_needs')} / {s1.get('retried_needs')} after probe "
        f"{args.probes // 2 + 1}, {s2.get('solved_needs')} / {s2.get('retried_needs')} at the end "
        f"({s2.get('unmet')} needs unmet, {s2.get('holds')} holds). Before this change every decline sent every "
        f"unmet need back to the solver.", ""])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backlog", type=int, default=10000, help="unmet needs open when the probes start")
    ap.add_argument("--probes", type=int, default=30, help="needs raised and declined one at a time")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cc-rooms", type=int, default=40, help="rooms of each of the 2 close-contact hotels")
    ap.add_argument("--buses", type=int, default=12)
    ap.add_argument("--decline-backlog", action="store_true",
                    help="with the backlog, decline proposals of backlog needs (each frees capacity others can use)")
    ap.add_argument("--env", nargs="*", default=[], help="extra matcher env, e.g. BAOLEI_MATCHER_BATCH_WINDOW_S=0.2")
    ap.add_argument("--log-dir", type=Path, help="keep the matcher logs here (default: a temporary directory)")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write bench/results/backlog.md")
    args = ap.parse_args(argv)
    bootstrap = os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    env = dict(x.split("=", 1) for x in args.env)
    with tempfile.TemporaryDirectory() as tmp:
        logs = args.log_dir or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        base = run_case(bootstrap, 0, args.probes, logs / "matcher-baseline.log", args.seed, env=env,
                        world=World(args.seed, args.cc_rooms, args.buses))
        full = run_case(bootstrap, args.backlog, args.probes, logs / "matcher-backlog.log", args.seed, env=env,
                        world=World(args.seed, args.cc_rooms, args.buses), decline_backlog=args.decline_backlog)
    text = report(base, full, args)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
