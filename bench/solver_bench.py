"""Solver benchmark: the matcher against the greedy baseline, family by family, seed by seed.

Why: the targets (every solve within its time limit plus 5 %; never worse than greedy on the goals
in their order; rooms within 1 % of the proven bound; supply at the optimum; bus families against
greedy; city scale in ≤ 30 s; re-match p95 ≤ 1 s) only mean something measured side by side on the
same machine and scenarios. Every plan is checked with the shared checker; its metrics are what is
reported. Per family and seed: wall time (parsing the scenario, solving, writing the plan as JSON)
against the limit, the plan's goals beside greedy's and their ratios, the gap to the rooms stage's
proven bound, and which plan the floor kept ("search", "greedy", or "mixed": transfers from one,
supply from the other). Beside them (issue 17, `solver_wait.py`): mean minutes ready → hotel per
person carried for the matcher, greedy and the proven bound, late minutes per person carried,
weighted unserved against `cd7f53f` (`results/solver-cd7f53f.md`), and each issue 17 target met or
not, per seed and per family. `stream_one_site` is answered one need at a time (its limit is per need).

Run: python -m bench.solver_bench [--quick] [--families rooms_small_hotels,city_rooms_short] [--seeds 1,2]
     [--stream hold|previous]
     (a full run writes bench/results/solver.md; a quick or filtered one bench/results/solver-partial.md)
"""
from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from baolei_matcher.solver import buses as bus_insertion
from baolei_matcher.solver import busstage, parse_plan, parse_scenario, solve
from baolei_matcher.solver.cli import solve_budget
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.greedy import solve_greedy
from bench import solver_wait as wait

logger = logging.getLogger(__name__)

CHECKER = Path(os.environ.get("BAOLEI_CHECK_PLAN", Path(__file__).resolve().parents[1] / "tools" / "check_plan.py"))
RESULTS = Path(__file__).parent / "results" / "solver.md"
METRICS = ["weighted_unserved_people", "weighted_unserved_quantity", "late_person_minutes", "bus_km",
           "room_upgrades", "quantity_km"]
# (label, size, family, time limit s)
FAMILIES = [("rooms scarce", "medium", "rooms_scarce", 10.0), ("stock scarce", "medium", "stock_scarce", 10.0),
            ("buses tight", "medium", "buses_tight", 10.0), ("buses saturated", "medium", "buses_saturated", 10.0),
            ("rooms scarce, many small hotels", "medium", "rooms_small_hotels", 10.0),
            ("city scale", "city", "mixed", 25.0), ("city scale, rooms short", "city", "city_rooms_short", 30.0),
            ("buses ample, rooms scarce", "medium", "buses_ample_rooms_scarce", 10.0),
            ("needs one by one at one site (limit per need)", "medium", "stream_one_site", 1.0),
            ("night wave on the demo city", "medium", "night_wave", 10.0)]
