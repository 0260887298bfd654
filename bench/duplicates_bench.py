"""Precision and recall of the likely-duplicate mark on a generated night with known duplicates.

Why: the old rule (same site and kind, overlapping window) marked every new 莲花北 need as a duplicate
of the 18-person need of the morning and every imported row as one of the row before. This
generates a night at `--sites` communities: `--needs` distinct groups raised over 12 hours (the bad
night of issue 18: 500 at the demo city's communities) (heads
1–40, risks mixed, many groups per site, ready 0–4 h after raised), and `--dups` of them sent again
by someone else later (four in five within 20 minutes, the rest up to 2.5 hours; the same people, or a
head count off by one for groups past 10; the ready time typed again, up to an hour off) — some on
purpose outside the rule's windows, so recall is measured, not built in. Each need goes through the
index in the order raised,
as an import or POST /api/needs does, under the rule of `domain/intake/duplicates.py` and under the
old one; a mark is right when it names the need the row copies (or any copy of the same group).

Run: python -m bench.duplicates_bench [--sites 40] [--needs 500] [--dups 50] [--seed 1]
"""
from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from baolei_requests.domain.intake.duplicates import RAISED_WINDOW_S, READY_WINDOW_S, DuplicateIndex, Sketch

T0 = datetime(2022, 1, 14, 10, 0, tzinfo=timezone.utc)
RISKS = ("close_contact", "secondary_contact", "inbound")


@dataclass(frozen=True)
class Row:
    sketch: Sketch
    group: int  # the group of people: a duplicate shares its original's
    due: datetime


def night(sites: int, needs: int, dups: int, seed: int) -> list[Row]:
    """The rows of a night in the order raised; `dups` of them copy an earlier one."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for g in range(needs):
        raised = T0 + timedelta(minutes=rng.uniform(0, 720))
        ready = raised + timedelta(minutes=rng.uniform(0, 240))
        people = rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6, 8, 12, 18, 25, 40])
        s = Sketch.of(f"N{g}", f"site-{rng.randrange(sites)}", "transfer", rng.choice(RISKS), people, [], ready, raised)
        rows.append(Row(s, g, ready + timedelta(hours=rng.choice([2, 3, 4]))))
    for k, orig in enumerate(rng.sample(rows, dups)):
        o = orig.sketch
        later = rng.uniform(1, 20) if rng.random() < 0.8 else rng.uniform(20, 150)  # most resent within minutes
        raised = datetime.fromtimestamp(o.created, timezone.utc) + timedelta(minutes=later)
        ready = datetime.fromtimestamp(o.ready, timezone.utc) + timedelta(minutes=rng.choice([0, 0, 0, 10, 30, 60]))
        people = o.people + (rng.choice([-1, 0, 1]) if o.people > 10 else 0)
        s = Sketch.of(f"D{k}", o.site_id, o.kind, o.risk, people, [], ready, raised)
        rows.append(Row(s, orig.group, orig.due))
    rows.sort(key=lambda r: r.sketch.created)
    return rows


def old_rule(rows: list[Row]) -> dict[str, str | None]:
    """Same site and kind, windows [ready, due] overlapping, the earliest such open need."""
    seen: dict[tuple[str, str], list[Row]] = {}
    out = {}
    for r in rows:
        group = seen.setdefault((r.sketch.site_id, r.sketch.kind), [])
        start, due = r.sketch.ready, r.due.timestamp()
        out[r.sketch.need_id] = next((o.sketch.need_id for o in group
                                      if o.due.timestamp() >= start and o.sketch.ready <= due), None)
        group.append(r)
    return out


def new_rule(rows: list[Row]) -> dict[str, str | None]:
    index, out = DuplicateIndex(), {}
    for r in rows:
        out[r.sketch.need_id] = index.find(r.sketch)
        index.add(r.sketch)
    return out


def score(rows: list[Row], marks: dict[str, str | None]) -> dict[str, float]:
    group_of = {r.sketch.need_id: r.group for r in rows}
    first_of: dict[int, str] = {}
    truth = set()
    for r in rows:  # a row is a true duplicate when its group was raised before
        if r.group in first_of:
            truth.add(r.sketch.need_id)
        first_of.setdefault(r.group, r.sketch.need_id)
    flagged = {n for n, m in marks.items() if m is not None}
    right = {n for n in flagged if group_of[n] == group_of[marks[n]]}  # type: ignore[index]
    return {"flagged": len(flagged), "right": len(right), "true": len(truth),
            "precision": len(right) / len(flagged) if flagged else 1.0,
            "recall": len(right & truth) / len(truth) if truth else 1.0}


def measure(sites: int = 40, needs: int = 500, dups: int = 50, seed: int = 1) -> dict[str, dict[str, float]]:
    rows = night(sites, needs, dups, seed)
    return {"new": score(rows, new_rule(rows)), "old": score(rows, old_rule(rows))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=40)
    ap.add_argument("--needs", type=int, default=500)
    ap.add_argument("--dups", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    got = measure(a.sites, a.needs, a.dups, a.seed)
    print(f"{a.needs} groups at {a.sites} sites over 12 h, {a.dups} sent twice (seed {a.seed})")
    print("| rule | flagged | right | true duplicates | precision | recall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, label in (("old", "old: same site and kind, windows overlap"),
                        ("new", f"new: + same risk, close head count, ready ≤ {READY_WINDOW_S / 60:.0f} min apart, "
                                f"raised ≤ {RAISED_WINDOW_S / 60:.0f} min apart")):
        s = got[name]
        print(f"| {label} | {s['flagged']} | {s['right']} | {s['true']} | {s['precision']:.3f} | {s['recall']:.3f} |")


if __name__ == "__main__":
    main()
