"""A CPU-heavy neighbour for the load benchmark's busy mode: the matcher's solver on the solver
bench's generated cities, one solve after another, until stopped.

Why: a city's server is never idle — the same machine runs reports, backups, another service.
SQLite met its targets at 100 needs/s on a quiet machine and fell apart at a load average of
8–14 (issue 20). `python -m bench.load_bench --busy` runs this beside the stack so the table says
what each database holds with other work on the machine. Writes nothing; prints one line per solve.

Run:  .venv/bin/python -m bench.busy [--seconds 0 (forever)] [--size medium] [--limit 5]
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time

from baolei_matcher.solver import parse_scenario, solve
from baolei_matcher.solver.generator import generate

FAMILIES = ("rooms_scarce", "buses_tight", "stock_scarce", "mixed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: until killed)")
    ap.add_argument("--size", default="medium", help="generator size (small, medium, large, city)")
    ap.add_argument("--limit", type=float, default=5.0, help="time limit of each solve (s)")
    args = ap.parse_args(argv)
    end = time.monotonic() + args.seconds if args.seconds > 0 else float("inf")
    for seed in itertools.count(1):
        if time.monotonic() >= end:
            return 0
        family = FAMILIES[seed % len(FAMILIES)]
        t0 = time.perf_counter()
        result = solve(parse_scenario(generate(args.size, family, seed)), time_limit_s=args.limit)
        print(f"[busy] {args.size}/{family}/seed {seed}: {result.status.value} in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
