"""Ledger benchmark: movements per second the inventory ledger sustains on PostgreSQL with several
concurrent writers, and the time from a committed movement to its StockChanged on Kafka.

Why: every need and every confirmation writes to the ledger, and the matcher only sees stock through
the compacted stock topic; the first number says how many movements a burst can carry, the second
how stale the matcher's view is (publish-after-commit through the outbox relay).

Each run uses a fresh PostgreSQL database (created and dropped) and a fresh topic prefix on the
broker; 50 warehouses × 8 staple SKUs, like the city-scale scenario.

Run: python -m bench.ledger_bench [PG_URL] [--seconds S] [--samples N]
     (PG_URL defaults to BAOLEI_TEST_PG_URL; writes bench/results/ledger.md)
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import resource
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_common.events import utcnow
from baolei_common.topics import ensure_topics
from baolei_events.v1 import stock_pb2
from baolei_inventory.adapters.db import migrate
from baolei_inventory.adapters.orm import OutboxRow
from baolei_inventory.bootstrap import Container, bootstrap
from baolei_inventory.config import InventoryConfig
from baolei_inventory.domain.errors import InsufficientStock
from baolei_inventory.domain.model import Pick, Sku, Warehouse
from bench.limits import MAX_QUANTITY, check, fail_if

RESULTS = Path(__file__).parent / "results" / "ledger.md"
OPENING_STOCK = 1_000_000  # per warehouse and SKU: received once, then issued from
SKUS = ["rice", "flour", "oil", "pork", "eggs", "milk", "noodles", "vegetables"]
WAREHOUSES = [f"wh-{i:02d}" for i in range(50)]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _seed(c: Container) -> None:
    for s in SKUS:
        c.catalog.upsert_sku(Sku(s, s, s, "unit"))
    for i, w in enumerate(WAREHOUSES):
        c.catalog.upsert_warehouse(Warehouse(w, w, "食品物资集团", f"d{i % 10}", 22.5, 114.0))
        for s in SKUS:
            c.stock.receive(actor="bench", warehouse_id=w, sku=s, lot="L0", quantity=OPENING_STOCK)


def _one_movement(c: Container, rnd: random.Random, keys: list[tuple[str, str]], n: int) -> int:
    """One business movement of a realistic mix; returns ledger movements written (1, or 2 for
    hold + confirm)."""
    wh, sku = rnd.choice(keys)
    roll = rnd.random()
    if roll < 0.3:
        c.stock.receive(actor="bench", warehouse_id=wh, sku=sku, lot=f"L{n % 7}", quantity=5)
        return 1
    if roll < 0.6:
        c.stock.issue(actor="bench", warehouse_id=wh, sku=sku, quantity=3)
        return 1
    aid = uuid.uuid4().hex
    try:
        c.stock.hold(actor="bench", assignment_id=aid, need_id="n", picks=[Pick(wh, sku, 2)])
    except InsufficientStock:
        return 0
    c.stock.confirm(actor="bench", assignment_id=aid)
    return 2


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def throughput(c: Container, writers: int, seconds: float, keys: list[tuple[str, str]]
               ) -> tuple[float, float]:
    """Movements per second and client CPU (this process) in ms per movement: it says whether the
    service or the database is the limit (the service is one interpreter; past ~1 s of CPU per
    second it cannot go faster)."""
    cpu0 = _cpu()
    stop = time.monotonic() + seconds
    counts = [0] * writers

    def run(i: int) -> None:
        rnd = random.Random(i)
        n = 0
        while time.monotonic() < stop:
            counts[i] += _one_movement(c, rnd, keys, n)
            n += 1

    start = time.monotonic()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(run, range(writers)))
    elapsed, moved = time.monotonic() - start, max(1, sum(counts))
    return moved / elapsed, (_cpu() - cpu0) * 1000 / moved


async def latency(c: Container, samples: int) -> list[float]:
    """Seconds from just before a movement's commit to its StockChanged arriving on Kafka."""
    loop = asyncio.get_running_loop()
    relay = c.relay()
    c.store.on_commit(lambda: loop.call_soon_threadsafe(relay.wake))
    relay_task = asyncio.create_task(relay.run())
    kafka = c.config.kafka
    consumer = AIOKafkaConsumer(kafka.topic(topics.STOCK), bootstrap_servers=kafka.bootstrap_servers,
                                auto_offset_reset="latest", group_id=None)
    await consumer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    await consumer.seek_to_end()
    sent: dict[str, float] = {}
    seen: list[float] = []
    done = asyncio.Event()

    async def consume() -> None:
        async for record in consumer:
            cause = stock_pb2.StockChanged.FromString(record.value).cause
            mid = cause.split("movement=")[1].split()[0] if "movement=" in cause else ""
            if mid in sent:
                seen.append(time.perf_counter() - sent.pop(mid))
                if len(seen) >= samples:
                    done.set()

    consume_task = asyncio.create_task(consume())
    rnd = random.Random(7)
    for _ in range(samples):
        wh, sku = rnd.choice([(w, s) for w in WAREHOUSES for s in SKUS])
        t0 = time.perf_counter()
        mid = await asyncio.to_thread(c.stock.receive, actor="bench", warehouse_id=wh, sku=sku,
                                      lot="L0", quantity=1)
        sent[mid] = t0
        await asyncio.sleep(0.01)
    await asyncio.wait_for(done.wait(), timeout=60)
    for t in (consume_task, relay_task):
        t.cancel()
    await asyncio.gather(consume_task, relay_task, return_exceptions=True)
    await consumer.stop()
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pg_url", nargs="?", default=os.environ.get("BAOLEI_TEST_PG_URL"))
    ap.add_argument("--seconds", type=float, default=5.0, help="duration of each throughput run")
    ap.add_argument("--samples", type=int, default=300, help="movements timed to Kafka")
    ap.add_argument("--writers", default="1,2,4,8,16", help="writer thread counts")
    args = ap.parse_args()
    if not args.pg_url:
        raise SystemExit("give a PostgreSQL URL or set BAOLEI_TEST_PG_URL")
    problems: list[str] = []
    check(problems, "opening stock of one movement", OPENING_STOCK, MAX_QUANTITY, "lower OPENING_STOCK")
    fail_if("ledger", problems)  # before anything starts
    kafka_bootstrap = os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    ensure_topics(kafka_bootstrap, prefix)
    config = InventoryConfig(database_url=url, db_pool_size=20, db_max_overflow=20,
                             kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap, topic_prefix=prefix))
    c = bootstrap(config)
    lines: list[str] = []
    try:
        migrate(c.store.engine)
        _seed(c)
        every_key = [(w, s) for w in WAREHOUSES for s in SKUS]
        with c.store.engine.connect() as conn:
            sync_commit = conn.execute(text("SHOW synchronous_commit")).scalar_one()
        print(f"synchronous_commit = {sync_commit}", flush=True)
        rows: list[tuple[str, int, float, float]] = []
        for writers in [int(x) for x in args.writers.split(",")]:
            rate, cpu_ms = throughput(c, writers, args.seconds, every_key)
            rows.append(("400 levels, random", writers, rate, cpu_ms))
            print(f"random keys   writers={writers:2d}: {rate:8.1f} movements/s  "
                  f"client CPU {cpu_ms:.2f} ms/movement", flush=True)
        hot_writers = max(int(x) for x in args.writers.split(","))
        rate, cpu_ms = throughput(c, hot_writers, args.seconds, every_key[:1])
        rows.append(("1 level, all writers (hot key)", hot_writers, rate, cpu_ms))
        print(f"hot key       writers={hot_writers:2d}: {rate:8.1f} movements/s  "
              f"client CPU {cpu_ms:.2f} ms/movement", flush=True)
        agrees = c.catalog.ledger_agrees()
        print(f"balances agree with the ledger fold: {agrees}")
        with c.store.transaction() as s:  # the throughput runs' events are not part of the timing
            s.execute(update(OutboxRow).where(OutboxRow.sent_at.is_(None)).values(sent_at=utcnow()))
        # The bulk UPDATE leaves thousands of dead index entries that the relay's `sent_at IS NULL`
        # scan would wade through until autovacuum comes; a running relay marks rows in small
        # batches as it goes, so clean up first (the latency is about commit → Kafka, not this).
        with c.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE outbox"))
        seen = asyncio.run(latency(c, args.samples))
        p50, p95 = _pct(seen, 0.5) * 1000, _pct(seen, 0.95) * 1000
        print(f"movement → StockChanged on Kafka: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
              f"max {max(seen) * 1000:.1f} ms (n={len(seen)})")
        lines = [
            "# Ledger benchmark", "",
            f"`python -m bench.ledger_bench` on {platform.node()} ({os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}), {time.strftime('%Y-%m-%d %H:%M')}; "
            f"PostgreSQL on {make_url(args.pg_url).host}, Kafka at {kafka_bootstrap}.", "",
            "Movement mix: 30 % receipts, 30 % FEFO issues, 40 % hold + confirm (two movements). "
            "Each movement is one durable transaction (synchronous_commit "
            f"{sync_commit}): the level row changed under its lock by a guarded UPDATE/upsert … RETURNING, "
            "the FEFO lot read, then ledger rows, lot balances and the outbox row (one statement on "
            f"PostgreSQL). {len(WAREHOUSES)} warehouses × {len(SKUS)} SKUs; {args.seconds:.0f} s per run; "
            "writers are threads of one process, like the service.", "",
            "| keys | writers | movements/s | client CPU ms/movement |",
            "| --- | ---: | ---: | ---: |",
            *[f"| {k} | {w} | {r:.0f} | {cpu:.2f} |" for k, w, r, cpu in rows], "",
            f"Balances agree with the ledger fold after the runs: {agrees}.", "",
            f"Movement commit → its StockChanged read from `baolei.stock.v1` (outbox relay woken after "
            f"commit, acks=all; {len(seen)} receipts 10 ms apart): "
            f"**p50 {p50:.1f} ms, p95 {p95:.1f} ms**, max {max(seen) * 1000:.1f} ms.", "",
        ]
    finally:
        c.store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    if lines:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        # Sections written by hand (from "## " on, e.g. a before/after run) are kept as they are.
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        kept = old[old.index("\n## "):] if "\n## " in old else ""
        RESULTS.write_text("\n".join(lines).rstrip("\n") + "\n\n" + kept.lstrip("\n") if kept else "\n".join(lines),
                           encoding="utf-8")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
