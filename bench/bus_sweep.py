"""Bus families seed by seed: the matcher beside the greedy dispatcher, both plans checked.

Why: issue 11 point 5 asks, on `buses_saturated` (medium, 10 s) for every seed, weighted people left
behind ≤ 1/50 of greedy's and late person-minutes per person carried ≤ 1/2 of greedy's. This prints
what those targets are judged on, per seed, with the ratios.

Run: python -m bench.bus_sweep [--family buses_saturated] [--seeds 1 2 3 4 5] [--limit 10]
"""
from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import time
from pathlib import Path

from baolei_matcher.solver import parse_scenario, solve
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import solve_greedy

CHECKER = Path(os.environ.get("BAOLEI_CHECK_PLAN", Path(__file__).resolve().parents[1] / "tools" / "check_plan.py"))


def _checker():
    spec = importlib.util.spec_from_file_location("check_plan", CHECKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.check


def carried(plan: dict) -> int:
    return sum(ld["people"] for t in plan.get("trips") or [] for s in t["stops"] for ld in s["load"])


def measure(check, size: str, family: str, seed: int, limit: float) -> dict:
    doc = generate(size, family, seed)
    t0 = time.perf_counter()
    res = solve(parse_scenario(doc), time_limit_s=limit)
    t_m = time.perf_counter() - t0
    g = solve_greedy(parse_scenario(doc))
    out = {"seed": seed, "time": t_m, "people": sum(n["people"] for n in doc["needs"] if n["kind"] == "transfer")}
    for side, plan in (("m", res.plan.to_dict()), ("g", g.plan.to_dict())):
        bad, met = check(doc, plan)
        c = carried(plan)
        out[side] = {"bad": len(bad), "carried": c, "wu": met["weighted_unserved_people"],
                     "late": met["late_person_minutes"], "per": met["late_person_minutes"] / max(c, 1),
                     "km": met["bus_km"]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="medium")
    ap.add_argument("--family", default="buses_saturated")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--limit", type=float, default=10.0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    check = _checker()
    print(f"{args.size}/{args.family}, limit {args.limit:g} s (m = matcher, g = greedy)")
    print("seed  time  bad  carried m/g      wu m/g  wu ratio   late m/g           late/pers m/g  ratio  km m/g")
    worst = [0.0, 0.0]
    for seed in args.seeds:
        r = measure(check, args.size, args.family, seed, args.limit)
        m, g = r["m"], r["g"]
        wr = m["wu"] / max(g["wu"], 1)
        pr = m["per"] / max(g["per"], 1e-9)
        worst = [max(worst[0], wr), max(worst[1], pr)]
        print(f"{seed:4d} {r['time']:5.2f} {m['bad']}/{g['bad']}  {m['carried']:5d}/{g['carried']:5d}  "
              f"{m['wu']:5d}/{g['wu']:5d}  {wr:6.4f}  {m['late']:8.0f}/{g['late']:8.0f}  "
              f"{m['per']:6.2f}/{g['per']:6.2f}  {pr:5.3f}  {m['km']:7.0f}/{g['km']:7.0f}", flush=True)
    print(f"worst: wu ratio {worst[0]:.4f} (target ≤ 0.02), late per person ratio {worst[1]:.3f} (target ≤ 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