SWEEP_SEEDS = (1, 2, 3, 4, 5)  # every family over several seeds: one seed can flatter
QUICK_SEEDS = (1, 2)
QUICK_SIZE = {"city": "large"}  # --quick: city-size families at size large ...
QUICK_LIMIT = 0.5               # ... and every limit halved
ON_TIME = 1.05                  # the target: a solve returns within its limit plus 5 %


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
    result, plan, t_match = timed_solve(doc, limit)
    t0 = time.perf_counter()
    greedy = solve_greedy(parse_scenario(doc))
    t_greedy = time.perf_counter() - t0
    bad_m, m = check(doc, plan)
    bad_g, g = check(doc, greedy.plan.to_dict())
    bad_b, bm = check(doc, before.plan.to_dict())
    n_t = sum(1 for n in doc["needs"] if n["kind"] == "transfer")
    rows = [f"### {label} — {size}/{family}/seed {seed}: {n_t} transfers, {len(doc['needs']) - n_t} supply "
            f"needs, {len(doc['hotels'])} hotels, {len(doc['buses'])} buses",
            "", "| metric | matcher | greedy | matcher / greedy | bus insertion only (before) | before / greedy |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            f"| solve time (s) | {t_match:.2f} | {t_greedy:.2f} | | {t_before:.2f} | |",
            f"| hard-rule violations | {len(bad_m)} | {len(bad_g)} | | {len(bad_b)} | |",
            f"| status | {result.status.value} | – | | {before.status.value} | |",
            f"| floor (which plan was kept; rooms from) | {result.floor} "
            f"({result.stages['rooms'].detail.get('rooms_from')}) "
            f"| | | {before.floor} | |"]
    for k in METRICS:
        rows.append(f"| {k} | {m[k]:g} | {g[k]:g} | {_ratio(m[k], g[k])} | {bm[k]:g} | {_ratio(bm[k], g[k])} |")
    fills = sorted(set(m["min_fill_by_priority"]) | set(g["min_fill_by_priority"]))
    for p in fills:
        rows.append(f"| min_fill priority {p} | {m['min_fill_by_priority'].get(p, '–')} | "
                    f"{g['min_fill_by_priority'].get(p, '–')} | |")
    rs, ss = result.stages["rooms"], result.stages["supply"]
    bound = "–" if rs.bound is None else f"{rs.bound:.1f}"
    bs = result.stages["buses"]
    rows.append(f"| rooms: weighted unplaced / proven bound (gap) | {rs.objective:g} / {bound} "
                f"({_gap(rs.objective, rs.bound)}) | | |")
    rows.append(f"| rooms: CP-SAT status, time (s) of budget (s) | {rs.detail.get('cp_sat_status')}, {rs.seconds:.2f} "
                f"of {rs.detail.get('budget_s', '–')} | | |")
    rows.append(f"| buses: mode, time (s) of budget (s) | {bs.detail.get('mode')}, {bs.seconds:.2f} of "
                f"{bs.detail.get('budget_s', '–')} | | |")
    rows.append(f"| end-to-end weighted unserved people vs rooms bound (gap) | {m['weighted_unserved_people']} / "
                f"{bound} ({_gap(m['weighted_unserved_people'], rs.bound)}) | | |")
    rows.append(f"| supply: weighted unserved / proven optimum | {ss.objective:g} / {ss.bound:g} | | |")
    rows.append(f"| supply: quantity_km / flow optimum | {ss.detail['quantity_km']:g} / "
                f"{ss.detail['quantity_km_bound']:g} | | |")
    rows.append("")
    return rows


def _rate(a: float, b: float) -> float:
    """a / b, with 0 / 0 = 1 and a / 0 = ∞ (greedy at zero, the matcher not)."""
    if b == 0:
        return 1.0 if a == 0 else float("inf")
    return a / b


def _show(x: float) -> str:
    return "∞" if x == float("inf") else f"{x:.3f}"


def _gap(objective: float, bound: float | None) -> str:
    if bound is None:
        return "–"
    return f"{100 * (objective - bound) / max(objective, 1):.2f} %"


def _people_carried(plan: dict[str, Any]) -> int:
    """People aboard the plan's trips (loads summed over stops)."""
    return sum(int(ld["people"]) for t in plan.get("trips", []) for st in t.get("stops", [])
               for ld in st.get("load", []))


def timed_solve(doc: dict[str, Any], limit: float):
    """Parse, solve and write the plan as JSON, as `baolei solve` does (the solve gets what is left of
    the limit after parsing, less the estimated writing time); returns result, plan doc, wall s."""
    t0 = time.perf_counter()
    scenario = parse_scenario(doc)
    budget = solve_budget(limit, t0, len(scenario.transfers) + len(scenario.supplies))
    result = solve(scenario, time_limit_s=budget)
    plan = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    return result, plan, time.perf_counter() - t0


