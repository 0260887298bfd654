"""Solver benchmark: the matcher against the greedy baseline, family by family, in one run.

Why: the targets (rooms within 1 % of the proven bound; supply at the optimum; on tight buses
weighted unserved ≤ 1/10 and late person-minutes ≤ 1/3 of greedy; city scale in ≤ 30 s; re-match
p95 ≤ 1 s) only mean something measured side by side on the same machine and scenarios.
Every plan is checked with the shared checker; its metrics are what is reported.

Run: python -m bench.solver_bench [--quick]   (writes bench/results/solver.md)
"""
from __future__ import annotations

import argparse
import copy
import importlib.util
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from baolei_matcher.solver import buses as bus_insertion
from baolei_matcher.solver import busstage, parse_plan, parse_scenario, solve
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import solve_greedy

logger = logging.getLogger(__name__)

CHECKER = Path(os.environ.get("BAOLEI_CHECK_PLAN", Path(__file__).resolve().parents[1] / "tools" / "check_plan.py"))
RESULTS = Path(__file__).parent / "results" / "solver.md"
METRICS = ["weighted_unserved_people", "weighted_unserved_quantity", "late_person_minutes", "bus_km",
           "room_upgrades", "quantity_km"]
# (label, size, family, time limit s)
FAMILIES = [("rooms scarce", "medium", "rooms_scarce", 10.0), ("stock scarce", "medium", "stock_scarce", 10.0),
            ("buses tight", "medium", "buses_tight", 10.0), ("buses saturated", "medium", "buses_saturated", 10.0),
            ("city scale", "city", "mixed", 25.0)]
SWEEP_SEEDS = (1, 2, 3, 4, 5)  # the bus families again over several seeds: one seed can flatter


