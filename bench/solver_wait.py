"""Time to isolation in the solver bench (issue 17): waiting beside greedy and the bound, today's
weighted unserved against `cd7f53f`'s, the issue's targets per family and seed, and the stream.

Why a module of its own: `solver_bench.py` reports the older goals; issue 17 puts waiting (person-
minutes ready → hotel, late minutes extra) before kilometres and sets targets against greedy, the
proven bound (`wait_bound`) and the figures of `cd7f53f` (kept as `results/solver-cd7f53f.md`, parsed
here, never rewritten). `solve_stream` answers the needs of a family one at a time, as the streaming
matcher does (`domain/batch.py`: each answer holds its rooms and bus time before the next need is
solved against what is left), so `stream_one_site` measures what a dispatcher raising needs one
after another sees.
"""
from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from baolei_matcher.solver import parse_plan, parse_scenario, solve
from baolei_matcher.solver.greedy import solve_greedy
from baolei_matcher.solver.wait_bound import earliest_pickup_min
from baolei_matcher.solver.wait_report import wait_report

BASELINE = Path(__file__).parent / "results" / "solver-cd7f53f.md"
BOUND_LIMIT_S = 5.0          # the bench gives the bound time to solve its LP everywhere
AMPLE = {"buses_ample_rooms_scarce", "rooms_small_hotels"}  # a bus per need: the 1.25× bound target
SATURATED = {"buses_saturated"}                             # the ≤ 0.5× greedy's late minutes target
WU_SLACK = 0.01              # weighted unserved within 1 % of cd7f53f
MEAN_EPS = 0.05              # minutes: "no later on average than greedy" up to rounding
STREAM_MODES = ("hold", "previous")
stream_mode = "hold"         # `solve_stream`'s default; `solver_bench --stream previous` changes it

HEADER = ("| mean ready→hotel min: matcher | greedy | bound (matcher's people) | bound (greedy's) | matcher / bound "
          "| greedy / bound | late min per person carried: matcher | greedy | ratio | weighted unserved: cd7f53f "
          "| now / cd7f53f | target: no later than greedy | wu within 1 % | buses ample ≤ 1.25× bound "
          "| saturated late ≤ 0.5× greedy |")
ALIGN = "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |"


Baseline = dict[tuple[str, str, int], tuple[int, float]]


def load_baseline(path: Path = BASELINE) -> Baseline:
    """(size, family, seed) -> (the matcher's weighted unserved people, the time limit it had) from
    the per-seed tables of `path`."""
    out: Baseline = {}
    if not path.exists():
        return out
    key: tuple[str, str, float] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        head = re.match(r"### .* over seeds — (\w+)/(\w+), time limit ([\d.]+) s", line)
        if head:
            key = (head.group(1), head.group(2), float(head.group(3)))
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if key and len(cells) > 6 and cells[0].isdigit():
            out[(key[0], key[1], int(cells[0]))] = (int(float(cells[5])), key[2])
    return out


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "–"
    if b == 0:
        return "–" if a == 0 else "∞"
    return f"{a / b:.3f}"


def _num(x: float | None, fmt: str = ".1f") -> str:
    return "–" if x is None else format(x, fmt)


def _yes(ok: bool | None) -> str:
    return "n/a" if ok is None else "yes" if ok else "**no**"


def _mean(metrics: dict[str, Any], carried: int) -> float | None:
    return metrics["wait_person_minutes"] / carried if carried else None


def wait_cells(doc: dict[str, Any], plan_m: dict[str, Any], plan_g: dict[str, Any], m: dict[str, Any],
               g: dict[str, Any], baseline: Baseline, limit: float) -> tuple[str, dict[str, bool | None]]:
    """The cells appended to a seed's row, and which targets it met (None: not this family's, or no
    baseline at the same size and time limit: `--quick` halves the limits, so it judges no 1 % target)."""
    scenario = parse_scenario(doc)
    rep_m = wait_report(scenario, parse_plan(plan_m, keep_raw=False), time_limit_s=BOUND_LIMIT_S)
    rep_g = wait_report(scenario, parse_plan(plan_g, keep_raw=False), time_limit_s=BOUND_LIMIT_S)
    c_m, c_g = rep_m["people_carried"], rep_g["people_carried"]
    mean_m, mean_g = _mean(m, c_m), _mean(g, c_g)
    b_m, b_g = rep_m["wait_bound_mean_min"], rep_g["wait_bound_mean_min"]
    late_m = m["late_person_minutes"] / c_m if c_m else 0.0
    late_g = g["late_person_minutes"] / c_g if c_g else 0.0
    gen = doc.get("generator", {})
    family = gen.get("family", "")
    base, base_limit = baseline.get((gen.get("size", ""), family, int(gen.get("seed", 0))), (None, None))
    wu = m["weighted_unserved_people"]
    met: dict[str, bool | None] = {
        "no_later": None if mean_m is None or mean_g is None else mean_m <= mean_g + MEAN_EPS,
        "wu": None if base is None or base_limit != limit else wu <= base * (1 + WU_SLACK),
        "ample": (None if family not in AMPLE or mean_m is None or not b_m else mean_m <= 1.25 * b_m),
        "saturated": None if family not in SATURATED else late_m <= 0.5 * late_g,
    }
    cells = (f"{_num(mean_m)} | {_num(mean_g)} | {_num(b_m)} ({rep_m['wait_bound_kind']}) | "
             f"{_num(b_g)} ({rep_g['wait_bound_kind']}) | {_ratio(mean_m, b_m)} | {_ratio(mean_g, b_g)} | "
             f"{late_m:.1f} | {late_g:.1f} | {_ratio(late_m, late_g)} | {_num(base, 'd')} | {_ratio(wu, base)} | "
             f"{_yes(met['no_later'])} | {_yes(met['wu'])} | {_yes(met['ample'])} | {_yes(met['saturated'])} |")
    return cells, met


