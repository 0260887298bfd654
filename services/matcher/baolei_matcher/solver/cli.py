"""Command line for the solver core: `solve` a scenario file, generate a `scenario`.

Why: the command center plans what-ifs offline and the benchmarks need reproducible scenarios.
The main `baolei` CLI calls `register(subparsers)` then `args.func(args)`; until then this module
runs on its own: `python -m baolei_matcher.solver.cli solve SCENARIO.json -o PLAN.json`.
Progress goes to stderr; nothing else is printed by the solver itself.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from .core import solve
from .generator import generate
from .generator_data import FAMILIES, SIZES
from .model import ScenarioError, parse_scenario

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("solve", help="match a scenario/v1 file; write a plan/v1 file")
    p.add_argument("scenario", help="scenario/v1 JSON file")
    p.add_argument("-o", "--output", required=True, help="plan/v1 JSON file to write")
    p.add_argument("--time-limit", type=float, default=20.0, help="seconds (default 20)")
    p.set_defaults(func=cmd_solve)
    g = subparsers.add_parser("scenario", help="generate a Shenzhen-like scenario/v1 file")
    g.add_argument("--size", choices=list(SIZES), default="small")
    g.add_argument("--family", choices=list(FAMILIES), default="mixed")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("-o", "--output", help="file to write (default: stdout)")
    g.set_defaults(func=cmd_scenario)


def _progress(t0: float):
    def say(msg: str) -> None:
        sys.stderr.write(f"[solve {time.perf_counter() - t0:6.1f}s] {msg}\n")
        sys.stderr.flush()
    return say


def cmd_solve(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    say = _progress(t0)
    try:
        with open(args.scenario, encoding="utf-8") as f:
            scenario = parse_scenario(json.load(f))
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write(f"cannot read scenario {args.scenario}: {e}\n")
        return 2
    except ScenarioError as e:
        sys.stderr.write(f"scenario {args.scenario} is malformed: {e}\n")
        return 2
    say(f"read {len(scenario.transfers)} transfer and {len(scenario.supplies)} supply needs, "
        f"{len(scenario.hotels)} hotels, {len(scenario.buses)} buses; time limit {args.time_limit:g}s")
    result = solve(scenario, time_limit_s=args.time_limit, progress=say)
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(result.to_dict(), f, ensure_ascii=False, indent=1)
    for name, st in result.stages.items():
        say(f"{name}: {st.status.value}, objective {st.objective:g}, bound {st.bound}")
    say(f"wrote {args.output}: {len(result.plan.rooms)} room assignments, {len(result.plan.trips)} trips, "
        f"{len(result.plan.supply)} supply lines, {len(result.plan.unmet)} unmet; status {result.status.value}")
    return 1 if result.status.value == "infeasible" else 0


def cmd_scenario(args: argparse.Namespace) -> int:
    doc = generate(args.size, args.family, args.seed)
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m baolei_matcher.solver.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
