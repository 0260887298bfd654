"""Command line for the solver core: `solve` a scenario file, generate a `scenario`.

Why: the command center plans what-ifs offline and the benchmarks need reproducible scenarios.
The main `baolei` CLI calls `register(subparsers)` then `args.func(args)`; until then this module
runs on its own: `python -m baolei_matcher.solver.cli solve SCENARIO.json -o PLAN.json`.
Progress goes to stderr; nothing else is printed by the solver itself.

`solve --time-limit L` means the whole command: a fresh process counts from its own start (Python
and OR-Tools take most of a second to load), then reading the scenario, then the solve, then
writing the plan, whose time is estimated from the scenario's size and kept back from the solve.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable

from .core import solve
from .generator import generate
from .generator_data import FAMILIES, SIZES
from .model import ScenarioError, parse_scenario
from .wait_report import describe

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def _progress(t0: float) -> Callable[[str], None]:
    def say(msg: str) -> None:
        sys.stderr.write(f"[solve {time.perf_counter() - t0:6.1f}s] {msg}\n")
        sys.stderr.flush()
    return say


STARTUP_MAX_S = 5.0    # a process older than this did not start for this command (e.g. a test runner)
WRITE_S, WRITE_PER_NEED_S = 0.05, 60e-6  # writing the plan (measured 0.35 s for 5,000 needs) ...
WRITE_PER_READ = 1.2   # ... or this many times what reading the scenario took, if more (a loaded machine)


def _process_age_s() -> float:
    """Seconds since this process started (Linux /proc; 0 where unknown)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def solve_budget(limit_s: float, started: float, n_needs: int, read_s: float = 0.0) -> float:
    """The solve's own time limit: what is left of `limit_s` since `started` (perf_counter), less
    the time writing the plan will take (estimated from the size, or from `read_s`, how long
    reading the scenario took)."""
    write = max(WRITE_S + WRITE_PER_NEED_S * n_needs, WRITE_PER_READ * read_s)
    return max(0.0, limit_s - (time.perf_counter() - started) - write)


def cmd_solve(args: argparse.Namespace) -> int:
    age = _process_age_s()
    fresh = age < STARTUP_MAX_S  # this process was started for this command
    t_read = time.perf_counter()
    t0 = t_read - (age if fresh else 0.0)
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
    budget = solve_budget(args.time_limit, t0, len(scenario.transfers) + len(scenario.supplies),
                          time.perf_counter() - t_read)
    result = solve(scenario, time_limit_s=budget, progress=say)
    text = json.dumps(result.to_dict(), ensure_ascii=False, indent=1)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    for name, st in result.stages.items():
        say(f"{name}: {st.status.value}, objective {st.objective:g}, bound {st.bound}")
    say(describe(result.waiting))
    say(f"wrote {args.output}: {len(result.plan.rooms)} room assignments, {len(result.plan.trips)} trips, "
        f"{len(result.plan.supply)} supply lines, {len(result.plan.unmet)} unmet; status {result.status.value}, "
        f"floor {result.floor}; solve {result.seconds:.1f}s of {budget:.1f}s")
    rc = 1 if result.status.value == "infeasible" else 0
    if fresh and "pytest" not in sys.modules:
        # Everything is written: skip freeing millions of objects one by one at interpreter exit
        # (1.3 s at city size on a loaded machine), which the time limit would otherwise pay.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    return rc


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
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
