"""Rooms-stage benchmark: weighted unplaced people against the proven bound, on scarce shapes.

Why: issue 11 found the rooms stage 6–12 % above CP-SAT's proof on many small hotels while it
printed a "proven bound" four times lower, and overrunning its time at city scale. This runs the
rooms stage alone (the stage's own time limit, model building included) on three scarce shapes
and prints, per seed: the objective, the old aggregated LP bound, the assignment LP bound, the
bound reported and its source, the gap, greedy's objective and the wall time against the limit.

Shapes: `rooms_scarce` (the generator's family, medium), `small_hotels` (300 needs, 20 hotels of
10–60 rooms of mixed types and risk restrictions), `small_hotels_few_family` (the same with at
most three family rooms and one accessible room per hotel) and `city_rooms_short` (city scale,
rooms for nine in ten); all but the first are built by `tests/unit/solver/shapes.py`.

Run: python -m bench.rooms_bench [--seeds 1 2 3] [--shapes small_hotels] [--limit-small 4] [--limit-city 12]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import time
from pathlib import Path
from typing import Any

from baolei_matcher.solver import parse_scenario
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.rooms import solve_rooms
from baolei_matcher.solver.rooms_bound import rooms_lp_bound
from baolei_matcher.solver.rooms_input import greedy_rooms, hint_w_of, prepare, urgency_order
from baolei_matcher.solver.travel import Travel

logger = logging.getLogger(__name__)

SHAPES_PY = Path(__file__).resolve().parents[1] / "tests" / "unit" / "solver" / "shapes.py"


def _shapes():
    spec = importlib.util.spec_from_file_location("rooms_shapes", SHAPES_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_one(shape: str, seed: int, limit: float) -> dict[str, Any]:
    shapes = _shapes()
    doc = {"rooms_scarce": lambda: generate("medium", "rooms_scarce", seed),
           "small_hotels": lambda: shapes.small_hotels(seed),
           "small_hotels_few_family": lambda: shapes.small_hotels(seed, few_family=True),
           "city_rooms_short": lambda: shapes.city_rooms_short(seed)}[shape]()
    sc = parse_scenario(doc)
    travel = Travel(sc)
    residual = {h.id: h.rooms for h in sc.hotels}
    horizon = max((travel.sec_floor(b.shift_end) for b in sc.buses), default=10**9)
    todo = [n for n in sc.transfers if n.people > 0]
    inp = prepare(sc, travel, todo, residual, horizon)
    old_bound = rooms_lp_bound(inp)
    greedy_w = hint_w_of(greedy_rooms(inp, urgency_order(todo)), inp)
    t0 = time.perf_counter()
    _, rep = solve_rooms(sc, travel, inp, time_limit_s=limit, k_candidates=20 if len(todo) <= 1500 else 10)
    wall = time.perf_counter() - t0
    return {"shape": shape, "seed": seed, "needs": len(todo), "hotels": len(sc.hotels), "limit": limit,
            "wall": round(wall, 2), "objective": rep.objective, "bound": round(rep.bound or 0.0, 1),
            "bound_source": rep.detail.get("bound_source"), "gap": rep.detail.get("gap"),
            "assignment_lp": rep.detail.get("lp_bound"), "cp_sat_bound": rep.detail.get("cp_sat_bound"),
            "old_lp": round(old_bound, 1), "greedy": greedy_w, "warm_start": rep.detail.get("warm_start"),
            "cp_sat": rep.detail.get("cp_sat_status"), "status": rep.status.value}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--shapes", nargs="+", default=["rooms_scarce", "small_hotels", "city_rooms_short"])
    ap.add_argument("--limit-small", type=float, default=4.0)
    ap.add_argument("--limit-city", type=float, default=12.0)
    args = ap.parse_args()
    print("| shape | seed | objective | bound (source) | gap | assignment LP | old LP | greedy | wall / limit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for shape in args.shapes:
        for seed in args.seeds:
            limit = args.limit_city if shape.startswith("city") else args.limit_small
            r = run_one(shape, seed, limit)
            logger.info("%s", json.dumps(r))
            print(f"| {shape} | {seed} | {r['objective']:g} | {r['bound']:g} ({r['bound_source']}) | "
                  f"{100 * (r['gap'] or 0):.2f} % | {r['assignment_lp']} | {r['old_lp']} | {r['greedy']} | "
                  f"{r['wall']} / {r['limit']:g} |", flush=True)


if __name__ == "__main__":
    main()
