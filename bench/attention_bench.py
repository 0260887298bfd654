"""Size and time of GET /api/attention's answer at 11,500 open needs.

Why: after a 10,000-row import the attention panel's answer grew to 2.3 MB and took 8.6 s: it listed
every unmet need of every cause and every hold, and read each need's assignments with a query of its
own. This fills a requests database (SQLite in a temporary file, or `--db`) with a city's registry
(670 sites, 300 hotels, 200 buses) and `--needs` open needs (`--holds` of them with a proposal waiting
for an answer, the rest unmet: most for buses, some for rooms of each type), then builds the answer as
the endpoint does (`attention.attention`, validated by its response model, encoded as JSON) and
reports its size and the median and maximum time of `--runs` builds.

For the figures before a change, run it with the older package first on the path, e.g.
`git archive <rev> services/requests | tar -x -C /tmp/before` and
`PYTHONPATH=/tmp/before/services/requests python -m bench.attention_bench`.

Run: python -m bench.attention_bench [--needs 11500] [--holds 2000] [--runs 3]
Through the real service and in the browser, at 20,000: bench/command_center_bench.py.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from baolei_requests.adapters.models import Assignment, Base, Bus, Hotel, Need, Site
from baolei_requests.api.presenters import attention
from baolei_requests.api.schemas import AttentionRead

UNMET = (("buses_fully_booked", "车辆已排满", "buses are fully booked", 0.62),
         ("rooms_full", "可接收该类别的酒店房间已满", "no rooms left at hotels accepting this category", 0.3),
         ("family_rooms_full", "家庭房已满", "no family rooms left", 0.05),
         ("accessible_rooms_full", "无障碍房已满", "no accessible rooms left", 0.03))


def fill(session: Session, needs: int, holds: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    sites = [Site(id=f"c-{i:03d}", name=f"社区{i:03d}", district="福田", lat=22.5 + rnd.random() / 5,
                  lon=113.9 + rnd.random() / 2) for i in range(670)]
    session.add_all(sites)
    hotels = [Hotel(id=f"H-{i:03d}", name=f"隔离酒店{i:03d}", operator="投控公司", site_id=sites[i].id,
                    accepts=["close_contact", "secondary_contact"],
                    rooms={"standard": 150, "family": 40, "accessible": 10},
                    out_of_use={}, state="open") for i in range(300)]
    buses = [Bus(id=f"B-{i:03d}", operator="巴士集团", plate=f"粤B·D{i:04d}", depot_id=sites[i % 670].id, seats=45,
                 load_limit=0.5, shift_start=now - timedelta(hours=2), shift_end=now + timedelta(hours=8))
             for i in range(200)]
    session.add_all(hotels + buses)
    codes = [c for c in UNMET for _ in range(int(c[3] * 100))]
    for i in range(needs):
        people = 1 + i % 6
        rooms = {"family": 1, "standard": max(0, people - 3)} if i % 20 == 0 else {"standard": people}
        n = Need(id=f"N-{i:06d}", kind="transfer", site_id=sites[i % 670].id, priority=1 + i % 4, risk="close_contact",
                 people=people, rooms=rooms, ready_at=now, due_at=now + timedelta(hours=3),
                 created_at=now - timedelta(seconds=needs - i))
        if i < holds:
            n.status = "proposed"
            h = hotels[i % 300]
            session.add(Assignment(id=f"A-{i:06d}", need_id=n.id, kind="transfer", status="proposed",
                                   organisations=["巴士集团", "投控公司"], room={"hotel": h.id, **rooms},
                                   trips=[{"bus": buses[i % 200].id}], people=people,
                                   hold_expires_at=now + timedelta(minutes=15)))
        else:
            code, zh, en, _ = rnd.choice(codes)
            n.status, n.unmet_code, n.unmet_reason_zh, n.unmet_reason_en = "unmet", code, zh, en
        session.add(n)
    session.commit()


def measure(url: str, runs: int) -> tuple[int, list[float], dict]:
    engine = create_engine(url)
    times, body = [], b""
    for _ in range(runs):
        with Session(engine) as s:
            t0 = time.perf_counter()
            doc = AttentionRead.model_validate(attention.attention(s)).model_dump(mode="json")
            body = json.dumps(doc, ensure_ascii=False).encode()
            times.append(time.perf_counter() - t0)
    return len(body), times, doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--needs", type=int, default=11500)
    ap.add_argument("--holds", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", help="an empty database URL to fill (default: SQLite in a temporary file)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'attention.db'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        with Session(engine) as s:
            fill(s, args.needs, args.holds)
        size, times, doc = measure(url, args.runs)
    listed = sum(len(g["needs"]) for g in doc["unmet"])
    load = os.getloadavg()
    print(f"/api/attention at {args.needs} open needs ({args.holds} holds waiting, {args.needs - args.holds} unmet; "
          f"{datetime.now():%Y-%m-%d %H:%M}, load average {load[0]:.2f} on {os.cpu_count()} cores): "
          f"{size / 1e6:.2f} MB, built in median "
          f"{statistics.median(times):.2f} s / max {max(times):.2f} s over {args.runs} runs; "
          f"{len(doc['holds'])} holds and {listed} unmet needs listed in {len(doc['unmet'])} groups")
    if doc.get("shortfall"):
        print(f"shortfall: {doc['shortfall']['text_zh']} / {doc['shortfall']['text_en']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
