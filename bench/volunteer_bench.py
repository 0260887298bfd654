"""Doorstep matching bench (issue 19, point 7): the optimised matching against first-come claiming.

First-come claiming is the mini-program's way (volunteers claim nearby open tasks in arrival order, no
priority) kept within the zone rule, so both plans are checked by tools/check_volunteer_plan.py and
compared on its metrics: tasks done before their deadline, p95 wait of the most vulnerable, volunteer-
hours per task, rule violations (must be 0). Then a sealing burst: 20,000 tasks raised within the hour
against the whole city (670 communities, 50,000 volunteers), every task answered (assigned or
explained) — its wall time against the 5-minute target. Absolute figures, ratios and the load average.

Run: python -m bench.volunteer_bench [--scale 1.0] [--seeds 1] [--families day,tight_medicine] [--no-burst]
     [--full-day]   (adds a 100,000-task day against 50,000 volunteers; several minutes)
Writes bench/results/volunteers.md (a filtered run: bench/results/volunteers-partial.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from baolei_volunteers.solver import first_come, solve
from bench.volunteer_world import FAMILIES, family, generate
from tools.check_volunteer_plan import check

RESULTS = Path(__file__).parent / "results"
COMPARED = ["day", "scarce_volunteers", "scarce_health", "many_sealed", "tight_medicine", "pairs_heavy"]
BURST_TARGET_S = 300.0


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(scenario: dict[str, Any], how: str, limit: float) -> tuple[dict[str, Any], float, list[str]]:
    began = time.perf_counter()
    plan = solve(scenario, time_limit_s=limit) if how == "optimised" else first_come(scenario)
    wall = time.perf_counter() - began
    errors, found = check(scenario, plan)
    return found, wall, errors


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f} %" if b else "–"


def fmt(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b in (None, 0) else f"{a / b:.2f}"  # type: ignore[operator]


def compare(names: list[str], seeds: list[int], scale: float, limit: float) -> tuple[list[str], int]:
    rows = ["| family | seed | tasks | volunteers | method | assigned | deadline met | p95 wait most vulnerable (min) "
            "| volunteer-h per task | violations (zone) | wall s |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    broken = 0
    for name in names:
        for seed in seeds:
            sc = generate(family(name, scale), seed=seed)
            got = {}
            for how in ("optimised", "first-come"):
                found, wall, errors = run(sc, how, limit)
                broken += len(errors)
                got[how] = found
                rows.append(
                    f"| {name} | {seed} | {found['tasks']} | {len(sc['volunteers'])} | {how} | "
                    f"{pct(found['assigned'], found['tasks'])} | "
                    f"{found['deadline_met']}/{found['deadline_tasks']} "
                    f"({pct(found['deadline_met'], found['deadline_tasks'])}) | "
                    f"{fmt(found['p95_wait_most_vulnerable_min'])} | {fmt(found['volunteer_hours_per_task'], 3)} | "
                    f"{found['violations']} ({found['zone_violations']}) | {wall:.2f} |")
                print(rows[-1], flush=True)
            o, f = got["optimised"], got["first-come"]
            rows.append(f"| {name} | {seed} | | | **optimised ÷ first-come** | {ratio(o['assigned'], f['assigned'])} | "
                        f"{ratio(o['deadline_met'], f['deadline_met'])} | "
                        f"{ratio(o['p95_wait_most_vulnerable_min'], f['p95_wait_most_vulnerable_min'])} | "
                        f"{ratio(o['volunteer_hours_per_task'], f['volunteer_hours_per_task'])} | | |")
            print(rows[-1], flush=True)
    return rows, broken


def burst(seed: int, scale: float, shape_name: str, limit: float, target: bool = True) -> tuple[list[str], int]:
    shape = family(shape_name, scale)
    began = time.perf_counter()
    sc = generate(shape, seed=seed)
    gen_s = time.perf_counter() - began
    rows = [f"| {shape_name} (seed {seed}) | tasks | volunteers | households | method | answered (assigned + unmet) "
            "| assigned | deadline met | p95 wait most vulnerable (min) | violations (zone) | solve wall s | "
            "within 5 min | load before → after |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    broken = 0
    for how in ("optimised", "first-come"):
        before = load()
        found, wall, errors = run(sc, how, limit)
        after = load()
        broken += len(errors)
        answered = found["assigned"] + found["unmet"]
        on_time = "yes" if wall <= BURST_TARGET_S and answered == found["tasks"] else "NO"
        rows.append(
            f"| | {found['tasks']} | {len(sc['volunteers'])} | {len(sc['households'])} | {how} | {answered} | "
            f"{pct(found['assigned'], found['tasks'])} | {pct(found['deadline_met'], found['deadline_tasks'])} | "
            f"{fmt(found['p95_wait_most_vulnerable_min'])} | {found['violations']} ({found['zone_violations']}) | "
            f"{wall:.1f} | {on_time if target else '– (no target)'} | "
            f"{before} → {after} |")
        print(rows[-1], flush=True)
    rows.append(f"\n(generating the city took {gen_s:.1f} s, not counted)")
    return rows, broken


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--burst-scale", type=float, default=1.0)
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--families", default=",".join(COMPARED))
    ap.add_argument("--limit", type=float, default=15.0, help="the optimiser's time limit per solve, s")
    ap.add_argument("--no-burst", action="store_true")
    ap.add_argument("--full-day", action="store_true")
    args = ap.parse_args(argv)
    names = [n for n in args.families.split(",") if n]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        ap.error(f"unknown families {unknown}: one of {sorted(FAMILIES)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    started = load()
    out = ["# Doorstep matching: optimised vs first-come claiming (issue 19)\n",
           f"`python -m bench.volunteer_bench {' '.join(argv if argv is not None else sys.argv[1:])}` on "
           f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python {platform.python_version()}; "
           f"load average at start {started} (the machine is shared).\n",
           "Every plan checked by `tools/check_volunteer_plan.py`; its metrics. *deadline met*: tasks with a "
           "deadline (medicine, some meals and samples) done before it. *p95 wait*: start − raised (or − earliest "
           "for a visit booked for later), tasks of the "
           "most vulnerable households (独居老人, 独居儿童, two marks) that someone may serve (an unmet one counts to "
           "the end of the volunteers' day). *volunteer-h per task*: travel + service hours per assigned task.\n",
           "## Families\n"]
    rows, broken = compare(names, seeds, args.scale, args.limit)
    out += rows
    if not args.no_burst:
        out += ["\n## Sealing burst: 20,000 tasks raised within the hour, whole city\n"]
        rows, b = burst(seeds[0], args.burst_scale, "sealing_burst", args.limit)
        out += rows
        broken += b
    if args.full_day:
        out += ["\n## A full day at city scale: 100,000 tasks, 50,000 volunteers\n"]
        rows, b = burst(seeds[0], 1.0, "city_day", args.limit, target=False)
        out += rows
        broken += b
    out.append(f"\nRule violations over every plan: **{broken}**. Load average at the end: {load()}.")
    full = names == COMPARED and not args.no_burst and args.scale == 1.0 and args.burst_scale == 1.0
    path = RESULTS / ("volunteers.md" if full else "volunteers-partial.md")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
