"""Supply stage: staple stock from warehouses to supply lines, exact and fast.

Why this shape: any warehouse may ship to any site, so per SKU the stock is fungible and the
lexicographic goals separate cleanly:
1. strict priority — priority 1 lines take what they ask, then priority 2, ...; the first priority
   that cannot be covered is rationed and lower ones get nothing. This is the optimum of the
   weighted unserved quantity (it is also its proven bound: no plan can ship more of a SKU than
   min(stock, asked), and shipping to a more urgent line never costs weight).
2. fair shares within the rationed priority — every line gets floor(r × asked) with r the common
   fill ratio, and the few units left over go one each to some of those lines;
3. quantity × km — one min-cost flow per SKU decides which warehouse ships what, and which
   rationed lines take the left-over units. Min-cost flow is exact (costs in metres).
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

from . import reasons, rules
from .model import Scenario
from .plan import Plan, SupplyAssignment, Unmet
from .result import StageReport, Status
from .travel import Travel

logger = logging.getLogger(__name__)


@dataclass
class _Line:
    need: str
    sku: str
    site: str
    priority: int
    weight: int
    asked: int
    base: int = 0          # units granted before the left-over units are spread
    extra_ok: bool = False  # may take one more unit (rationed line with a fractional share)


def solve_supply(scenario: Scenario, travel: Travel, *, fixed: Plan | None = None,
                 previous: Plan | None = None) -> tuple[list[SupplyAssignment], list[Unmet], StageReport]:
    """Allocate stock to supply needs; `fixed` draws are consumed first and not repeated here."""
    t0 = time.perf_counter()
    stock: dict[tuple[str, str], int] = defaultdict(int)
    for s in scenario.stock:
        stock[(s.warehouse, s.sku)] += s.quantity
    given_fixed: dict[tuple[str, str], int] = defaultdict(int)
    status = Status.OPTIMAL
    held = dict(stock)
    drawn: dict[tuple[str, str], int] = defaultdict(int)
    for a in (fixed.supply if fixed else []):
        given_fixed[(a.need, a.sku)] += a.quantity
        key = (a.warehouse, a.sku)
        drawn[key] += a.quantity
        stock[key] = max(0, held.get(key, 0) - drawn[key])
        if not rules.stock_within(drawn[key], held.get(key, 0)):
            logger.warning("fixed supply overdraws %s at %s", a.sku, a.warehouse)
            status = Status.INFEASIBLE
    prev_used = {(a.need, a.sku, a.warehouse) for a in (previous.supply if previous else [])}

    lines: dict[str, dict[tuple[str, str], _Line]] = defaultdict(dict)
    for n in scenario.supplies:
        for ln in n.lines:
            key = (n.id, ln.sku)
            line = lines[ln.sku].get(key)
            if line is None:
                line = lines[ln.sku][key] = _Line(n.id, ln.sku, n.site, n.priority, n.weight, 0)
            line.asked += ln.quantity
    for sku_lines in lines.values():
        for line in sku_lines.values():
            line.asked = max(0, line.asked - given_fixed.get((line.need, line.sku), 0))

    out: list[SupplyAssignment] = []
    unmet: list[Unmet] = []
    weighted_unserved = 0
    for sku, sku_lines in sorted(lines.items()):
        warehouses = {w: q for (w, s), q in stock.items() if s == sku and q > 0}
        rationed_p = _ration(list(sku_lines.values()), sum(warehouses.values()))
        assignments = _flow(sku, list(sku_lines.values()), warehouses, travel, prev_used)
        got: dict[str, int] = defaultdict(int)
        for a in assignments:
            got[a.need] += a.quantity
        out.extend(assignments)
        total_short = sum(ln.asked for ln in sku_lines.values()) - sum(warehouses.values())
        for line in sku_lines.values():
            short = line.asked - got[line.need]
            if short <= 0:
                continue
            weighted_unserved += line.weight * short
            if not warehouses:
                unmet.append(reasons.no_stock(line.need, sku, short))
            else:
                unmet.append(reasons.stock_short(line.need, sku, short, max(total_short, short),
                                                 rationed=line.priority == rationed_p))
    site_of = {n.id: n.site for n in scenario.supplies}
    qkm = sum(a.quantity * travel.km(a.warehouse, site_of[a.need]) for a in out)
    report = StageReport("supply", status, float(weighted_unserved), float(weighted_unserved),
                         time.perf_counter() - t0, {"quantity_km": round(qkm, 1),
                                                    "quantity_km_bound": round(qkm, 1)})
    return out, unmet, report


def _ration(lines: list[_Line], available: int) -> int | None:
    """Set `base`/`extra_ok` on each line by strict priority; return the rationed priority."""
    rationed = None
    left = available
    for p in (1, 2, 3, 4):
        group = [ln for ln in lines if ln.priority == p and ln.asked > 0]
        asked = sum(ln.asked for ln in group)
        if asked <= left:
            for ln in group:
                ln.base = ln.asked
            left -= asked
            continue
        if left > 0:
            rationed = p
        for ln in group:
            ln.base = (left * ln.asked) // asked if left > 0 else 0
            ln.extra_ok = left > 0 and ln.base < ln.asked and (left * ln.asked) % asked != 0
        left = 0
    return rationed


def _flow(sku: str, lines: list[_Line], warehouses: dict[str, int], travel: Travel,
          prev_used: set[tuple[str, str, str]]) -> list[SupplyAssignment]:
    """Min-cost flow: warehouses -> lines (-> shared left-over node), the rest to a dummy sink."""
    if not warehouses:
        return []
    active = [ln for ln in lines if ln.base > 0 or ln.extra_ok]
    served = sum(ln.base for ln in active)
    total = sum(warehouses.values())
    extra = min(total, sum(ln.asked for ln in lines)) - served
    extra = max(0, min(extra, sum(1 for ln in active if ln.extra_ok)))
    wh = sorted(warehouses)
    smcf = min_cost_flow.SimpleMinCostFlow()
    n_w, n_l = len(wh), len(active)
    extra_node, dummy = n_w + n_l, n_w + n_l + 1
    arcs: list[tuple[int, int, int]] = []
    for i, w in enumerate(wh):
        smcf.set_node_supply(i, warehouses[w])
        smcf.add_arc_with_capacity_and_unit_cost(i, dummy, warehouses[w], 0)
        for j, ln in enumerate(active):
            cost = int(round(travel.km(w, ln.site) * 1000))
            if (ln.need, sku, w) in prev_used:
                cost = int(cost * 0.9)  # small churn penalty: prefer what was proposed before
            arc = smcf.add_arc_with_capacity_and_unit_cost(i, n_w + j, ln.base + 1, cost)
            arcs.append((arc, i, j))
    for j, ln in enumerate(active):
        smcf.set_node_supply(n_w + j, -ln.base)
        if ln.extra_ok:
            smcf.add_arc_with_capacity_and_unit_cost(n_w + j, extra_node, 1, 0)
    smcf.set_node_supply(extra_node, -extra)
    smcf.set_node_supply(dummy, -(total - served - extra))
    st = smcf.solve()
    if st != smcf.OPTIMAL:
        raise RuntimeError(f"supply flow for {sku} failed with status {st}")
    out = []
    for arc, i, j in arcs:
        f = smcf.flow(arc)
        if f > 0:
            out.append(SupplyAssignment(active[j].need, sku, wh[i], int(f)))
    return out
