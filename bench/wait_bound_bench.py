"""How long the wait bound (issue 17, `solver/wait_bound.py`) takes at city size, and what it gives.

Why: the bound is computed once at the end of every solve, so it must stay well under a second on
the city (5,000 needs × 300 hotels). Per case: the people of greedy's plan (or every need's people,
where rooms cover all) against the LP over each need's cheapest hotels, three runs each.

Run: python -m bench.wait_bound_bench [--runs 3]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from typing import Any

from baolei_matcher.solver import parse_scenario
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import solve_greedy
from baolei_matcher.solver.wait_bound import wait_bound
from baolei_matcher.solver.wait_report import waiting


def five_thousand_transfers(seed: int) -> dict[str, Any]:
    """The city of `mixed` with its 2,000 supply needs replaced by transfer needs at other communities."""
    doc = copy.deepcopy(generate("city", "mixed", seed))
    transfers = [n for n in doc["needs"] if n["kind"] == "transfer"]
    sites = [s["id"] for s in doc["sites"] if s["id"].startswith("C-")]
    extra = [dict(transfers[i % len(transfers)], id=f"X{i:05d}", site=sites[(i * 7) % len(sites)])
             for i, n in enumerate(doc["needs"]) if n["kind"] == "supply"]
    return dict(doc, needs=transfers + extra)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    cases = [("city/mixed, every need carried", generate("city", "mixed", 1), False),
             ("city/city_rooms_short, greedy's people", generate("city", "city_rooms_short", 1), True),
             ("city/buses_ample_rooms_scarce, greedy's people", generate("city", "buses_ample_rooms_scarce", 1), True),
             ("5,000 transfers × 300 hotels, every need carried", five_thousand_transfers(2), False)]
    print("| case | transfers × hotels | bound mean min (kind) | seconds per run | median |")
    print("| --- | ---: | ---: | --- | ---: |")
    for name, doc, by_greedy in cases:
        sc = parse_scenario(doc)
        carried = (waiting(sc, solve_greedy(sc).plan)[2] if by_greedy
                   else {n.id: n.people for n in sc.transfers})
        times, b = [], None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            b = wait_bound(sc, carried, time_limit_s=5.0)
            times.append(time.perf_counter() - t0)
        mean = "–" if b is None or b.mean_min is None else f"{b.mean_min:.2f}"
        print(f"| {name} | {len(sc.transfers)} × {len(sc.hotels)} | {mean} ({b.kind if b else '–'}) | "
              f"{', '.join(f'{t:.3f}' for t in times)} | {statistics.median(times):.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
