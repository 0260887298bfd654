"""A proven lower bound on the mean time to isolation of the people a plan carries (issue 17).

Why: goal 3 ("be quick and on time") needs a yardstick. "147 minutes from ready to hotel" says
nothing until it is set against what no plan could beat: those same people (per need, as many as
the plan carries) placed in hotels that accept their risk, within each hotel's rooms by type, at
the least total time. Each person of need i placed at hotel h waits at least

    cost(i, h) = max( max(earliest_pickup(site_i) - ready_i, 0) + dwell + drive(site_i, h),
                      open_at_h - ready_i )

where `earliest_pickup(site)` is the earliest any bus (with a seat) can reach the site from its
depot after its shift starts. It holds for every trip the checker accepts: a stop is reached no
earlier than the bus could drive there from its depot (later trips only add detours, by the
triangle inequality of great-circle distance), nobody is picked up before `ready_at`, every stop
takes `dwell_min`, the drive from the pickup to the hotel via later stops is at least the direct
one, and nobody arrives before the hotel opens. A small margin (`MARGIN_MIN` a person) covers the
checker's 0.01-minute slack per leg.

The placement is an LP (GLOP, through the model builder): x[i, h] in [0, 1] with Σ_h x[i, h] = 1,
and per hotel the rooms left after `fixed` by type — family and accessible asked need exactly their
type, standard may take any (so family asked ≤ family left, accessible asked ≤ accessible left, all
rooms asked ≤ all left). A need whose rooms are in `fixed` is pinned to that hotel. To stay fast at
city size each need keeps only its `K` cheapest hotels plus a *spill* column of unlimited capacity
priced at its next cheapest hotel: any placement outside the K costs at least that, so the
restricted LP is a relaxation of the full one and the bound stays valid (at city size with rooms
scarce, K = 8 gave 19.5 min, 12 gave 19.9, 16 gave 20.1; the full LP did not finish in 10 s).
Needs alike in every respect the LP sees are one column group. If the LP does not fit the time
limit or GLOP fails, the bound falls back to every person at their cheapest hotel (no capacity),
which is always valid.
"""
from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from ortools.linear_solver.python import model_builder as mb

from . import rules
from .greedy import rooms_left
from .model import Scenario, TransferNeed
from .plan import Plan
from .travel import EARTH_R_KM

logger = logging.getLogger(__name__)

K = 8               # hotels kept per need in the LP (plus the spill column)
MARGIN_MIN = 0.05   # per person: the checker's slack of 0.01 min on each leg
TIME_LIMIT_S = 0.5  # the whole bound's limit; past it the cheaper "nearest hotel" bound is reported
BUILD_S_PER_COLUMN = 3e-6  # building the LP, a column (measured about 1 µs at city size, 2 cores)


@dataclass
class WaitBound:
    """Lower bound on Σ person-minutes ready → hotel of the given people, and how it was proven."""

    person_minutes: float
    people: int
    kind: str          # "lp" (rooms by type respected), "nearest" (capacity ignored) or "none"
    seconds: float

    @property
    def mean_min(self) -> float | None:
        return self.person_minutes / self.people if self.people else None


def _km_matrix(lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray, lon_b: np.ndarray,
               detour: float) -> np.ndarray:
    """Road km (haversine × detour, as in the contract) from every a (rows) to every b (columns)."""
    la1, lo1 = np.radians(lat_a)[:, None], np.radians(lon_a)[:, None]
    la2, lo2 = np.radians(lat_b)[None, :], np.radians(lon_b)[None, :]
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    km: np.ndarray = 2 * EARTH_R_KM * np.arcsin(np.sqrt(np.minimum(1.0, h))) * detour
    return km


def _minutes(scenario: Scenario, t: datetime) -> float:
    return (t - scenario.now).total_seconds() / 60.0


def earliest_pickup_min(scenario: Scenario, site_ids: list[str]) -> np.ndarray:
    """Per site, minutes after `now` at which the first bus with a seat could be there: its shift
    start plus the drive from its depot (inf when no bus has a seat)."""
    starts: dict[str, float] = {}
    for b in scenario.buses:
        if rules.bus_capacity(b.seats, b.load_limit) >= 1:
            s = _minutes(scenario, b.shift_start)
            starts[b.depot] = min(starts.get(b.depot, math.inf), s)
    if not starts:
        return np.full(len(site_ids), math.inf)
    depots = list(starts)
    sites, tr = scenario.sites, scenario.travel
    km = _km_matrix(np.array([sites[s].lat for s in site_ids]), np.array([sites[s].lon for s in site_ids]),
                    np.array([sites[d].lat for d in depots]), np.array([sites[d].lon for d in depots]), tr.detour)
    first: np.ndarray = (km / tr.speed_kmh * 60.0 + np.array([starts[d] for d in depots])[None, :]).min(axis=1)
    return first