def seed_sweep(check, label: str, size: str, family: str, limit: float, seeds) -> list[str]:
    """Per seed: wall time against the limit, the goals beside greedy's, the bound's gap, the floor."""
    stream = family == "stream_one_site"
    if stream:
        label = f"{label}, answers {'held' if wait.stream_mode == 'hold' else 're-solved with previous'}"
    rows = [f"### {label} over seeds — {size}/{family}, time limit {limit:g} s", "",
            "| seed | needs (transfer/supply) | wall s (/ limit) | status | floor (rooms from) "
            "| weighted unserved people: matcher "
            "| greedy | ratio | weighted unserved qty: matcher | greedy | ratio | late person-min: matcher | greedy "
            "| ratio | people carried: matcher | greedy | late min per person carried: matcher | greedy | ratio "
            "| bus km: matcher | greedy | rooms: unplaced / proven bound (gap) | end-to-end gap to bound "
            "| never worse than greedy | violations " + wait.HEADER,
            "| ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: " + wait.ALIGN]
    baseline, met, slow = wait.load_baseline(), {}, []
    worst: dict[str, float] = {"wall": 0.0, "wu": 0.0, "late": 0.0, "per": 0.0}
    floors: dict[str, int] = {}
    misses = 0
    for seed in seeds:
        doc = generate(size, family, seed)
        result, plan, wall = wait.solve_stream(doc, limit) if stream else timed_solve(doc, limit)
        bad_m, m = check(doc, plan)
        g_plan = (wait.solve_stream(doc, limit, greedy=True)[1] if stream
                  else solve_greedy(parse_scenario(doc)).plan.to_dict())
        bad_g, g = check(doc, g_plan)
        cells, met[seed] = wait.wait_cells(doc, plan, g_plan, m, g, baseline, limit)
        if stream:
            slow.append(f"Seed {seed}, needs picked up > 10 min after a bus could be there: matcher "
                        f"{wait.describe_pickups(doc, plan)}; greedy {wait.describe_pickups(doc, g_plan)}.")
        wu, wq, late, km = ("weighted_unserved_people", "weighted_unserved_quantity", "late_person_minutes",
                            "bus_km")
        rs = result.stages["rooms"]
        goals_m, goals_g = (m[wu], m[wq], m[late]), (g[wu], g[wq], g[late])
        ok = goals_m[:2] < goals_g[:2] or (goals_m[:2] == goals_g[:2] and goals_m[2] <= goals_g[2] + 0.1)
        misses += 0 if ok and wall <= limit * ON_TIME else 1
        floors[result.floor] = floors.get(result.floor, 0) + 1
        worst["wall"] = max(worst["wall"], wall / limit)
        worst["wu"] = max(worst["wu"], _rate(m[wu], g[wu]))
        worst["late"] = max(worst["late"], _rate(m[late], g[late]))
        c_m, c_g = _people_carried(plan), _people_carried(g_plan)
        per_m, per_g = m[late] / max(c_m, 1), g[late] / max(c_g, 1)
        worst["per"] = max(worst["per"], _rate(per_m, per_g))
        if rs.bound is not None:
            worst["gap"] = max(worst.get("gap", 0.0), (rs.objective - rs.bound) / max(rs.objective, 1))
        n_t = sum(1 for n in doc["needs"] if n["kind"] == "transfer")
        rooms_bound = "–" if rs.bound is None else f"{rs.bound:.1f}"
        rows.append(f"| {seed} | {n_t}/{len(doc['needs']) - n_t} | {wall:.2f} ({wall / limit:.2f}) | "
                    f"{result.status.value} | {result.floor} ({rs.detail.get('rooms_from', '–')}) | "
                    f"{m[wu]} | {g[wu]} | {_ratio(m[wu], g[wu])} | {m[wq]} | "
                    f"{g[wq]} | {_ratio(m[wq], g[wq])} | {m[late]:g} | {g[late]:g} | {_ratio(m[late], g[late])} | "
                    f"{c_m} | {c_g} | {per_m:.1f} | {per_g:.1f} | {_ratio(per_m, per_g)} | "
                    f"{m[km]:g} | {g[km]:g} | {rs.objective:g} / {rooms_bound} ({_gap(rs.objective, rs.bound)}) | "
                    f"{_gap(m[wu], rs.bound)} | {'yes' if ok else '**no**'} | {len(bad_m) + len(bad_g)} | {cells}")
    worst_gap = "–" if "gap" not in worst else f"{100 * worst['gap']:.2f} %"
    rows.append(f"| worst | | {worst['wall']:.2f} × limit | | "
                f"{', '.join(f'{k} {v}' for k, v in sorted(floors.items()))} | | | {_show(worst['wu'])} | | | | | | "
                f"{_show(worst['late'])} | | | | {_show(worst['per'])} | | | rooms gap {worst_gap} | | "
                f"{'all' if not misses else f'**{misses} missed**'} | |")
    rows += ["", wait.summary(label, met)] + slow + [""]
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
    ap.add_argument("--seed", type=int, default=1, help="seed of the detailed per-family tables")
    ap.add_argument("--seeds", help="seeds of the sweep, e.g. 1,2 (default 1-5; --quick: 1,2)")
    ap.add_argument("--families", help="comma-separated generator families to run (default: all); "
                                       "add 'rematch' to include the re-match latency")
    ap.add_argument("--quick", action="store_true",
                    help="small: seeds 1-2, city-size families at size large, limits halved, no detailed tables, "
                         "10 re-match arrivals")
    ap.add_argument("--stream", choices=wait.STREAM_MODES, default="hold",
                    help="stream_one_site: each answer held before the next need (hold, as the streaming "
                         "matcher does) or every need so far re-solved with the last plan as `previous`")
    args = ap.parse_args(argv)
    wait.stream_mode = args.stream
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    wanted = set(args.families.split(",")) if args.families else None
    known = {f for _, _, f, _ in FAMILIES} | {"rematch"}
    if wanted and wanted - known:
        ap.error(f"unknown families {sorted(wanted - known)}; known: {sorted(known)}")
    seeds = tuple(int(x) for x in args.seeds.split(",")) if args.seeds else QUICK_SEEDS if args.quick else SWEEP_SEEDS
    families = []
    for label, size, family, limit in FAMILIES:
        if wanted is None or family in wanted:
            if args.quick:
                size, limit = QUICK_SIZE.get(size, size), limit * QUICK_LIMIT
            families.append((label, size, family, limit))
    mod = _checker()
    lines = ["# Solver benchmark (matcher vs greedy baseline)", "",
             f"Machine: {os.cpu_count()} CPUs. Checker: `{CHECKER}`. Ratios are matcher / greedy (lower is better). "
             f"Wall time is parsing, solving and writing the plan, in this process. Seeds {list(seeds)}"
             f"{' (quick)' if args.quick else ''}.", ""]

    def emit(block: list[str]) -> None:
        lines.extend(block)
        sys.stdout.write("\n".join(block) + "\n")
        sys.stdout.flush()

    for label, size, family, limit in families:
        sys.stderr.write(f"[bench] {label} ({size}/{family}, limit {limit:g}s) over seeds {list(seeds)}...\n")
        emit(seed_sweep(mod.check, label, size, family, limit, seeds))
    if not args.quick and wanted is None:
        for label, size, family, limit in families:
            sys.stderr.write(f"[bench] {label}: detail, seed {args.seed}...\n")
            emit(run_family(mod.check, label, size, family, limit, args.seed))
    if wanted is None or "rematch" in wanted:
        sys.stderr.write("[bench] re-match latency...\n")
        emit(rematch_latency(mod.check, 1000, 10 if args.quick else 40, args.seed))
    out = RESULTS if not args.quick and wanted is None and not args.seeds else RESULTS.with_name("solver-partial.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sys.stderr.write(f"[bench] wrote {out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