def slow_pickups(doc: dict[str, Any], plan: dict[str, Any], slack_min: float = 10.0) -> tuple[int, int, float]:
    """(needs carried, needs first picked up more than `slack_min` after the earliest a bus could be
    there — ready, and a bus's shift start plus the drive from its depot —, the largest such delay in
    minutes): the issue's "queued behind each other while buses are idle", measured."""
    scenario = parse_scenario(doc)
    needs = {n.id: n for n in scenario.transfers}
    first: dict[str, datetime] = {}
    for t in plan["trips"]:
        for s in t["stops"]:
            for ld in s["load"]:
                at = _t(s["at"])
                if ld["need"] in needs and (ld["need"] not in first or at < first[ld["need"]]):
                    first[ld["need"]] = at
    ids = sorted(first)
    reach = earliest_pickup_min(scenario, [needs[i].site for i in ids])
    delays = []
    for nid, ep in zip(ids, reach.tolist(), strict=True):
        ready = (needs[nid].ready_at - scenario.now).total_seconds() / 60.0
        delays.append((first[nid] - scenario.now).total_seconds() / 60.0 - max(ready, ep))
    return len(ids), sum(d > slack_min for d in delays), max(delays, default=0.0)


def describe_pickups(doc: dict[str, Any], plan: dict[str, Any]) -> str:
    carried, slow, worst = slow_pickups(doc, plan)
    return f"{slow} of {carried} needs carried (worst {worst:.1f} min)"


def summary(label: str, met_by_seed: dict[int, dict[str, bool | None]]) -> str:
    """One line per family: each target met on how many of the seeds it applies to."""
    parts = []
    for k, name in (("no_later", "no later than greedy"), ("wu", "weighted unserved within 1 % of cd7f53f"),
                    ("ample", "≤ 1.25× bound"), ("saturated", "late ≤ 0.5× greedy")):
        seen = [v[k] for v in met_by_seed.values() if v[k] is not None]
        if seen:
            miss = [s for s, v in met_by_seed.items() if v[k] is False]
            parts.append(f"{name}: {sum(seen)}/{len(seen)}" + (f" (missed on seeds {miss})" if miss else ""))
    return f"Issue 17 targets, {label}: " + ("; ".join(parts) if parts else "none apply") + "."


def _step(doc: dict[str, Any], needs: list[dict[str, Any]], held: dict[str, Any] | None) -> dict[str, Any]:
    """The world as need k is raised: its `now`, the needs so far, earlier answers held (`fixed`);
    buses without a held trip cannot leave before now."""
    now = max(_t(doc["now"]), _t(needs[-1].get("raised_at") or doc["now"]))
    busy = {t["bus"] for t in (held or {}).get("trips", [])}
    buses = [b if b["id"] in busy or _t(b["shift_start"]) >= now else dict(b, shift_start=now.isoformat())
             for b in doc["buses"]]
    buses = [b for b in buses if _t(b["shift_start"]) < _t(b["shift_end"])]
    return dict(doc, now=now.isoformat(), needs=needs, buses=buses, **({"fixed": held} if held else {}))


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def solve_stream(doc: dict[str, Any], limit: float, greedy: bool = False, mode: str | None = None):
    """Answer the transfer needs one at a time in `raised_at` order. `mode` "hold": each answer is
    held (`fixed`) before the next need is solved, as the streaming matcher does; "previous": each
    solve sees every need so far with the last plan as `previous`. Returns the last result, its plan
    document (checked against the whole scenario) and the slowest step's wall time."""
    mode = mode or stream_mode
    order = sorted(doc["needs"], key=lambda n: _t(n.get("raised_at") or doc["now"]))
    plan: dict[str, Any] | None = None
    result, slowest = None, 0.0
    for k in range(1, len(order) + 1):
        held = {"rooms": plan["rooms"], "trips": plan["trips"]} if plan and mode == "hold" else None
        scenario = parse_scenario(_step(doc, order[:k], held))
        t0 = time.perf_counter()
        if greedy:
            result = solve_greedy(scenario)
        else:
            prev = parse_plan(plan, keep_raw=False) if plan and mode == "previous" else None
            result = solve(scenario, time_limit_s=limit, previous=prev)
        plan = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
        slowest = max(slowest, time.perf_counter() - t0)
    return result, plan, slowest