def cost_matrix(scenario: Scenario, needs: list[TransferNeed]) -> np.ndarray:
    """cost[i, h]: minutes each person of need i waits at least if placed at hotel h (module
    docstring), less the margin; inf where hotel h does not accept the need's risk."""
    hotels, sites, tr = scenario.hotels, scenario.sites, scenario.travel
    if not needs or not hotels:
        return np.zeros((len(needs), len(hotels)))
    site_ids = sorted({n.site for n in needs})  # drives per distinct site, not per need
    row_of = {s: k for k, s in enumerate(site_ids)}
    rows = np.array([row_of[n.site] for n in needs])
    ready = np.array([_minutes(scenario, n.ready_at) for n in needs])
    ep = earliest_pickup_min(scenario, site_ids)[rows]
    km = _km_matrix(np.array([sites[s].lat for s in site_ids]), np.array([sites[s].lon for s in site_ids]),
                    np.array([sites[h.site].lat for h in hotels]), np.array([sites[h.site].lon for h in hotels]),
                    tr.detour)
    start_wait = np.maximum(ep - ready, 0.0)
    cost = start_wait[:, None] + tr.dwell_min + (km / tr.speed_kmh * 60.0)[rows]
    opens = np.array([-math.inf if h.open_at is None else _minutes(scenario, h.open_at) for h in hotels])
    cost = np.maximum(cost, opens[None, :] - ready[:, None])
    cost = np.maximum(cost - MARGIN_MIN, 0.0)
    risks = np.array([n.risk for n in needs])
    for risk in set(risks.tolist()):
        refuses = np.array([not rules.hotel_accepts(h.accepts, risk) for h in hotels])
        cost[np.ix_(risks == risk, refuses)] = math.inf
    out: np.ndarray = cost
    return out


def wait_bound(scenario: Scenario, carried: dict[str, int], fixed: Plan | None = None, *,
               time_limit_s: float = TIME_LIMIT_S) -> WaitBound:
    """Lower bound on the person-minutes ready → hotel of `carried[need id]` people of each transfer
    need, whatever trips and rooms (outside `fixed`) a valid plan uses."""
    t0 = time.perf_counter()
    by_id = {n.id: n for n in scenario.transfers}
    needs = [by_id[nid] for nid, c in carried.items() if c > 0 and nid in by_id]
    people = sum(carried[n.id] for n in needs)
    if not needs or not scenario.hotels:  # nobody carried, or carried to hotels this scenario does not know
        return WaitBound(0.0, people, "none", time.perf_counter() - t0)
    fixed = fixed or scenario.fixed or Plan()
    cost = cost_matrix(scenario, needs)
    hidx = {h.id: j for j, h in enumerate(scenario.hotels)}
    pinned_hotel = {r.need: hidx.get(r.hotel) for r in fixed.rooms}
    residual = rooms_left(scenario, fixed)
    caps = np.array([tuple(residual[h.id]) for h in scenario.hotels], dtype=np.int64).reshape(-1, 3)
    pinned_total, free = 0.0, []
    for i, n in enumerate(needs):
        if n.id in pinned_hotel and pinned_hotel[n.id] is not None:
            pinned_total += carried[n.id] * float(cost[i, pinned_hotel[n.id]])
        else:
            free.append(i)
    if free:  # a need can only go where its rooms fit what is left (all needs against all hotels at once)
        asked = np.array([tuple(needs[i].rooms) for i in free], dtype=np.int64).reshape(-1, 3)
        fits = rules.fits_counts(asked[:, 0:1], asked[:, 1:2], asked[:, 2:3], caps[None, :, 0], caps[None, :, 1],
                                 caps[None, :, 2])
        cost[np.array(free)[:, None], np.arange(len(caps))[None, :]] = np.where(fits, cost[free], math.inf)
    people_free = np.array([float(carried[needs[i].id]) for i in free])
    nearest = pinned_total + float((people_free * cost[free].min(axis=1)).sum()) if free else pinned_total
    if not math.isfinite(nearest):
        # some need fits no hotel: no valid plan carries it; report nothing rather than a guess
        logger.warning("wait bound: a carried need fits no hotel that accepts it; no bound")
        return WaitBound(0.0, people, "none", time.perf_counter() - t0)
    if not free:
        return WaitBound(pinned_total, people, "lp", time.perf_counter() - t0)
    if _nearest_fits(needs, free, cost, caps):  # every need in its cheapest hotel: that is the optimum
        return WaitBound(nearest, people, "lp", time.perf_counter() - t0)
    lp = _placement_lp(needs, free, carried, cost, caps, t0 + time_limit_s)
    if lp is None:
        return WaitBound(nearest, people, "nearest", time.perf_counter() - t0)
    return WaitBound(pinned_total + lp, people, "lp", time.perf_counter() - t0)