def _checker():
    spec = importlib.util.spec_from_file_location("check_plan", CHECKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _ratio(a: float, b: float) -> str:
    if b == 0:
        return "–" if a == 0 else "∞"
    return f"{a / b:.3f}"


def _insertion_only(doc: dict[str, Any], limit: float):
    """The bus stage as it was before its improvement phase: insertion (new trips appended only),
    three bus-minute prices, no hotel moves, no trip moves, no local search. Same rooms and supply."""
    saved = dict(busstage.PHASES), bus_insertion.MAX_MID
    busstage.PHASES.update(rehotel=False, polish=False, improve=False)
    bus_insertion.MAX_MID = 0
    try:
        t0 = time.perf_counter()
        result = solve(parse_scenario(doc), time_limit_s=limit)
        return result, time.perf_counter() - t0
    finally:
        busstage.PHASES.update(saved[0])
        bus_insertion.MAX_MID = saved[1]


def run_family(check, label: str, size: str, family: str, limit: float, seed: int) -> list[str]:
    doc = generate(size, family, seed)
    before, t_before = _insertion_only(doc, limit)
    t0 = time.perf_counter()
    result = solve(parse_scenario(doc), time_limit_s=limit)
    t_match = time.perf_counter() - t0
    t0 = time.perf_counter()
    greedy = solve_greedy(parse_scenario(doc))
    t_greedy = time.perf_counter() - t0
    bad_m, m = check(doc, result.plan.to_dict())
    bad_g, g = check(doc, greedy.plan.to_dict())
    bad_b, bm = check(doc, before.plan.to_dict())
    n_t = sum(1 for n in doc["needs"] if n["kind"] == "transfer")
    rows = [f"### {label} — {size}/{family}/seed {seed}: {n_t} transfers, {len(doc['needs']) - n_t} supply "
            f"needs, {len(doc['hotels'])} hotels, {len(doc['buses'])} buses",
            "", "| metric | matcher | greedy | matcher / greedy | bus insertion only (before) | before / greedy |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            f"| solve time (s) | {t_match:.2f} | {t_greedy:.2f} | | {t_before:.2f} | |",
            f"| hard-rule violations | {len(bad_m)} | {len(bad_g)} | | {len(bad_b)} | |",
            f"| status | {result.status.value} | – | | {before.status.value} | |"]
    for k in METRICS:
        rows.append(f"| {k} | {m[k]:g} | {g[k]:g} | {_ratio(m[k], g[k])} | {bm[k]:g} | {_ratio(bm[k], g[k])} |")
    fills = sorted(set(m["min_fill_by_priority"]) | set(g["min_fill_by_priority"]))
    for p in fills:
        rows.append(f"| min_fill priority {p} | {m['min_fill_by_priority'].get(p, '–')} | "
                    f"{g['min_fill_by_priority'].get(p, '–')} | |")
    rs, ss = result.stages["rooms"], result.stages["supply"]
    rows.append(f"| rooms: weighted unplaced / LP bound (gap) | {rs.objective:g} / {rs.bound:.1f} "
                f"({100 * (rs.objective - rs.bound) / max(rs.objective, 1):.2f} %) | | |")
    rows.append(f"| rooms: CP-SAT status, time (s) | {rs.detail.get('cp_sat_status')}, {rs.seconds:.2f} | | |")
    rows.append(f"| end-to-end weighted unserved people vs rooms bound (gap) | {m['weighted_unserved_people']} / "
                f"{rs.bound:.1f} ({100 * (m['weighted_unserved_people'] - rs.bound) / max(m['weighted_unserved_people'], 1):.2f} %) | | |")
    rows.append(f"| supply: weighted unserved / proven optimum | {ss.objective:g} / {ss.bound:g} | | |")
    rows.append(f"| supply: quantity_km / flow optimum | {ss.detail['quantity_km']:g} / "
                f"{ss.detail['quantity_km_bound']:g} | | |")
    rows.append("")
    return rows


def seed_sweep(check, label: str, size: str, family: str, limit: float, seeds) -> list[str]:
    """Matcher / greedy on weighted unserved people and late person-minutes, seed by seed."""
    rows = [f"### {label} over seeds — {size}/{family}, time limit {limit:g} s", "",
            "| seed | buses | weighted unserved: matcher | greedy | ratio | late person-min: matcher | greedy | ratio "
            "| violations |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    ratios = []
    for seed in seeds:
        doc = generate(size, family, seed)
        bad_m, m = check(doc, solve(parse_scenario(doc), time_limit_s=limit).plan.to_dict())
        bad_g, g = check(doc, solve_greedy(parse_scenario(doc)).plan.to_dict())
        wu, late = "weighted_unserved_people", "late_person_minutes"
        ratios.append((m[wu] / max(g[wu], 1), m[late] / max(g[late], 1e-9)))
        rows.append(f"| {seed} | {len(doc['buses'])} | {m[wu]} | {g[wu]} | {_ratio(m[wu], g[wu])} | {m[late]:g} | "
                    f"{g[late]:g} | {_ratio(m[late], g[late])} | {len(bad_m) + len(bad_g)} |")
    rows.append(f"| worst | | | | {max(r[0] for r in ratios):.3f} | | | {max(r[1] for r in ratios):.3f} | |")
    rows.append("")
    return rows


def rematch_latency(check, n_open: int, reps: int, seed: int) -> list[str]:
    """p95 of solving again after one new need arrives, with the previous plan kept."""
    doc = generate("large", "mixed", seed)
    pool = [n for n in doc["needs"] if n["kind"] == "transfer"]
    open_needs = doc["needs"][:n_open]
    newcomers = [n for n in pool if n not in open_needs][:reps]
    base = dict(doc, needs=open_needs)
    first = solve(parse_scenario(base), time_limit_s=20.0)
    previous = parse_plan(first.plan.to_dict(), keep_raw=False)
    times, bad = [], 0
    for new in newcomers:
        cur = copy.copy(base)
        cur["needs"] = open_needs + [new]
        scenario = parse_scenario(cur)
        t0 = time.perf_counter()
        res = solve(scenario, time_limit_s=1.0, previous=previous)
        times.append(time.perf_counter() - t0)
        bad += len(check(cur, res.plan.to_dict())[0])
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return [f"### re-match one new need against {n_open} open needs ({reps} arrivals, previous plan kept)", "",
            "| p50 (s) | p95 (s) | max (s) | hard-rule violations |", "| ---: | ---: | ---: | ---: |",
            f"| {statistics.median(times):.3f} | {p95:.3f} | {times[-1]:.3f} | {bad} |", ""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="skip city scale; 10 re-match arrivals")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    mod = _checker()
    lines = ["# Solver benchmark (matcher vs greedy baseline)", "",
             f"Machine: {os.cpu_count()} CPUs. Checker: `{CHECKER}`. Ratios are matcher / greedy (lower is better).",
             ""]
    for label, size, family, limit in FAMILIES:
        if args.quick and size == "city":
            continue
        sys.stderr.write(f"[bench] {label} ({size}/{family}, limit {limit:g}s)...\n")
        block = run_family(mod.check, label, size, family, limit, args.seed)
        lines += block
        sys.stdout.write("\n".join(block) + "\n")
    for label, size, family, limit in FAMILIES:
        if family.startswith("buses_") and not args.quick:
            sys.stderr.write(f"[bench] {label} over seeds {list(SWEEP_SEEDS)}...\n")
            block = seed_sweep(mod.check, label, size, family, limit, SWEEP_SEEDS)
            lines += block
            sys.stdout.write("\n".join(block) + "\n")
    sys.stderr.write("[bench] re-match latency...\n")
    block = rematch_latency(mod.check, 1000, 10 if args.quick else 40, args.seed)
    lines += block
    sys.stdout.write("\n".join(block) + "\n")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
