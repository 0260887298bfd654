"""How many carried needs arrive after due, by cause, and how long people wait (issue 17, point 3).

Why: the explanation and the console now say how late a proposal is and why; this counts the
causes on the generator's families so an operator's question "why are so many late?" has a
figure behind it (mostly busy buses, or hotels too far?). Solves each scenario once with the
production solver and reads solver/lateness.py on the plan; no figures are tuned here.

    .venv/bin/python -m bench.late_causes --size medium --families mixed,buses_tight --seeds 1 --limit 10
"""
from __future__ import annotations

import argparse
import logging
from collections import Counter

from baolei_matcher import solver as sv
from baolei_matcher.solver.generator import generate
from baolei_matcher.solver.lateness import CAUSES, timings
from baolei_matcher.solver.model import parse_scenario

logger = logging.getLogger(__name__)


def row(size: str, family: str, seed: int, limit_s: float) -> dict:
    scenario = parse_scenario(generate(size, family, seed))
    plan = sv.solve(scenario, time_limit_s=limit_s).plan
    tm = timings(scenario, plan)
    people = {n.id: n.people for n in scenario.transfers}
    late = [t for t in tm.values() if t.late_minutes]
    causes = Counter(t.late_cause for t in late)
    carried = sum(people[t.need] for t in tm.values()) or 1
    return {"family": family, "seed": seed, "carried": len(tm), "late": len(late),
            "mean_wait": sum(t.wait_minutes * people[t.need] for t in tm.values()) / carried,
            **{c: causes.get(c, 0) for c in CAUSES}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="medium")
    ap.add_argument("--families", default="mixed,buses_tight,buses_saturated,rooms_scarce")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--limit", type=float, default=10.0, help="solver time limit per scenario, seconds")
    a = ap.parse_args()
    cols = ["family", "seed", "carried", "late", "mean_wait", *CAUSES]
    print("| " + " | ".join(cols) + " |")
    print("|" + " --- |" * len(cols))
    for family in a.families.split(","):
        for seed in (int(s) for s in a.seeds.split(",")):
            r = row(a.size, family, seed, a.limit)
            print("| " + " | ".join(f"{r[c]:.1f}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