def _asked(n: TransferNeed) -> tuple[int, int, int]:
    """What a need takes of a hotel in the LP's three rows: family, accessible, all rooms."""
    return n.rooms.family, n.rooms.accessible, n.rooms.total()


def _nearest_fits(needs: list[TransferNeed], free: list[int], cost: np.ndarray, caps: np.ndarray) -> bool:
    """Every need at its cheapest hotel stays within the rooms left: then the LP needs no solving."""
    left = np.stack([caps[:, 1], caps[:, 2], caps.sum(axis=1)], axis=1)
    used = np.zeros_like(left)
    for i in free:
        used[int(np.argmin(cost[i]))] += _asked(needs[i])
    return bool((used <= left).all())


def _placement_lp(needs: list[TransferNeed], free: list[int], carried: dict[str, int], cost: np.ndarray,
                  caps: np.ndarray, until: float) -> float | None:
    """min Σ people × cost over the placement LP (module docstring); None if GLOP fails or the time
    left before `until` (perf_counter) is too short to build and solve it. Built through the model
    builder's array calls: at city size pywraplp's one call per variable took most of a second."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i in free:
        n = needs[i]
        groups[(n.site, n.risk, n.ready_at, tuple(n.rooms), carried[n.id])].append(i)
    if time.perf_counter() + len(groups) * (K + 1) * BUILD_S_PER_COLUMN > until:
        logger.debug("wait bound LP: %d groups do not fit the time left; nearest-hotel bound instead", len(groups))
        return None
    reps = [members[0] for members in groups.values()]
    sub = cost[reps]
    finite = np.isfinite(sub).sum(axis=1)
    kth = min(K, sub.shape[1] - 1)
    part = np.argpartition(sub, kth, axis=1)  # [:K] the K cheapest, [K] the next one
    col_g: list[int] = []
    col_h: list[int] = []  # -1: the spill column
    col_cost: list[float] = []
    for g, i in enumerate(reps):
        row = cost[i]
        kept = part[g, :K].tolist() if finite[g] > K else np.flatnonzero(np.isfinite(row)).tolist()
        if finite[g] > len(kept):  # spill: any hotel outside the K costs at least the next one
            kept.append(-1)
        col_g += [g] * len(kept)
        col_h += kept
        col_cost += [float(row[part[g, K]]) if j < 0 else float(row[j]) for j in kept]
    count = np.array([float(len(m)) for m in groups.values()])
    per_person = np.array([float(carried[needs[i].id]) for i in reps])
    gs, hs = np.array(col_g), np.array(col_h)
    model = mb.Model()
    helper = model.helper
    cols = helper.add_var_array_with_bounds(np.zeros(len(gs)), count[gs], np.zeros(len(gs), dtype=bool), "")
    helper.set_objective_coefficients(cols.tolist(), (per_person[gs] * np.array(col_cost)).tolist())
    starts = np.searchsorted(gs, np.arange(len(reps) + 1))  # columns come group by group
    for g in range(len(reps)):  # every need of the group placed somewhere
        ct = helper.add_linear_constraint()
        helper.set_constraint_lower_bound(ct, count[g])
        helper.set_constraint_upper_bound(ct, count[g])
        for v in cols[starts[g]:starts[g + 1]].tolist():
            helper.add_term_to_constraint(ct, v, 1.0)
    asked = np.array([_asked(needs[i]) for i in reps], dtype=float).reshape(-1, 3)
    left = np.stack([caps[:, 1], caps[:, 2], caps.sum(axis=1)], axis=1).astype(float)
    at_hotel = hs >= 0
    order = np.argsort(hs, kind="stable")
    order = order[at_hotel[order]]
    bounds = np.searchsorted(hs[order], np.arange(len(caps) + 1))
    for j in range(len(caps)):
        here = order[bounds[j]:bounds[j + 1]]
        for t in range(3):
            q = asked[gs[here], t]
            if q.any():
                ct = helper.add_linear_constraint()
                helper.set_constraint_upper_bound(ct, left[j, t])
                helper.set_constraint_lower_bound(ct, -math.inf)
                for v, qq in zip(cols[here].tolist(), q.tolist(), strict=True):
                    if qq:
                        helper.add_term_to_constraint(ct, v, qq)
    left_s = until - time.perf_counter()
    if left_s <= 0.005:
        return None
    solver = mb.Solver("glop")
    if not solver.solver_is_supported():
        logger.warning("GLOP unavailable; wait bound falls back to the nearest hotel")
        return None
    solver.set_time_limit_in_seconds(left_s)
    status = solver.solve(model)
    if status != mb.SolveStatus.OPTIMAL:
        logger.info("wait bound LP: GLOP status %s; nearest-hotel bound instead", status)
        return None
    return max(0.0, float(solver.objective_value) * (1 - 1e-7) - 1e-6)  # against LP tolerances: stay a bound
