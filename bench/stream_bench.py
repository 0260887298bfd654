"""Streaming re-match latency over the real broker: one new need against 1,000 open needs.

Why: the solver benchmark times the solve alone; operators feel the whole path — a need on
Kafka, the matcher's micro-batch, the proposal (or unmet reason) back on Kafka. This starts the
real matcher process on fresh topics, loads a generated Shenzhen-like city (resources and 1,000
open needs) through Kafka, then times new needs one at a time. The baseline, measured in the same
run, is the same arrivals against a matcher holding no other needs.

Run: python -m bench.stream_bench [--open 1000] [--arrivals 30]   (needs the broker; make bench starts it)
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer

from baolei_common import topics
from baolei_common.config import KafkaSettings
from baolei_common.events import meta, ts
from baolei_common.procs import wait_ready
from baolei_events.v1 import assignments_pb2, common_pb2, needs_pb2, resources_pb2, stock_pb2
from baolei_matcher.solver.generator import generate

RESULTS = Path(__file__).parent / "results" / "stream.md"
RISK = {"close_contact": needs_pb2.RISK_CLOSE_CONTACT, "secondary_contact": needs_pb2.RISK_SECONDARY_CONTACT,
        "inbound": needs_pb2.RISK_INBOUND}


class City:
    """A generated scenario/v1 city moved to the present, as protobuf events."""

    def __init__(self, size: str, seed: int) -> None:
        self.doc = generate(size, "mixed", seed)
        self.shift = datetime.now(timezone.utc) - datetime.fromisoformat(self.doc["now"])
        self.sites = {s["id"]: s for s in self.doc["sites"]}

    def t(self, iso: str):
        return ts(datetime.fromisoformat(iso) + self.shift)

    def site(self, sid: str) -> common_pb2.Site:
        s = self.sites[sid]
        return common_pb2.Site(id=sid, name=s.get("name", sid), district=s.get("district", ""), lat=s["lat"],
                               lon=s["lon"])

    def resources(self):
        for h in self.doc["hotels"]:
            r = common_pb2.RoomCounts(**h["rooms"])
            yield topics.HOTELS, h["id"], resources_pb2.HotelRooms(
                meta=meta(producer="bench"), hotel_id=h["id"], operator=h.get("operator", ""),
                site=self.site(h["site"]),
                accepts=[RISK[a] for a in h["accepts"]], total=r, free=r, name=h.get("name", ""),
                state=resources_pb2.HOTEL_STATE_OPEN)
        for b in self.doc["buses"]:
            yield topics.BUSES, b["id"], resources_pb2.BusStatus(
                meta=meta(producer="bench"), bus_id=b["id"], operator=b.get("operator", ""),
                depot=self.site(b["depot"]),
                seats=b["seats"], load_limit=b["load_limit"], shift_start=self.t(b["shift_start"]),
                shift_end=self.t(b["shift_end"]), turnaround_min=int(b["turnaround_min"]),
                state=resources_pb2.BUS_STATE_IN_SERVICE)
        for s in self.doc["stock"]:
            yield topics.STOCK, f"{s['warehouse']}:{s['sku']}", stock_pb2.StockChanged(
                meta=meta(producer="bench"), warehouse=self.site(s["warehouse"]), sku=s["sku"], on_hand=s["quantity"],
                available=s["quantity"], warehouse_operator="食品物资集团", cause="bench opening stock")

    def need(self, n: dict, nid: str) -> needs_pb2.NeedEvent:
        body = needs_pb2.NeedSubmitted(need_id=nid, site=self.site(n["site"]), priority=n["priority"],
                                       due_at=self.t(n["due_at"]))
        if n["kind"] == "transfer":
            body.kind = needs_pb2.NEED_KIND_TRANSFER
            body.risk, body.people = RISK[n["risk"]], n["people"]
            body.rooms.CopyFrom(common_pb2.RoomCounts(**n["rooms"]))
            body.ready_at.CopyFrom(self.t(n["ready_at"]))
        else:
            body.kind = needs_pb2.NEED_KIND_SUPPLY
            body.lines.extend(needs_pb2.SupplyLine(sku=x["sku"], quantity=x["quantity"]) for x in n["lines"])
        return needs_pb2.NeedEvent(meta=meta(producer="bench", correlation_id=nid), submitted=body)


def run_case(kafka_bootstrap: str, city: City, open_needs: list[dict], arrivals: list[dict], window_s: float,
             log_dir: Path) -> tuple[list[float], float]:
    """Latencies (s) of each arrival, and the time the matcher took to absorb the open needs."""
    k = KafkaSettings(bootstrap_servers=kafka_bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:6]}.")
    topics.ensure_topics(kafka_bootstrap, k.topic_prefix)
    prod = KafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    for logical, key, msg in city.resources():
        prod.send(k.topic(logical), key=key.encode(), value=msg.SerializeToString())
    prod.flush()
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "BAOLEI_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "BAOLEI_KAFKA_TOPIC_PREFIX": k.topic_prefix,
           "BAOLEI_MATCHER_APP_ID": f"bench-{uuid.uuid4().hex[:6]}", "BAOLEI_MATCHER_HTTP_PORT": str(port),
           "BAOLEI_MATCHER_BATCH_WINDOW_S": str(window_s)}
    log = log_dir / f"matcher-{len(open_needs)}.log"
    proc = subprocess.Popen([sys.executable, "-m", "baolei_matcher"], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    cons = KafkaConsumer(k.topic(topics.ASSIGNMENTS), bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest",
                         consumer_timeout_ms=200)
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz", proc, log, timeout_s=120)
        seen: dict[str, float] = {}

        def drain_until(ids: set[str], timeout_s: float) -> None:
            deadline = time.monotonic() + timeout_s
            while not ids <= seen.keys() and time.monotonic() < deadline:
                for rec in cons:
                    ev = assignments_pb2.AssignmentEvent.FromString(rec.value)
                    body = getattr(ev, ev.WhichOneof("event"))
                    seen.setdefault(body.need_id, time.perf_counter())
            if not ids <= seen.keys():
                raise RuntimeError(f"{len(ids - seen.keys())} needs got no answer in {timeout_s} s; see {log}")

        t0 = time.perf_counter()
        ids = set()
        for i, n in enumerate(open_needs):
            nid = f"O{i:05d}"
            ids.add(nid)
            prod.send(k.topic(topics.NEEDS), key=nid.encode(), value=city.need(n, nid).SerializeToString())
        prod.flush()
        if ids:
            drain_until(ids, 300)
        absorb = time.perf_counter() - t0
        time.sleep(2 * window_s + 0.5)  # let the echo batches settle
        lat = []
        for i, n in enumerate(arrivals):
            nid = f"N{i:05d}"
            sent = time.perf_counter()
            prod.send(k.topic(topics.NEEDS), key=nid.encode(), value=city.need(n, nid).SerializeToString())
            prod.flush()
            drain_until({nid}, 60)
            lat.append(seen[nid] - sent)
            time.sleep(window_s + 0.2)
        return lat, absorb
    finally:
        cons.close()
        prod.close()
        proc.terminate()
        proc.wait(timeout=30)


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[-1] if len(xs) >= 2 else xs[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--open", type=int, default=1000)
    ap.add_argument("--arrivals", type=int, default=30)
    ap.add_argument("--window", type=float, default=0.05, help="matcher batch window for the run (s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log-dir", type=Path, help="keep the matcher logs here (default: a temporary directory)")
    args = ap.parse_args(argv)
    bootstrap = os.environ.get("BAOLEI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    city = City("large", args.seed)
    needs = city.doc["needs"]
    open_needs, arrivals = needs[:args.open], needs[args.open:args.open + args.arrivals]
    with tempfile.TemporaryDirectory() as tmp:
        logs = args.log_dir or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        base, _ = run_case(bootstrap, city, [], arrivals, args.window, logs)
        lat, absorb = run_case(bootstrap, city, open_needs, arrivals, args.window, logs)
    rows = [("no other open needs (baseline)", base), (f"{args.open} open needs", lat)]
    lines = [f"Stream re-match latency (`python -m bench.stream_bench`, {datetime.now():%Y-%m-%d}, 2 cores): "
             f"a new need on Kafka → its proposal or unmet reason on Kafka, through the real matcher process; "
             f"batch window {args.window} s; {len(arrivals)} arrivals; absorbing the {args.open} open needs took "
             f"{absorb:.1f} s.", "",
             "| case | p50 s | p95 s | max s |", "| --- | ---: | ---: | ---: |"]
    for label, xs in rows:
        lines.append(f"| {label} | {statistics.median(xs):.3f} | {p95(xs):.3f} | {max(xs):.3f} |")
    lines.append(f"| ratio (1,000 open / baseline) | {statistics.median(lat) / statistics.median(base):.2f} | "
                 f"{p95(lat) / p95(base):.2f} | {max(lat) / max(base):.2f} |")
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
